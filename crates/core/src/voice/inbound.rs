//! Inbound calls: a trunk's INVITE to one of our numbers. The number's `VoiceUrl` is fetched
//! while the caller hears ringing (Twilio's parameters, `Direction=inbound`,
//! `CallStatus=ringing`); `<Reject>` as the first verb refuses the call unanswered (486 for
//! `reason="busy"`, 603 otherwise); anything else answers it and runs the same interpreter
//! as an outbound call. A number without `VoiceUrl`, or not ours, gets 404. The number's
//! `StatusCallback` is told when the call ends (`completed`, `busy`, …).

use super::call::{apply, end, first_document, run_script};
use super::engine::Engine;
use super::interp::Step;
use super::rtp_session::RtpSession;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_domain::call::{CallDirection, CallStatus, StatusCallbackEvents};
use switchboard_domain::ids::CallSid;
use switchboard_media::sdp::{self, LocalSdp};
use switchboard_sip::{CallEvent, IncomingCall, SipError};
use switchboard_store::calls::{CallPatch, NewCall};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Takes the user agent's inbound calls until `stop`.
pub(crate) async fn serve(
    engine: Arc<Engine>,
    mut calls: mpsc::Receiver<IncomingCall>,
    stop: CancellationToken,
) {
    let mut tasks = tokio::task::JoinSet::new();
    loop {
        tokio::select! {
            c = calls.recv() => match c {
                Some(c) => {
                    tasks.spawn(answer(engine.clone(), c, stop.clone()));
                }
                None => break,
            },
            () = stop.cancelled() => break,
        }
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
}

/// `+` and digits: what the store keys numbers by (trunks often send bare digits).
fn e164(user: &str) -> String {
    if !user.starts_with('+') && !user.is_empty() && user.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{user}")
    } else {
        user.to_owned()
    }
}

fn refuse(incoming: IncomingCall, code: u16) {
    if let Err(e) = incoming.reject(code) {
        tracing::debug!(error = %e, code, "Cannot refuse an inbound call.");
    }
}

async fn answer(engine: Arc<Engine>, incoming: IncomingCall, stop: CancellationToken) {
    let to = e164(&incoming.to_user);
    let number = match engine.store.find_number(&to).await {
        Ok(Some(n)) if !n.config.voice_url.is_empty() => n,
        Ok(_) => return refuse(incoming, 404),
        Err(e) => {
            tracing::warn!(error = %e, "Cannot look up an inbound call's number.");
            return refuse(incoming, 500);
        }
    };
    let now = engine.clock.now_millis();
    let new = NewCall {
        sid: CallSid::generate_at(now),
        account_sid: number.account_sid.clone(),
        direction: CallDirection::Inbound,
        status: CallStatus::Ringing,
        to,
        from: e164(&incoming.from_user),
        url: Some(number.config.voice_url.clone()),
        method: number.config.voice_method.clone(),
        twiml: None,
        application_sid: None,
        // The number's StatusCallback hears how its calls end, as at Twilio.
        status_callback: Some(number.config.status_callback.clone()).filter(|u| !u.is_empty()),
        status_callback_method: number.config.status_callback_method.clone(),
        status_callback_events: StatusCallbackEvents::default(),
        timeout_secs: 60,
        time_limit_secs: 4 * 3600,
        send_digits: None,
        trunk: None,
        now,
    };
    let call = match engine.store.insert_call(new).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "Cannot store an inbound call.");
            return refuse(incoming, 500);
        }
    };
    let sid = call.sid.clone();
    let _ = incoming.ringing();
    let Some(fetch) = engine.fetcher(&call, CallStatus::Ringing).await else {
        refuse(incoming, 500);
        engine
            .finish(&sid, &[CallStatus::Ringing], CallStatus::Failed, None, None)
            .await;
        return;
    };
    let first = first_document(&call, &fetch).await;
    let ringing = [CallStatus::Ringing];
    match &first {
        Ok(doc) => {
            if let Some(Step::Reject(reason)) = doc.steps.first() {
                let (code, status) = if reason == "busy" {
                    (486, CallStatus::Busy)
                } else {
                    (603, CallStatus::NoAnswer)
                };
                refuse(incoming, code);
                engine.finish(&sid, &ringing, status, None, None).await;
                return;
            }
        }
        Err(e) => {
            // Twilio would play "an application error has occurred"; we refuse the call.
            refuse(incoming, 500);
            let err = Some((e.code, e.message.clone()));
            engine
                .finish(&sid, &ringing, CallStatus::Failed, None, err)
                .await;
            return;
        }
    }
    let remote = match sdp::parse(&incoming.remote_sdp) {
        Ok(r) => r,
        Err(e) => {
            refuse(incoming, 488);
            let err = Some((super::call::SIP_FAILURE, format!("unusable SDP offer: {e}")));
            engine
                .finish(&sid, &ringing, CallStatus::Failed, None, err)
                .await;
            return;
        }
    };
    let socket = match UdpSocket::bind(SocketAddr::new(engine.settings.media_ip, 0)).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(call_sid = %sid, error = %e, "Cannot bind an RTP socket.");
            refuse(incoming, 503);
            engine
                .finish(&sid, &ringing, CallStatus::Failed, None, None)
                .await;
            return;
        }
    };
    let port = socket.local_addr().map(|a| a.port()).unwrap_or(0);
    let local = LocalSdp::answer(
        engine.settings.media_ip,
        port,
        u64::from(rand::random::<u32>()),
        &remote,
    )
    .to_sdp();
    let answered = tokio::select! {
        r = incoming.answer(local) => r,
        () = stop.cancelled() => Err(SipError::Canceled),
    };
    let mut handle = match answered {
        Ok(h) => h,
        Err(e) => {
            let status = if matches!(e, SipError::Canceled) {
                CallStatus::Canceled
            } else {
                CallStatus::Failed
            };
            engine.finish(&sid, &ringing, status, None, None).await;
            return;
        }
    };
    let answered_at = engine.clock.now_millis();
    let patch = CallPatch {
        start_time: Some(answered_at),
        ..CallPatch::default()
    };
    engine
        .transition(&sid, &ringing, CallStatus::InProgress, patch)
        .await;
    let media = RtpSession::start(
        socket,
        remote.rtp_addr(),
        remote.codec,
        remote.telephone_event,
    );
    let control = handle.control();
    let (redirect_tx, redirect_rx) = mpsc::unbounded_channel();
    let script = {
        let (engine, call, control) = (engine.clone(), call.clone(), control.clone());
        tokio::spawn(async move {
            run_script(&engine, &call, &fetch, first, media, redirect_rx).await;
            control.hangup();
        })
    };
    let actions = engine.actions(&sid);
    let limit = tokio::time::sleep(Duration::from_secs(u64::from(call.time_limit_secs)));
    tokio::pin!(limit);
    let mut stopping = false;
    loop {
        tokio::select! {
            ev = handle.next_event() => match ev {
                Some(CallEvent::Ended(reason)) => {
                    script.abort();
                    end(&engine, &sid, reason, Some(answered_at)).await;
                    break;
                }
                Some(_) => {}
                None => break,
            },
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
}

#[cfg(test)]
mod tests {
    #[test]
    fn trunk_numbers_become_e164() {
        assert_eq!(super::e164("15551230001"), "+15551230001");
        assert_eq!(super::e164("+15551230001"), "+15551230001");
        assert_eq!(super::e164("alice"), "alice");
    }
}
