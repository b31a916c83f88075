//! Vectors made by other implementations, fed through our parsers.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

use switchboard_media::{rtp, DtmfReceiver};

/// Hex lines of a vector file, comments and blank lines skipped.
fn datagrams(text: &str) -> Vec<Vec<u8>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| {
            (0..line.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&line[i..i + 2], 16).unwrap())
                .collect()
        })
        .collect()
}

fn keys(receiver: &mut DtmfReceiver, packets: &[Vec<u8>]) -> String {
    packets
        .iter()
        .filter_map(|bytes| receiver.on_rtp(&rtp::parse(bytes).unwrap()))
        .map(|press| press.key)
        .collect()
}

#[test]
fn sipp_peer_dtmf_stream() {
    let packets = datagrams(include_str!("data/dtmf-1123hash.hex"));
    assert_eq!(packets.len(), 35);
    let mut receiver = DtmfReceiver::new(101);
    assert_eq!(keys(&mut receiver, &packets), "1123#");
    // Played again with the same timestamps (as when sipp replays one capture), nothing new.
    assert_eq!(keys(&mut receiver, &packets), "");
}

#[test]
fn sipp_peer_dtmf_stream_reversed_is_still_five_presses() {
    let mut packets = datagrams(include_str!("data/dtmf-1123hash.hex"));
    packets.reverse();
    let mut receiver = DtmfReceiver::new(101);
    assert_eq!(keys(&mut receiver, &packets), "#3211");
}

#[test]
fn sipp_shipped_dtmf_captures() {
    let packets = datagrams(include_str!("data/sipp-dtmf-1-pound.hex"));
    assert_eq!(packets.len(), 20);
    let first = rtp::parse(&packets[0]).unwrap();
    assert!(first.marker);
    assert_eq!(first.payload_type, 101);
    let end =
        switchboard_media::TelephoneEvent::parse(rtp::parse(&packets[9]).unwrap().payload).unwrap();
    assert!(end.end);
    assert_eq!((end.event, end.volume, end.duration), (1, 10, 0x08C0));
    let mut receiver = DtmfReceiver::new(101);
    assert_eq!(keys(&mut receiver, &packets), "1#");
    // Replaying the same captures (same timestamps) is not a new press.
    assert_eq!(keys(&mut receiver, &packets), "");
}

#[test]
fn sipp_shipped_pcma_capture() {
    let packets = datagrams(include_str!("data/sipp-g711a-head.hex"));
    let parsed: Vec<_> = packets.iter().map(|p| rtp::parse(p).unwrap()).collect();
    assert!(parsed[0].marker);
    for pair in parsed.windows(2) {
        assert_eq!(
            pair[1].sequence_number,
            pair[0].sequence_number.wrapping_add(1)
        );
        assert_eq!(pair[1].timestamp, pair[0].timestamp.wrapping_add(240));
        assert_eq!(pair[1].ssrc, pair[0].ssrc);
    }
    for (packet, bytes) in parsed.iter().zip(&packets) {
        assert_eq!(packet.codec(), Some(switchboard_media::Codec::Pcma));
        assert_eq!(packet.payload.len(), 240);
        // Re-serialising gives the captured bytes back.
        assert_eq!(&packet.to_bytes().unwrap(), bytes);
    }
    // The capture opens with near-silence: A-law codes around 0xD5/0x55 (±8).
    let pcm = switchboard_media::Codec::Pcma.decode(parsed[0].payload);
    assert!(pcm.iter().all(|&s| s.unsigned_abs() < 1_000));
}
