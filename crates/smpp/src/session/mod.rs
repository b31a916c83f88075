//! A sans-IO ESME session: bind state, sequence numbers, the window of
//! outstanding requests, enquire_link keepalive and response timers.
//!
//! The session never touches a socket or a clock. The caller feeds it decoded
//! frames ([`Session::on_frame`]), decode errors ([`Session::on_decode_error`])
//! and the passage of time ([`Session::poll`], with an `Instant` it supplies),
//! and writes out every frame it is handed: return values of
//! [`Session::start`], [`Session::submit`], [`Session::unbind`],
//! `respond_*`, and [`Event::Send`]. Call `poll` at least at
//! [`Session::next_deadline`].
//!
//! After [`Event::Unbound`] or [`Event::LinkDead`] the connection is over:
//! flush pending writes (the `unbind_resp`) and close it. Requests still
//! outstanding at that point are reported as [`Event::Timeout`].

mod inbound;
#[cfg(test)]
mod tests;
mod types;

use std::collections::BTreeMap;
use std::time::Instant;

pub use types::{Event, SessionConfig, State, SubmitError};

use crate::pdu::{Frame, Pdu, ShortMessage, MAX_SEQUENCE};

/// What an outstanding request was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Bind,
    Submit,
    Other,
    EnquireLink,
    Unbind,
}

/// An ESME session (see the module docs).
#[derive(Debug)]
pub struct Session {
    config: SessionConfig,
    state: State,
    next_sequence: u32,
    /// sequence → (kind, deadline).
    pending: BTreeMap<u32, (Kind, Instant)>,
    /// Submits and other user requests in `pending` (the window).
    in_window: usize,
    /// Last time a frame arrived or our enquire_link was sent.
    last_heard: Option<Instant>,
}

impl Session {
    /// A session in state [`State::Open`].
    pub fn new(config: SessionConfig) -> Self {
        Session {
            config,
            state: State::Open,
            next_sequence: 1,
            pending: BTreeMap::new(),
            in_window: 0,
            last_heard: None,
        }
    }

    /// The current state.
    pub fn state(&self) -> State {
        self.state
    }

    /// Outstanding submits and other user requests (what the window counts;
    /// bind, enquire_link and unbind are not counted).
    pub fn outstanding(&self) -> usize {
        self.in_window
    }

    /// Sets the next sequence number to use (values outside
    /// `1..=0x7FFFFFFF` become 1). For tests and for continuing a numbering.
    pub fn set_next_sequence(&mut self, sequence: u32) {
        self.next_sequence = if (1..=MAX_SEQUENCE).contains(&sequence) {
            sequence
        } else {
            1
        };
    }

    /// The bind request; the session moves to [`State::Binding`].
    pub fn start(&mut self, now: Instant) -> Frame {
        self.state = State::Binding;
        self.last_heard = Some(now);
        let seq = self.track(Kind::Bind, now);
        Frame::new(seq, Pdu::Bind(self.config.bind.clone()))
    }

    /// A `submit_sm` with a fresh sequence number, if bound for transmitting
    /// and the window has room.
    pub fn submit(&mut self, sm: ShortMessage, now: Instant) -> Result<(u32, Frame), SubmitError> {
        self.request(Pdu::SubmitSm(sm), now)
    }

    /// Any other request counted in the window (`data_sm`, `query_sm`); its
    /// response arrives as [`Event::Response`] (as [`Event::SubmitResponse`]
    /// for `submit_sm`).
    pub fn request(&mut self, pdu: Pdu, now: Instant) -> Result<(u32, Frame), SubmitError> {
        if self.state != State::Bound || !self.config.bind.kind.can_transmit() {
            return Err(SubmitError::NotBound(self.state));
        }
        if self.in_window >= self.config.window {
            return Err(SubmitError::WindowFull);
        }
        let kind = if matches!(pdu, Pdu::SubmitSm(_)) {
            Kind::Submit
        } else {
            Kind::Other
        };
        let seq = self.track(kind, now);
        Ok((seq, Frame::new(seq, pdu)))
    }

    /// The `deliver_sm_resp` (status 0) for an [`Event::Deliver`].
    pub fn respond_deliver(&self, sequence: u32) -> Frame {
        self.respond_deliver_status(sequence, 0)
    }

