//! An outbound SMS as `submit_sm` parts: segmented by `domain::encoding`
//! (GSM-7 160/153, UCS-2 70/67, escapes and surrogates never split), encoded
//! per `data_coding`, concatenated with an 8-bit-reference UDH, and with
//! `esm_class` set explicitly.

use switchboard_domain::encoding::{self, Encoding};
use switchboard_smpp::pdu::{esm, Address, ShortMessage};
use switchboard_smpp::{charset, udh};

/// `+` numbers go as international (TON 1, NPI 1); sender IDs as alphanumeric (TON 5, NPI 0).
pub fn address(addr: &str) -> Address {
    match addr.strip_prefix('+') {
        Some(digits) => Address::new(1, 1, digits),
        None if addr.bytes().all(|b| b.is_ascii_digit()) => Address::new(1, 1, addr),
        None => Address::new(5, 0, addr),
    }
}

/// A number the network gave us, as E.164 where it looks international.
pub fn e164(a: &Address) -> String {
    let digits = a.addr.trim();
    if a.ton == 1 && !digits.starts_with('+') && digits.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{digits}")
    } else {
        digits.to_owned()
    }
}

/// The `submit_sm`s for one message; `reference` ties the parts together.
pub fn submit_parts(from: &str, to: &str, body: &str, reference: u8) -> Vec<ShortMessage> {
    let seg = encoding::segment(body);
    let total = seg.segments.len();
    let base = ShortMessage {
        source: address(from),
        dest: address(to),
        registered_delivery: 1,
        ..ShortMessage::default()
    };
    seg.segments
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let (mut payload, data_coding) = match (seg.encoding, charset::gsm7_encode(text)) {
                (Encoding::Gsm7, Some(septets)) => (septets, 0x00),
                _ => (charset::ucs2_encode(text), 0x08),
            };
            let mut esm_class = 0x00;
            if total > 1 {
                let mut data = udh::concat_header(&udh::Concat {
                    reference: u16::from(reference),
                    total: u8::try_from(total).unwrap_or(u8::MAX),
                    seq: u8::try_from(i + 1).unwrap_or(u8::MAX),
                    wide: false,
                });
                data.append(&mut payload);
                payload = data;
                esm_class = esm::UDHI;
            }
            ShortMessage {
                esm_class,
                data_coding,
                short_message: payload,
                ..base.clone()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_concatenated_parts() {
        let one = submit_parts("+15005550006", "+393331234567", "Ciao", 7);
        assert_eq!(one.len(), 1);
        assert_eq!((one[0].esm_class, one[0].data_coding), (0, 0));
        assert_eq!(one[0].dest.addr, "393331234567");
        assert_eq!(one[0].registered_delivery, 1);
        let ucs = submit_parts("Salon", "+393331234567", "È già lì", 7);
        assert_eq!(ucs[0].data_coding, 8);
        assert_eq!(
            (ucs[0].source.ton, ucs[0].source.addr.as_str()),
            (5, "Salon")
        );
        let long = submit_parts("+15005550006", "+15550001111", &"a".repeat(400), 9);
        assert_eq!(long.len(), 3);
        for (i, p) in long.iter().enumerate() {
            assert_eq!(p.esm_class, esm::UDHI);
            let (c, payload) = udh::find_concat(&p.short_message).expect("udh");
            assert_eq!(
                (c.reference, c.total, c.seq),
                (9, 3, u8::try_from(i + 1).expect("seq"))
            );
            assert!(payload.len() <= 153);
        }
    }

    #[test]
    fn addresses_round_trip() {
        assert_eq!(e164(&address("+15550001111")), "+15550001111");
        assert_eq!(e164(&Address::new(0, 0, "12345")), "12345");
    }
}
