//! Sans-IO PDU codec: bytes in a [`BytesMut`] ↔ [`Frame`]s.
//!
//! [`decode`] never panics and never reads past `command_length`:
//! - `Ok(None)`: the buffer holds no complete PDU yet; nothing was consumed.
//! - `Ok(Some(frame))`: exactly one PDU's bytes were consumed.
//! - `Err(e)` with `!e.is_fatal()` (unknown command, malformed body): the bad
//!   PDU's bytes *were* consumed; answer it (see [`DecodeError::nack`]) and
//!   keep decoding.
//! - `Err(e)` with `e.is_fatal()` (`command_length` below 16 or above the
//!   limit): framing is lost; nothing was consumed. Send the nack and close.
//!
//! Decoding is lenient where peers are known to be sloppy: a response with a
//! short or empty body decodes with empty strings and zero integers (a
//! `deliver_sm_resp` may be 16 or 17 bytes), C-strings are not length-checked,
//! and bytes after the last field of a `*_resp` without TLVs are ignored.
//! TLVs must be well formed (tag, length, value within the body).

mod body;
mod read;

use bytes::{Buf, BufMut, BytesMut};

use crate::pdu::command::{self, is_response};
use crate::pdu::{Frame, Header, HEADER_LEN, MAX_PDU_LEN};
use crate::status;

/// Limits applied while decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted `command_length` (header included).
    pub max_len: u32,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        DecodeLimits {
            max_len: MAX_PDU_LEN,
        }
    }
}

/// Why a PDU could not be decoded.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    /// `command_length` is above the limit. Fatal.
    #[error("command_length {len} exceeds the limit (sequence {sequence})")]
    TooLong {
        /// The announced length.
        len: u32,
        /// The PDU's sequence number.
        sequence: u32,
    },
    /// `command_length` is below the 16-byte header. Fatal.
    #[error("command_length {len} is shorter than the header")]
    TooShort {
        /// The announced length.
        len: u32,
    },
    /// A command id this crate does not model (`replace_sm`, `cancel_sm`,
    /// `submit_multi`, vendor ids, …). Bytes consumed.
    #[error("unknown command_id {command_id:#010x} (sequence {sequence})")]
    UnknownCommand {
        /// The command id.
        command_id: u32,
        /// The PDU's sequence number.
        sequence: u32,
    },
    /// The body does not match the command's layout. Bytes consumed.
    #[error("malformed {} (sequence {sequence}): {reason}", command::name(*command_id))]
    Malformed {
        /// The command id.
        command_id: u32,
        /// The PDU's sequence number.
        sequence: u32,
        /// What was wrong.
        reason: String,
    },
}

impl DecodeError {
    /// The offending PDU's sequence number (0 when unknown).
    pub fn sequence(&self) -> u32 {
        match self {
            DecodeError::TooLong { sequence, .. }
            | DecodeError::UnknownCommand { sequence, .. }
            | DecodeError::Malformed { sequence, .. } => *sequence,
            DecodeError::TooShort { .. } => 0,
        }
    }

    /// `true` if framing is lost and the connection must be closed.
    pub fn is_fatal(&self) -> bool {
        matches!(
            self,
            DecodeError::TooLong { .. } | DecodeError::TooShort { .. }
        )
    }

    /// The command id of the offending PDU, when it was read.
    pub fn command_id(&self) -> Option<u32> {
        match self {
            DecodeError::UnknownCommand { command_id, .. }
            | DecodeError::Malformed { command_id, .. } => Some(*command_id),
            DecodeError::TooLong { .. } | DecodeError::TooShort { .. } => None,
        }
    }

    /// The `command_status` to put in the `generic_nack`.
    pub fn status(&self) -> u32 {
        match self {
            DecodeError::UnknownCommand { .. } => status::ESME_RINVCMDID,
            DecodeError::TooLong { .. }
            | DecodeError::TooShort { .. }
            | DecodeError::Malformed { .. } => status::ESME_RINVCMDLEN,
        }
    }

    /// The `generic_nack` to send, or `None` when the offending PDU was
    /// itself a response (never nack a response, least of all a
    /// `generic_nack`).
    pub fn nack(&self) -> Option<Frame> {
        match self.command_id() {
            Some(id) if is_response(id) => None,
            _ => Some(Frame::generic_nack(self.sequence(), self.status())),
        }
    }
}

/// Reads the header at the front of `buf` without consuming anything:
/// `(command_length, header)`, or `None` with fewer than 16 bytes.
pub fn peek_header(buf: &[u8]) -> Option<(u32, Header)> {
    let word = |i: usize| -> Option<u32> {
        let b = buf.get(i..i + 4)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    Some((
        word(0)?,
        Header {
            command_id: word(4)?,
            command_status: word(8)?,
            sequence: word(12)?,
        },
    ))
}

/// Decodes one PDU from the front of `buf` with [`DecodeLimits::default`].
pub fn decode(buf: &mut BytesMut) -> Result<Option<Frame>, DecodeError> {
    decode_with(buf, &DecodeLimits::default())
}

/// Decodes one PDU from the front of `buf` (see the module docs).
pub fn decode_with(
    buf: &mut BytesMut,
    limits: &DecodeLimits,
) -> Result<Option<Frame>, DecodeError> {
    let Some(len_bytes) = buf.get(..4) else {
        return Ok(None);
    };
    let len = u32::from_be_bytes([len_bytes[0], len_bytes[1], len_bytes[2], len_bytes[3]]);
    if len < HEADER_LEN {
        return Err(DecodeError::TooShort { len });
    }
    let Some((_, header)) = peek_header(buf) else {
        return Ok(None);
    };
    if len > limits.max_len {
        return Err(DecodeError::TooLong {
            len,
            sequence: header.sequence,
        });
    }
    let total = len as usize;
    if buf.len() < total {
        buf.reserve(total - buf.len());
        return Ok(None);
    }
    let mut pdu_bytes = buf.split_to(total);
    pdu_bytes.advance(HEADER_LEN as usize);
    let Header {
        command_id,
        command_status,
        sequence,
    } = header;
    match body::decode_body(command_id, &pdu_bytes) {
        None => Err(DecodeError::UnknownCommand {
            command_id,
            sequence,
        }),
        Some(Err(reason)) => Err(DecodeError::Malformed {
            command_id,
            sequence,
            reason: reason.to_owned(),
        }),
        Some(Ok(pdu)) => Ok(Some(Frame {
            status: command_status,
            sequence,
            pdu,
        })),
    }
}

/// Appends the encoding of `frame` to `out`.
///
/// Infallible: over-long fields are truncated (`short_message` to 255
/// octets, TLV values to 65,535) and strings stop at their first NUL. The
/// result may exceed the peer's maximum PDU size; that is the caller's
/// concern.
pub fn encode(frame: &Frame, out: &mut BytesMut) {
    let start = out.len();
    out.put_u32(0); // patched below
    out.put_u32(frame.pdu.command_id());
    out.put_u32(frame.status);
    out.put_u32(frame.sequence);
    body::encode_body(&frame.pdu, out);
    let len = u32::try_from(out.len() - start).unwrap_or(u32::MAX);
    if let Some(slot) = out.get_mut(start..start + 4) {
        slot.copy_from_slice(&len.to_be_bytes());
    }
}

/// Encodes `frame` into a fresh vector.
pub fn encode_to_vec(frame: &Frame) -> Vec<u8> {
    let mut out = BytesMut::new();
    encode(frame, &mut out);
    out.to_vec()
}
