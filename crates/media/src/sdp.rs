//! SDP (RFC 4566) for one audio stream: build our offer or answer, and read
//! the peer's.
//!
//! Hand-rolled: we write one fixed shape and read five facts (address, port,
//! codec, telephone-event payload type, direction); `sdp-rs`/`webrtc-sdp`
//! model all of SDP for a few dozen lines of need. Parsing is lenient
//! (LF or CRLF, unknown lines ignored) and never panics (property-tested).
//!
//! G.711 is recognised by its static payload types only (0 = PCMU,
//! 8 = PCMA, RFC 3551), which is how every trunk offers it; a dynamic
//! payload type mapped to PCMU is not picked.
//!
//! ```
//! use std::net::{IpAddr, Ipv4Addr};
//! use switchboard_media::{sdp, Codec};
//!
//! let ours = sdp::LocalSdp::offer(IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1)), 40_000, 42);
//! let text = ours.to_sdp();
//! assert!(text.contains("m=audio 40000 RTP/AVP 0 8 101\r\n"));
//! let seen = sdp::parse(&text).unwrap();
//! assert_eq!(seen.port, 40_000);
//! assert_eq!(seen.codec, Codec::Pcmu);
//! assert_eq!(seen.telephone_event, Some(101));
//! ```

use crate::g711::Codec;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};
use thiserror::Error;

/// The telephone-event payload type we offer.
pub const TELEPHONE_EVENT_PAYLOAD_TYPE: u8 = 101;

/// Why a peer's SDP is unusable.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SdpError {
    /// No `m=audio` line with a non-zero port over RTP/AVP(F).
    #[error("no usable audio stream (m=audio with RTP/AVP and a non-zero port)")]
    NoAudio,
    /// Audio is offered, but neither PCMU (0) nor PCMA (8).
    #[error("no common codec: PCMU or PCMA required")]
    NoCommonCodec,
    /// No `c=` line at session or media level.
    #[error("no connection (c=) line for the audio stream")]
    MissingConnection,
    /// A `c=` line we cannot use (not `IN IP4`/`IN IP6` with a literal address).
    #[error("unusable connection line: {0}")]
    BadConnection(String),
    /// An `m=audio` line whose port is not a number.
    #[error("invalid media line: {0}")]
    BadMedia(String),
}

/// Media direction attribute (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Both ways (the default).
    #[default]
    SendRecv,
    /// The describing side only sends.
    SendOnly,
    /// The describing side only receives.
    RecvOnly,
    /// Neither (e.g. on hold).
    Inactive,
}

impl Direction {
    /// The attribute name, e.g. `sendrecv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// The direction an answer takes to this offer (sendonly ↔ recvonly).
    pub fn answer(self) -> Direction {
        match self {
            Direction::SendOnly => Direction::RecvOnly,
            Direction::RecvOnly => Direction::SendOnly,
            other => other,
        }
    }

    fn from_attribute(attribute: &str) -> Option<Direction> {
        match attribute {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }
}

/// Our side of the session: what [`LocalSdp::to_sdp`] writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalSdp {
    /// `o=` session id (random per call).
    pub session_id: u64,
    /// `o=` version; bump it when the description changes.
    pub session_version: u64,
    /// Where we receive RTP.
    pub address: IpAddr,
    /// Our RTP port.
    pub port: u16,
    /// Codecs in preference order.
    pub codecs: Vec<Codec>,
    /// Telephone-event payload type, if DTMF events are offered/accepted.
    pub telephone_event: Option<u8>,
    /// Media direction.
    pub direction: Direction,
}

impl LocalSdp {
    /// Our standard offer: PCMU, PCMA, telephone-event 101 (events 0–16), 20 ms, sendrecv.
    pub fn offer(address: IpAddr, port: u16, session_id: u64) -> LocalSdp {
        LocalSdp {
            session_id,
            session_version: session_id,
            address,
            port,
            codecs: vec![Codec::Pcmu, Codec::Pcma],
            telephone_event: Some(TELEPHONE_EVENT_PAYLOAD_TYPE),
            direction: Direction::SendRecv,
        }
    }

    /// An answer to a peer's offer: its chosen codec only, its telephone-event
    /// payload type if it offered one, and the matching direction.
    pub fn answer(address: IpAddr, port: u16, session_id: u64, offer: &RemoteSdp) -> LocalSdp {
        LocalSdp {
            session_id,
            session_version: session_id,
            address,
            port,
            codecs: vec![offer.codec],
            telephone_event: offer.telephone_event,
            direction: offer.direction.answer(),
        }
    }

    /// The SDP text, CRLF line endings.
    pub fn to_sdp(&self) -> String {
        let ip = match self.address {
            IpAddr::V4(_) => "IP4",
            IpAddr::V6(_) => "IP6",
        };
        let mut payload_types: Vec<String> = self
            .codecs
            .iter()
            .map(|c| c.payload_type().to_string())
            .collect();
        payload_types.extend(self.telephone_event.map(|pt| pt.to_string()));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = write!(
            out,
            "v=0\r\no=- {} {} IN {ip} {addr}\r\ns=Switchboard\r\nc=IN {ip} {addr}\r\nt=0 0\r\n\
             m=audio {} RTP/AVP {}\r\n",
            self.session_id,
            self.session_version,
            self.port,
            payload_types.join(" "),
            addr = self.address,
        );
        for codec in &self.codecs {
            let _ = write!(
                out,
                "a=rtpmap:{} {}/8000\r\n",
                codec.payload_type(),
                codec.encoding_name()
            );
        }
        if let Some(pt) = self.telephone_event {
            let _ = write!(
                out,
                "a=rtpmap:{pt} telephone-event/8000\r\na=fmtp:{pt} 0-16\r\n"
            );
        }
        let _ = write!(out, "a=ptime:20\r\na={}\r\n", self.direction.as_str());
        out
    }
}

/// What we take from the peer's SDP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteSdp {
    /// Where to send RTP (`0.0.0.0` means the peer holds the call).
    pub address: IpAddr,
    /// The peer's RTP port.
    pub port: u16,
    /// The first of PCMU/PCMA in the peer's payload type list.
    pub codec: Codec,
    /// The peer's telephone-event payload type (8 kHz), if offered.
    pub telephone_event: Option<u8>,
    /// `a=ptime`, if given.
    pub ptime: Option<u32>,
    /// Media direction (media level over session level).
    pub direction: Direction,
}

impl RemoteSdp {
    /// The peer's RTP address.
    pub fn rtp_addr(&self) -> SocketAddr {
        SocketAddr::new(self.address, self.port)
    }
}

mod parse;
pub use parse::parse;

#[cfg(test)]
mod tests;
