//! One task per call: drives the INVITE to its final response, then the
//! confirmed dialog to its end, and turns both into [`CallEvent`]s.
//!
//! The task owns the call's state: it reads the dialog's state channel (fed
//! by rsipstack, including in-dialog requests the user agent routed to the
//! dialog), the INVITE's join handle, the ring timer and the commands from
//! the [`CallHandle`](crate::CallHandle). Nothing here blocks: CANCEL and BYE
//! run in their own short tasks and report back through the state channel.

use std::sync::Arc;
use std::time::Duration;

use rsipstack::dialog::dialog::{DialogState, DialogStateReceiver, TerminatedReason};
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteAsyncResult;
use rsipstack::dialog::invite_dialog::InviteDialog;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Header, Method, StatusCode};
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::call::{CallEvent, Command};
use crate::outcome::{self, CancelCause};
use crate::EndReason;

pub(crate) struct CallDriver {
    pub dialog: InviteDialog,
    pub layer: Arc<DialogLayer>,
    pub states: DialogStateReceiver,
    pub commands: UnboundedReceiver<Command>,
    pub events: UnboundedSender<CallEvent>,
    /// Our SDP (offer of an outbound call, answer of an inbound one), sent
    /// again unchanged in the 200 to a re-INVITE or UPDATE.
    pub local_sdp: Arc<str>,
    pub ring_timeout: Duration,
    pub shutdown: CancellationToken,
}

/// How the INVITE phase ended.
enum Setup {
    /// 200 OK: the call is up. Carries a termination seen meanwhile.
    Answered(Option<TerminatedReason>),
    Ended(EndReason),
}

impl CallDriver {
    pub async fn run(mut self, invite: JoinHandle<InviteAsyncResult>) {
        let end = match self.until_final(invite).await {
            Setup::Answered(Some(why)) => outcome::answered(&why, self.dialog.role(), false),
            Setup::Answered(None) => self.until_ended().await,
            Setup::Ended(end) => end,
        };
        self.finish(end);
    }

    /// An inbound call we answered and the caller ACKed: only the answered
    /// phase is left (`local_sdp` is our SDP answer).
    pub async fn run_answered(mut self) {
        let end = self.until_ended().await;
        self.finish(end);
    }

    fn finish(&self, end: EndReason) {
        debug!(call_id = %self.dialog.id().call_id, ?end, "call ended");
        self.layer.remove_dialog(&self.dialog.id());
        let _ = self.events.send(CallEvent::Ended(end));
    }

    fn emit(&self, event: CallEvent) {
        let _ = self.events.send(event);
    }

    /// The INVITE phase: progress events, ring timeout, CANCEL.
    async fn until_final(&mut self, mut invite: JoinHandle<InviteAsyncResult>) -> Setup {
        let ring = tokio::time::sleep(self.ring_timeout);
        tokio::pin!(ring);
        let mut cancel: Option<CancelCause> = None;
        let mut terminated: Option<TerminatedReason> = None;
        let (mut trying, mut ringing, mut commands_open) = (false, false, true);
        loop {
            tokio::select! {
                // States first: every state the INVITE caused is queued
                // before its task ends, so none is lost to the final result.
                biased;
                Some(state) = self.states.recv() => match state {
                    DialogState::Trying(_) if !trying && !ringing => {
                        trying = true;
                        self.emit(CallEvent::Trying);
                    }
                    DialogState::Early(..) if !ringing => {
                        ringing = true;
                        self.emit(CallEvent::Ringing);
                    }
                    DialogState::Terminated(_, why) => terminated = Some(why),
                    other => self.answer_in_dialog(other).await,
                },
                result = &mut invite => {
                    let heard = trying || ringing;
                    return self.on_final(result, cancel, terminated, heard);
                }
                () = &mut ring, if cancel.is_none() => {
                    cancel = Some(CancelCause::RingTimeout);
                    self.send_cancel();
                }
                command = self.commands.recv(), if commands_open => {
                    // A closed channel (every handle dropped) means hang up.
                    commands_open = command.is_some();
                    if cancel.is_none() {
                        cancel = Some(CancelCause::Requested);
                        self.send_cancel();
                    }
                }
                () = self.shutdown.cancelled() => return Setup::Ended(EndReason::Failed {
                    sip_code: None,
                    reason: "SIP user agent shut down".to_string(),
                }),
            }
        }
    }

