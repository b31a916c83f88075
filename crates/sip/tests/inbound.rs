//! Inbound calls against a real SIP peer: sipp (Debian `sip-tester`) plays
//! the calling trunk with the `uac_*.xml` scenarios in `peers/voice/`.
//! Each test checks what the application sees ([`IncomingCall`], then the
//! call's events) and sipp's own verdict (exit code 0 = every response it
//! expected arrived, e.g. "200 with SDP", "our BYE", "486", "487").
//! Without sipp those tests skip, or fail in CI mode (see `support`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test harness may panic

#[allow(dead_code)] // shared with tests/sipp.rs
mod support;

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use support::*;
use switchboard_sip::{CallEvent, EndReason, IncomingCall, Party, SipError, SipUa, SipUaConfig};

fn ended(events: &[CallEvent]) -> &EndReason {
    match events.last() {
        Some(CallEvent::Ended(reason)) => reason,
        other => panic!("last event is not Ended: {other:?}"),
    }
}

fn localhost() -> IpAddr {
    IpAddr::from([127, 0, 0, 1])
}

/// `uac_reject.xml` expecting `status` instead of 486.
fn expecting(status: u16) -> String {
    let text = std::fs::read_to_string(scenario("uac_reject.xml")).unwrap();
    let variant = text.replace("response=\"486\"", &format!("response=\"{status}\""));
    assert!(status == 486 || variant != text);
    variant
}

#[tokio::test]
async fn answered_then_the_caller_hangs_up() {
    if !sipp_available("answered_then_the_caller_hangs_up") {
        return;
    }
    // The allow-list lets the trunk (127.0.0.1) in.
    let (ua, mut calls) = answering_agent(Some(vec![localhost()])).await;
    let sipp = start_caller(&scenario("uac_call.xml"), ua.local_addr(), 1).await;
    let call = next_call(&mut calls).await;
    assert_eq!(call.to_user, "+15551230000");
    assert_eq!(call.from_user, "+15550001111");
    assert_eq!(call.from_host, "127.0.0.1");
    assert_eq!(call.source, SocketAddr::new(localhost(), sipp.port()));
    assert!(!call.call_id.is_empty());
    assert!(
        call.remote_sdp.contains("m=audio") && call.remote_sdp.contains("PCMU/8000"),
        "{}",
        call.remote_sdp
    );
    call.ringing().unwrap();
    let call_id = call.call_id.clone();
    let mut handle = call.answer(sdp_offer()).await.unwrap();
    assert_eq!(handle.call_id(), call_id);
    let events = until_ended(&mut handle).await;
    assert_eq!(
        events,
        [CallEvent::Ended(EndReason::Completed { by: Party::Remote })]
    );
    assert_eq!(handle.next_event().await, None, "nothing after Ended");
    assert_eq!(ua.dialog_count(), 0);
    sipp.assert_passed().await;
}

#[tokio::test]
async fn answered_then_we_hang_up() {
    if !sipp_available("answered_then_we_hang_up") {
        return;
    }
    let (ua, mut calls) = answering_agent(None).await;
    // uac_wait_bye.xml passes only once our BYE arrived.
    let sipp = start_caller(&scenario("uac_wait_bye.xml"), ua.local_addr(), 1).await;
    let call = next_call(&mut calls).await;
    let mut handle = call.answer(sdp_offer()).await.unwrap();
    handle.hangup();
    let events = until_ended(&mut handle).await;
    assert_eq!(ended(&events), &EndReason::Completed { by: Party::Local });
    assert_eq!(ua.dialog_count(), 0);
    sipp.assert_passed().await;
}

#[tokio::test]
async fn reject_busy_sends_486() {
    if !sipp_available("reject_busy_sends_486") {
        return;
    }
    let (ua, mut calls) = answering_agent(None).await;
    let sipp = start_caller(&scenario("uac_reject.xml"), ua.local_addr(), 1).await;
    let call = next_call(&mut calls).await;
    call.ringing().unwrap();
    call.reject(486).unwrap();
    sipp.assert_passed().await;
    no_dialogs_left(&ua).await;
}

