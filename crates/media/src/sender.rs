//! The outgoing RTP stream of one call, paced at one packet per 20 ms.
//!
//! [`RtpSender`] holds the queued prompt audio (already G.711-encoded) and
//! hands out one 160-sample packet at a time: audio while some is queued,
//! a silence frame otherwise, because trunks hang up on calls whose RTP
//! stops during `<Pause>` or a `<Gather>` wait. [`Pacer`] is the clock
//! arithmetic: given when the stream started and the time now (passed in),
//! how many packets are due, so the I/O loop catches up after a late wake-up
//! instead of drifting.
//!
//! ```
//! use std::time::Duration;
//! use switchboard_media::{Codec, Pacer, RtpSender, RtpStart};
//!
//! let mut sender = RtpSender::new(Codec::Pcma, RtpStart { ssrc: 1, sequence_number: 0, timestamp: 0 });
//! let mut pacer = Pacer::new();
//! // The loop woke up 65 ms after the start: packets for 0, 20, 40 and 60 ms are due.
//! let due = pacer.due(Duration::from_millis(65));
//! assert_eq!(due, 4);
//! for _ in 0..due {
//!     let _datagram = sender.next_packet().bytes; // send it
//! }
//! pacer.record_sent(due);
//! assert_eq!(pacer.next_due(), Duration::from_millis(80));
//! ```

mod digits;

use crate::g711::{Codec, FRAME_SAMPLES};
use crate::rtp::RtpPacket;
use rand::RngCore;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// One packet's worth of time.
pub const FRAME_DURATION: Duration = Duration::from_millis(20);
/// Timestamp units per packet (160 samples at 8 kHz).
pub const FRAME_TIMESTAMP_STEP: u32 = FRAME_SAMPLES as u32;

/// The random starting point of a stream (RFC 3550 §5.1: SSRC, sequence
/// number and timestamp should start random).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RtpStart {
    /// Synchronisation source identifier.
    pub ssrc: u32,
    /// Sequence number of the first packet.
    pub sequence_number: u16,
    /// Timestamp of the first packet.
    pub timestamp: u32,
}

impl RtpStart {
    /// Draws the three values from the caller's RNG (seed it in tests).
    pub fn random<R: RngCore + ?Sized>(rng: &mut R) -> RtpStart {
        let ssrc = rng.next_u32();
        let timestamp = rng.next_u32();
        let sequence_number = (rng.next_u32() >> 16) as u16;
        RtpStart {
            ssrc,
            sequence_number,
            timestamp,
        }
    }
}

/// What a packet carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// Queued prompt audio (the last frame of a prompt is padded with silence).
    Audio,
    /// Filler silence: nothing was queued (or a pause between sent keys).
    Silence,
    /// An RFC 4733 telephone event (a key we send).
    Event,
}

/// A serialised packet ready for the socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingPacket {
    /// The datagram.
    pub bytes: Vec<u8>,
    /// Audio or silence.
    pub kind: FrameKind,
}

/// The sans-IO sender for one call (one SSRC, one codec).
#[derive(Debug, Clone)]
pub struct RtpSender {
    codec: Codec,
    ssrc: u32,
    sequence_number: u16,
    timestamp: u32,
    queue: VecDeque<u8>,
    started: bool,
    talking: bool,
    frame: Vec<u8>,
    /// Keys to send (they go before queued audio) and their payload type.
    digits: VecDeque<digits::Slot>,
    event_pt: u8,
    /// The timestamp of the press being sent.
    event_ts: u32,
}

impl RtpSender {
    /// A sender whose first packet uses `start`.
    pub fn new(codec: Codec, start: RtpStart) -> RtpSender {
        RtpSender {
            codec,
            ssrc: start.ssrc,
            sequence_number: start.sequence_number,
            timestamp: start.timestamp,
            queue: VecDeque::new(),
            started: false,
            talking: false,
            frame: Vec::with_capacity(FRAME_SAMPLES),
            digits: VecDeque::new(),
            event_pt: 101,
            event_ts: 0,
        }
    }

    /// The codec packets are encoded in.
    pub fn codec(&self) -> Codec {
        self.codec
    }

    /// The stream's SSRC.
    pub fn ssrc(&self) -> u32 {
        self.ssrc
    }

    /// Queues audio already encoded in [`Self::codec`] (e.g. a cached prompt).
    pub fn enqueue(&mut self, encoded: &[u8]) {
        self.queue.extend(encoded);
    }

    /// Queues 8 kHz PCM, encoding it.
    pub fn enqueue_pcm(&mut self, pcm: &[i16]) {
        let codec = self.codec;
        self.queue
            .extend(pcm.iter().map(|&s| codec.encode_sample(s)));
    }

    /// Drops all queued audio (barge-in: a key press stops the prompt).
    /// The next packet is silence. Keys being sent are not dropped.
    pub fn clear(&mut self) {
        self.queue.clear();
    }

    /// Queues keys to send as RFC 4733 events with `payload_type` (the peer's
    /// `telephone-event`): `0`–`9`, `*`, `#`, `A`–`D`, and `w` for a 500 ms pause; other
    /// characters are skipped. They go out before any queued audio.
    pub fn enqueue_digits(&mut self, keys: &str, payload_type: u8) {
        self.event_pt = payload_type;
        self.digits.extend(digits::slots(keys));
    }

    /// True while keys remain to be sent.
    pub fn is_sending_digits(&self) -> bool {
        !self.digits.is_empty()
    }

    /// Samples of audio still queued.
    pub fn queued_samples(&self) -> usize {
        self.queue.len()
    }

    /// True while queued audio remains (the prompt is still playing).
    pub fn is_playing(&self) -> bool {
        !self.queue.is_empty()
    }