    fn on_final(
        &self,
        result: Result<InviteAsyncResult, tokio::task::JoinError>,
        cancel: Option<CancelCause>,
        terminated: Option<TerminatedReason>,
        heard: bool,
    ) -> Setup {
        let response = match result {
            Ok(Ok((_, response))) => response,
            Ok(Err(e)) if cancel.is_none() => {
                return Setup::Ended(EndReason::Failed {
                    sip_code: None,
                    reason: e.to_string(),
                })
            }
            Ok(Err(_)) => None,
            Err(e) => {
                return Setup::Ended(EndReason::Failed {
                    sip_code: None,
                    reason: format!("INVITE task failed: {e}"),
                })
            }
        };
        // rsipstack reports timer B (and timer C) as a 408 it makes itself,
        // with the INVITE's To header: no To tag, which any UAS or proxy
        // answering for real adds (RFC 3261 §8.2.6.2, §16.7). That is "no
        // response", not the callee's 408.
        let response = response.filter(|r| {
            r.status_code != StatusCode::RequestTimeout
                || matches!(r.to_header().map(|to| to.tag()), Ok(Ok(Some(_))))
        });
        let Some(response) = response else {
            // A ring timeout with not even a 100 back is an unreachable
            // trunk (failed), not an unanswered phone.
            let cancel = cancel.filter(|c| heard || *c != CancelCause::RingTimeout);
            return Setup::Ended(outcome::unanswered(None, cancel));
        };
        let code = response.status_code.code();
        let confirmed = code == StatusCode::OK.code()
            && cancel.is_none()
            && !matches!(terminated, Some(TerminatedReason::UacCancel));
        if !confirmed {
            let reason = match &response.wire_reason {
                Some(wire) => wire.as_str(),
                None => response.status_code.text(),
            };
            return Setup::Ended(outcome::unanswered(Some((code, reason)), cancel));
        }
        let remote_sdp = String::from_utf8_lossy(&response.body).into_owned();
        self.emit(CallEvent::Answered { remote_sdp });
        Setup::Answered(terminated)
    }

    /// The answered phase: in-dialog requests, BYE either way.
    async fn until_ended(&mut self) -> EndReason {
        let mut local_hangup = false;
        let mut commands_open = true;
        // Resolves when our BYE transaction is over (answered or not): the
        // call is then ended even if no Terminated state follows.
        let (bye_done, mut bye_rx) = tokio::sync::oneshot::channel::<()>();
        let mut bye_done = Some(bye_done);
        loop {
            tokio::select! {
                state = self.states.recv() => match state {
                    Some(DialogState::Terminated(_, why)) => {
                        return outcome::answered(&why, self.dialog.role(), local_hangup)
                    }
                    Some(other) => self.answer_in_dialog(other).await,
                    // The dialog is gone without telling us: treat as ended.
                    None => {
                        let role = self.dialog.role();
                        return outcome::answered(&TerminatedReason::Timeout, role, local_hangup);
                    }
                },
                command = self.commands.recv(), if commands_open => {
                    commands_open = command.is_some();
                    // `cancel` does not end an answered call; hangup and
                    // dropping every handle do.
                    if command != Some(Command::Cancel) {
                        if let Some(done) = bye_done.take() {
                            local_hangup = true;
                            self.send_bye(done);
                        }
                    }
                }
                _ = &mut bye_rx, if local_hangup => {
                    return EndReason::Completed { by: crate::Party::Local }
                }
                () = self.shutdown.cancelled() => {
                    return EndReason::Completed { by: crate::Party::Local }
                }
            }
        }
    }

    /// Answer what the callee sends inside the dialog. A request we leave
    /// unanswered is retransmitted by the callee and then fails the call.
    async fn answer_in_dialog(&self, state: DialogState) {
        let sdp_header = || Some(vec![Header::ContentType("application/sdp".into())]);
        let sdp_body = || Some(self.local_sdp.as_bytes().to_vec());
        let result = match state {
            DialogState::Updated(_, request, handle) => {
                let offer = (!request.body.is_empty())
                    .then(|| String::from_utf8_lossy(&request.body).into_owned());
                // re-INVITE: always an SDP (an offer if it had none);
                // UPDATE: an answer only if it carried an offer.
                let with_sdp = request.method == Method::Invite || offer.is_some();
                let sent = if with_sdp {
                    handle
                        .respond(StatusCode::OK, sdp_header(), sdp_body())
                        .await
                } else {
                    handle.reply(StatusCode::OK).await
                };
                self.emit(CallEvent::Refreshed { remote_sdp: offer });
                sent
            }
            DialogState::Options(_, _, handle)
            | DialogState::Info(_, _, handle)
            | DialogState::Notify(_, _, handle)
            | DialogState::Message(_, _, handle) => handle.reply(StatusCode::OK).await,
            // We do not transfer calls.
            DialogState::Refer(_, _, handle) => handle.reply(StatusCode::Decline).await,
            DialogState::Publish(_, _, handle) => handle.reply(StatusCode::MethodNotAllowed).await,
            _ => Ok(()),
        };
        if let Err(e) = result {
            debug!(error = %e, "in-dialog response not sent");
        }
    }

    fn send_cancel(&self) {
        let dialog = self.dialog.clone();
        tokio::spawn(async move {
            if let Err(e) = dialog.cancel().await {
                debug!(error = %e, "CANCEL failed");
            }
        });
    }

    fn send_bye(&self, done: tokio::sync::oneshot::Sender<()>) {
        let dialog = self.dialog.clone();
        tokio::spawn(async move {
            if let Err(e) = dialog.hangup().await {
                debug!(error = %e, "BYE failed");
            }
            let _ = done.send(());
        });
    }
}
