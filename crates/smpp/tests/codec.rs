//! Framing errors and lenient decoding.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary: helpers outside #[test] fns

use bytes::BytesMut;
use switchboard_smpp::codec::{
    decode, decode_with, encode_to_vec, peek_header, DecodeError, DecodeLimits,
};
use switchboard_smpp::pdu::{Frame, Pdu, MAX_PDU_LEN};
use switchboard_smpp::status;

fn buf(hex: &str) -> BytesMut {
    let clean: String = hex.chars().filter(|c| !c.is_whitespace()).collect();
    BytesMut::from(&hex::decode(clean).unwrap()[..])
}

#[test]
fn oversized_command_length_is_fatal_once_the_header_is_in() {
    // 0x00010001 = 64 KiB + 1.
    let mut b = buf("00010001 00000004 00000000");
    assert_eq!(decode(&mut b), Ok(None), "waits for the sequence number");
    b.extend_from_slice(&[0, 0, 0, 0x2A]);
    let err = decode(&mut b).unwrap_err();
    assert_eq!(
        err,
        DecodeError::TooLong {
            len: 0x1_0001,
            sequence: 42
        }
    );
    assert!(err.is_fatal());
    assert_eq!(err.sequence(), 42);
    assert_eq!(
        err.nack(),
        Some(Frame::generic_nack(42, status::ESME_RINVCMDLEN))
    );
    assert_eq!(b.len(), 16, "fatal errors consume nothing");
    // Exactly the limit is allowed (and waits for the body).
    let mut b = buf("00010000 00000015 00000000 00000001");
    assert_eq!(decode(&mut b), Ok(None));
    // A custom limit.
    let mut b = buf("00000100 00000015 00000000 00000001");
    let limits = DecodeLimits { max_len: 255 };
    assert!(matches!(
        decode_with(&mut b, &limits),
        Err(DecodeError::TooLong { len: 256, .. })
    ));
    assert_eq!(MAX_PDU_LEN, 65536);
}

#[test]
fn command_length_below_sixteen_is_fatal() {
    for len in [0u32, 1, 4, 15] {
        let mut b = BytesMut::from(&len.to_be_bytes()[..]);
        let err = decode(&mut b).unwrap_err();
        assert_eq!(err, DecodeError::TooShort { len });
        assert!(err.is_fatal());
        assert_eq!(
            err.nack(),
            Some(Frame::generic_nack(0, status::ESME_RINVCMDLEN))
        );
    }
    let mut b = buf("000000");
    assert_eq!(decode(&mut b), Ok(None));
}

#[test]
fn unknown_command_is_consumed_and_the_next_pdu_decodes() {
    // replace_sm (0x07) with a 2-byte body, then enquire_link.
    let mut b =
        buf("00000012 00000007 00000000 00000005 abcd  00000010 00000015 00000000 00000006");
    let err = decode(&mut b).unwrap_err();
    assert_eq!(
        err,
        DecodeError::UnknownCommand {
            command_id: 7,
            sequence: 5
        }
    );
    assert!(!err.is_fatal());
    assert_eq!(
        err.nack(),
        Some(Frame::generic_nack(5, status::ESME_RINVCMDID))
    );
    assert_eq!(decode(&mut b), Ok(Some(Frame::new(6, Pdu::EnquireLink))));
    assert!(b.is_empty());
}

#[test]
fn malformed_body_is_consumed_and_not_nacked_when_a_response() {
    // submit_sm whose sm_length (0x10) runs past the body.
    let body = "00 0500 4100 0101 4200 00 00 00 00 00 01 00 00 00 10 6869";
    let len = 16 + body.split_whitespace().map(|s| s.len() / 2).sum::<usize>();
    let mut b = buf(&format!("{len:08x} 00000004 00000000 00000009 {body}"));
    let err = decode(&mut b).unwrap_err();
    assert!(
        matches!(&err, DecodeError::Malformed { command_id: 4, sequence: 9, reason } if reason.contains("sm_length"))
    );
    assert!(!err.is_fatal());
    assert!(b.is_empty());
    assert_eq!(
        err.nack(),
        Some(Frame::generic_nack(9, status::ESME_RINVCMDLEN))
    );
    // A truncated TLV in a bind_resp: malformed, but a response is never nacked.
    let mut b = buf("00000015 80000009 00000000 00000001 4100 0210 00");
    let err = decode(&mut b).unwrap_err();
    assert!(matches!(
        err,
        DecodeError::Malformed {
            command_id: 0x8000_0009,
            ..
        }
    ));
    assert_eq!(err.nack(), None);
}

