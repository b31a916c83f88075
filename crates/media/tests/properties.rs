//! Property tests: parsers never panic on arbitrary input, RTP and
//! telephone events round-trip, G.711 stays within its quantisation error.

use proptest::prelude::*;
use switchboard_media::rtp::{self, RtpExtension, RtpPacket};
use switchboard_media::{dtmf, resample, sdp, wav, Codec, DtmfReceiver, TelephoneEvent};

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(512)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn rtp_parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = rtp::parse(&bytes);
    }

    #[test]
    fn rtp_header_like_bytes_never_panic(
        first in any::<u8>(),
        rest in prop::collection::vec(any::<u8>(), 0..80),
    ) {
        // Force version 2 so the deeper paths (CSRC, extension, padding) run.
        let mut bytes = vec![0x80 | (first & 0x3F)];
        bytes.extend(rest);
        if let Ok(packet) = rtp::parse(&bytes) {
            prop_assert!(packet.payload.len() <= bytes.len());
            prop_assert_eq!(packet.len(), bytes.len());
        }
    }

    #[test]
    fn rtp_round_trip(
        marker in any::<bool>(),
        payload_type in 0u8..128,
        sequence_number in any::<u16>(),
        timestamp in any::<u32>(),
        ssrc in any::<u32>(),
        csrcs in prop::collection::vec(any::<u32>(), 0..16),
        extension in prop::option::of((any::<u16>(), prop::collection::vec(any::<u8>(), 0..5).prop_map(|w| w.repeat(4)))),
        padding in any::<u8>(),
        payload in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let packet = RtpPacket {
            marker,
            payload_type,
            sequence_number,
            timestamp,
            ssrc,
            csrcs,
            extension: extension.as_ref().map(|(profile, data)| RtpExtension { profile: *profile, data }),
            padding,
            payload: &payload,
        };
        let bytes = packet.to_bytes().unwrap();
        prop_assert_eq!(bytes.len(), packet.len());
        prop_assert_eq!(rtp::parse(&bytes).unwrap(), packet);
    }

    #[test]
    fn telephone_event_parse_never_panics_and_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..8)) {
        if let Ok(event) = TelephoneEvent::parse(&bytes) {
            let again = TelephoneEvent::parse(&event.to_bytes()).unwrap();
            prop_assert_eq!(again, event);
        } else {
            prop_assert!(bytes.len() < 4);
        }
    }

    #[test]
    fn dtmf_receiver_reports_each_timestamp_at_most_once(
        packets in prop::collection::vec((0u32..8, 0u8..20, any::<bool>(), any::<u16>()), 0..100),
    ) {
        let mut receiver = DtmfReceiver::new(101);
        let mut reported = std::collections::HashSet::new();
        for (slot, event, end, duration) in packets {
            let timestamp = slot * 1_000;
            let event = TelephoneEvent { event, end, volume: 10, duration };
            if let Some(press) = receiver.on_event(timestamp, event) {
                prop_assert!(reported.insert(press.timestamp), "timestamp {} twice", press.timestamp);
                prop_assert_eq!(Some(press.key), dtmf::event_key(event.event));
            }
        }
    }

    #[test]
    fn wav_parse_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let _ = wav::parse(&bytes);
    }

    #[test]
    fn wav_with_valid_header_never_panics(
        tag in prop::sample::select(vec![1u16, 6, 7, 3, 0xFFFE]),
        channels in 0u16..4,
        rate in any::<u32>(),
        bits in prop::sample::select(vec![0u16, 8, 16, 24]),
        data_size in any::<u32>(),
        data in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut bytes = b"RIFF\xff\xff\xff\xffWAVEfmt \x10\0\0\0".to_vec();
        bytes.extend_from_slice(&tag.to_le_bytes());
        bytes.extend_from_slice(&channels.to_le_bytes());
        bytes.extend_from_slice(&rate.to_le_bytes());
        bytes.extend_from_slice(&[0; 6]);
        bytes.extend_from_slice(&bits.to_le_bytes());
        bytes.extend_from_slice(b"data");
        bytes.extend_from_slice(&data_size.to_le_bytes());
        bytes.extend_from_slice(&data);
        if let Ok(parsed) = wav::parse(&bytes) {
            prop_assert!(parsed.samples.len() <= data.len());
        }
    }

    #[test]
    fn sdp_parse_never_panics(text in ".{0,300}") {
        let _ = sdp::parse(&text);
    }

    #[test]
    fn sdp_like_text_never_panics(
        lines in prop::collection::vec(
            ("[vocmat]", prop::sample::select(vec![
                "audio 4000 RTP/AVP 0 8 101", "audio 0 RTP/AVP 0", "audio 70000 RTP/AVP 8",
                "IN IP4 10.0.0.1", "IN IP6 ::1", "IN IP4 10.0.0.1/5/2", "IN", "rtpmap:101 telephone-event/8000",
                "rtpmap:0", "rtpmap:8 PCMA", "ptime:", "sendonly", "", "audio 1/2 RTP/AVPF 0",
            ])),
            0..12,
        ),
    ) {
        let text: String = lines.iter().map(|(k, v)| format!("{k}={v}\r\n")).collect();
        let _ = sdp::parse(&text);
    }

    #[test]
    fn sdp_offer_round_trip(
        a in any::<[u8; 4]>(),
        port in 1u16..,
        pcma_first in any::<bool>(),
        te in prop::option::of(96u8..128),
    ) {
        let mut offer = sdp::LocalSdp::offer(std::net::IpAddr::from(a), port, 1);
        if pcma_first {
            offer.codecs.reverse();
        }
        offer.telephone_event = te;
        let remote = sdp::parse(&offer.to_sdp()).unwrap();
        prop_assert_eq!(remote.address, offer.address);
        prop_assert_eq!(remote.port, port);
        prop_assert_eq!(remote.codec, offer.codecs[0]);
        prop_assert_eq!(remote.telephone_event, te);
        prop_assert_eq!(remote.ptime, Some(20));
    }

    #[test]
    fn g711_round_trip_within_quantisation_error(sample in any::<i16>()) {
        // Half a step of the segment, which is at most |x|/32, plus the
        // linear segments' step and µ-law's clipping above 32,635.
        let bound = i32::from(sample).abs() / 32 + 16;
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let decoded = codec.decode_sample(codec.encode_sample(sample));
            let error = (i32::from(decoded) - i32::from(sample)).abs();
            prop_assert!(error <= bound, "{:?}: {} -> {} (error {} > {})", codec, sample, decoded, error, bound);
            // And the sign is kept (or the sample became zero).
            prop_assert!(decoded.signum() * sample.signum() >= 0);
        }
    }

}

proptest! {
    // Each call builds a filter table, so fewer cases.
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn resample_length_and_no_panic(
        samples in prop::collection::vec(any::<i16>(), 0..300),
        from in prop::sample::select(vec![0u32, 3, 7_999, 8_000, 11_025, 22_050, 44_100, 48_000, 384_000, 384_001]),
    ) {
        let out = resample::to_8k(&samples, from);
        if from == 0 || from > resample::MAX_RATE {
            prop_assert!(out.is_err());
        } else {
            let out = out.unwrap();
            prop_assert_eq!(out.len() as u64, (samples.len() as u64 * 8_000).div_ceil(u64::from(from)));
        }
    }
}