    /// A `deliver_sm_resp` with `status`, for example `ESME_RX_T_APPN` to have
    /// the SMSC retry later.
    pub fn respond_deliver_status(&self, sequence: u32, status: u32) -> Frame {
        let pdu = Pdu::DeliverSmResp {
            message_id: String::new(),
        };
        Frame::response(sequence, status, pdu)
    }

    /// The `data_sm_resp` with `status` for an [`Event::DataSm`].
    pub fn respond_data_sm(&self, sequence: u32, status: u32) -> Frame {
        let pdu = Pdu::DataSmResp {
            message_id: String::new(),
            tlvs: Vec::new(),
        };
        Frame::response(sequence, status, pdu)
    }

    /// An `unbind` request; the session moves to [`State::Unbinding`] and
    /// waits at most `response_timeout` for the answer.
    pub fn unbind(&mut self, now: Instant) -> Frame {
        self.state = State::Unbinding;
        let seq = self.track(Kind::Unbind, now);
        Frame::new(seq, Pdu::Unbind)
    }

    /// The earliest instant at which [`Session::poll`] has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        let timer = self.pending.values().map(|&(_, d)| d).min();
        let keepalive = match (self.state, self.enquire_pending()) {
            (State::Bound, false) => self
                .last_heard
                .map(|t| t + self.config.enquire_link_interval),
            _ => None,
        };
        timer.into_iter().chain(keepalive).min()
    }

    /// Advances the timers: response timeouts and the keepalive.
    pub fn poll(&mut self, now: Instant) -> Vec<Event> {
        let mut events = Vec::new();
        let expired: Vec<u32> = self
            .pending
            .iter()
            .filter(|(_, &(_, deadline))| deadline <= now)
            .map(|(&seq, _)| seq)
            .collect();
        for seq in expired {
            // `close` may already have drained it.
            let Some(kind) = self.forget(seq) else {
                continue;
            };
            match kind {
                Kind::Submit | Kind::Other => events.push(Event::Timeout { sequence: seq }),
                Kind::Bind | Kind::EnquireLink => self.close(Event::LinkDead, &mut events),
                Kind::Unbind => self.close(Event::Unbound, &mut events),
            }
        }
        let idle = self
            .last_heard
            .is_some_and(|t| now >= t + self.config.enquire_link_interval);
        if self.state == State::Bound && idle && !self.enquire_pending() {
            self.last_heard = Some(now);
            let seq = self.track(Kind::EnquireLink, now);
            events.push(Event::Send(Frame::new(seq, Pdu::EnquireLink)));
        }
        events
    }

    fn enquire_pending(&self) -> bool {
        self.pending.values().any(|&(k, _)| k == Kind::EnquireLink)
    }

    /// Allocates a sequence number and starts its response timer.
    fn track(&mut self, kind: Kind, now: Instant) -> u32 {
        let seq = self.next_sequence;
        self.next_sequence = if seq >= MAX_SEQUENCE { 1 } else { seq + 1 };
        let deadline = now + self.config.response_timeout;
        if let Some((old, _)) = self.pending.insert(seq, (kind, deadline)) {
            // Only after 2^31 requests without answers; keep the count right.
            if matches!(old, Kind::Submit | Kind::Other) {
                self.in_window = self.in_window.saturating_sub(1);
            }
        }
        if matches!(kind, Kind::Submit | Kind::Other) {
            self.in_window += 1;
        }
        seq
    }

    /// Removes `sequence` from the outstanding set, returning its kind.
    fn forget(&mut self, sequence: u32) -> Option<Kind> {
        let (kind, _) = self.pending.remove(&sequence)?;
        if matches!(kind, Kind::Submit | Kind::Other) {
            self.in_window = self.in_window.saturating_sub(1);
        }
        Some(kind)
    }

    /// Ends the session: `last` is reported after a Timeout for every
    /// request still outstanding.
    fn close(&mut self, last: Event, events: &mut Vec<Event>) {
        if self.state == State::Closed {
            return;
        }
        self.state = State::Closed;
        for (seq, (kind, _)) in std::mem::take(&mut self.pending) {
            if matches!(kind, Kind::Submit | Kind::Other) {
                events.push(Event::Timeout { sequence: seq });
            }
        }
        self.in_window = 0;
        events.push(last);
    }
}
