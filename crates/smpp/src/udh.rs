//! User data headers (3GPP TS 23.040 §9.2.3.24) and concatenation.
//!
//! With `esm_class & 0x40` (UDHI) the user data starts with UDHL (header
//! length, not counting itself) followed by information elements
//! (`IEI`, `IEDL`, data). Concatenation uses IEI 0x00 (8-bit reference,
//! `05 00 03 RR TT SS`) or IEI 0x08 (16-bit reference, `06 08 04 RR RR TT SS`).
//! The SAR TLVs carry the same three numbers without a UDH ([`from_sar`]).

use crate::pdu::{find_tlv, tags, Tlv};

/// IEI of concatenation with an 8-bit reference.
pub const IEI_CONCAT_8: u8 = 0x00;
/// IEI of concatenation with a 16-bit reference.
pub const IEI_CONCAT_16: u8 = 0x08;

/// One part of a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Concat {
    /// Reference shared by all parts (only the low 8 bits are sent unless
    /// `wide`).
    pub reference: u16,
    /// Number of parts (1..=255).
    pub total: u8,
    /// This part's number, from 1.
    pub seq: u8,
    /// `true` for the 16-bit-reference IE (0x08), `false` for IE 0x00.
    pub wide: bool,
}

/// One information element of a UDH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InformationElement {
    /// IEI.
    pub id: u8,
    /// IE data (IEDL bytes).
    pub data: Vec<u8>,
}

/// The full UDH for `c`, UDHL included: 6 bytes, or 7 when `wide`.
pub fn concat_header(c: &Concat) -> Vec<u8> {
    let [hi, lo] = c.reference.to_be_bytes();
    if c.wide {
        vec![0x06, IEI_CONCAT_16, 0x04, hi, lo, c.total, c.seq]
    } else {
        vec![0x05, IEI_CONCAT_8, 0x03, lo, c.total, c.seq]
    }
}

/// Splits user data that starts with a UDH into its information elements and
/// the payload after the header. `None` if the header does not fit in the
/// data or an element overruns it.
pub fn split_udh(user_data: &[u8]) -> Option<(Vec<InformationElement>, &[u8])> {
    let (&udhl, rest) = user_data.split_first()?;
    let udhl = usize::from(udhl);
    let header = rest.get(..udhl)?;
    let payload = rest.get(udhl..)?;
    let mut elements = Vec::new();
    let mut cursor = header;
    while let [id, len, tail @ ..] = cursor {
        let len = usize::from(*len);
        let data = tail.get(..len)?;
        elements.push(InformationElement {
            id: *id,
            data: data.to_vec(),
        });
        cursor = tail.get(len..)?;
    }
    // A single leftover byte cannot be an element.
    if !cursor.is_empty() {
        return None;
    }
    Some((elements, payload))
}

/// The concatenation IE of user data that starts with a UDH, with the
/// payload after the header. `None` without a valid concatenation IE (wrong
/// length, total 0, seq 0 or above total: 23.040 says to ignore such IEs).
pub fn find_concat(user_data: &[u8]) -> Option<(Concat, &[u8])> {
    let (elements, payload) = split_udh(user_data)?;
    let concat = elements
        .iter()
        .find_map(|ie| match (ie.id, ie.data.as_slice()) {
            (IEI_CONCAT_8, &[r, total, seq]) => Some(Concat {
                reference: u16::from(r),
                total,
                seq,
                wide: false,
            }),
            (IEI_CONCAT_16, &[hi, lo, total, seq]) => Some(Concat {
                reference: u16::from_be_bytes([hi, lo]),
                total,
                seq,
                wide: true,
            }),
            _ => None,
        })?;
    valid(concat).then_some((concat, payload))
}

/// The concatenation described by the SAR TLVs (`sar_msg_ref_num`,
/// `sar_total_segments`, `sar_segment_seqnum`), if all three are present
/// and valid. `wide` is always `true` (the reference is 16 bits).
pub fn from_sar(tlvs: &[Tlv]) -> Option<Concat> {
    let reference = match *find_tlv(tlvs, tags::SAR_MSG_REF_NUM)? {
        [hi, lo] => u16::from_be_bytes([hi, lo]),
        [lo] => u16::from(lo),
        _ => return None,
    };
    let total = *find_tlv(tlvs, tags::SAR_TOTAL_SEGMENTS)?.first()?;
    let seq = *find_tlv(tlvs, tags::SAR_SEGMENT_SEQNUM)?.first()?;
    let c = Concat {
        reference,
        total,
        seq,
        wide: true,
    };
    valid(c).then_some(c)
}

/// The three SAR TLVs for `c`.
pub fn sar_tlvs(c: &Concat) -> [Tlv; 3] {
    [
        Tlv::u16(tags::SAR_MSG_REF_NUM, c.reference),
        Tlv::u8(tags::SAR_TOTAL_SEGMENTS, c.total),
        Tlv::u8(tags::SAR_SEGMENT_SEQNUM, c.seq),
    ]
}

fn valid(c: Concat) -> bool {
    c.total > 0 && c.seq > 0 && c.seq <= c.total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_have_the_reference_layouts() {
        let c = Concat {
            reference: 0x0142,
            total: 2,
            seq: 1,
            wide: false,
        };
        assert_eq!(concat_header(&c), [0x05, 0x00, 0x03, 0x42, 0x02, 0x01]);
        let w = Concat { wide: true, ..c };
        assert_eq!(
            concat_header(&w),
            [0x06, 0x08, 0x04, 0x01, 0x42, 0x02, 0x01]
        );
    }

    #[test]
    fn find_concat_round_trips_both_forms() {
        for wide in [false, true] {
            let c = Concat {
                reference: if wide { 0xBEEF } else { 0x42 },
                total: 3,
                seq: 3,
                wide,
            };
            let mut ud = concat_header(&c);
            ud.extend_from_slice(b"body");
            assert_eq!(find_concat(&ud), Some((c, &b"body"[..])));
        }
    }

    #[test]
    fn other_elements_are_skipped_and_bad_headers_rejected() {
        // Port addressing IE (0x05, 4 bytes) before the concat IE.
        let ud = [
            0x0B, 0x05, 0x04, 0x0B, 0x84, 0x23, 0xF0, 0x00, 0x03, 0x07, 0x02, 0x02, b'x',
        ];
        let (c, payload) = find_concat(&ud).unwrap();
        assert_eq!((c.reference, c.total, c.seq), (7, 2, 2));
        assert_eq!(payload, b"x");
        assert_eq!(split_udh(&ud).unwrap().0.len(), 2);
        assert_eq!(find_concat(&[0x05, 0x00, 0x03, 0x01, 0x02]), None); // cut short
        assert_eq!(find_concat(&[0x05, 0x00, 0x03, 0x01, 0x02, 0x03]), None); // seq > total
        assert_eq!(find_concat(&[0x05, 0x00, 0x03, 0x01, 0x00, 0x00]), None); // total 0
        assert_eq!(find_concat(&[0x02, 0x00, 0x05]), None); // IE overruns
        assert_eq!(find_concat(&[]), None);
    }

    #[test]
    fn sar_tlvs_round_trip() {
        let c = Concat {
            reference: 0x1234,
            total: 4,
            seq: 2,
            wide: true,
        };
        assert_eq!(from_sar(&sar_tlvs(&c)), Some(c));
        assert_eq!(from_sar(&sar_tlvs(&c)[..2]), None);
    }
}