#[tokio::test]
async fn caller_cancels_before_the_answer() {
    if !sipp_available("caller_cancels_before_the_answer") {
        return;
    }
    let (ua, mut calls) = answering_agent(None).await;
    // uac_cancel.xml sends CANCEL once it hears 180, then wants 200 + 487.
    let sipp = start_caller(&scenario("uac_cancel.xml"), ua.local_addr(), 1).await;
    let mut call = next_call(&mut calls).await;
    call.ringing().unwrap();
    tokio::time::timeout(Duration::from_secs(15), call.canceled())
        .await
        .expect("CANCEL not noticed within 15 s");
    let answered = call.answer(sdp_offer()).await;
    assert!(matches!(answered, Err(SipError::Canceled)), "{answered:?}");
    sipp.assert_passed().await;
    no_dialogs_left(&ua).await;
}

#[tokio::test]
async fn sources_outside_the_allow_list_get_403() {
    if !sipp_available("sources_outside_the_allow_list_get_403") {
        return;
    }
    let (ua, mut calls) = answering_agent(Some(vec![IpAddr::from([192, 0, 2, 1])])).await;
    let sipp = start_caller_text("uac_403", &expecting(403), ua.local_addr(), 1).await;
    sipp.assert_passed().await;
    // The 403 went out without offering the call.
    assert!(calls.try_recv().is_err());
    assert_eq!(ua.dialog_count(), 0);
}

#[tokio::test]
async fn without_a_receiver_invites_get_480() {
    if !sipp_available("without_a_receiver_invites_get_480") {
        return;
    }
    let ua = user_agent().await; // take_incoming never called
    let sipp = start_caller_text("uac_480", &expecting(480), ua.local_addr(), 1).await;
    sipp.assert_passed().await;

    // Same once the receiver is dropped.
    let calls = ua.take_incoming().unwrap();
    assert!(ua.take_incoming().is_none(), "the receiver is taken once");
    drop(calls);
    let sipp = start_caller_text("uac_480", &expecting(480), ua.local_addr(), 1).await;
    sipp.assert_passed().await;
    assert_eq!(ua.dialog_count(), 0);
}

#[tokio::test]
async fn a_dropped_call_is_rejected_500() {
    if !sipp_available("a_dropped_call_is_rejected_500") {
        return;
    }
    let (ua, mut calls) = answering_agent(None).await;
    let sipp = start_caller_text("uac_500", &expecting(500), ua.local_addr(), 1).await;
    let call: IncomingCall = next_call(&mut calls).await;
    // Not a final error status: refused, and the call is dropped with it.
    let refused = call.reject(200);
    assert!(
        matches!(refused, Err(SipError::Invalid { field: "code", .. })),
        "{refused:?}"
    );
    sipp.assert_passed().await;
    no_dialogs_left(&ua).await;
}

/// An INVITE without SDP from a raw UDP `peer` (`me`) to the user agent (`us`).
fn raw_invite(call_id: &str, us: SocketAddr, me: SocketAddr) -> String {
    format!(
        "INVITE sip:+15551230000@{us} SIP/2.0\r\n\
         Via: SIP/2.0/UDP {me};branch=z9hG4bK-{call_id}\r\n\
         Max-Forwards: 70\r\n\
         From: <sip:+15550001111@{me}>;tag=caller-{call_id}\r\n\
         To: <sip:+15551230000@{us}>\r\n\
         Call-ID: {call_id}\r\n\
         CSeq: 1 INVITE\r\n\
         Contact: <sip:+15550001111@{me}>\r\n\
         Content-Length: 0\r\n\r\n"
    )
}

/// Datagrams `peer` receives until one satisfies `stop` (5 s deadline).
async fn receive_until(peer: &tokio::net::UdpSocket, stop: impl Fn(&str) -> bool) -> Vec<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut seen = Vec::new();
    let mut buf = vec![0u8; 65536];
    loop {
        let received = tokio::time::timeout_at(deadline, peer.recv_from(&mut buf)).await;
        let Ok(Ok((len, _))) = received else {
            panic!("no matching datagram within 5 s; got {seen:#?}");
        };
        let text = String::from_utf8_lossy(&buf[..len]).into_owned();
        let done = stop(&text);
        seen.push(text);
        if done {
            return seen;
        }
    }
}

