//! The outbound call API: what to dial ([`CallRequest`]), what comes back
//! ([`CallEvent`]) and how to end it ([`CallHandle`], [`CallControl`]).

use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

use crate::EndReason;

/// The SIP trunk (or any UAS) the INVITE goes to, over UDP.
#[derive(Clone, PartialEq, Eq)]
pub struct TrunkTarget {
    /// IP address or DNS name (A/AAAA lookup, no SRV).
    pub host: String,
    /// UDP port, usually 5060.
    pub port: u16,
    /// Digest user name, used only if the trunk challenges (401/407).
    pub username: Option<String>,
    /// Digest password; a challenge without one ends the call as failed.
    pub password: Option<String>,
}

impl std::fmt::Debug for TrunkTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkTarget")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("username", &self.username)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// One outbound call.
#[derive(Debug, Clone)]
pub struct CallRequest {
    /// Where to send the INVITE.
    pub trunk: TrunkTarget,
    /// The number (or user) dialled: the Request-URI and To user part.
    pub to_user: String,
    /// The caller ID: the From user part.
    pub from_user: String,
    /// Our SDP offer, sent in the INVITE and again, unchanged, in the 200
    /// answering any re-INVITE or UPDATE with an offer.
    pub sdp_offer: String,
    /// How long to let it ring, counted from sending the INVITE, before we
    /// CANCEL and end as [`EndReason::NoAnswer`] (Twilio's `Timeout`).
    pub ring_timeout: Duration,
    /// Call-ID to use instead of a random one (e.g. derived from the call
    /// SID, so logs on both sides line up).
    pub call_id: Option<String>,
}

/// What happens to a call, in order: `Trying`? `Ringing`? then either
/// `Answered` (then any number of `Refreshed`) and finally exactly one
/// `Ended`. Nothing follows `Ended`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallEvent {
    /// 100 Trying: the trunk has the INVITE.
    Trying,
    /// 180 or 183: the destination is ringing (reported once).
    Ringing,
    /// 200 OK received and ACKed: the call is in progress.
    Answered {
        /// The SDP answer (empty if the 200 carried no body).
        remote_sdp: String,
    },
    /// The callee sent a re-INVITE or UPDATE, answered 200 with our
    /// unchanged SDP; the call goes on.
    Refreshed {
        /// The SDP it carried, if any (the remote media may have moved).
        remote_sdp: Option<String>,
    },
    /// The call is over.
    Ended(EndReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Command {
    Hangup,
    Cancel,
}

/// A cloneable remote control for one call, for a task that does not own
/// the [`CallHandle`]. Sending after the call ended does nothing.
#[derive(Debug, Clone)]
pub struct CallControl {
    commands: UnboundedSender<Command>,
}

impl CallControl {
    /// End the call: BYE if answered (then `Completed { by: Local }`),
    /// CANCEL if not yet (then `Canceled`).
    pub fn hangup(&self) {
        let _ = self.commands.send(Command::Hangup);
    }

    /// CANCEL the call if it has not been answered (then `Canceled`); an
    /// answered call is left alone (Twilio's `Status=canceled`).
    pub fn cancel(&self) {
        let _ = self.commands.send(Command::Cancel);
    }
}

/// An outbound call in progress. Dropping it, together with every
/// [`CallControl`] taken from it, hangs the call up.
#[derive(Debug)]
pub struct CallHandle {
    call_id: String,
    events: UnboundedReceiver<CallEvent>,
    control: CallControl,
}

impl CallHandle {
    pub(crate) fn new(
        call_id: String,
        events: UnboundedReceiver<CallEvent>,
        commands: UnboundedSender<Command>,
    ) -> Self {
        Self {
            call_id,
            events,
            control: CallControl { commands },
        }
    }

    /// The SIP Call-ID of the INVITE.
    pub fn call_id(&self) -> &str {
        &self.call_id
    }

    /// The next event; `None` once `Ended` has been taken.
    pub async fn next_event(&mut self) -> Option<CallEvent> {
        self.events.recv().await
    }

    /// See [`CallControl::hangup`].
    pub fn hangup(&self) {
        self.control.hangup();
    }

    /// See [`CallControl::cancel`].
    pub fn cancel(&self) {
        self.control.cancel();
    }

    /// A cloneable control for this call.
    pub fn control(&self) -> CallControl {
        self.control.clone()
    }
}
