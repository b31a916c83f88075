//! Delivery receipts: the de facto text format (SMPP 3.4 Appendix B) and the
//! receipt TLVs.
//!
//! ```text
//! id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…
//! ```
//!
//! Parsing is lenient (see [`parse`]); `receipted_message_id` (0x001E) and
//! `message_state` (0x0427) win over the text when present. Ids may come back
//! in another base than `submit_sm_resp` gave them; [`id_variants`] helps to
//! match them.

mod state;
mod text;

pub use state::ReceiptState;
pub use text::{parse_date, ReceiptDate};

use crate::charset::{self, Alphabet};
use crate::pdu::{esm, find_tlv, tags, ShortMessage, Tlv};
use text::Field;

/// A parsed delivery receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryReceipt {
    /// The SMSC message id the receipt refers to (trimmed, NULs removed).
    pub message_id: String,
    /// Final or intermediate state.
    pub stat: ReceiptState,
    /// `err:` from the text (vendor-specific, usually 3 digits).
    pub err: Option<String>,
    /// `submit date:` as written (see [`parse_date`]).
    pub submit_date: Option<String>,
    /// `done date:` as written (see [`parse_date`]).
    pub done_date: Option<String>,
    /// `sub:` (messages submitted), when numeric.
    pub sub: Option<u32>,
    /// `dlvrd:` (messages delivered), when numeric.
    pub dlvrd: Option<u32>,
    /// `text:`, the start of the original message, decoded per data_coding.
    pub text: Option<String>,
    /// The `network_error_code` TLV, when present and 3 bytes long.
    pub network_error: Option<NetworkError>,
}

/// The `network_error_code` TLV: network type and error code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetworkError {
    /// 1 ANSI-136, 2 IS-95, 3 GSM, …
    pub network_type: u8,
    /// The network's error code.
    pub code: u16,
}

/// Parses a receipt carried in `deliver_sm`: see [`parse_parts`]. The body
/// is `short_message`, or `message_payload` when that is empty.
pub fn parse(sm: &ShortMessage) -> Option<DeliveryReceipt> {
    parse_parts(sm.esm_class, sm.data_coding, sm.payload(), &sm.tlvs)
}

/// Parses a receipt from its parts (use this for `data_sm` receipts, with
/// the `message_payload` TLV as `body`).
///
/// Returns `None` unless the PDU is a receipt (esm_class type 0x04 or 0x20,
/// or a `receipted_message_id` TLV) *and* both an id and a state can be
/// found. The TLVs win over the text; the text is read label by label,
/// case-insensitively, in any order.
pub fn parse_parts(
    esm_class: u8,
    data_coding: u8,
    body: &[u8],
    tlvs: &[Tlv],
) -> Option<DeliveryReceipt> {
    let tlv_id = find_tlv(tlvs, tags::RECEIPTED_MESSAGE_ID).map(clean_id);
    if !esm::is_receipt(esm_class) && tlv_id.is_none() {
        return None;
    }
    let ucs2 = charset::alphabet(data_coding) == Alphabet::Ucs2;
    let chars: Vec<char> = if ucs2 {
        charset::ucs2_decode(body).chars().collect()
    } else {
        // Some SMSCs NUL-terminate the text.
        let end = body.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
        let body = body.get(..end).unwrap_or(&[]);
        body.iter().map(|&b| char::from(b)).collect()
    };
    let mut r = DeliveryReceipt {
        message_id: String::new(),
        stat: ReceiptState::Unknown,
        err: None,
        submit_date: None,
        done_date: None,
        sub: None,
        dlvrd: None,
        text: None,
        network_error: None,
    };
    let mut text_id = None;
    let mut text_stat = None;
    for (field, raw) in text::scan(&chars) {
        let value: String = raw.iter().collect::<String>().trim().to_owned();
        match field {
            Field::Id => text_id = Some(value),
            Field::Stat => text_stat = Some(value),
            Field::Sub => r.sub = value.parse().ok(),
            Field::Dlvrd => r.dlvrd = value.parse().ok(),
            Field::SubmitDate => r.submit_date = Some(value),
            Field::DoneDate => r.done_date = Some(value),
            Field::Err => r.err = Some(value),
            Field::Text if ucs2 => r.text = Some(value),
            Field::Text => {
                // Labels were read as Latin-1; the text field is user data
                // and gets the real alphabet (GSM bytes such as 0x05 = é).
                let bytes: Vec<u8> = value.chars().filter_map(|c| u8::try_from(c).ok()).collect();
                r.text = Some(charset::decode_for(data_coding, &bytes));
            }
        }
    }
    r.message_id = tlv_id
        .filter(|id| !id.is_empty())
        .or_else(|| text_id.filter(|id| !id.is_empty()))?;
    let tlv_state = find_tlv(tlvs, tags::MESSAGE_STATE)
        .and_then(|v| v.first())
        .and_then(|&v| ReceiptState::from_message_state(v));
    r.stat = tlv_state.or_else(|| {
        text_stat
            .filter(|s| !s.is_empty())
            .map(|s| ReceiptState::from_stat(&s))
    })?;
    r.network_error = match find_tlv(tlvs, tags::NETWORK_ERROR_CODE) {
        Some(&[network_type, hi, lo]) => Some(NetworkError {
            network_type,
            code: u16::from_be_bytes([hi, lo]),
        }),
        _ => None,
    };
    Some(r)
}

/// A `receipted_message_id` value as text: NULs dropped, trimmed.
fn clean_id(raw: &[u8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(raw.get(..end).unwrap_or(&[]))
        .trim()
        .to_owned()
}

/// Writes the canonical receipt text (for simulators). Absent optional
/// fields are left out; `text` is written as given (callers cut it to 20
/// characters).
pub fn format(r: &DeliveryReceipt) -> String {
    let mut out = format!("id:{}", r.message_id);
    if let Some(n) = r.sub {
        out.push_str(&format!(" sub:{n:03}"));
    }
    if let Some(n) = r.dlvrd {
        out.push_str(&format!(" dlvrd:{n:03}"));
    }
    if let Some(d) = &r.submit_date {
        out.push_str(&format!(" submit date:{d}"));
    }
    if let Some(d) = &r.done_date {
        out.push_str(&format!(" done date:{d}"));
    }
    out.push_str(&format!(" stat:{}", r.stat.as_stat()));
    if let Some(e) = &r.err {
        out.push_str(&format!(" err:{e}"));
    }
    if let Some(t) = &r.text {
        out.push_str(&format!(" text:{t}"));
    }
    out
}

/// Candidate keys for matching a message id across bases: the id as given
/// (trimmed, lower-cased), without leading zeros, and — when it fits in 128
/// bits — its hex form if it is all decimal digits and its decimal form if
/// it is all hex digits. Deduplicated, in that order; empty for an empty id.
///
/// Store the submit id's variants and look the receipt id's variants up (or
/// the other way round). Short ids can collide across bases (`10` hex is
/// `16` decimal), so prefer a per-carrier base when the carrier's is known.
pub fn id_variants(id: &str) -> Vec<String> {
    let given = id.trim().to_ascii_lowercase();
    if given.is_empty() {
        return Vec::new();
    }
    let mut out = vec![given.clone()];
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    let stripped = given.trim_start_matches('0');
    push(if stripped.is_empty() {
        "0".to_owned()
    } else {
        stripped.to_owned()
    });
    if given.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = given.parse::<u128>() {
            push(format!("{n:x}"));
        }
    }
    if given.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(n) = u128::from_str_radix(&given, 16) {
            push(n.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests;
