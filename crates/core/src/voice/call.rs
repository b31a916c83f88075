//! One outbound call from `queued` to its end: seize a trunk, INVITE with our SDP offer,
//! map SIP progress to Twilio statuses, and once answered stream RTP and run the TwiML.
//!
//! | SIP | status |
//! | --- | --- |
//! | INVITE sent | `queued` (callback event `initiated`) |
//! | 180/183 | `ringing` |
//! | 2xx + ACK | `in-progress` |
//! | BYE either way | `completed` |
//! | 486/600 | `busy` |
//! | ring timeout (our CANCEL, 487), 408, 480 | `no-answer` |
//! | API cancel before answer | `canceled` |
//! | anything else | `failed` (error 32011 with the SIP code) |

use super::engine::Engine;
use super::fetch::WebFetch;
use super::interp::TwimlFetch;
use super::interp::{self, Document, FetchError, Outcome, Target};
use super::rtp_session::RtpSession;
use super::steps;
use super::trunks::NoTrunk;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_domain::call::CallStatus;
use switchboard_domain::ids::CallSid;
use switchboard_media::sdp::{self, LocalSdp};
use switchboard_sip::{CallControl, CallEvent, CallRequest, EndReason};
use switchboard_store::calls::{CallAction, CallPatch, CallRecord};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Twilio error for a call the trunk refused (our mapping of SIP failures).
pub const SIP_FAILURE: u32 = 32011;

/// Drives `call` to its end. The caller holds the claim; nothing here panics on bad input.
pub(crate) async fn drive(engine: Arc<Engine>, call: CallRecord, stop: CancellationToken) {
    let sid = call.sid.clone();
    let seized = match engine.trunks.seize(&call.to) {
        Ok(s) => s,
        Err(NoTrunk::Busy) => {
            // Every trunk is full: leave the call queued for the next claim.
            engine.release(&sid).await;
            return;
        }
        Err(NoTrunk::NoRoute) => {
            let msg = format!("no SIP trunk routes {}", call.to);
            engine
                .finish(
                    &sid,
                    &[CallStatus::Queued],
                    CallStatus::Failed,
                    None,
                    Some((SIP_FAILURE, msg)),
                )
                .await;
            return;
        }
    };
    let trunk = seized.trunk.clone();
    let socket = match UdpSocket::bind(SocketAddr::new(engine.settings.media_ip, 0)).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(call_sid = %sid, error = %e, "Cannot bind an RTP socket.");
            engine.release(&sid).await;
            return;
        }
    };
    let local_port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
    let offer = LocalSdp::offer(
        engine.settings.media_ip,
        local_port,
        u64::from(rand::random::<u32>()),
    )
    .to_sdp();
    let request = CallRequest {
        trunk: trunk.target.clone(),
        to_user: trunk.user_part(&call.to),
        from_user: trunk.caller_id_for(&call.from),
        sdp_offer: offer,
        ring_timeout: Duration::from_secs(u64::from(call.timeout_secs.clamp(1, 600))),
        call_id: Some(format!("{sid}@switchboard")),
    };
    let placed = match &engine.ua {
        Some(ua) => ua.invite(request).map_err(|e| e.to_string()),
        None => Err("the SIP user agent is not running".to_owned()),
    };
    let mut handle = match placed {
        Ok(h) => h,
        Err(e) => {
            let msg = format!("cannot place the call: {e}");
            engine
                .finish(
                    &sid,
                    &[CallStatus::Queued],
                    CallStatus::Failed,
                    None,
                    Some((SIP_FAILURE, msg)),
                )
                .await;
            return;
        }
    };
    if !engine.initiated(&sid).await {
        // Canceled through the API between the claim and now.
        handle.cancel();
    }
    let control = handle.control();
    let mut socket = Some(socket);
    let mut answered_at: Option<i64> = None;
    let mut script: Option<tokio::task::JoinHandle<()>> = None;
    let (redirect_tx, redirect_rx) = mpsc::unbounded_channel();
    let mut redirect_rx = Some(redirect_rx);
    let actions = engine.actions(&sid);
    let time_limit = Duration::from_secs(u64::from(call.time_limit_secs.max(1)));
    let mut stopping = false;
    let limit = tokio::time::sleep(Duration::from_secs(365 * 24 * 3600));
    tokio::pin!(limit);
    loop {
        tokio::select! {
            ev = handle.next_event() => {
                let Some(ev) = ev else { break };
                match ev {
                    CallEvent::Trying | CallEvent::Refreshed { .. } => {}
                    CallEvent::Ringing => {
                        engine.transition(&sid, &[CallStatus::Queued], CallStatus::Ringing, CallPatch::default()).await;
                    }
                    CallEvent::Answered { remote_sdp } => {
                        let now = engine.clock.now_millis();
                        answered_at = Some(now);
                        let patch = CallPatch { start_time: Some(now), ..CallPatch::default() };
                        engine.transition(&sid, &[CallStatus::Queued, CallStatus::Ringing], CallStatus::InProgress, patch).await;
                        limit.as_mut().reset(tokio::time::Instant::now() + time_limit);
                        match (sdp::parse(&remote_sdp), socket.take()) {
                            (Ok(remote), Some(sock)) => {
                                let media = RtpSession::start(sock, remote.rtp_addr(), remote.codec, remote.telephone_event);
                                let rx = redirect_rx.take().unwrap_or_else(|| mpsc::unbounded_channel().1);
                                script = Some(tokio::spawn(outbound_script(engine.clone(), call.clone(), media, control.clone(), rx)));
                            }
                            (Err(e), _) => {
                                engine.warn(&sid, format!("unusable SDP answer: {e}")).await;
                                control.hangup();
                            }
                            (Ok(_), None) => {}
                        }
                    }
                    CallEvent::Ended(reason) => {
                        if let Some(s) = script.take() {
                            s.abort();
                        }
                        end(&engine, &sid, reason, answered_at).await;
                        break;
                    }
                }
            }
            action = actions.next() => apply(action, &control, &redirect_tx),
            () = &mut limit => {
                control.hangup();
                limit.as_mut().reset(tokio::time::Instant::now() + Duration::from_secs(3600));
            }
            () = stop.cancelled(), if !stopping => {
                stopping = true;
                control.hangup();
            }
        }
    }
    drop(seized);
}

