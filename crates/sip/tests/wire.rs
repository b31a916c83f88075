//! `switchboard-sip` on the wire without sipp: a plain UDP socket plays the
//! trunk and reads what we send, or sends what a stray peer would.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use std::net::SocketAddr;
use std::time::Duration;

use switchboard_sip::{
    CallEvent, CallHandle, CallRequest, EndReason, SipError, SipUa, SipUaConfig, TrunkTarget,
};
use tokio::net::UdpSocket;

async fn ua(t1_ms: u64, public_addr: Option<SocketAddr>) -> SipUa {
    let mut config = SipUaConfig::new("127.0.0.1:0".parse().unwrap());
    config.t1 = Duration::from_millis(t1_ms);
    config.public_addr = public_addr;
    SipUa::bind(config).await.unwrap()
}

fn request(port: u16) -> CallRequest {
    CallRequest {
        trunk: TrunkTarget {
            host: "127.0.0.1".into(),
            port,
            username: None,
            password: None,
        },
        to_user: "+15551230000".into(),
        from_user: "+15550001111".into(),
        sdp_offer: "v=0\r\n".into(),
        ring_timeout: Duration::from_secs(10),
        call_id: None,
    }
}

/// Events up to `Ended`, failing the test after 15 s.
async fn until_ended(call: &mut CallHandle) -> Vec<CallEvent> {
    let mut events = Vec::new();
    loop {
        let event = tokio::time::timeout(Duration::from_secs(15), call.next_event())
            .await
            .expect("no call event within 15 s")
            .expect("event stream ended without Ended");
        let done = matches!(event, CallEvent::Ended(_));
        events.push(event);
        if done {
            return events;
        }
    }
}

fn ended(events: &[CallEvent]) -> &EndReason {
    match events.last() {
        Some(CallEvent::Ended(reason)) => reason,
        other => panic!("last event is not Ended: {other:?}"),
    }
}

async fn recv_text(socket: &UdpSocket) -> (String, SocketAddr) {
    let mut buf = vec![0u8; 8192];
    let (n, from) = tokio::time::timeout(Duration::from_secs(10), socket.recv_from(&mut buf))
        .await
        .expect("nothing received within 10 s")
        .unwrap();
    (String::from_utf8_lossy(&buf[..n]).into_owned(), from)
}

fn header<'a>(message: &'a str, name: &str) -> &'a str {
    message
        .lines()
        .find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.eq_ignore_ascii_case(name).then(|| value.trim())
        })
        .unwrap_or_else(|| panic!("no {name} header in:\n{message}"))
}

#[tokio::test]
async fn the_invite_carries_what_was_asked() {
    let trunk = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let public: SocketAddr = "127.0.0.9:5099".parse().unwrap();
    let ua = ua(10, Some(public)).await;
    let mut request = request(trunk.local_addr().unwrap().port());
    request.call_id = Some("CA0123456789abcdef@switchboard".into());
    request.sdp_offer = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n".into();
    let mut call = ua.invite(request.clone()).unwrap();
    assert_eq!(call.call_id(), "CA0123456789abcdef@switchboard");

    let (invite, _) = recv_text(&trunk).await;
    let port = trunk.local_addr().unwrap().port();
    assert!(
        invite.starts_with(&format!(
            "INVITE sip:+15551230000@127.0.0.1:{port} SIP/2.0\r\n"
        )),
        "{invite}"
    );
    assert_eq!(header(&invite, "Call-ID"), "CA0123456789abcdef@switchboard");
    assert!(header(&invite, "From").starts_with("<sip:+15550001111@127.0.0.1>;tag="));
    assert!(header(&invite, "Contact").contains("sip:+15550001111@127.0.0.9:5099"));
    assert!(header(&invite, "Via").contains("127.0.0.9:5099"));
    assert!(header(&invite, "Via").contains("branch=z9hG4bK"));
    assert_eq!(header(&invite, "Content-Type"), "application/sdp");
    assert!(invite.ends_with(&request.sdp_offer), "{invite}");
    // hangup() before any response: the CANCEL waits for a provisional
    // response that never comes, and timer B (64 × 10 ms) ends the INVITE.
    call.hangup();
    assert_eq!(
        until_ended(&mut call).await,
        [CallEvent::Ended(EndReason::Canceled)]
    );
}

/// Requests that belong to no call of ours still get a final answer.
#[tokio::test]
async fn stray_requests_are_answered() {
    let ua = ua(500, None).await;
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let peer_addr = peer.local_addr().unwrap();
    let cases = [
        ("OPTIONS", "", "200"),
        ("BYE", ";tag=unknown", "481"),
        ("INVITE", "", "480"),
        ("MESSAGE", "", "405"),
    ];
    for (i, (method, to_tag, want)) in cases.into_iter().enumerate() {
        let message = format!(
            "{method} sip:switchboard@{ua} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {peer_addr};branch=z9hG4bKstray{i}\r\n\
             From: <sip:peer@{peer_addr}>;tag=p{i}\r\n\
             To: <sip:switchboard@{ua}>{to_tag}\r\n\
             Call-ID: stray-{i}@test\r\n\
             CSeq: 1 {method}\r\n\
             Contact: <sip:peer@{peer_addr}>\r\n\
             Max-Forwards: 70\r\n\
             Content-Length: 0\r\n\r\n",
            ua = ua.local_addr(),
        );
        peer.send_to(message.as_bytes(), ua.local_addr())
            .await
            .unwrap();
        // Skip provisional responses (a 100 to the INVITE).
        let response = loop {
            let (text, _) = recv_text(&peer).await;
            if !text.starts_with("SIP/2.0 1") {
                break text;
            }
        };
        assert!(
            response.starts_with(&format!("SIP/2.0 {want} ")),
            "{method}: {response}"
        );
        assert_eq!(header(&response, "Call-ID"), format!("stray-{i}@test"));
    }
}

