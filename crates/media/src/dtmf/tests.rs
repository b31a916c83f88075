use super::*;

fn ev(event: u8, end: bool, duration: u16) -> TelephoneEvent {
    TelephoneEvent {
        event,
        end,
        volume: 10,
        duration,
    }
}

/// The packets of one press as a phone sends them: growing durations, then the end three times.
fn press(event: u8, timestamp: u32) -> Vec<(u32, TelephoneEvent)> {
    let mut packets: Vec<_> = (1..=4)
        .map(|i| (timestamp, ev(event, false, i * 160)))
        .collect();
    packets.extend((0..3).map(|_| (timestamp, ev(event, true, 800))));
    packets
}

fn keys(receiver: &mut DtmfReceiver, packets: &[(u32, TelephoneEvent)]) -> String {
    packets
        .iter()
        .filter_map(|(ts, e)| receiver.on_event(*ts, *e))
        .map(|p| p.key)
        .collect()
}

#[test]
fn parses_rfc4733_payload() {
    // Event 1, E=1, volume 10, duration 400 (0x0190).
    let event = TelephoneEvent::parse(&[1, 0x8A, 0x01, 0x90]).unwrap();
    assert_eq!(event, ev(1, true, 400));
    assert_eq!(event.to_bytes(), [1, 0x8A, 0x01, 0x90]);
    // The reserved bit is ignored.
    assert!(!TelephoneEvent::parse(&[11, 0x4A, 0, 0]).unwrap().end);
    assert_eq!(
        TelephoneEvent::parse(&[1, 2, 3]),
        Err(DtmfError::TooShort(3))
    );
}

#[test]
fn key_mapping() {
    let all: String = (0..=15).filter_map(event_key).collect();
    assert_eq!(all, "0123456789*#ABCD");
    assert_eq!(event_key(16), None);
    for (code, key) in (0..=15).zip(all.chars()) {
        assert_eq!(key_event(key), Some(code));
    }
    assert_eq!(key_event('d'), Some(15));
    assert_eq!(key_event('w'), None);
}

#[test]
fn one_press_reported_once_at_its_first_packet() {
    let mut receiver = DtmfReceiver::new(101);
    let packets = press(5, 1000);
    assert_eq!(
        receiver.on_event(packets[0].0, packets[0].1),
        Some(KeyPress {
            key: '5',
            timestamp: 1000
        })
    );
    assert_eq!(keys(&mut receiver, &packets[1..]), "");
}

#[test]
fn repeated_key_has_two_timestamps() {
    let mut receiver = DtmfReceiver::new(101);
    let mut packets = press(1, 1000);
    packets.extend(press(1, 3000));
    packets.extend(press(11, 5000));
    assert_eq!(keys(&mut receiver, &packets), "11#");
}

#[test]
fn same_timestamp_replayed_is_one_press() {
    let mut receiver = DtmfReceiver::new(101);
    let mut packets = press(1, 1000);
    packets.extend(press(1, 1000));
    assert_eq!(keys(&mut receiver, &packets), "1");
}

#[test]
fn duplicates_and_reordering() {
    let mut receiver = DtmfReceiver::new(101);
    let first = press(2, 1000);
    let second = press(3, 2600);
    // The first press's end packets arrive after the second press began, some twice.
    let mut packets = first[..2].to_vec();
    packets.extend_from_slice(&second[..2]);
    packets.extend_from_slice(&first[2..]);
    packets.extend_from_slice(&first[4..]);
    packets.extend_from_slice(&second[2..]);
    packets.push(first[0]);
    assert_eq!(keys(&mut receiver, &packets), "23");
}

#[test]
fn press_without_end_packets_still_counts_once() {
    let mut receiver = DtmfReceiver::new(101);
    let mut packets = press(7, 100)[..3].to_vec(); // all end packets lost
    packets.extend(press(7, 2000));
    assert_eq!(keys(&mut receiver, &packets), "77");
}

#[test]
fn long_press_continuation_is_not_a_new_press() {
    let mut receiver = DtmfReceiver::new(101);
    let packets = [
        (0, ev(4, false, 160)),
        (0, ev(4, false, u16::MAX)),
        // New segment: new timestamp, same event, no end bit in between.
        (65_535, ev(4, false, 160)),
        (65_535, ev(4, true, 800)),
        (70_000, ev(4, false, 160)),
    ];
    assert_eq!(keys(&mut receiver, &packets), "44");
}

#[test]
fn memory_is_bounded_and_wraps() {
    let mut receiver = DtmfReceiver::new(101);
    let mut expected = String::new();
    let mut packets = Vec::new();
    for i in 0..40u32 {
        // Timestamps wrap around u32::MAX midway.
        let ts = (u32::MAX - 20 * 1600).wrapping_add(i * 1600);
        packets.extend(press((i % 10) as u8, ts));
        expected.push(event_key((i % 10) as u8).unwrap());
    }
    assert_eq!(keys(&mut receiver, &packets), expected);
}

#[test]
fn ignores_other_payload_types_tones_and_garbage() {
    let mut receiver = DtmfReceiver::new(101);
    assert_eq!(receiver.payload_type(), 101);
    assert_eq!(receiver.on_event(10, ev(16, false, 160)), None);
    let audio = RtpPacket {
        marker: false,
        payload_type: 0,
        sequence_number: 1,
        timestamp: 20,
        ssrc: 1,
        csrcs: Vec::new(),
        extension: None,
        padding: 0,
        payload: &[9, 0x80, 0, 160],
    };
    assert_eq!(receiver.on_rtp(&audio), None);
    let short = RtpPacket {
        payload_type: 101,
        payload: &[9],
        ..audio.clone()
    };
    assert_eq!(receiver.on_rtp(&short), None);
    let dtmf = RtpPacket {
        payload_type: 101,
        ..audio
    };
    assert_eq!(receiver.on_rtp(&dtmf).map(|p| p.key), Some('9'));
}
