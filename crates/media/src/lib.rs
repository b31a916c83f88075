//! Voice media for Switchboard, with no I/O: no sockets, no threads, no
//! clock reads (time is passed in). The SIP/RTP I/O loop owns the UDP socket
//! and calls into these pieces.
//!
//! ```
//! use switchboard_media::{g711::Codec, rtp, sender::{RtpSender, RtpStart}};
//!
//! let start = RtpStart { ssrc: 7, sequence_number: 100, timestamp: 8_000 };
//! let mut sender = RtpSender::new(Codec::Pcmu, start);
//! sender.enqueue_pcm(&[0i16; 200]); // a (very short) prompt at 8 kHz
//! let first = sender.next_packet();
//! let packet = rtp::parse(&first.bytes).unwrap();
//! assert!(packet.marker);
//! assert_eq!(packet.payload.len(), 160);
//! ```
//!
//! # In a call
//!
//! The SIP user agent builds our offer with [`sdp::LocalSdp::offer`] and reads
//! the answer with [`sdp::parse`] (codec, peer address, telephone-event
//! payload type). The call's media task then owns one UDP socket and:
//!
//! - every tick, asks [`Pacer::due`] how many packets are due since the
//!   stream started and sends that many [`RtpSender::next_packet`]s (prompt
//!   audio, or silence while waiting), then sleeps until [`Pacer::next_due`];
//! - queues prompts with [`RtpSender::enqueue_pcm`]: espeak-ng or `<Play>`
//!   WAV bytes through [`wav::parse`] and [`wav::Wav::to_8k`], best cached
//!   as 8 kHz PCM and encoded per call;
//! - parses each datagram it receives with [`rtp::parse`] and feeds it to a
//!   [`DtmfReceiver`]; on a [`KeyPress`] inside `<Gather>` it calls
//!   [`RtpSender::clear`] (barge-in) and collects the digit.
//!
//! # Layout
//!
//! - [`g711`]: the [`Codec`] enum (PCMU = payload type 0, PCMA = 8) and µ-law/A-law sample coding.
//! - [`rtp`]: RFC 3550 packet parse/serialise.
//! - [`dtmf`]: RFC 4733 telephone events and [`DtmfReceiver`] (each key press once).
//! - [`sender`]: [`RtpSender`], the 20 ms packetiser with a prompt queue and
//!   silence fill, and [`Pacer`], which says how many packets are due.
//! - [`wav`]: RIFF/WAVE parsing to mono 16-bit PCM (espeak-ng output, `<Play>` files).
//! - [`resample`]: any rate to 8 kHz through a windowed-sinc low-pass.
//! - [`sdp`]: our audio offer/answer and parsing of the peer's.
//!
//! Every parser takes untrusted bytes and never panics (property-tested in
//! `tests/properties.rs`).

pub mod dtmf;
pub mod g711;
pub mod resample;
pub mod rtp;
pub mod sdp;
pub mod sender;
pub mod wav;

pub use dtmf::{DtmfReceiver, KeyPress, TelephoneEvent};
pub use g711::Codec;
pub use rtp::{RtpError, RtpPacket};
pub use sender::{Pacer, RtpSender, RtpStart};