/// Carries out an API action on a live call (outbound or inbound): cancel (only a call not
/// yet answered), hang up, or a new document for the running script.
pub(crate) fn apply(
    action: Option<CallAction>,
    control: &CallControl,
    scripts: &mpsc::UnboundedSender<Script>,
) {
    let script = match action {
        Some(CallAction::Cancel) => return control.cancel(),
        Some(CallAction::Hangup) => return control.hangup(),
        Some(CallAction::Redirect { url, method }) => Script::Fetch(Target { url, method }),
        Some(CallAction::Twiml(doc)) => Script::Inline(doc),
        None => return,
    };
    let _ = scripts.send(script);
}

/// How one document run ended.
enum Run {
    Done(Outcome),
    Redirect(Script),
}

/// A new document for a live call (the API's update with `Url` or `Twiml`).
pub(crate) enum Script {
    Fetch(Target),
    Inline(String),
}

/// Records how the call ended.
pub(crate) async fn end(
    engine: &Engine,
    sid: &CallSid,
    reason: EndReason,
    answered_at: Option<i64>,
) {
    let now = engine.clock.now_millis();
    let live = [
        CallStatus::Queued,
        CallStatus::Ringing,
        CallStatus::InProgress,
    ];
    let (status, error, sip) = match &reason {
        EndReason::Completed { .. } => (CallStatus::Completed, None, Some(200)),
        EndReason::Busy => (CallStatus::Busy, None, Some(486)),
        EndReason::NoAnswer => (CallStatus::NoAnswer, None, Some(487)),
        EndReason::Canceled => (CallStatus::Canceled, None, Some(487)),
        EndReason::Failed { sip_code, reason } => (
            CallStatus::Failed,
            Some((
                SIP_FAILURE,
                match sip_code {
                    Some(c) => format!("SIP {c} {reason}"),
                    None => reason.clone(),
                },
            )),
            *sip_code,
        ),
    };
    let error = error.or_else(|| engine.take_error(sid));
    let duration =
        answered_at.map(|t| u32::try_from(now.saturating_sub(t) / 1000).unwrap_or(u32::MAX));
    let patch = CallPatch {
        end_time: Some(now),
        duration_secs: duration,
        sip_response_code: sip,
        ..CallPatch::default()
    };
    engine.finish_with(sid, &live, status, patch, error).await;
}

