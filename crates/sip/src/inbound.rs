//! Inbound calls (UAS side): a new out-of-dialog INVITE becomes an
//! [`IncomingCall`] on the receiver from [`crate::SipUa::take_incoming`].
//!
//! rsipstack's INVITE server transaction sends 100 Trying, retransmits our
//! final response, absorbs retransmitted INVITEs (so one INVITE is one
//! `IncomingCall`), answers CANCEL (200, then 487 to the INVITE) and ends
//! a 2xx that no ACK confirms within 64·T1 with a BYE. The dialog layer's
//! state channel tells us about CANCEL, ACK and BYE; this module turns it
//! into the call API and makes sure every INVITE gets a final response.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Request, StatusCode};
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transport::SipConnection;
use tokio::sync::mpsc::{self, error::TrySendError};
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::call::CallHandle;
use crate::driver::CallDriver;
use crate::SipError;

/// How many offered calls may wait for the application before new INVITEs
/// are refused with 503.
pub(crate) const QUEUE: usize = 64;

/// Status of an INVITE nobody takes ([`crate::SipUa::take_incoming`] never
/// called, or its receiver dropped): 480, as before inbound calls existed.
const NOBODY_HERE: u16 = 480;
/// Status of an INVITE offered to the application that dropped it undecided.
const DROPPED: u16 = 500;

/// One inbound call, offered and not yet answered or rejected. Exactly one
/// of [`answer`](Self::answer) or [`reject`](Self::reject) should follow
/// (after [`ringing`](Self::ringing) if the answer takes a while);
/// dropping it undecided rejects the call with 500 Server Internal Error.
#[derive(Debug)]
pub struct IncomingCall {
    /// The SIP Call-ID.
    pub call_id: String,
    /// The caller: the From URI's user part (empty if it has none).
    pub from_user: String,
    /// The number called: the Request-URI's user part, else the To URI's.
    pub to_user: String,
    /// The From URI's host (the caller's domain or IP, as written).
    pub from_host: String,
    /// The caller's SDP offer; empty if the INVITE carried none (then our
    /// SDP in [`answer`](Self::answer) is the offer, and the answer comes
    /// in the ACK, which this crate does not report).
    pub remote_sdp: String,
    /// Where the INVITE came from (the UDP source address).
    pub source: SocketAddr,
    pending: Option<Pending>,
}

/// What an undecided call needs; taken out when it is answered.
struct Pending {
    dialog: InviteDialog,
    layer: Arc<DialogLayer>,
    states: DialogStateReceiver,
    shutdown: CancellationToken,
    /// The user agent's runtime: the call's task and a BYE from `Drop` run
    /// there whatever polls or drops the `IncomingCall`.
    runtime: tokio::runtime::Handle,
    /// Set once the dialog ended before the answer (CANCEL…).
    ended: Option<TerminatedReason>,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("dialog", &self.dialog.id().to_string())
            .field("ended", &self.ended)
            .finish()
    }
}

impl IncomingCall {
    /// Send 180 Ringing. Does nothing once the caller canceled.
    pub fn ringing(&self) -> Result<(), SipError> {
        match &self.pending {
            Some(p) => Ok(p.dialog.ringing(None, None)?),
            None => Err(SipError::Closed),
        }
    }

    /// Answer 200 OK with `local_sdp` (sent as `application/sdp`; an empty
    /// string sends no body) and wait for the caller's ACK. The returned
    /// handle then yields what an outbound call yields after `Answered`:
    /// any number of `Refreshed`, then `Ended(Completed { by })`; its
    /// `hangup` sends BYE. Errors: [`SipError::Canceled`] if the caller
    /// canceled first, [`SipError::NotConfirmed`] if it hung up before its
    /// ACK or never sent one (64·T1, 32 s by default), [`SipError::Closed`]
    /// if the user agent shut down.
    ///
    /// Dropping the future before it completes drops the call: 500 if the
    /// 200 was not sent yet, else a BYE.
    pub async fn answer(mut self, local_sdp: String) -> Result<CallHandle, SipError> {
        // On any error `self` is dropped, which cleans up (see `abandon`).
        match self.pending.as_mut() {
            Some(pending) => pending.accept(&local_sdp).await?,
            None => return Err(SipError::Closed),
        }
        let Some(pending) = self.pending.take() else {
            return Err(SipError::Closed);
        };
        let Pending {
            dialog,
            layer,
            states,
            shutdown,
            runtime,
            ..
        } = pending;
        let (events_tx, events) = mpsc::unbounded_channel();
        let (commands_tx, commands) = mpsc::unbounded_channel();
        let driver = CallDriver {
            dialog,
            layer,
            states,
            commands,
            events: events_tx,
            local_sdp: Arc::from(local_sdp.as_str()),
            // Unused: there is no INVITE phase left.
            ring_timeout: Duration::ZERO,
            shutdown,
        };
        runtime.spawn(driver.run_answered());
        Ok(CallHandle::new(
            std::mem::take(&mut self.call_id),
            events,
            commands_tx,
        ))
    }

