//! `switchboard-sip` against a real SIP peer: sipp (Debian `sip-tester`)
//! plays the callee with the scenarios in `peers/voice/`. Each test checks
//! the call's events and sipp's own verdict (exit code 0 = its scenario,
//! e.g. "a CANCEL arrived" or "the digest hash was right", passed).
//! Without sipp the tests skip, or fail in CI mode (see `support`); the
//! tests that need no sipp are in `wire.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness may panic

#[allow(dead_code)] // shared with tests/inbound.rs
mod support;

use std::time::Duration;

use support::*;
use switchboard_sip::{CallEvent, EndReason, Party};

fn ended(events: &[CallEvent]) -> &EndReason {
    match events.last() {
        Some(CallEvent::Ended(reason)) => reason,
        other => panic!("last event is not Ended: {other:?}"),
    }
}

fn answered_sdp(events: &[CallEvent]) -> &str {
    events
        .iter()
        .find_map(|e| match e {
            CallEvent::Answered { remote_sdp } => Some(remote_sdp.as_str()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("never answered: {events:?}"))
}

fn is_answered(e: &CallEvent) -> bool {
    matches!(e, CallEvent::Answered { .. } | CallEvent::Ended(_))
}

#[tokio::test]
async fn answered_then_we_hang_up() {
    if !sipp_available("answered_then_we_hang_up") {
        return;
    }
    let sipp = Sipp::start(&scenario("uas_answer.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua.invite(request(sipp.port())).unwrap();
    assert!(!call.call_id().is_empty());
    let mut events = until(&mut call, is_answered).await;
    assert_eq!(events[..2], [CallEvent::Trying, CallEvent::Ringing]);
    let sdp = answered_sdp(&events);
    assert!(
        sdp.contains("m=audio") && sdp.contains("RTP/AVP 0 8 101"),
        "{sdp}"
    );
    call.hangup();
    events.extend(until_ended(&mut call).await);
    assert_eq!(ended(&events), &EndReason::Completed { by: Party::Local });
    assert_eq!(call.next_event().await, None, "nothing after Ended");
    assert_eq!(ua.dialog_count(), 0);
    sipp.assert_passed().await;
}

#[tokio::test]
async fn callee_hangs_up() {
    if !sipp_available("callee_hangs_up") {
        return;
    }
    let sipp = Sipp::start(&scenario("uas_bye.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua.invite(request(sipp.port())).unwrap();
    let events = until_ended(&mut call).await;
    answered_sdp(&events);
    assert_eq!(ended(&events), &EndReason::Completed { by: Party::Remote });
    assert_eq!(ua.dialog_count(), 0);
    sipp.assert_passed().await;
}

#[tokio::test]
async fn dropping_the_handle_hangs_up() {
    if !sipp_available("dropping_the_handle_hangs_up") {
        return;
    }
    let sipp = Sipp::start(&scenario("uas_answer.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua.invite(request(sipp.port())).unwrap();
    answered_sdp(&until(&mut call, is_answered).await);
    drop(call);
    // sipp passes only once our BYE arrived.
    sipp.assert_passed().await;
}

#[tokio::test]
async fn digest_401_with_the_right_password() {
    if !sipp_available("digest_401_with_the_right_password") {
        return;
    }
    // uas_auth.xml checks the digest hash itself (sipp verifyauth, qop=auth).
    let sipp = Sipp::start(&scenario("uas_auth.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua
        .invite(with_auth(request(sipp.port()), "s3cret"))
        .unwrap();
    answered_sdp(&until(&mut call, is_answered).await);
    call.hangup();
    let events = until_ended(&mut call).await;
    assert_eq!(ended(&events), &EndReason::Completed { by: Party::Local });
    sipp.assert_passed().await;
}

#[tokio::test]
async fn digest_401_with_a_wrong_password_fails_403() {
    if !sipp_available("digest_401_with_a_wrong_password_fails_403") {
        return;
    }
    let sipp = Sipp::start(&scenario("uas_auth.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua.invite(with_auth(request(sipp.port()), "wrong")).unwrap();
    let events = until_ended(&mut call).await;
    match ended(&events) {
        EndReason::Failed {
            sip_code: Some(403),
            reason,
        } => assert_eq!(reason, "Forbidden"),
        other => panic!("expected Failed 403, got {other:?}"),
    }
    assert_eq!(ended(&events).twilio_status(), "failed");
    assert_eq!(ua.dialog_count(), 0);
    sipp.assert_passed().await;
}

#[tokio::test]
async fn digest_401_without_credentials_fails() {
    if !sipp_available("digest_401_without_credentials_fails") {
        return;
    }
    let sipp = Sipp::start(&scenario("uas_auth.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua.invite(request(sipp.port())).unwrap();
    let events = until_ended(&mut call).await;
    assert!(
        matches!(
            ended(&events),
            EndReason::Failed {
                sip_code: Some(401),
                ..
            }
        ),
        "{events:?}"
    );
    assert_eq!(ua.dialog_count(), 0);
    // The scenario waits for a second INVITE that never comes; the guard
    // kills sipp.
    drop(sipp);
}

#[tokio::test]
async fn digest_401_without_qop() {
    if !sipp_available("digest_401_without_qop") {
        return;
    }
    // RFC 2069-style challenge (no qop); sipp's verifyauth still checks the hash.
    let text = std::fs::read_to_string(scenario("uas_auth.xml")).unwrap();
    let variant = text.replace(", qop=\"auth\"", "");
    assert_ne!(variant, text);
    let sipp = Sipp::start_text("uas_auth_noqop", &variant, 1).await;
    let ua = user_agent().await;
    let mut call = ua
        .invite(with_auth(request(sipp.port()), "s3cret"))
        .unwrap();
    answered_sdp(&until(&mut call, is_answered).await);
    call.hangup();
    let events = until_ended(&mut call).await;
    assert_eq!(ended(&events), &EndReason::Completed { by: Party::Local });
    sipp.assert_passed().await;
}

#[tokio::test]
async fn proxy_407_echoes_opaque() {
    if !sipp_available("proxy_407_echoes_opaque") {
        return;
    }
    // The 407 peer answers only if Proxy-Authorization matches the regexp.
    let text = std::fs::read_to_string(scenario("uas_auth407.xml")).unwrap();
    let variant = text.replace(
        "Digest .*username=.switchboard.*response=.[0-9a-f]{32}",
        "Digest .*opaque=.sb.",
    );
    assert_ne!(variant, text);
    let sipp = Sipp::start_text("uas_auth407_opaque", &variant, 1).await;
    let ua = user_agent().await;
    let mut call = ua
        .invite(with_auth(request(sipp.port()), "s3cret"))
        .unwrap();
    answered_sdp(&until(&mut call, is_answered).await);
    call.hangup();
    until_ended(&mut call).await;
    sipp.assert_passed().await;

    // The check is live: demanding another opaque gets 403.
    let other = variant.replace("opaque=.sb.", "opaque=.xx.");
    let sipp = Sipp::start_text("uas_auth407_other", &other, 1).await;
    let mut call = ua
        .invite(with_auth(request(sipp.port()), "s3cret"))
        .unwrap();
    let events = until_ended(&mut call).await;
    assert!(
        matches!(
            ended(&events),
            EndReason::Failed {
                sip_code: Some(403),
                ..
            }
        ),
        "{events:?}"
    );
    sipp.assert_passed().await;
}

#[tokio::test]
async fn a_second_challenge_fails_the_call() {
    if !sipp_available("a_second_challenge_fails_the_call") {
        return;
    }
    // Passes only if we retry once and then stop (a third INVITE fails it).
    let sipp = Sipp::start(&scenario("uas_auth_twice.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua
        .invite(with_auth(request(sipp.port()), "s3cret"))
        .unwrap();
    let events = until_ended(&mut call).await;
    assert!(
        matches!(
            ended(&events),
            EndReason::Failed {
                sip_code: Some(401),
                ..
            }
        ),
        "{events:?}"
    );
    assert_eq!(ua.dialog_count(), 0);
    sipp.assert_passed().await;
}

#[tokio::test]
async fn proxy_407_is_answered() {
    if !sipp_available("proxy_407_is_answered") {
        return;
    }
    let sipp = Sipp::start(&scenario("uas_auth407.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua
        .invite(with_auth(request(sipp.port()), "s3cret"))
        .unwrap();
    answered_sdp(&until(&mut call, is_answered).await);
    call.hangup();
    let events = until_ended(&mut call).await;
    assert_eq!(ended(&events), &EndReason::Completed { by: Party::Local });
    sipp.assert_passed().await;
}

#[tokio::test]
async fn busy() {
    if !sipp_available("busy") {
        return;
    }
    let sipp = Sipp::start(&scenario("uas_busy.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua.invite(request(sipp.port())).unwrap();
    let events = until_ended(&mut call).await;
    assert_eq!(
        events,
        [CallEvent::Trying, CallEvent::Ended(EndReason::Busy)]
    );
    assert_eq!(ua.dialog_count(), 0);
    sipp.assert_passed().await;
}

#[tokio::test]
async fn other_final_responses_map_like_twilio() {
    if !sipp_available("other_final_responses_map_like_twilio") {
        return;
    }
    let busy = std::fs::read_to_string(scenario("uas_busy.xml")).unwrap();
    let cases = [
        ("600 Busy Everywhere", EndReason::Busy),
        ("480 Temporarily Unavailable", EndReason::NoAnswer),
        ("408 Request Timeout", EndReason::NoAnswer),
        (
            "404 Not Found",
            EndReason::Failed {
                sip_code: Some(404),
                reason: "Not Found".into(),
            },
        ),
        (
            "503 Service Unavailable",
            EndReason::Failed {
                sip_code: Some(503),
                reason: "Service Unavailable".into(),
            },
        ),
        (
            "603 Decline",
            EndReason::Failed {
                sip_code: Some(603),
                reason: "Decline".into(),
            },
        ),
    ];
    let ua = user_agent().await;
    for (status, want) in cases {
        let variant = busy.replace("486 Busy Here", status);
        let sipp = Sipp::start_text("uas_final", &variant, 1).await;
        let mut call = ua.invite(request(sipp.port())).unwrap();
        let events = until_ended(&mut call).await;
        assert_eq!(ended(&events), &want, "{status}");
        sipp.assert_passed().await;
    }
    assert_eq!(ua.dialog_count(), 0);
}

#[tokio::test]
async fn ring_timeout_sends_cancel_and_ends_no_answer() {
    if !sipp_available("ring_timeout_sends_cancel_and_ends_no_answer") {
        return;
    }
    // uas_noanswer.xml rings forever and passes only if a CANCEL arrives.
    let sipp = Sipp::start(&scenario("uas_noanswer.xml"), 1).await;
    let ua = user_agent().await;
    let mut request = request(sipp.port());
    request.ring_timeout = Duration::from_millis(800);
    let mut call = ua.invite(request).unwrap();
    let events = until_ended(&mut call).await;
    assert_eq!(
        events,
        [
            CallEvent::Trying,
            CallEvent::Ringing,
            CallEvent::Ended(EndReason::NoAnswer)
        ]
    );
    assert_eq!(ua.dialog_count(), 0);
    sipp.assert_passed().await;
}

#[tokio::test]
async fn cancel_while_ringing() {
    if !sipp_available("cancel_while_ringing") {
        return;
    }
    let sipp = Sipp::start(&scenario("uas_noanswer.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua.invite(request(sipp.port())).unwrap();
    until(&mut call, |e| *e == CallEvent::Ringing).await;
    call.cancel();
    let events = until_ended(&mut call).await;
    assert_eq!(events, [CallEvent::Ended(EndReason::Canceled)]);
    assert_eq!(EndReason::Canceled.twilio_status(), "canceled");
    sipp.assert_passed().await;
}

#[tokio::test]
async fn reinvite_mid_call_is_answered_and_the_call_goes_on() {
    if !sipp_available("reinvite_mid_call_is_answered_and_the_call_goes_on") {
        return;
    }
    // uas_reinvite.xml fails unless its re-INVITE gets 200 (with SDP).
    let sipp = Sipp::start(&scenario("uas_reinvite.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua.invite(request(sipp.port())).unwrap();
    let events = until(&mut call, |e| {
        matches!(e, CallEvent::Refreshed { .. } | CallEvent::Ended(_))
    })
    .await;
    answered_sdp(&events);
    match events.last() {
        Some(CallEvent::Refreshed {
            remote_sdp: Some(sdp),
        }) => assert!(sdp.contains("m=audio")),
        other => panic!("expected Refreshed with SDP, got {other:?}"),
    }
    // Still up: we end it ourselves.
    call.hangup();
    let events = until_ended(&mut call).await;
    assert_eq!(ended(&events), &EndReason::Completed { by: Party::Local });
    sipp.assert_passed().await;
}

#[tokio::test]
async fn in_dialog_options_and_update_get_200() {
    if !sipp_available("in_dialog_options_and_update_get_200") {
        return;
    }
    let sipp = Sipp::start(&scenario("uas_options_update.xml"), 1).await;
    let ua = user_agent().await;
    let mut call = ua.invite(request(sipp.port())).unwrap();
    let events = until(&mut call, |e| {
        matches!(e, CallEvent::Refreshed { .. } | CallEvent::Ended(_))
    })
    .await;
    answered_sdp(&events);
    // The UPDATE carried no SDP; OPTIONS is answered without an event.
    assert_eq!(
        events.last(),
        Some(&CallEvent::Refreshed { remote_sdp: None })
    );
    call.hangup();
    let events = until_ended(&mut call).await;
    assert_eq!(ended(&events), &EndReason::Completed { by: Party::Local });
    sipp.assert_passed().await;
}

/// The voice benchmark's target load (200 concurrent calls) on one user
/// agent and one sipp: all answered, all hung up, no dialog left behind.
#[tokio::test]
async fn many_calls_at_once_on_one_user_agent() {
    if !sipp_available("many_calls_at_once_on_one_user_agent") {
        return;
    }
    const CALLS: u32 = 200;
    let sipp = Sipp::start(&scenario("uas_answer.xml"), CALLS).await;
    let ua = user_agent().await;
    let mut calls: Vec<_> = (0..CALLS)
        .map(|_| ua.invite(request(sipp.port())).unwrap())
        .collect();
    for call in &mut calls {
        answered_sdp(&until(call, is_answered).await);
    }
    for call in &calls {
        call.hangup();
    }
    for call in &mut calls {
        let events = until_ended(call).await;
        assert_eq!(ended(&events), &EndReason::Completed { by: Party::Local });
    }
    assert_eq!(ua.dialog_count(), 0);
    sipp.assert_passed().await;
}
