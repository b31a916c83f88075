use super::*;
use std::net::{Ipv4Addr, Ipv6Addr};

const LOCAL: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 10));

#[test]
fn golden_offer() {
    let offer = LocalSdp::offer(LOCAL, 40_000, 1_234);
    assert_eq!(
        offer.to_sdp(),
        "v=0\r\n\
         o=- 1234 1234 IN IP4 192.0.2.10\r\n\
         s=Switchboard\r\n\
         c=IN IP4 192.0.2.10\r\n\
         t=0 0\r\n\
         m=audio 40000 RTP/AVP 0 8 101\r\n\
         a=rtpmap:0 PCMU/8000\r\n\
         a=rtpmap:8 PCMA/8000\r\n\
         a=rtpmap:101 telephone-event/8000\r\n\
         a=fmtp:101 0-16\r\n\
         a=ptime:20\r\n\
         a=sendrecv\r\n"
    );
}

#[test]
fn sipp_style_answer() {
    // The shape sipp callees answer with (PCMA listed first here), LF line ends.
    let answer = "v=0\n\
        o=user1 53655765 2353687637 IN IP4 127.0.0.1\n\
        s=-\n\
        c=IN IP4 127.0.0.1\n\
        t=0 0\n\
        m=audio 6000 RTP/AVP 8 0 101\n\
        a=rtpmap:8 PCMA/8000\n\
        a=rtpmap:0 PCMU/8000\n\
        a=rtpmap:101 telephone-event/8000\n\
        a=fmtp:101 0-15\n";
    let remote = parse(answer).unwrap();
    assert_eq!(
        remote,
        RemoteSdp {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 6000,
            codec: Codec::Pcma,
            telephone_event: Some(101),
            ptime: None,
            direction: Direction::SendRecv,
        }
    );
    assert_eq!(remote.rtp_addr().to_string(), "127.0.0.1:6000");
}

#[test]
fn media_level_overrides_session_level() {
    let sdp = "v=0\r\nc=IN IP4 10.0.0.1\r\na=recvonly\r\na=ptime:30\r\n\
        m=video 5000 RTP/AVP 96\r\nc=IN IP4 10.0.0.9\r\n\
        m=audio 0 RTP/AVP 0\r\n\
        m=audio 7000/2 RTP/AVP 18 96 0\r\nc=IN IP6 2001:db8::5\r\na=rtpmap:96 telephone-event/8000\r\na=sendonly\r\n";
    let remote = parse(sdp).unwrap();
    assert_eq!(
        remote.address,
        IpAddr::V6("2001:db8::5".parse::<Ipv6Addr>().unwrap())
    );
    assert_eq!(remote.port, 7000);
    assert_eq!(remote.codec, Codec::Pcmu);
    assert_eq!(remote.telephone_event, Some(96));
    assert_eq!(remote.ptime, Some(30));
    assert_eq!(remote.direction, Direction::SendOnly);
}

#[test]
fn session_connection_multicast_ttl_and_hold() {
    let sdp = "c=IN IP4 0.0.0.0/127\nm=audio 9 RTP/AVP 0\na=inactive\n";
    let remote = parse(sdp).unwrap();
    assert_eq!(remote.address, IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    assert_eq!(remote.telephone_event, None);
    assert_eq!(remote.direction, Direction::Inactive);
}

#[test]
fn telephone_event_must_be_8khz_and_listed() {
    let sdp = "c=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0 110\n\
        a=rtpmap:110 telephone-event/48000\na=rtpmap:101 telephone-event/8000\n";
    assert_eq!(parse(sdp).unwrap().telephone_event, None);
}

#[test]
fn rtpmap_must_agree_with_static_type() {
    let sdp = "c=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0 8\na=rtpmap:0 opus/48000/2\n";
    assert_eq!(parse(sdp).unwrap().codec, Codec::Pcma);
}

#[test]
fn errors() {
    assert_eq!(parse(""), Err(SdpError::NoAudio));
    assert_eq!(
        parse("c=IN IP4 1.2.3.4\nm=audio 0 RTP/AVP 0\n"),
        Err(SdpError::NoAudio)
    );
    assert_eq!(
        parse("c=IN IP4 1.2.3.4\nm=audio 5 RTP/SAVP 0\n"),
        Err(SdpError::NoAudio)
    );
    assert_eq!(
        parse("c=IN IP4 1.2.3.4\nm=audio 5 RTP/AVP 9 18\n"),
        Err(SdpError::NoCommonCodec)
    );
    assert_eq!(
        parse("m=audio 5 RTP/AVP 0\n"),
        Err(SdpError::MissingConnection)
    );
    assert_eq!(
        parse("c=IN IP4 pbx.example.com\nm=audio 5 RTP/AVP 0\n"),
        Err(SdpError::BadConnection("IN IP4 pbx.example.com".into()))
    );
    assert_eq!(
        parse("c=IN IP6 1.2.3.4\nm=audio 5 RTP/AVP 0\n"),
        Err(SdpError::BadConnection("IN IP6 1.2.3.4".into()))
    );
    assert!(matches!(
        parse("c=IN IP4 1.2.3.4\nm=audio x RTP/AVP 0\n"),
        Err(SdpError::BadMedia(_))
    ));
}

#[test]
fn answer_mirrors_the_offer() {
    let offer = parse("c=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 8 96\na=rtpmap:96 telephone-event/8000\na=sendonly\n").unwrap();
    let answer = LocalSdp::answer(LOCAL, 30_000, 9, &offer);
    let text = answer.to_sdp();
    assert!(text.contains("m=audio 30000 RTP/AVP 8 96\r\n"), "{text}");
    assert!(text.contains("a=rtpmap:96 telephone-event/8000\r\na=fmtp:96 0-16\r\n"));
    assert!(text.contains("a=recvonly\r\n"));
    assert!(!text.contains("PCMU"));
    let back = parse(&text).unwrap();
    assert_eq!(
        (back.codec, back.telephone_event, back.port),
        (Codec::Pcma, Some(96), 30_000)
    );
}

#[test]
fn ipv6_offer_round_trips() {
    let mut offer = LocalSdp::offer(IpAddr::V6(Ipv6Addr::LOCALHOST), 1, 1);
    offer.telephone_event = None;
    let text = offer.to_sdp();
    assert!(text.contains("c=IN IP6 ::1\r\n"));
    assert!(text.contains("m=audio 1 RTP/AVP 0 8\r\n"));
    let back = parse(&text).unwrap();
    assert_eq!(back.address, IpAddr::V6(Ipv6Addr::LOCALHOST));
    assert_eq!(back.telephone_event, None);
}
