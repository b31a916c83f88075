//! Golden vectors: each `tests/vectors/*.hex` file was written by hand from
//! the SMPP 3.4 field layout. Every one must decode to the frame below and
//! re-encode to the identical bytes.
//!
//! Cross-check (2026-11-29, npm `smpp` 0.5.1 in a scratch dir,
//! `new smpp.PDU(name, fields).toBuffer()`): submit_sm, submit_sm_payload,
//! deliver_sm_receipt, deliver_sm_mo, deliver_sm_resp, bind_transceiver_resp,
//! submit_sm_resp, query_sm, query_sm_resp, enquire_link and generic_nack
//! are byte-identical to node-smpp's output. bind_transceiver differs only in
//! interface_version (node-smpp defaults to 0x50), data_sm only by our extra
//! vendor TLV.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary: helpers outside #[test] fns

mod common;

use bytes::BytesMut;
use switchboard_smpp::codec::{decode, encode};
use switchboard_smpp::pdu::{tags, Address, Bind, BindKind, Frame, Pdu, ShortMessage, Tlv};
use switchboard_smpp::{charset, receipt, udh};

fn sender() -> Address {
    Address::new(5, 0, "Switchbrd")
}

fn handset() -> Address {
    Address::new(1, 1, "393401234567")
}

fn mt(short_message: Vec<u8>) -> ShortMessage {
    ShortMessage {
        source: sender(),
        dest: handset(),
        registered_delivery: 1,
        short_message,
        ..ShortMessage::default()
    }
}

/// The frame each vector must decode to.
fn expected(name: &str) -> Frame {
    let receipt_text = "id:1000 sub:001 dlvrd:001 submit date:2611291530 \
                        done date:2611291531 stat:DELIVRD err:000 text:Perché costa 5";
    match name {
        "bind_transceiver" => Frame::new(
            1,
            Pdu::Bind(Bind::new(BindKind::Transceiver, "test", "secret")),
        ),
        "bind_transceiver_resp" => Frame::new(
            1,
            Pdu::BindResp {
                kind: BindKind::Transceiver,
                system_id: "SWITCHSIM".into(),
                tlvs: vec![Tlv::u8(tags::SC_INTERFACE_VERSION, 0x34)],
            },
        ),
        "submit_sm" => Frame::new(
            2,
            Pdu::SubmitSm(mt(charset::gsm7_encode("Perché costa 5€?").unwrap())),
        ),
        "submit_sm_udh" => {
            let concat = udh::Concat {
                reference: 0x42,
                total: 2,
                seq: 1,
                wide: false,
            };
            let mut ud = udh::concat_header(&concat);
            ud.extend_from_slice(b"Hello");
            Frame::new(
                3,
                Pdu::SubmitSm(ShortMessage {
                    esm_class: 0x40,
                    ..mt(ud)
                }),
            )
        }
        "submit_sm_payload" => Frame::new(
            4,
            Pdu::SubmitSm(ShortMessage {
                data_coding: 8,
                tlvs: vec![Tlv::new(
                    tags::MESSAGE_PAYLOAD,
                    charset::ucs2_encode("È già lì"),
                )],
                ..mt(vec![])
            }),
        ),
        "submit_sm_resp" => Frame::new(
            2,
            Pdu::SubmitSmResp {
                message_id: "1000".into(),
            },
        ),
        "deliver_sm_receipt" => Frame::new(
            1,
            Pdu::DeliverSm(ShortMessage {
                source: handset(),
                dest: sender(),
                esm_class: 0x04,
                short_message: charset::gsm7_encode(receipt_text).unwrap(),
                tlvs: vec![
                    Tlv::cstring(tags::RECEIPTED_MESSAGE_ID, "1000"),
                    Tlv::u8(tags::MESSAGE_STATE, 2),
                ],
                ..ShortMessage::default()
            }),
        ),
        "deliver_sm_mo" => Frame::new(
            2,
            Pdu::DeliverSm(ShortMessage {
                source: handset(),
                dest: Address::new(1, 1, "447700900123"),
                data_coding: 8,
                short_message: charset::ucs2_encode("Ciao È"),
                ..ShortMessage::default()
            }),
        ),
        "deliver_sm_resp" => Frame::new(
            1,
            Pdu::DeliverSmResp {
                message_id: String::new(),
            },
        ),
        "data_sm" => Frame::new(
            5,
            Pdu::DataSm {
                service_type: String::new(),
                source: handset(),
                dest: sender(),
                esm_class: 0,
                registered_delivery: 0,
                data_coding: 0,
                tlvs: vec![
                    Tlv::new(tags::MESSAGE_PAYLOAD, b"Ciao!".to_vec()),
                    Tlv::new(0x1400, vec![0xAB, 0xCD]),
                ],
            },
        ),
        "data_sm_resp" => Frame::new(
            5,
            Pdu::DataSmResp {
                message_id: String::new(),
                tlvs: vec![],
            },
        ),
        "query_sm" => Frame::new(
            6,
            Pdu::QuerySm {
                message_id: "1000".into(),
                source: sender(),
            },
        ),
        "query_sm_resp" => Frame::new(
            6,
            Pdu::QuerySmResp {
                message_id: "1000".into(),
                final_date: "261129153100000+".into(),
                message_state: 2,
                error_code: 0,
            },
        ),
        "enquire_link" => Frame::new(7, Pdu::EnquireLink),
        "enquire_link_resp" => Frame::new(7, Pdu::EnquireLinkResp),
        "unbind" => Frame::new(8, Pdu::Unbind),
        "unbind_resp" => Frame::new(8, Pdu::UnbindResp),
        "generic_nack" => Frame::generic_nack(9, 3),
        other => panic!("vector {other} has no expected frame; add one"),
    }
}

