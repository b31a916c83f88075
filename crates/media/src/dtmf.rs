//! DTMF key presses carried as RFC 4733 telephone events.
//!
//! A press is sent as a run of packets that all carry **one RTP timestamp**
//! (the press's start) and a growing duration; the last one has the end bit
//! and is sent three times. [`DtmfReceiver`] turns that stream into one
//! [`KeyPress`] per press.
//!
//! # Decisions
//!
//! - **Reported at the first packet** of a press, not at its end: the caller
//!   can stop a prompt at once (barge-in). The digit is the same either way,
//!   and a press whose end packets are all lost is still counted.
//! - **One press per new timestamp.** Retransmitted end packets, duplicates
//!   and late packets of a press already seen carry a timestamp the receiver
//!   remembers, so they are ignored. "11" arrives as two timestamps, so it is
//!   two presses; replaying one capture twice gives one timestamp, so one.
//! - **Out of order:** the receiver remembers the last [`REMEMBERED_PRESSES`]
//!   timestamps rather than only the newest, so a straggler of the previous
//!   press arriving after the next press began is still recognised. A press
//!   whose packets *all* arrive after a later press is reported when it
//!   arrives (late rather than lost; the digits then come out swapped, which
//!   no barge-in receiver can avoid without waiting).
//! - **Long presses** (RFC 4733 §2.5.1.3): past a duration of 0xFFFF the
//!   sender starts a new segment with a new timestamp and the same event,
//!   without an end bit in between. A new timestamp whose event equals an
//!   unfinished press that had reached the maximum duration is taken as a
//!   continuation, not a second press.
//! - Events above 15 (flash, tones) and packets of other payload types are
//!   ignored.

use crate::rtp::RtpPacket;
use thiserror::Error;

/// How many recent press timestamps the receiver remembers.
pub const REMEMBERED_PRESSES: usize = 16;

/// Why a payload is not a telephone event.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DtmfError {
    /// An event payload is 4 bytes.
    #[error("telephone-event payload of {0} bytes (need 4)")]
    TooShort(usize),
}

/// One RFC 4733 §2.3 event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code: 0–9, 10 = `*`, 11 = `#`, 12–15 = A–D, others are tones.
    pub event: u8,
    /// End bit: the last packet(s) of the press.
    pub end: bool,
    /// Volume in −dBm0 (0–63).
    pub volume: u8,
    /// Duration so far, in timestamp units (1/8000 s).
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first 4 bytes of a payload (longer payloads carry no more for us).
    pub fn parse(payload: &[u8]) -> Result<TelephoneEvent, DtmfError> {
        match payload {
            [event, flags, d0, d1, ..] => Ok(TelephoneEvent {
                event: *event,
                end: flags & 0x80 != 0,
                volume: flags & 0x3F,
                duration: u16::from_be_bytes([*d0, *d1]),
            }),
            _ => Err(DtmfError::TooShort(payload.len())),
        }
    }

    /// The wire form (the reserved bit is zero).
    pub fn to_bytes(self) -> [u8; 4] {
        let [d0, d1] = self.duration.to_be_bytes();
        let flags = u8::from(self.end) << 7 | (self.volume & 0x3F);
        [self.event, flags, d0, d1]
    }

    /// The key this event stands for, if it is a DTMF key.
    pub fn key(self) -> Option<char> {
        event_key(self.event)
    }
}

/// DTMF key of an event code: `0`–`9`, `*`, `#`, `A`–`D`.
pub fn event_key(event: u8) -> Option<char> {
    match event {
        0..=9 => Some(char::from(b'0' + event)),
        10 => Some('*'),
        11 => Some('#'),
        12..=15 => Some(char::from(b'A' + event - 12)),
        _ => None,
    }
}

/// Event code of a DTMF key (inverse of [`event_key`]; `a`–`d` accepted too).
pub fn key_event(key: char) -> Option<u8> {
    match key {
        '0'..='9' => Some(key as u8 - b'0'),
        '*' => Some(10),
        '#' => Some(11),
        'A'..='D' => Some(key as u8 - b'A' + 12),
        'a'..='d' => Some(key as u8 - b'a' + 12),
        _ => None,
    }
}

/// A key press, reported once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyPress {
    /// The key: `0`–`9`, `*`, `#`, `A`–`D`.
    pub key: char,
    /// The RTP timestamp shared by the press's packets.
    pub timestamp: u32,
}

/// The press the receiver is following (the newest one).
#[derive(Debug, Clone, Copy)]
struct Current {
    timestamp: u32,
    event: u8,
    ended: bool,
    max_duration: u16,
}

/// Turns telephone-event packets into key presses, each exactly once.
#[derive(Debug, Clone)]
pub struct DtmfReceiver {
    payload_type: u8,
    seen: [u32; REMEMBERED_PRESSES],
    seen_len: usize,
    next_slot: usize,
    current: Option<Current>,
}

impl DtmfReceiver {
    /// A receiver for the telephone-event payload type negotiated in SDP (often 101).
    pub fn new(payload_type: u8) -> DtmfReceiver {
        DtmfReceiver {
            payload_type,
            seen: [0; REMEMBERED_PRESSES],
            seen_len: 0,
            next_slot: 0,
            current: None,
        }
    }

    /// The payload type this receiver listens to.
    pub fn payload_type(&self) -> u8 {
        self.payload_type
    }

    /// Feeds one RTP packet; packets of other payload types and malformed events are ignored.
    pub fn on_rtp(&mut self, packet: &RtpPacket<'_>) -> Option<KeyPress> {
        if packet.payload_type != self.payload_type {
            return None;
        }
        let event = TelephoneEvent::parse(packet.payload).ok()?;
        self.on_event(packet.timestamp, event)
    }

    /// Feeds one parsed event with its packet's RTP timestamp.
    pub fn on_event(&mut self, timestamp: u32, event: TelephoneEvent) -> Option<KeyPress> {
        let key = event.key()?;
        if self.remembers(timestamp) {
            if let Some(current) = self.current.as_mut().filter(|c| c.timestamp == timestamp) {
                current.ended |= event.end;
                current.max_duration = current.max_duration.max(event.duration);
            }
            return None;
        }
        let continuation = self
            .current
            .is_some_and(|c| !c.ended && c.event == event.event && c.max_duration == u16::MAX);
        self.remember(timestamp);
        self.current = Some(Current {
            timestamp,
            event: event.event,
            ended: event.end,
            max_duration: event.duration,
        });
        if continuation {
            None
        } else {
            Some(KeyPress { key, timestamp })
        }
    }

    fn remembers(&self, timestamp: u32) -> bool {
        self.seen[..self.seen_len].contains(&timestamp)
    }

    fn remember(&mut self, timestamp: u32) {
        self.seen[self.next_slot] = timestamp;
        self.next_slot = (self.next_slot + 1) % REMEMBERED_PRESSES;
        self.seen_len = (self.seen_len + 1).min(REMEMBERED_PRESSES);
    }
}

#[cfg(test)]
mod tests;
