//! Property tests: the codec and parsers are total, and encode/decode round
//! trip.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary: helpers outside #[test] fns

mod common;
mod strategies;

use bytes::BytesMut;
use proptest::prelude::*;
use strategies::{framed_garbage, pdu, short_message, tlvs};
use switchboard_smpp::codec::{decode, encode, encode_to_vec};
use switchboard_smpp::pdu::{Frame, Pdu, ShortMessage, Tlv};
use switchboard_smpp::{charset, receipt, udh};

/// Decodes everything in `bytes`, checking the consumption contract, and
/// returns the frames. Each decoded frame must survive encode → decode.
fn drain(bytes: &[u8]) -> Vec<Frame> {
    let mut buf = BytesMut::from(bytes);
    let mut frames = Vec::new();
    loop {
        let before = buf.len();
        match decode(&mut buf) {
            Ok(None) => {
                assert_eq!(buf.len(), before, "Ok(None) consumed bytes");
                break;
            }
            Ok(Some(frame)) => {
                assert!(buf.len() < before);
                let mut again = BytesMut::from(&encode_to_vec(&frame)[..]);
                assert_eq!(
                    decode(&mut again),
                    Ok(Some(frame.clone())),
                    "re-encoding is unstable"
                );
                frames.push(frame);
            }
            Err(e) if e.is_fatal() => {
                assert_eq!(buf.len(), before, "fatal error consumed bytes");
                break;
            }
            Err(_) => assert!(buf.len() < before, "non-fatal error consumed nothing"),
        }
    }
    frames
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn decode_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        drain(&bytes);
    }

    #[test]
    fn decode_never_panics_on_framed_garbage(pdus in prop::collection::vec(framed_garbage(), 1..4)) {
        drain(&pdus.concat());
    }

    #[test]
    fn decode_never_panics_on_mutated_vectors(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
    ) {
        let vectors = common::all_vectors();
        let mut bytes = vectors[pick.index(vectors.len())].1.clone();
        for (at, value) in edits {
            // Leave command_length alone half of the time so bodies get exercised.
            let i = at.index(bytes.len());
            if i >= 4 || value & 1 == 0 {
                bytes[i] = value;
            }
        }
        drain(&bytes);
        drain(&bytes[..cut.index(bytes.len() + 1)]);
    }
}

proptest! {
    #[test]
    fn every_pdu_round_trips(pdu in pdu(), status in any::<u32>(), sequence in any::<u32>()) {
        let frame = Frame { status, sequence, pdu };
        let mut buf = BytesMut::new();
        encode(&frame, &mut buf);
        let len = u32::from_be_bytes([buf[0], buf[1], buf[2], buf[3]]);
        prop_assert_eq!(len as usize, buf.len());
        prop_assert_eq!(decode(&mut buf), Ok(Some(frame)));
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn short_messages_round_trip(sm in short_message(), deliver in any::<bool>(), seq in 1u32..=0x7FFF_FFFF) {
        let pdu = if deliver { Pdu::DeliverSm(sm) } else { Pdu::SubmitSm(sm) };
        let frame = Frame::new(seq, pdu);
        let mut buf = BytesMut::from(&encode_to_vec(&frame)[..]);
        prop_assert_eq!(decode(&mut buf), Ok(Some(frame)));
    }

    #[test]
    fn gsm7_pack_unpack_round_trip(septets in prop::collection::vec(0u8..0x80, 0..400)) {
        let packed = charset::gsm7_pack(&septets);
        prop_assert_eq!(packed.len(), (septets.len() * 7).div_ceil(8));
        prop_assert_eq!(charset::gsm7_unpack(&packed, septets.len()), septets);
    }

    #[test]
    fn gsm7_text_round_trips(text in "[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+\\-,./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\\\\\[~\\]|€\u{c}]{0,200}") {
        let bytes = charset::gsm7_encode(&text).unwrap();
        prop_assert_eq!(charset::gsm7_decode(&bytes), text);
    }

    #[test]
    fn charset_decoders_are_total(bytes in prop::collection::vec(any::<u8>(), 0..300), dc in any::<u8>(), n in 0usize..400) {
        let _ = charset::decode_for(dc, &bytes);
        let _ = charset::gsm7_unpack(&bytes, n);
        let text = charset::ucs2_decode(&bytes);
        prop_assert_eq!(charset::ucs2_decode(&charset::ucs2_encode(&text)), text);
    }

    #[test]
    fn receipt_parser_never_panics_on_bytes(
        body in prop::collection::vec(any::<u8>(), 0..300), esm in any::<u8>(), dc in any::<u8>(), tlvs in tlvs(),
    ) {
        let _ = receipt::parse_parts(esm, dc, &body, &tlvs);
    }

    #[test]
    fn receipt_parser_never_panics_on_label_soup(
        text in "((id|ID|sub|dlvrd|submit date|done_date|stat|Stat|err|text|Text|x)[: ]{0,2}[a-zA-Z0-9 \u{e9}\u{1F600}:]{0,12}){0,12}",
        state in any::<u8>(),
    ) {
        let sm = ShortMessage {
            esm_class: 0x04,
            short_message: text.as_bytes().to_vec(),
            tlvs: vec![Tlv::u8(0x0427, state)],
            ..ShortMessage::default()
        };
        if let Some(r) = receipt::parse(&sm) {
            prop_assert!(!r.message_id.is_empty());
            let _ = receipt::format(&r);
            let _ = receipt::id_variants(&r.message_id);
            let _ = r.submit_date.as_deref().map(receipt::parse_date);
        }
    }

    #[test]
    fn id_variants_and_dates_are_total(id in "\\PC{0,50}") {
        let v = receipt::id_variants(&id);
        prop_assert!(v.is_empty() == id.trim().is_empty());
        let _ = receipt::parse_date(&id);
    }

    #[test]
    fn find_concat_never_panics(ud in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Some((c, payload)) = udh::find_concat(&ud) {
            prop_assert!(c.seq >= 1 && c.seq <= c.total);
            prop_assert!(payload.len() < ud.len());
        }
        let _ = udh::split_udh(&ud);
    }

    #[test]
    fn concat_headers_are_found_again(reference in any::<u16>(), total in 1u8..=255, seq in any::<prop::sample::Index>(), wide in any::<bool>()) {
        let c = udh::Concat { reference: if wide { reference } else { reference & 0xFF }, total, seq: 1 + u8::try_from(seq.index(usize::from(total))).unwrap(), wide };
        let mut ud = udh::concat_header(&c);
        ud.extend_from_slice(b"payload");
        prop_assert_eq!(udh::find_concat(&ud), Some((c, &b"payload"[..])));
    }
}
