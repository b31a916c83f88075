use super::*;
use crate::pdu::{Address, ShortMessage, Tlv};

fn receipt_sm(text: &str, tlvs: Vec<Tlv>) -> ShortMessage {
    ShortMessage {
        source: Address::new(1, 1, "393401234567"),
        dest: Address::new(5, 0, "Switchbrd"),
        esm_class: esm::RECEIPT,
        short_message: text.as_bytes().to_vec(),
        tlvs,
        ..ShortMessage::default()
    }
}

const CANONICAL: &str = "id:1000 sub:001 dlvrd:001 submit date:2611291530 \
                         done date:2611291531 stat:DELIVRD err:000 text:Perch\u{5} costa 5";

#[test]
fn canonical_format() {
    let r = parse(&receipt_sm(CANONICAL, vec![])).unwrap();
    assert_eq!(r.message_id, "1000");
    assert_eq!(r.stat, ReceiptState::Delivered);
    assert_eq!(r.sub, Some(1));
    assert_eq!(r.dlvrd, Some(1));
    assert_eq!(r.submit_date.as_deref(), Some("2611291530"));
    assert_eq!(r.done_date.as_deref(), Some("2611291531"));
    assert_eq!(r.err.as_deref(), Some("000"));
    // data_coding 0: the text field is GSM-7 (0x05 is é).
    assert_eq!(r.text.as_deref(), Some("Perché costa 5"));
    assert_eq!(r.network_error, None);
    assert_eq!(
        parse_date(r.done_date.as_deref().unwrap()).unwrap().minute,
        31
    );
}

#[test]
fn upper_case_keys_and_any_order() {
    let t = "STAT:undeliv ERR:001 ID:ABC123 Submit Date:2611291530 Text:x SUB:1 DLVRD:0";
    let r = parse(&receipt_sm(t, vec![])).unwrap();
    assert_eq!(r.message_id, "ABC123");
    assert_eq!(r.stat, ReceiptState::Undeliverable);
    assert_eq!(r.err.as_deref(), Some("001"));
    assert_eq!(r.text.as_deref(), Some("x"));
    assert_eq!((r.sub, r.dlvrd), (Some(1), Some(0)));
}

#[test]
fn missing_fields() {
    let r = parse(&receipt_sm("id:77 stat:EXPIRED", vec![])).unwrap();
    assert_eq!(r.message_id, "77");
    assert_eq!(r.stat, ReceiptState::Expired);
    assert_eq!(
        (r.err, r.sub, r.text, r.submit_date),
        (None, None, None, None)
    );
    // No id anywhere, or no state anywhere: not a usable receipt.
    assert_eq!(parse(&receipt_sm("stat:DELIVRD err:000", vec![])), None);
    assert_eq!(parse(&receipt_sm("id:77 err:000", vec![])), None);
    assert_eq!(parse(&receipt_sm("", vec![])), None);
}

#[test]
fn every_stat_value() {
    for (stat, want, state) in [
        ("DELIVRD", ReceiptState::Delivered, 2),
        ("EXPIRED", ReceiptState::Expired, 3),
        ("DELETED", ReceiptState::Deleted, 4),
        ("UNDELIV", ReceiptState::Undeliverable, 5),
        ("ACCEPTD", ReceiptState::Accepted, 6),
        ("UNKNOWN", ReceiptState::Unknown, 7),
        ("REJECTD", ReceiptState::Rejected, 8),
        ("ENROUTE", ReceiptState::Enroute, 1),
        ("delivrd", ReceiptState::Delivered, 2),
    ] {
        let r = parse(&receipt_sm(&format!("id:1 stat:{stat} err:0"), vec![])).unwrap();
        assert_eq!(r.stat, want, "{stat}");
        assert_eq!(r.stat.message_state(), Some(state));
        assert_eq!(ReceiptState::from_message_state(state), Some(want));
    }
    let odd = parse(&receipt_sm("id:1 stat:Failed", vec![])).unwrap();
    assert_eq!(odd.stat, ReceiptState::Other("FAILED".into()));
    assert!(!odd.stat.is_final());
    assert!(ReceiptState::Rejected.is_final());
    assert_eq!(ReceiptState::from_message_state(0), None);
    assert_eq!(
        ReceiptState::from_message_state(9).unwrap().message_state(),
        Some(9)
    );
}