#[test]
fn short_responses_are_accepted() {
    // deliver_sm_resp as 16 bytes (no message_id NUL).
    let mut b = buf("00000010 80000005 00000000 00000003");
    assert_eq!(
        decode(&mut b),
        Ok(Some(Frame::new(
            3,
            Pdu::DeliverSmResp {
                message_id: String::new()
            }
        )))
    );
    // submit_sm_resp with an error and no body.
    let mut b = buf("00000010 80000004 00000058 00000004");
    let f = decode(&mut b).unwrap().unwrap();
    assert_eq!(
        (f.status, f.pdu),
        (
            status::ESME_RTHROTTLED,
            Pdu::SubmitSmResp {
                message_id: String::new()
            }
        )
    );
    // A failed bind_resp with an empty body.
    let mut b = buf("00000010 80000002 0000000d 00000001");
    let f = decode(&mut b).unwrap().unwrap();
    assert!(matches!(f.pdu, Pdu::BindResp { ref system_id, .. } if system_id.is_empty()));
    // query_sm_resp with an error and no body.
    let mut b = buf("00000010 80000003 00000067 00000001");
    assert!(matches!(
        decode(&mut b).unwrap().unwrap().pdu,
        Pdu::QuerySmResp {
            message_state: 0,
            ..
        }
    ));
    // message_id without its NUL, and trailing bytes after it.
    let mut b = buf("00000014 80000004 00000000 00000002 41424344");
    assert_eq!(
        decode(&mut b).unwrap().unwrap().pdu,
        Pdu::SubmitSmResp {
            message_id: "ABCD".into()
        }
    );
    let mut b = buf("00000017 80000004 00000000 00000002 414200 00 0000 00");
    assert_eq!(
        decode(&mut b).unwrap().unwrap().pdu,
        Pdu::SubmitSmResp {
            message_id: "AB".into()
        }
    );
}

#[test]
fn vendor_status_and_odd_sequences_pass_through() {
    let mut b = buf("00000010 80000004 00000450 ffffffff");
    let f = decode(&mut b).unwrap().unwrap();
    assert_eq!((f.status, f.sequence), (0x450, u32::MAX));
    let mut b = buf("00000010 00000015 00000000 00000000");
    assert_eq!(decode(&mut b).unwrap().unwrap().sequence, 0);
}

#[test]
fn encode_truncates_instead_of_failing() {
    let sm = switchboard_smpp::ShortMessage {
        short_message: vec![b'x'; 300],
        ..Default::default()
    };
    let bytes = encode_to_vec(&Frame::new(1, Pdu::SubmitSm(sm)));
    let mut b = BytesMut::from(&bytes[..]);
    let Pdu::SubmitSm(back) = decode(&mut b).unwrap().unwrap().pdu else {
        panic!()
    };
    assert_eq!(back.short_message.len(), 255);
    // Strings stop at an embedded NUL.
    let f = Frame::new(
        1,
        Pdu::SubmitSmResp {
            message_id: "ab\0cd".into(),
        },
    );
    let mut b = BytesMut::from(&encode_to_vec(&f)[..]);
    assert_eq!(
        decode(&mut b).unwrap().unwrap().pdu,
        Pdu::SubmitSmResp {
            message_id: "ab".into()
        }
    );
}

#[test]
fn peek_header_reads_without_consuming() {
    let b = buf("00000011 80000005 00000000 00000001 00");
    let (len, h) = peek_header(&b).unwrap();
    assert_eq!(
        (len, h.command_id, h.command_status, h.sequence),
        (17, 0x8000_0005, 0, 1)
    );
    assert_eq!(peek_header(&b[..15]), None);
}
