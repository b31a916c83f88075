//! The crate's error type: what can go wrong *before* a call is under way.
//! Once [`crate::SipUa::invite`] or [`crate::IncomingCall::answer`]
//! returned a handle, every outcome (including transport failures) arrives
//! as a [`crate::CallEvent::Ended`] instead.

/// Why the user agent could not start or could not place a call.
#[derive(Debug, thiserror::Error)]
pub enum SipError {
    /// A field of the request or configuration is not usable in SIP (a user
    /// part with forbidden characters, an empty host, …).
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which field (`to_user`, `trunk.host`, …).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The UDP socket could not be bound.
    #[error("cannot bind SIP socket on {addr}: {reason}")]
    Bind {
        /// The address asked for.
        addr: std::net::SocketAddr,
        /// The operating system's or stack's message.
        reason: String,
    },
    /// rsipstack refused the request (building the INVITE, the dialog…).
    #[error("SIP stack error: {0}")]
    Stack(String),
    /// The user agent was shut down.
    #[error("the SIP user agent is shut down")]
    Closed,
    /// Inbound: the caller sent CANCEL before the call was answered (we
    /// answered the INVITE 487 Request Terminated).
    #[error("the caller canceled the call before it was answered")]
    Canceled,
    /// Inbound: we answered 200 but the call never got going: the caller
    /// hung up before its ACK, or no ACK came within 64·T1 (we then sent
    /// BYE, RFC 3261 §13.3.1.4).
    #[error("the answered call was not confirmed: {0}")]
    NotConfirmed(String),
}

impl SipError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            reason: reason.into(),
        }
    }
}

impl From<rsipstack::Error> for SipError {
    fn from(e: rsipstack::Error) -> Self {
        Self::Stack(e.to_string())
    }
}