#[test]
fn every_vector_decodes_to_its_frame_and_reencodes_identically() {
    let vectors = common::all_vectors();
    assert_eq!(
        vectors.len(),
        18,
        "vector files: {:?}",
        vectors.iter().map(|v| &v.0).collect::<Vec<_>>()
    );
    for (name, bytes) in vectors {
        let mut buf = BytesMut::from(&bytes[..]);
        let frame = decode(&mut buf)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .unwrap();
        assert!(buf.is_empty(), "{name}: bytes left over");
        assert_eq!(frame, expected(&name), "{name}");
        let mut out = BytesMut::new();
        encode(&frame, &mut out);
        assert_eq!(
            hex::encode(&out),
            hex::encode(&bytes),
            "{name}: re-encoding differs"
        );
        assert_eq!(
            frame.header().command_id,
            u32::from_be_bytes(bytes[4..8].try_into().unwrap())
        );
        assert_eq!(frame.pdu.is_response(), bytes[4] & 0x80 != 0, "{name}");
    }
}

#[test]
fn the_receipt_vector_parses_as_a_receipt() {
    let Pdu::DeliverSm(sm) = expected("deliver_sm_receipt").pdu else {
        panic!()
    };
    let r = receipt::parse(&sm).unwrap();
    assert_eq!(r.message_id, "1000");
    assert_eq!(r.stat, receipt::ReceiptState::Delivered);
    assert_eq!(r.text.as_deref(), Some("Perché costa 5"));
}

#[test]
fn the_udh_vector_carries_its_concat_header() {
    let Pdu::SubmitSm(sm) = expected("submit_sm_udh").pdu else {
        panic!()
    };
    let (concat, payload) = udh::find_concat(&sm.short_message).unwrap();
    assert_eq!((concat.reference, concat.total, concat.seq), (0x42, 2, 1));
    assert_eq!(payload, b"Hello");
}

#[test]
fn byte_by_byte_is_incomplete_until_the_last_byte() {
    for (name, bytes) in common::all_vectors() {
        let mut buf = BytesMut::new();
        for (i, &b) in bytes.iter().enumerate() {
            buf.extend_from_slice(&[b]);
            let got = decode(&mut buf).unwrap_or_else(|e| panic!("{name} at byte {i}: {e}"));
            if i + 1 < bytes.len() {
                assert_eq!(
                    got,
                    None,
                    "{name}: complete after {} of {} bytes",
                    i + 1,
                    bytes.len()
                );
                assert_eq!(buf.len(), i + 1, "{name}: bytes consumed while incomplete");
            } else {
                assert_eq!(got, Some(expected(&name)), "{name}");
                assert!(buf.is_empty());
            }
        }
    }
}

#[test]
fn all_vectors_back_to_back_in_one_buffer() {
    let vectors = common::all_vectors();
    let mut buf = BytesMut::new();
    for (_, bytes) in &vectors {
        buf.extend_from_slice(bytes);
    }
    for (name, _) in &vectors {
        assert_eq!(decode(&mut buf).unwrap(), Some(expected(name)), "{name}");
    }
    assert_eq!(decode(&mut buf).unwrap(), None);
    assert!(buf.is_empty());
}

#[test]
fn a_pdu_split_across_reads_with_the_next_one_started() {
    let vectors = common::all_vectors();
    let (first, second) = (&vectors[0], &vectors[1]);
    let stream: Vec<u8> = [first.1.clone(), second.1.clone()].concat();
    // Every split point of the two-PDU stream: first read, then the rest.
    for cut in 0..stream.len() {
        let mut buf = BytesMut::from(&stream[..cut]);
        let mut got = Vec::new();
        while let Some(f) = decode(&mut buf).unwrap() {
            got.push(f);
        }
        buf.extend_from_slice(&stream[cut..]);
        while let Some(f) = decode(&mut buf).unwrap() {
            got.push(f);
        }
        assert_eq!(
            got,
            vec![expected(&first.0), expected(&second.0)],
            "cut at {cut}"
        );
        assert!(buf.is_empty());
    }
}