/// No sipp needed: the same INVITE sent twice (a retransmission) is one
/// call; the next INVITE is the next call.
#[tokio::test]
async fn a_retransmitted_invite_is_one_call() {
    let (ua, mut calls) = answering_agent(None).await;
    let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (us, me) = (ua.local_addr(), peer.local_addr().unwrap());
    let first = raw_invite("retransmitted-1", us, me);
    peer.send_to(first.as_bytes(), us).await.unwrap();
    peer.send_to(first.as_bytes(), us).await.unwrap();
    let second = raw_invite("retransmitted-2", us, me);
    peer.send_to(second.as_bytes(), us).await.unwrap();

    let one = next_call(&mut calls).await;
    assert_eq!(one.call_id, "retransmitted-1");
    assert_eq!(one.remote_sdp, "", "no offer in this INVITE");
    assert_eq!(one.source, me);
    let two = next_call(&mut calls).await;
    assert_eq!(
        two.call_id, "retransmitted-2",
        "the retransmission was offered again"
    );
    drop((one, two));
    no_dialogs_left(&ua).await;
}

/// No sipp needed: a 200 that no ACK confirms within 64·T1 fails the
/// answer, and the caller gets a BYE.
#[tokio::test]
async fn an_answer_never_acked_is_not_confirmed() {
    let mut config = SipUaConfig::new("127.0.0.1:0".parse().unwrap());
    config.t1 = Duration::from_millis(10); // 64·T1 = 640 ms
    let ua = SipUa::bind(config).await.unwrap();
    let mut calls = ua.take_incoming().unwrap();
    let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (us, me) = (ua.local_addr(), peer.local_addr().unwrap());
    peer.send_to(raw_invite("never-acked", us, me).as_bytes(), us)
        .await
        .unwrap();
    let call = next_call(&mut calls).await;
    let answered = tokio::time::timeout(Duration::from_secs(10), call.answer(sdp_offer()))
        .await
        .expect("answer() not over within 10 s");
    assert!(
        matches!(answered, Err(SipError::NotConfirmed(_))),
        "{answered:?}"
    );
    let seen = receive_until(&peer, |m| m.starts_with("BYE ")).await;
    assert!(
        seen.iter()
            .any(|m| m.starts_with("SIP/2.0 200") && m.contains("m=audio")),
        "{seen:#?}"
    );
    no_dialogs_left(&ua).await;
}

/// No sipp needed: while 64 offered calls wait unread, the next INVITE
/// gets 503.
#[tokio::test]
async fn a_full_queue_answers_503() {
    let (ua, calls) = answering_agent(None).await;
    let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (us, me) = (ua.local_addr(), peer.local_addr().unwrap());
    for n in 0..=64 {
        let invite = raw_invite(&format!("queued-{n}"), us, me);
        peer.send_to(invite.as_bytes(), us).await.unwrap();
    }
    let seen = receive_until(&peer, |m| m.starts_with("SIP/2.0 503")).await;
    let refused = seen.last().unwrap();
    assert!(refused.contains("Call-ID: queued-64"), "{refused}");
    drop(calls); // the 64 waiting calls are rejected (500)
    no_dialogs_left(&ua).await;
}

/// No sipp needed: an `answer` dropped while it waits for the ACK (here by
/// a timeout) does not leave the caller in a call nobody runs: it gets BYE.
#[tokio::test]
async fn an_abandoned_answer_sends_bye() {
    let (ua, mut calls) = answering_agent(None).await;
    let peer = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let (us, me) = (ua.local_addr(), peer.local_addr().unwrap());
    peer.send_to(raw_invite("abandoned", us, me).as_bytes(), us)
        .await
        .unwrap();
    let call = next_call(&mut calls).await;
    // The peer never ACKs; with T1 = 500 ms the stack alone would wait 32 s.
    let gave_up = tokio::time::timeout(Duration::from_millis(100), call.answer(sdp_offer())).await;
    assert!(gave_up.is_err(), "answered without an ACK: {gave_up:?}");
    let seen = receive_until(&peer, |m| m.starts_with("BYE ")).await;
    assert!(
        seen.iter().any(|m| m.starts_with("SIP/2.0 200")),
        "{seen:#?}"
    );
    no_dialogs_left(&ua).await;
}