/// A peer that never answers ends the call at timer B, as
/// failed, even when the ring timeout expired first (there was nothing to
/// CANCEL: RFC 3261 §9.1 allows it only after a provisional response).
#[tokio::test]
async fn no_response_fails_at_timer_b() {
    let ua = ua(10, None).await; // timer B = 640 ms
    for ring_timeout in [Duration::from_secs(10), Duration::from_millis(50)] {
        let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
        let mut request = request(silent.local_addr().unwrap().port());
        request.ring_timeout = ring_timeout;
        let mut call = ua.invite(request).unwrap();
        let events = until_ended(&mut call).await;
        assert!(
            matches!(ended(&events), EndReason::Failed { sip_code: None, .. }),
            "{events:?}"
        );
        silent.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 4096];
        let mut invites = 0;
        while let Ok(n) = silent.recv(&mut buf) {
            let text = String::from_utf8_lossy(&buf[..n]);
            assert!(text.starts_with("INVITE "), "only INVITEs, got: {text}");
            invites += 1;
        }
        assert!(invites > 1, "timer A retransmits the INVITE");
    }
    assert_eq!(ua.dialog_count(), 0);
}

/// Bad input is refused before anything is sent.
#[tokio::test]
async fn invalid_requests_are_refused() {
    let ua = ua(500, None).await;
    let mut bad = request(5060);
    bad.to_user = "+1555 123".into();
    assert!(matches!(
        ua.invite(bad),
        Err(SipError::Invalid {
            field: "to_user",
            ..
        })
    ));
    let mut bad = request(5060);
    bad.trunk.host = "trunk.example;lr".into();
    assert!(matches!(
        ua.invite(bad),
        Err(SipError::Invalid {
            field: "trunk.host",
            ..
        })
    ));
    let mut bad = request(5060);
    bad.trunk.username = Some("user".into());
    assert!(matches!(
        ua.invite(bad),
        Err(SipError::Invalid { field: "trunk", .. })
    ));
    let mut bad = request(5060);
    bad.call_id = Some("two words".into());
    assert!(matches!(
        ua.invite(bad),
        Err(SipError::Invalid {
            field: "call_id",
            ..
        })
    ));
    ua.shutdown();
    assert!(matches!(ua.invite(request(5060)), Err(SipError::Closed)));
}

/// The socket faces the network: garbage and mangled SIP (deterministic
/// pseudo-random, 600 datagrams) must not stop the user agent.
#[tokio::test]
async fn garbage_does_not_stop_the_user_agent() {
    let ua = ua(500, None).await;
    let peer = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let options = |branch: &str| {
        format!(
            "OPTIONS sip:switchboard@{ua} SIP/2.0\r\n\
             Via: SIP/2.0/UDP {peer};branch=z9hG4bK{branch}\r\n\
             From: <sip:peer@{peer}>;tag=p1\r\n\
             To: <sip:switchboard@{ua}>\r\n\
             Call-ID: fuzz-{branch}@test\r\n\
             CSeq: 1 OPTIONS\r\n\
             Max-Forwards: 70\r\n\
             Content-Length: 0\r\n\r\n",
            ua = ua.local_addr(),
            peer = peer.local_addr().unwrap(),
        )
    };
    let mut seed = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let valid = options("fuzz").into_bytes();
    for i in 0..600u64 {
        let datagram: Vec<u8> = match i % 3 {
            // Random bytes.
            0 => (0..next() % 1500).map(|_| next() as u8).collect(),
            // A valid request cut short.
            1 => valid[..(next() as usize % valid.len())].to_vec(),
            // A valid request with a few bytes changed.
            _ => {
                let mut bytes = valid.clone();
                for _ in 0..1 + next() % 4 {
                    let at = next() as usize % bytes.len();
                    bytes[at] = next() as u8;
                }
                bytes
            }
        };
        peer.send_to(&datagram, ua.local_addr()).await.unwrap();
    }
    // Answers to the mangled requests may come first; a clean OPTIONS
    // still gets its 200.
    peer.send_to(options("after").as_bytes(), ua.local_addr())
        .await
        .unwrap();
    loop {
        let (response, _) = recv_text(&peer).await;
        if response.contains("fuzz-after@test") {
            assert!(response.starts_with("SIP/2.0 200 "), "{response}");
            break;
        }
    }
}