    /// Reject the call with a final status: 486 Busy Here (Twilio's
    /// `<Reject reason="busy">`), 603 Decline (`reason="rejected"`), 480,
    /// 404… A code outside 300–699 is refused with
    /// [`SipError::Invalid`], and the call is then rejected with 500.
    /// Rejecting a call the caller already canceled does nothing.
    pub fn reject(mut self, code: u16) -> Result<(), SipError> {
        if !(300..=699).contains(&code) {
            return Err(SipError::invalid(
                "code",
                format!("{code} is not a final error status (300-699)"),
            ));
        }
        if let Some(pending) = self.pending.take() {
            pending.abandon(code);
        }
        Ok(())
    }

    /// Resolves once the call can no longer be answered: the caller sent
    /// CANCEL (it got 487) or the user agent shut down. Cancel-safe, for
    /// use in `select!` next to fetching the call's TwiML; after it
    /// resolved, [`answer`](Self::answer) returns an error.
    pub async fn canceled(&mut self) {
        let Some(pending) = self.pending.as_mut() else {
            return;
        };
        while pending.ended.is_none() {
            tokio::select! {
                state = pending.states.recv() => pending.note(state),
                () = pending.shutdown.cancelled() => return,
            }
        }
    }
}

impl Drop for IncomingCall {
    fn drop(&mut self) {
        if let Some(pending) = self.pending.take() {
            pending.abandon(DROPPED);
        }
    }
}

impl Pending {
    /// Record a state seen before the answer; only the end matters.
    fn note(&mut self, state: Option<DialogState>) {
        match state {
            Some(DialogState::Terminated(_, why)) => self.ended = Some(why),
            Some(_) => {}
            None => self.ended = Some(TerminatedReason::Timeout),
        }
    }

    /// 200 with our SDP, then wait for the ACK (`Confirmed`).
    async fn accept(&mut self, local_sdp: &str) -> Result<(), SipError> {
        while let Ok(state) = self.states.try_recv() {
            self.note(Some(state));
        }
        if let Some(why) = &self.ended {
            return Err(not_answered(why));
        }
        if self.shutdown.is_cancelled() {
            return Err(SipError::Closed);
        }
        let (headers, body) = if local_sdp.is_empty() {
            (None, None)
        } else {
            let content_type = Header::ContentType("application/sdp".into());
            (
                Some(vec![content_type]),
                Some(local_sdp.as_bytes().to_vec()),
            )
        };
        self.dialog.accept(headers, body)?;
        loop {
            tokio::select! {
                state = self.states.recv() => match state {
                    Some(DialogState::Confirmed(..)) => return Ok(()),
                    Some(DialogState::Terminated(_, why)) => return Err(not_answered(&why)),
                    Some(_) => {}
                    None => return Err(SipError::Closed),
                },
                () = self.shutdown.cancelled() => return Err(SipError::Closed),
            }
        }
    }

    /// End a call nobody will run and forget its dialog: reject it with
    /// `code` if it is still undecided, send BYE if our 200 is out (an
    /// `answer` dropped midway), nothing if it already ended. The INVITE
    /// transaction lives on to absorb the ACK and any retransmitted INVITE.
    fn abandon(self, code: u16) {
        let state = self.dialog.state();
        if state.waiting_ack() || state.is_confirmed() {
            let dialog = self.dialog.clone();
            self.runtime.spawn(async move {
                if let Err(e) = dialog.bye().await {
                    debug!(error = %e, "BYE of an abandoned call failed");
                }
            });
        } else if let Err(e) = self.dialog.reject(Some(StatusCode::from(code)), None) {
            debug!(error = %e, code, "inbound INVITE not rejected");
        }
        self.layer.remove_dialog(&self.dialog.id());
    }
}

