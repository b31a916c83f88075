//! SMPP 3.4 for Switchboard's carrier links: PDU types, a sans-IO codec,
//! data codings, concatenation headers, delivery receipts, status codes and
//! an ESME session state machine.
//!
//! Architecture invariants: this crate is a leaf and knows nothing about
//! Switchboard (no domain types, no store, no clock reads); it does no I/O
//! unless the `tokio` feature adds the `framed` adaptor; nothing in it
//! panics on input from the wire.
//!
//! Layout:
//! - [`pdu`]: [`pdu::Frame`] (status, sequence, [`pdu::Pdu`]) and the body
//!   types; command ids, TLV tags and field bit constants.
//! - [`codec`]: `decode(&mut BytesMut) -> Result<Option<Frame>, DecodeError>`
//!   (`None` = need more bytes) and `encode(&Frame, &mut BytesMut)`.
//! - [`charset`]: GSM-7 (unpacked and packed), UCS-2, Latin-1, and
//!   `data_coding` → alphabet.
//! - [`udh`]: concatenation UDHs (8- and 16-bit references) and SAR TLVs.
//! - [`receipt`]: lenient delivery-receipt parsing, formatting, id matching.
//! - [`status`]: `command_status` constants, names and retry classes.
//! - [`session`]: the ESME session (bind, window, keepalive, timers),
//!   driven by frames and a caller-supplied `Instant`.
//! - `framed` (feature `tokio`): `SmppCodec` for `tokio_util::codec`.
//!
//! # Driving a session
//!
//! The caller owns the socket and the clock; the session owns the protocol.
//! Everything the session returns as a [`pdu::Frame`] or
//! [`session::Event::Send`] must be written to the peer.
//!
//! ```
//! use std::time::{Duration, Instant};
//! use bytes::BytesMut;
//! use switchboard_smpp::codec;
//! use switchboard_smpp::pdu::{Bind, BindKind, Frame, Pdu};
//! use switchboard_smpp::session::{Event, Session, SessionConfig};
//!
//! let t0 = Instant::now(); // read once by the caller, never by the crate
//! let bind = Bind::new(BindKind::Transceiver, "test", "secret");
//! let mut session = Session::new(SessionConfig::new(bind));
//! let mut to_peer = BytesMut::new();
//! codec::encode(&session.start(t0), &mut to_peer);
//!
//! // Bytes read from the socket (here: a bind_resp and an enquire_link).
//! let mut from_peer = BytesMut::new();
//! let resp = Pdu::BindResp { kind: BindKind::Transceiver, system_id: "SMSC".into(), tlvs: vec![] };
//! codec::encode(&Frame::response(1, 0, resp), &mut from_peer);
//! codec::encode(&Frame::new(77, Pdu::EnquireLink), &mut from_peer);
//!
//! let now = t0 + Duration::from_millis(20);
//! let mut events = Vec::new();
//! loop {
//!     match codec::decode(&mut from_peer) {
//!         Ok(Some(frame)) => events.extend(session.on_frame(frame, now)),
//!         Ok(None) => break, // wait for more bytes
//!         Err(e) => {
//!             // Non-fatal: the bad PDU was consumed; the session nacks it.
//!             events.extend(session.on_decode_error(&e, now));
//!             if e.is_fatal() {
//!                 break; // framing lost: flush the nack, then close
//!             }
//!         }
//!     }
//! }
//! for event in &events {
//!     match event {
//!         Event::Send(frame) => codec::encode(frame, &mut to_peer),
//!         Event::Bound { system_id } => assert_eq!(system_id, "SMSC"),
//!         other => panic!("unexpected {other:?}"),
//!     }
//! }
//! assert_eq!(events.len(), 2); // Bound, then Send(enquire_link_resp)
//! // Later: session.poll(now) for keepalives and timeouts, at session.next_deadline().
//! ```
//!
//! # Why our own codec and not `rusmpp`
//!
//! The research note recommends `rusmpp` 0.4 as the PDU codec. We reviewed
//! it (`rusmpp-core` 0.4.0, ~27k lines) against what this crate must offer
//! and wrote the ~600 lines of codec ourselves, because wrapping it would
//! have cost more than it saves:
//! - Its PDUs are strongly typed (`COctetString<1, 21>`,
//!   `EmptyOrFullCOctetString<17>`, `EsmClass`, `DataCoding`, ~40 typed TLV
//!   variants). Keeping rusmpp out of our public API means a field-by-field
//!   conversion in both directions for every PDU, and turning typed TLVs back
//!   into raw `(tag, bytes)` means re-encoding each one: more code than the
//!   codec itself.
//! - Its bounded types reject what real peers send (over-long addresses,
//!   odd schedule/validity strings); we want to pass those through and let
//!   the session decide. Its `EsmClass::default()` in 0.4.0 encodes 0x08
//!   (fixed on master, unreleased), the kind of surprise raw `u8` fields
//!   avoid.
//! - We need exact framing semantics — `Ok(None)` consuming nothing, bad
//!   bodies consumed so the caller can `generic_nack` and continue, fatal
//!   errors for `command_length` out of range — and byte-exact re-encoding
//!   for golden vectors. Both are simpler to guarantee in code we own.
//!
//! The PDUs we decode are the ones an ESME and a simulator exchange
//! (bind*, submit_sm, deliver_sm, data_sm, query_sm, enquire_link, unbind,
//! generic_nack, outbind, alert_notification). `replace_sm`, `cancel_sm`,
//! `submit_multi` and vendor commands decode as
//! [`codec::DecodeError::UnknownCommand`] (non-fatal) and get a
//! `generic_nack` with `ESME_RINVCMDID`.

#![warn(missing_docs)]

pub mod charset;
pub mod codec;
#[cfg(feature = "tokio")]
pub mod framed;
pub mod pdu;
pub mod receipt;
pub mod session;
pub mod status;
pub mod udh;

pub use codec::{decode, encode, DecodeError};
pub use pdu::{Address, Bind, BindKind, Frame, Pdu, ShortMessage, Tlv};
