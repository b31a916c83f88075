//! A tokio-util codec over [`crate::codec`] (feature `tokio`).
//!
//! `Decoder::Item` is `Result<Frame, DecodeError>`: a *non-fatal* decode
//! error (unknown command, malformed body) is yielded as an item so the
//! stream goes on; the caller answers it (see [`DecodeError::nack`] or
//! [`crate::session::Session::on_decode_error`]) and keeps reading. A fatal
//! error (bad `command_length`) ends the stream as
//! `Err(FramedError::Decode(_))`; send the nack and close. At end of stream a
//! partial PDU is an I/O error (`UnexpectedEof`, from tokio-util).

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use crate::codec::{self, DecodeError, DecodeLimits};
use crate::pdu::Frame;

/// Errors that end a framed SMPP stream.
#[derive(Debug, thiserror::Error)]
pub enum FramedError {
    /// The transport failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// Framing is lost (`command_length` out of range).
    #[error("framing lost: {0}")]
    Decode(DecodeError),
}

/// SMPP framing for `tokio_util::codec::Framed`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmppCodec {
    limits: DecodeLimits,
}

impl SmppCodec {
    /// A codec with the default limits ([`crate::pdu::MAX_PDU_LEN`]).
    pub fn new() -> Self {
        SmppCodec::default()
    }

    /// A codec with custom limits.
    pub fn with_limits(limits: DecodeLimits) -> Self {
        SmppCodec { limits }
    }
}

impl Decoder for SmppCodec {
    type Item = Result<Frame, DecodeError>;
    type Error = FramedError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, FramedError> {
        match codec::decode_with(src, &self.limits) {
            Ok(None) => Ok(None),
            Ok(Some(frame)) => Ok(Some(Ok(frame))),
            Err(e) if e.is_fatal() => Err(FramedError::Decode(e)),
            Err(e) => Ok(Some(Err(e))),
        }
    }
}

impl Encoder<Frame> for SmppCodec {
    type Error = FramedError;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), FramedError> {
        codec::encode(&frame, dst);
        Ok(())
    }
}

impl Encoder<&Frame> for SmppCodec {
    type Error = FramedError;

    fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) -> Result<(), FramedError> {
        codec::encode(frame, dst);
        Ok(())
    }
}