    /// The next 20 ms packet: queued audio if any, else silence.
    pub fn next_packet(&mut self) -> OutgoingPacket {
        let mut bytes = Vec::new();
        let kind = self.write_next_packet(&mut bytes);
        OutgoingPacket { bytes, kind }
    }

    /// Like [`Self::next_packet`], appending the datagram to `out` (reuse a buffer).
    ///
    /// The marker bit is set on the stream's first packet and on the first
    /// audio packet after silence (the start of a talkspurt, RFC 3551 §4.1),
    /// so the far end's jitter buffer may resynchronise at each prompt.
    pub fn write_next_packet(&mut self, out: &mut Vec<u8>) -> FrameKind {
        if let Some(slot) = self.digits.pop_front() {
            if let digits::Slot::Event { event, first } = slot {
                return self.write_event(out, event, first);
            }
            self.frame.clear();
            self.frame.resize(FRAME_SAMPLES, self.codec.silence_byte());
            return self.write_frame(out, FrameKind::Silence);
        }
        self.frame.clear();
        let take = self.queue.len().min(FRAME_SAMPLES);
        self.frame.extend(self.queue.drain(..take));
        let kind = if take > 0 {
            FrameKind::Audio
        } else {
            FrameKind::Silence
        };
        self.frame.resize(FRAME_SAMPLES, self.codec.silence_byte());
        self.write_frame(out, kind)
    }

    /// One telephone-event packet; the timestamp is the press's first packet's, the
    /// stream's own timestamp moves on by a frame as for audio.
    fn write_event(
        &mut self,
        out: &mut Vec<u8>,
        event: crate::TelephoneEvent,
        first: bool,
    ) -> FrameKind {
        if first {
            self.event_ts = self.timestamp;
        }
        let payload = event.to_bytes();
        let packet = RtpPacket {
            marker: first,
            payload_type: self.event_pt & 0x7F,
            sequence_number: self.sequence_number,
            timestamp: self.event_ts,
            ssrc: self.ssrc,
            csrcs: Vec::new(),
            extension: None,
            padding: 0,
            payload: &payload,
        };
        let _ = packet.write_to(out);
        self.started = true;
        self.talking = false;
        self.sequence_number = self.sequence_number.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(FRAME_TIMESTAMP_STEP);
        FrameKind::Event
    }

    /// The frame in `self.frame` as one packet of `kind`.
    fn write_frame(&mut self, out: &mut Vec<u8>, kind: FrameKind) -> FrameKind {
        let audio = kind == FrameKind::Audio;
        let packet = RtpPacket {
            marker: !self.started || (audio && !self.talking),
            payload_type: self.codec.payload_type(),
            sequence_number: self.sequence_number,
            timestamp: self.timestamp,
            ssrc: self.ssrc,
            csrcs: Vec::new(),
            extension: None,
            padding: 0,
            payload: &self.frame,
        };
        // Payload type ≤ 127, no CSRCs and no extension: serialising cannot fail.
        let _ = packet.write_to(out);
        self.started = true;
        self.talking = audio;
        self.sequence_number = self.sequence_number.wrapping_add(1);
        self.timestamp = self.timestamp.wrapping_add(FRAME_TIMESTAMP_STEP);
        kind
    }

    /// Gives up `frames` packets' worth of time without sending them: the
    /// timestamp advances (the far end sees a gap, as after loss), the
    /// sequence number does not, and the same amount of queued audio is
    /// dropped so the prompt stays in time. For an I/O loop that fell far
    /// behind and would rather not burst.
    pub fn skip(&mut self, frames: u32) {
        let samples = usize::try_from(frames)
            .unwrap_or(usize::MAX)
            .saturating_mul(FRAME_SAMPLES);
        self.queue.drain(..samples.min(self.queue.len()));
        self.timestamp = self
            .timestamp
            .wrapping_add(frames.wrapping_mul(FRAME_TIMESTAMP_STEP));
        self.talking = false;
    }
}

/// How many packets are due: packet `k` (from 0) is due `k × 20 ms` after
/// the stream's start. Time is always passed in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pacer {
    sent: u64,
}

impl Pacer {
    /// A pacer for a stream that has sent nothing yet.
    pub fn new() -> Pacer {
        Pacer { sent: 0 }
    }

    /// Packets recorded as sent (or skipped).
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Packets due `elapsed` after the start and not yet sent.
    pub fn due(&self, elapsed: Duration) -> u64 {
        let periods = elapsed.as_micros() / FRAME_DURATION.as_micros();
        let total = u64::try_from(periods).unwrap_or(u64::MAX).saturating_add(1);
        total.saturating_sub(self.sent)
    }

    /// [`Self::due`] between two instants the caller read (`now` before `start` counts as zero).
    pub fn due_between(&self, start: Instant, now: Instant) -> u64 {
        self.due(now.saturating_duration_since(start))
    }

    /// [`Self::due`] for millisecond timestamps from any monotonic source.
    pub fn due_ms(&self, start_ms: u64, now_ms: u64) -> u64 {
        self.due(Duration::from_millis(now_ms.saturating_sub(start_ms)))
    }

    /// Records `packets` as sent (or skipped with [`RtpSender::skip`]).
    pub fn record_sent(&mut self, packets: u64) {
        self.sent = self.sent.saturating_add(packets);
    }

    /// Offset from the start at which the next packet is due (sleep until then).
    pub fn next_due(&self) -> Duration {
        let periods = u32::try_from(self.sent).unwrap_or(u32::MAX);
        FRAME_DURATION.saturating_mul(periods)
    }
}

#[cfg(test)]
mod tests;
