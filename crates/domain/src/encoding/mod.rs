//! SMS body encoding and segmentation, compatible with Twilio.
//!
//! * [`segment`] picks GSM-7 or UCS-2 for a body and splits it into the
//!   segments it is sent (and billed) as.
//! * [`smart_encode`] applies Twilio's Smart Encoding replacements (curly
//!   quotes, dashes, Unicode spaces, ...) before segmentation.
//! * [`is_gsm7`], [`gsm7_septets`] and [`char_count`] measure bodies.
//! * [`gsm7_encode_unpacked`], [`gsm7_decode_unpacked`] and [`ucs2_encode`]
//!   produce the wire forms used by SMPP.
//!
//! Everything here is pure and total: no I/O, and no panics on any input.

mod gsm7;
mod segment;
mod smart;
mod smart_map;

#[cfg(test)]
mod proptests;

pub use gsm7::{gsm7_decode_unpacked, gsm7_encode_unpacked, gsm7_septets, is_gsm7};
pub use segment::{
    char_count, segment, ucs2_encode, Encoding, Segmentation, GSM7_MULTI_SEPTETS,
    GSM7_SINGLE_SEPTETS, UCS2_MULTI_UNITS, UCS2_SINGLE_UNITS,
};
pub use smart::smart_encode;