fn not_answered(why: &TerminatedReason) -> SipError {
    match why {
        TerminatedReason::UacCancel => SipError::Canceled,
        other => SipError::NotConfirmed(format!("{other:?}")),
    }
}

/// The router's half: what to do with a new out-of-dialog INVITE.
pub(crate) struct Inbound {
    pub layer: Arc<DialogLayer>,
    pub calls: mpsc::Sender<IncomingCall>,
    /// Whether the application took the receiver.
    pub taken: Arc<AtomicBool>,
    pub accept_from: Option<Vec<IpAddr>>,
    pub shutdown: CancellationToken,
    pub runtime: tokio::runtime::Handle,
}

impl Inbound {
    /// Offer the INVITE to the application, or answer it ourselves:
    /// 400 if unparsable, 403 if its source is not allowed, 480 if nobody
    /// takes calls, 503 if the application is `QUEUE` calls behind.
    pub fn offer(&self, mut tx: Transaction) {
        let Some(source) = source_of(&tx.original) else {
            return reply(&self.runtime, tx, StatusCode::BadRequest);
        };
        if let Some(allowed) = &self.accept_from {
            if !allowed.contains(&source.ip()) {
                debug!(%source, "INVITE from a source not in accept_from");
                return reply(&self.runtime, tx, StatusCode::Forbidden);
            }
        }
        if !self.taken.load(Ordering::Acquire) || self.calls.is_closed() {
            return reply(&self.runtime, tx, StatusCode::from(NOBODY_HERE));
        }
        let (state_tx, states) = self.layer.new_dialog_state_channel();
        let dialog = match self
            .layer
            .get_or_create_server_invite(&tx, state_tx, None, None)
        {
            Ok(dialog) => dialog,
            Err(e) => {
                debug!(error = %e, "inbound INVITE refused");
                return reply(&self.runtime, tx, StatusCode::BadRequest);
            }
        };
        let pending = Pending {
            dialog: dialog.clone(),
            layer: self.layer.clone(),
            states,
            shutdown: self.shutdown.child_token(),
            runtime: self.runtime.clone(),
            ended: None,
        };
        let call = describe(&tx.original, source, pending);
        // The transaction's own task: 100 Trying, our responses, CANCEL, ACK.
        let mut handler = dialog;
        self.runtime.spawn(async move {
            if let Err(e) = handler.handle(&mut tx).await {
                debug!(error = %e, "inbound INVITE transaction failed");
            }
        });
        match self.calls.try_send(call) {
            Ok(()) => {}
            Err(TrySendError::Full(call)) => {
                debug!(queue = QUEUE, "inbound calls not taken fast enough: 503");
                let _ = call.reject(503);
            }
            Err(TrySendError::Closed(call)) => {
                let _ = call.reject(NOBODY_HERE);
            }
        }
    }
}

/// A new call from its INVITE.
fn describe(req: &Request, source: SocketAddr, pending: Pending) -> IncomingCall {
    let call_id = req
        .call_id_header()
        .map(|h| h.value().to_string())
        .unwrap_or_default();
    let from = req.from_header().ok().and_then(|h| h.uri().ok());
    let user = |uri: &rsipstack::sip::Uri| uri.auth.as_ref().map(|a| a.user.clone());
    let to_user = user(&req.uri)
        .or_else(|| {
            req.to_header()
                .ok()
                .and_then(|h| h.uri().ok())
                .and_then(|u| user(&u))
        })
        .unwrap_or_default();
    IncomingCall {
        call_id,
        from_user: from.as_ref().and_then(user).unwrap_or_default(),
        to_user,
        from_host: from
            .map(|uri| uri.host_with_port.host.to_string())
            .unwrap_or_default(),
        remote_sdp: String::from_utf8_lossy(&req.body).into_owned(),
        source,
        pending: Some(pending),
    }
}

/// The UDP source of a request: rsipstack's transport records it in the
/// top Via (`received`/`rport`, RFC 3581) whenever it differs from what
/// the Via says, so the Via's target is the real source.
fn source_of(req: &Request) -> Option<SocketAddr> {
    let via = req.via_header().ok()?;
    let (_, target) = SipConnection::parse_target_from_via(via).ok()?;
    SocketAddr::try_from(target).ok()
}

fn reply(runtime: &tokio::runtime::Handle, mut tx: Transaction, status: StatusCode) {
    runtime.spawn(async move {
        if let Err(e) = tx.reply(status).await {
            debug!(error = %e, "INVITE not answered");
        }
    });
}