#[test]
fn tlvs_take_precedence_over_text() {
    let tlvs = vec![
        Tlv::cstring(tags::RECEIPTED_MESSAGE_ID, "1a2b"),
        Tlv::u8(tags::MESSAGE_STATE, 5),
        Tlv::new(tags::NETWORK_ERROR_CODE, vec![3, 0x00, 0x22]),
    ];
    let r = parse(&receipt_sm("id:6699 stat:DELIVRD err:000", tlvs)).unwrap();
    assert_eq!(r.message_id, "1a2b");
    assert_eq!(r.stat, ReceiptState::Undeliverable);
    assert_eq!(
        r.network_error,
        Some(NetworkError {
            network_type: 3,
            code: 0x22
        })
    );
    // A message_state outside 1..=9 is ignored in favour of the text.
    let r = parse(&receipt_sm(
        "id:1 stat:DELIVRD",
        vec![Tlv::u8(tags::MESSAGE_STATE, 0)],
    ))
    .unwrap();
    assert_eq!(r.stat, ReceiptState::Delivered);
    // TLVs alone make a receipt even without the esm_class bit or text.
    let mut sm = receipt_sm(
        "",
        vec![
            Tlv::cstring(tags::RECEIPTED_MESSAGE_ID, " 42 "),
            Tlv::u8(tags::MESSAGE_STATE, 2),
        ],
    );
    sm.esm_class = 0;
    assert_eq!(parse(&sm).unwrap().message_id, "42");
}

#[test]
fn mo_messages_are_not_receipts() {
    let mut sm = receipt_sm("id:1 stat:DELIVRD", vec![]);
    sm.esm_class = 0;
    assert_eq!(parse(&sm), None);
    // Mode bits do not matter (Kannel sets 0x03); intermediate notifications count.
    sm.esm_class = esm::RECEIPT | esm::MODE_STORE_AND_FORWARD;
    assert!(parse(&sm).is_some());
    sm.esm_class = esm::INTERMEDIATE_NOTIFICATION;
    assert!(parse(&sm).is_some());
}

#[test]
fn ucs2_and_payload_receipts() {
    let mut sm = receipt_sm("", vec![]);
    sm.data_coding = 8;
    sm.short_message = crate::charset::ucs2_encode("id:5 stat:REJECTD text:Ж");
    let r = parse(&sm).unwrap();
    assert_eq!((r.message_id.as_str(), r.text.as_deref()), ("5", Some("Ж")));
    let body = b"id:9 stat:DELIVRD\0".to_vec();
    let r = parse_parts(
        esm::RECEIPT,
        0,
        &body,
        &[Tlv::new(tags::MESSAGE_PAYLOAD, body.clone())],
    )
    .unwrap();
    assert_eq!(r.stat, ReceiptState::Delivered);
    let sm = receipt_sm(
        "",
        vec![Tlv::new(
            tags::MESSAGE_PAYLOAD,
            b"id:3 stat:EXPIRED".to_vec(),
        )],
    );
    assert_eq!(parse(&sm).unwrap().message_id, "3");
}

#[test]
fn format_then_parse() {
    let r = parse(&receipt_sm(CANONICAL, vec![])).unwrap();
    // A simulator encodes the text for its data_coding (GSM-7 here).
    let mut sm = receipt_sm("", vec![]);
    sm.short_message = crate::charset::gsm7_encode(&format(&r)).unwrap();
    assert_eq!(parse(&sm).unwrap(), r);
    assert_eq!(
        format(&DeliveryReceipt {
            message_id: "a1".into(),
            stat: ReceiptState::Delivered,
            err: Some("000".into()),
            submit_date: None,
            done_date: None,
            sub: Some(1),
            dlvrd: Some(1),
            text: None,
            network_error: None,
        }),
        "id:a1 sub:001 dlvrd:001 stat:DELIVRD err:000"
    );
}

#[test]
fn hex_and_decimal_ids_meet() {
    assert_eq!(id_variants(" 1A2B "), vec!["1a2b", "6699"]);
    assert_eq!(id_variants("6699"), vec!["6699", "1a2b", "26265"]);
    assert_eq!(id_variants("000123"), vec!["000123", "123", "7b", "291"]);
    assert_eq!(id_variants("0"), vec!["0"]);
    assert_eq!(id_variants(""), Vec::<String>::new());
    assert_eq!(id_variants("msg-42"), vec!["msg-42"]);
    let submit = id_variants("1a2b");
    assert!(id_variants("6699").iter().any(|v| submit.contains(v)));
    let submit = id_variants("00012");
    assert!(id_variants("c").iter().any(|v| submit.contains(v)));
    // Too long for 128 bits: no conversions, no panic.
    assert_eq!(id_variants(&"9".repeat(60)).len(), 1);
}
