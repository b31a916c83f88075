//! Test helpers for the user agent; sipp itself is run by `switchboard_testkit::sipp`.

use std::time::Duration;

use std::time::Instant;

use switchboard_sip::{
    CallEvent, CallHandle, CallRequest, IncomingCall, SipUa, SipUaConfig, TrunkTarget,
};
#[allow(unused_imports)] // each test file uses a part of this shared module
pub use switchboard_testkit::sipp::{
    scenario, sipp_available, start_caller, start_caller_text, Sipp,
};

/// A user agent on a port of its own.
pub async fn user_agent() -> SipUa {
    SipUa::bind(SipUaConfig::new("127.0.0.1:0".parse().unwrap()))
        .await
        .expect("bind user agent")
}

pub fn sdp_offer() -> String {
    "v=0\r\no=switchboard 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n\
     m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n\
     a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
        .to_string()
}

pub fn request(port: u16) -> CallRequest {
    CallRequest {
        trunk: TrunkTarget {
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
        },
        to_user: "+15551230000".into(),
        from_user: "+15550001111".into(),
        sdp_offer: sdp_offer(),
        ring_timeout: Duration::from_secs(10),
        call_id: None,
    }
}

pub fn with_auth(mut request: CallRequest, password: &str) -> CallRequest {
    request.trunk.username = Some("switchboard".into());
    request.trunk.password = Some(password.into());
    request
}

/// The next event, failing the test after 15 s.
pub async fn next(call: &mut CallHandle) -> CallEvent {
    tokio::time::timeout(Duration::from_secs(15), call.next_event())
        .await
        .expect("no call event within 15 s")
        .expect("event stream ended without Ended")
}

/// Events up to and including the first one `stop` accepts.
pub async fn until(call: &mut CallHandle, stop: impl Fn(&CallEvent) -> bool) -> Vec<CallEvent> {
    let mut seen = Vec::new();
    loop {
        let event = next(call).await;
        let done = stop(&event);
        seen.push(event);
        if done {
            return seen;
        }
    }
}

/// All remaining events, up to `Ended`.
pub async fn until_ended(call: &mut CallHandle) -> Vec<CallEvent> {
    until(call, |e| matches!(e, CallEvent::Ended(_))).await
}

// --- Inbound calls: the user agent's side -------------------------------------

/// A user agent taking inbound calls (optionally only from `accept_from`),
/// with its receiver.
pub async fn answering_agent(
    accept_from: Option<Vec<std::net::IpAddr>>,
) -> (SipUa, tokio::sync::mpsc::Receiver<IncomingCall>) {
    let mut config = SipUaConfig::new("127.0.0.1:0".parse().unwrap());
    config.accept_from = accept_from;
    let ua = SipUa::bind(config).await.expect("bind user agent");
    let calls = ua.take_incoming().expect("first take_incoming");
    (ua, calls)
}

/// The next inbound call, failing the test after 15 s.
pub async fn next_call(calls: &mut tokio::sync::mpsc::Receiver<IncomingCall>) -> IncomingCall {
    tokio::time::timeout(Duration::from_secs(15), calls.recv())
        .await
        .expect("no inbound call within 15 s")
        .expect("inbound receiver closed")
}

/// Poll (bounded, 5 s) until the user agent tracks no dialog.
pub async fn no_dialogs_left(ua: &SipUa) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while ua.dialog_count() != 0 {
        assert!(
            Instant::now() < deadline,
            "{} dialogs left after 5 s",
            ua.dialog_count()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
