use super::*;
use crate::rtp::parse;
use rand::rngs::StdRng;
use rand::SeedableRng;

const START: RtpStart = RtpStart {
    ssrc: 0xCAFE_F00D,
    sequence_number: u16::MAX - 1,
    timestamp: u32::MAX - 159,
};

fn header(packet: &OutgoingPacket) -> (bool, u16, u32, Vec<u8>) {
    let parsed = parse(&packet.bytes).unwrap();
    assert_eq!(parsed.ssrc, START.ssrc);
    assert_eq!(parsed.payload.len(), FRAME_SAMPLES);
    (
        parsed.marker,
        parsed.sequence_number,
        parsed.timestamp,
        parsed.payload.to_vec(),
    )
}

#[test]
fn random_start_is_seeded() {
    let a = RtpStart::random(&mut StdRng::seed_from_u64(7));
    let b = RtpStart::random(&mut StdRng::seed_from_u64(7));
    let c = RtpStart::random(&mut StdRng::seed_from_u64(8));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn silence_when_idle_with_marker_only_first() {
    let mut sender = RtpSender::new(Codec::Pcmu, START);
    let first = sender.next_packet();
    assert_eq!(first.kind, FrameKind::Silence);
    let (marker, seq, ts, payload) = header(&first);
    assert!(marker);
    assert_eq!((seq, ts), (START.sequence_number, START.timestamp));
    assert_eq!(payload, vec![0xFF; 160]);
    assert_eq!(parse(&first.bytes).unwrap().payload_type, 0);

    // Sequence +1 and timestamp +160 per packet, both wrapping.
    let (marker, seq, ts, _) = header(&sender.next_packet());
    assert!(!marker);
    assert_eq!((seq, ts), (u16::MAX, 0));
    let (_, seq, ts, _) = header(&sender.next_packet());
    assert_eq!((seq, ts), (0, 160));
}

#[test]
fn audio_then_padded_tail_then_silence() {
    let mut sender = RtpSender::new(Codec::Pcma, START);
    assert_eq!(sender.next_packet().kind, FrameKind::Silence);
    let prompt: Vec<u8> = (0..200).map(|i| i as u8).collect();
    sender.enqueue(&prompt);
    assert!(sender.is_playing());
    assert_eq!(sender.queued_samples(), 200);

    let first = sender.next_packet();
    assert_eq!(first.kind, FrameKind::Audio);
    let (marker, _, _, payload) = header(&first);
    assert!(marker, "talkspurt after silence is marked");
    assert_eq!(payload, prompt[..160]);

    let tail = sender.next_packet();
    assert_eq!(tail.kind, FrameKind::Audio);
    let (marker, _, _, payload) = header(&tail);
    assert!(!marker);
    assert_eq!(payload[..40], prompt[160..]);
    assert!(payload[40..].iter().all(|&b| b == 0xD5));
    assert!(!sender.is_playing());
    assert_eq!(sender.next_packet().kind, FrameKind::Silence);
}

#[test]
fn enqueue_pcm_encodes_in_the_call_codec() {
    let mut sender = RtpSender::new(Codec::Pcmu, START);
    sender.enqueue_pcm(&[0; 160]);
    assert_eq!(sender.codec(), Codec::Pcmu);
    let (_, _, _, payload) = header(&sender.next_packet());
    assert_eq!(payload, vec![0xFF; 160]);
}

#[test]
fn clear_stops_the_prompt() {
    let mut sender = RtpSender::new(Codec::Pcmu, START);
    sender.enqueue(&[0x10; 1600]);
    assert_eq!(sender.next_packet().kind, FrameKind::Audio);
    sender.clear();
    assert!(!sender.is_playing());
    let packet = sender.next_packet();
    assert_eq!(packet.kind, FrameKind::Silence);
    let (_, seq, _, _) = header(&packet);
    assert_eq!(seq, u16::MAX, "sequence continues across a clear");
}

#[test]
fn skip_advances_time_and_drops_audio() {
    let mut sender = RtpSender::new(Codec::Pcmu, START);
    sender.enqueue(&[0x10; 160 * 5]);
    let _ = sender.next_packet();
    sender.skip(3);
    assert_eq!(sender.queued_samples(), 160);
    let (marker, seq, ts, _) = header(&sender.next_packet());
    assert!(marker, "audio resumes after a gap");
    assert_eq!(seq, START.sequence_number.wrapping_add(1));
    assert_eq!(ts, START.timestamp.wrapping_add(4 * 160));
    sender.skip(u32::MAX); // no overflow panic
    assert!(!sender.is_playing());
}

#[test]
fn pacer_counts_due_packets_without_drift() {
    let mut pacer = Pacer::new();
    assert_eq!(pacer.due(Duration::ZERO), 1);
    assert_eq!(pacer.due(Duration::from_millis(19)), 1);
    pacer.record_sent(1);
    assert_eq!(pacer.due(Duration::from_millis(19)), 0);
    assert_eq!(pacer.next_due(), Duration::from_millis(20));
    // A late wake-up catches up exactly.
    assert_eq!(pacer.due(Duration::from_millis(101)), 5);
    pacer.record_sent(5);
    assert_eq!(pacer.sent(), 6);
    assert_eq!(pacer.next_due(), Duration::from_millis(120));
    assert_eq!(pacer.due(Duration::from_millis(119)), 0);
    // Over a long run the count follows wall time, not the number of wake-ups.
    assert_eq!(pacer.due_ms(1_000, 1_000 + 60_000), 3_001 - 6);
    assert_eq!(pacer.due_ms(1_000, 0), 0);
}

#[test]
fn pacer_with_instants() {
    let start = Instant::now();
    let pacer = Pacer::new();
    assert_eq!(
        pacer.due_between(start, start + Duration::from_millis(40)),
        3
    );
    assert_eq!(pacer.due_between(start + Duration::from_secs(1), start), 1);
}

#[test]
fn sent_keys_are_heard_once_each_by_our_own_receiver() {
    let start = RtpStart {
        ssrc: 9,
        sequence_number: 65_530,
        timestamp: u32::MAX - 500,
    };
    let mut sender = RtpSender::new(Codec::Pcmu, start);
    sender.enqueue_pcm(&[1000i16; 400]);
    sender.enqueue_digits("1w12#", 101);
    let mut receiver = crate::DtmfReceiver::new(101);
    let mut keys = String::new();
    let mut kinds = Vec::new();
    while sender.is_sending_digits() || sender.is_playing() {
        let p = sender.next_packet();
        kinds.push(p.kind);
        let packet = crate::rtp::parse(&p.bytes).expect("valid RTP");
        if let Some(press) = receiver.on_rtp(&packet) {
            keys.push(press.key);
        }
    }
    assert_eq!(keys, "112#");
    // The keys went first, then the queued audio.
    assert_eq!(kinds.first(), Some(&FrameKind::Event));
    assert_eq!(kinds.last(), Some(&FrameKind::Audio));
}
