//! RTP packets (RFC 3550 §5.1): parse and serialise.
//!
//! Hand-rolled: the fixed header is 12 bytes, and the crates that do it
//! (`rtp` from webrtc-rs, `rtp-rs`) bring `bytes`/`webrtc-util` or an API
//! shaped for their own stacks. [`parse`] borrows the payload, checks the
//! version, skips CSRCs, the header extension and padding, and never panics
//! (property-tested).
//!
//! ```text
//!  0                   1                   2                   3
//!  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//! |V=2|P|X|  CC   |M|     PT      |       sequence number         |
//! |                           timestamp                           |
//! |                             SSRC                              |
//! |                    CSRC list (CC × 32 bits)                   |
//! | [extension: profile (16) | length in words (16) | data ...]   |
//! | payload ...                   | [padding ... | padding count] |
//! ```

use thiserror::Error;

/// Length of the fixed RTP header.
pub const HEADER_LEN: usize = 12;
/// The only RTP version in use.
pub const VERSION: u8 = 2;

/// Why bytes are not an RTP packet, or a packet cannot be serialised.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RtpError {
    /// Fewer bytes than the header (with its CSRCs and extension) needs.
    #[error("packet truncated: need {needed} bytes, have {len}")]
    Truncated { needed: usize, len: usize },
    /// The version field is not 2 (e.g. STUN or DTLS on the same port).
    #[error("unsupported rtp version {0}")]
    BadVersion(u8),
    /// The padding count is zero or longer than the packet's payload.
    #[error("invalid padding count {0}")]
    BadPadding(u8),
    /// Serialise: more than 15 CSRCs.
    #[error("too many csrcs: {0} (at most 15)")]
    TooManyCsrcs(usize),
    /// Serialise: payload type above 127.
    #[error("payload type {0} out of range (0..=127)")]
    BadPayloadType(u8),
    /// Serialise: extension data not a whole number of 32-bit words, or too long.
    #[error("header extension of {0} bytes is not a whole number of 32-bit words below 256 KiB")]
    BadExtension(usize),
}

/// A header extension (RFC 3550 §5.3.1): profile-defined id and data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpExtension<'a> {
    /// The 16-bit "defined by profile" field (0xBEDE for RFC 8285 one-byte headers).
    pub profile: u16,
    /// The extension data, a multiple of 4 bytes.
    pub data: &'a [u8],
}

/// An RTP packet borrowing its payload from the datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtpPacket<'a> {
    /// Marker bit: for audio, the first packet of a talkspurt.
    pub marker: bool,
    /// Payload type (7 bits).
    pub payload_type: u8,
    /// Sequence number, +1 per packet (wrapping).
    pub sequence_number: u16,
    /// Media timestamp in clock-rate units (8 kHz for G.711 and DTMF).
    pub timestamp: u32,
    /// Synchronisation source.
    pub ssrc: u32,
    /// Contributing sources (at most 15).
    pub csrcs: Vec<u32>,
    /// Header extension, if the X bit is set.
    pub extension: Option<RtpExtension<'a>>,
    /// Total padding bytes after the payload (0 = P bit clear), including the count byte itself.
    pub padding: u8,
    /// The payload, without padding.
    pub payload: &'a [u8],
}