/// An answered outbound call's TwiML: inline `Twiml`, or `Url` fetched now.
async fn outbound_script(
    engine: Arc<Engine>,
    call: CallRecord,
    media: RtpSession,
    control: CallControl,
    redirects: mpsc::UnboundedReceiver<Script>,
) {
    let Some(fetch) = engine.fetcher(&call, CallStatus::InProgress).await else {
        control.hangup();
        return;
    };
    let first = first_document(&call, &fetch).await;
    let mut media = media;
    // `SendDigits`: keys dialed once the call connects, before its TwiML.
    if let Some(keys) = call.send_digits.as_deref().filter(|k| !k.is_empty()) {
        if !media.send_digits(keys).await {
            engine
                .warn(
                    &call.sid,
                    "SendDigits skipped: the callee offered no telephone-event".into(),
                )
                .await;
        }
    }
    run_script(&engine, &call, &fetch, first, media, redirects).await;
    control.hangup();
}

/// The call's first document: its inline TwiML, or its URL fetched.
pub(crate) async fn first_document(
    call: &CallRecord,
    fetch: &WebFetch,
) -> Result<Document, FetchError> {
    match (&call.twiml, &call.url) {
        (Some(twiml), _) => steps::parse(twiml),
        (None, Some(url)) => {
            let target = Target {
                url: url.clone(),
                method: call.method.clone(),
            };
            fetch.document(&target, &[]).await
        }
        (None, None) => Err(FetchError {
            code: 21205,
            message: "the call has neither Url nor Twiml".into(),
        }),
    }
}

/// Runs `first` and the documents it leads to on the call's media, switching documents when
/// the API redirects the call. Returns when the TwiML ends (the caller hangs up).
pub(crate) async fn run_script(
    engine: &Engine,
    call: &CallRecord,
    fetch: &WebFetch,
    first: Result<Document, FetchError>,
    mut media: RtpSession,
    mut redirects: mpsc::UnboundedReceiver<Script>,
) {
    let sid = call.sid.clone();
    let mut next = first;
    loop {
        let doc = match next {
            Ok(d) => d,
            Err(e) => {
                engine.record_error(&sid, e.code, &e.message);
                break;
            }
        };
        let mut warnings = Vec::new();
        let run = {
            let mut warn = |w: String| warnings.push(w);
            tokio::select! {
                out = interp::run(doc, &mut media, engine.tts.as_ref(), fetch, &mut warn) => Run::Done(out),
                Some(target) = redirects.recv() => Run::Redirect(target),
            }
        };
        for w in warnings {
            engine.warn(&sid, w).await;
        }
        match run {
            // A redirect from the API: its document runs on the same media.
            Run::Redirect(Script::Fetch(target)) => next = fetch.document(&target, &[]).await,
            Run::Redirect(Script::Inline(doc)) => next = steps::parse(&doc),
            Run::Done(Outcome::Error(e)) => {
                engine.record_error(&sid, e.code, &e.message);
                break;
            }
            Run::Done(_) => break,
        }
    }
}
