//! The session's public value types: config, state, events, errors.

use std::time::Duration;

use crate::pdu::{Bind, Frame, Pdu, ShortMessage};

/// Session settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionConfig {
    /// The bind request to send.
    pub bind: Bind,
    /// Maximum outstanding (unanswered) submits and other user requests.
    pub window: usize,
    /// Send `enquire_link` after this long without receiving anything.
    pub enquire_link_interval: Duration,
    /// How long any request (bind, submit, enquire_link, unbind) may wait for
    /// its response.
    pub response_timeout: Duration,
}

impl SessionConfig {
    /// Defaults: window 10, enquire_link every 30 s, responses within 60 s.
    pub fn new(bind: Bind) -> Self {
        SessionConfig {
            bind,
            window: 10,
            enquire_link_interval: Duration::from_secs(30),
            response_timeout: Duration::from_secs(60),
        }
    }
}

/// Where the session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Created; [`Session::start`](super::Session::start) not called yet.
    Open,
    /// Bind sent, no answer yet.
    Binding,
    /// Bound: submits allowed (unless bound as a receiver).
    Bound,
    /// We sent `unbind` and wait for `unbind_resp`.
    Unbinding,
    /// Over: unbound, bind failed, or link dead. Close the connection.
    Closed,
}

/// What the session tells its caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Write this frame to the peer (automatic replies and keepalives).
    Send(Frame),
    /// The bind succeeded.
    Bound {
        /// The SMSC's system_id.
        system_id: String,
    },
    /// The bind was refused (status of the bind_resp or generic_nack). The
    /// session is closed.
    BindFailed {
        /// For example `ESME_RBINDFAIL`, `ESME_RINVPASWD`.
        status: u32,
    },
    /// A `submit_sm_resp` for an outstanding submit.
    SubmitResponse {
        /// The submit's sequence number.
        sequence: u32,
        /// `command_status` (see [`crate::status::classify`]).
        status: u32,
        /// The SMSC's id (NULs and whitespace trimmed); empty on failure.
        message_id: String,
    },
    /// Any other response to a request sent with [`Session::request`](super::Session::request)
    /// (`data_sm_resp`, `query_sm_resp`, …).
    Response {
        /// The request's sequence number.
        sequence: u32,
        /// `command_status`.
        status: u32,
        /// The response body.
        pdu: Pdu,
    },
    /// An incoming `deliver_sm` (MO message or receipt). Answer it with
    /// [`Session::respond_deliver`](super::Session::respond_deliver) once it is safely stored.
    Deliver {
        /// Its sequence number, for the response.
        sequence: u32,
        /// The message.
        sm: ShortMessage,
    },
    /// An incoming `data_sm`; `pdu` is always [`Pdu::DataSm`]. Answer it with
    /// [`Session::respond_data_sm`](super::Session::respond_data_sm).
    DataSm {
        /// Its sequence number, for the response.
        sequence: u32,
        /// The `Pdu::DataSm` body.
        pdu: Pdu,
    },
    /// The peer answered one of our requests with `generic_nack`; the
    /// request has left the window.
    GenericNack {
        /// The request's sequence number.
        sequence: u32,
        /// The nack's `command_status`.
        status: u32,
    },
    /// A request got no response in time, or the session ended before it
    /// was answered; its outcome is unknown and it has left the window.
    Timeout {
        /// The request's sequence number.
        sequence: u32,
    },
    /// The session is unbound (the peer sent `unbind`, or answered ours).
    Unbound,
    /// The peer stopped answering (enquire_link or bind timed out) or the
    /// stream cannot be framed any more. Drop the connection.
    LinkDead,
}

/// Why [`Session::submit`](super::Session::submit) refused.
#[derive(Debug, Clone, Copy, thiserror::Error, PartialEq, Eq)]
pub enum SubmitError {
    /// The session is not bound for transmitting.
    #[error("session is not bound for transmitting (state {0:?})")]
    NotBound(State),
    /// `window` requests are already outstanding.
    #[error("window full")]
    WindowFull,
}
