//! The tokio-util adaptor (feature `tokio`).
#![cfg(feature = "tokio")]
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary: helpers outside #[test] fns

mod common;

use bytes::BytesMut;
use switchboard_smpp::codec::{self, DecodeError, DecodeLimits};
use switchboard_smpp::framed::{FramedError, SmppCodec};
use switchboard_smpp::pdu::{Frame, Pdu};
use tokio_util::codec::{Decoder, Encoder};

#[test]
fn decodes_a_stream_of_vectors_and_encodes_them_back() {
    let vectors = common::all_vectors();
    let mut codec = SmppCodec::new();
    let mut src = BytesMut::new();
    let mut out = BytesMut::new();
    for (name, bytes) in &vectors {
        // Half a PDU is not an item yet.
        let (a, b) = bytes.split_at(bytes.len() / 2);
        src.extend_from_slice(a);
        assert!(codec.decode(&mut src).unwrap().is_none(), "{name}");
        src.extend_from_slice(b);
        let frame = codec.decode(&mut src).unwrap().unwrap().unwrap();
        codec.encode(&frame, &mut out).unwrap();
        codec.encode(frame, &mut out).unwrap();
    }
    let expected: Vec<u8> = vectors
        .iter()
        .flat_map(|(_, b)| [b.clone(), b.clone()].concat())
        .collect();
    assert_eq!(out.to_vec(), expected);
}

#[test]
fn non_fatal_errors_are_items_and_the_stream_goes_on() {
    let mut codec = SmppCodec::new();
    let mut src = BytesMut::new();
    // cancel_sm (unknown to us), then enquire_link.
    src.extend_from_slice(&hex::decode("0000001100000008000000000000000400").unwrap());
    codec::encode(&Frame::new(5, Pdu::EnquireLink), &mut src);
    let item = codec.decode(&mut src).unwrap().unwrap();
    assert_eq!(
        item,
        Err(DecodeError::UnknownCommand {
            command_id: 8,
            sequence: 4
        })
    );
    assert_eq!(
        codec.decode(&mut src).unwrap().unwrap(),
        Ok(Frame::new(5, Pdu::EnquireLink))
    );
    assert!(codec.decode(&mut src).unwrap().is_none());
}

#[test]
fn fatal_errors_end_the_stream() {
    let mut codec = SmppCodec::with_limits(DecodeLimits { max_len: 1024 });
    let mut src = BytesMut::from(&hex::decode("00000401000000040000000000000001").unwrap()[..]);
    let err = codec.decode(&mut src).unwrap_err();
    assert!(matches!(
        err,
        FramedError::Decode(DecodeError::TooLong {
            len: 1025,
            sequence: 1
        })
    ));
    let mut src = BytesMut::from(&[0u8, 0, 0, 8][..]);
    assert!(matches!(
        codec.decode(&mut src),
        Err(FramedError::Decode(DecodeError::TooShort { len: 8 }))
    ));
}

#[test]
fn a_partial_pdu_at_eof_is_an_io_error() {
    let mut codec = SmppCodec::new();
    let mut src = BytesMut::from(&hex::decode("0000001000000015").unwrap()[..]);
    assert!(matches!(
        codec.decode_eof(&mut src),
        Err(FramedError::Io(_))
    ));
    let mut empty = BytesMut::new();
    assert!(codec.decode_eof(&mut empty).unwrap().is_none());
}