/// Parses one datagram. Never panics, whatever the input.
pub fn parse(bytes: &[u8]) -> Result<RtpPacket<'_>, RtpError> {
    let truncated = |needed: usize| RtpError::Truncated {
        needed,
        len: bytes.len(),
    };
    let Some(header) = bytes.get(..HEADER_LEN) else {
        return Err(truncated(HEADER_LEN));
    };
    let version = header[0] >> 6;
    if version != VERSION {
        return Err(RtpError::BadVersion(version));
    }
    let has_padding = header[0] & 0x20 != 0;
    let has_extension = header[0] & 0x10 != 0;
    let csrc_count = usize::from(header[0] & 0x0F);
    let mut offset = HEADER_LEN + 4 * csrc_count;
    let csrc_bytes = bytes.get(HEADER_LEN..offset).ok_or(truncated(offset))?;
    let csrcs = csrc_bytes.chunks_exact(4).map(be_u32).collect();

    let extension = if has_extension {
        let ext_header = bytes.get(offset..offset + 4).ok_or(truncated(offset + 4))?;
        let profile = u16::from_be_bytes([ext_header[0], ext_header[1]]);
        let words = usize::from(u16::from_be_bytes([ext_header[2], ext_header[3]]));
        let start = offset + 4;
        offset = start + 4 * words;
        let data = bytes.get(start..offset).ok_or(truncated(offset))?;
        Some(RtpExtension { profile, data })
    } else {
        None
    };

    let mut end = bytes.len();
    let padding = if has_padding {
        let count = bytes[end - 1]; // bytes.len() >= HEADER_LEN > 0
        if count == 0 || usize::from(count) > end - offset {
            return Err(RtpError::BadPadding(count));
        }
        end -= usize::from(count);
        count
    } else {
        0
    };

    Ok(RtpPacket {
        marker: header[1] & 0x80 != 0,
        payload_type: header[1] & 0x7F,
        sequence_number: u16::from_be_bytes([header[2], header[3]]),
        timestamp: be_u32(&header[4..8]),
        ssrc: be_u32(&header[8..12]),
        csrcs,
        extension,
        padding,
        payload: &bytes[offset..end],
    })
}

impl RtpPacket<'_> {
    /// Length of the serialised packet.
    pub fn len(&self) -> usize {
        HEADER_LEN
            + 4 * self.csrcs.len()
            + self.extension.map_or(0, |e| 4 + e.data.len())
            + self.payload.len()
            + usize::from(self.padding)
    }

    /// True if the packet has no payload and no padding (a bare header is still valid RTP).
    pub fn is_empty(&self) -> bool {
        self.payload.is_empty() && self.padding == 0
    }

    /// The G.711 codec of a static payload type (0 or 8), if it is one.
    pub fn codec(&self) -> Option<crate::g711::Codec> {
        crate::g711::Codec::from_payload_type(self.payload_type)
    }

    /// Appends the wire form to `out`. Padding bytes are zero except the final count byte.
    pub fn write_to(&self, out: &mut Vec<u8>) -> Result<(), RtpError> {
        if self.csrcs.len() > 15 {
            return Err(RtpError::TooManyCsrcs(self.csrcs.len()));
        }
        if self.payload_type > 0x7F {
            return Err(RtpError::BadPayloadType(self.payload_type));
        }
        let ext_words = match self.extension {
            Some(ext) if ext.data.len() % 4 != 0 => {
                return Err(RtpError::BadExtension(ext.data.len()))
            }
            Some(ext) => Some(
                u16::try_from(ext.data.len() / 4)
                    .map_err(|_| RtpError::BadExtension(ext.data.len()))?,
            ),
            None => None,
        };
        out.reserve(self.len());
        let mut first = VERSION << 6 | self.csrcs.len() as u8; // ≤ 15, checked above
        if self.padding > 0 {
            first |= 0x20;
        }
        if self.extension.is_some() {
            first |= 0x10;
        }
        out.push(first);
        out.push(u8::from(self.marker) << 7 | self.payload_type);
        out.extend_from_slice(&self.sequence_number.to_be_bytes());
        out.extend_from_slice(&self.timestamp.to_be_bytes());
        out.extend_from_slice(&self.ssrc.to_be_bytes());
        for csrc in &self.csrcs {
            out.extend_from_slice(&csrc.to_be_bytes());
        }
        if let (Some(ext), Some(words)) = (self.extension, ext_words) {
            out.extend_from_slice(&ext.profile.to_be_bytes());
            out.extend_from_slice(&words.to_be_bytes());
            out.extend_from_slice(ext.data);
        }
        out.extend_from_slice(self.payload);
        if self.padding > 0 {
            out.extend(std::iter::repeat_n(0, usize::from(self.padding) - 1));
            out.push(self.padding);
        }
        Ok(())
    }

    /// The wire form in a new buffer.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RtpError> {
        let mut out = Vec::with_capacity(self.len());
        self.write_to(&mut out)?;
        Ok(out)
    }
}

fn be_u32(bytes: &[u8]) -> u32 {
    bytes
        .iter()
        .take(4)
        .fold(0, |acc, &b| acc << 8 | u32::from(b))
}

#[cfg(test)]
mod tests;
