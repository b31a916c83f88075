use super::*;

fn packet(payload: &[u8]) -> RtpPacket<'_> {
    RtpPacket {
        marker: true,
        payload_type: 0,
        sequence_number: 0x1234,
        timestamp: 0xDEAD_BEEF,
        ssrc: 0x0102_0304,
        csrcs: Vec::new(),
        extension: None,
        padding: 0,
        payload,
    }
}

#[test]
fn golden_minimal_packet() {
    let payload = [0xFF; 4];
    let bytes = packet(&payload).to_bytes().unwrap();
    assert_eq!(
        bytes,
        [0x80, 0x80, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 1, 2, 3, 4, 0xFF, 0xFF, 0xFF, 0xFF]
    );
    let parsed = parse(&bytes).unwrap();
    assert_eq!(parsed, packet(&payload));
}

#[test]
fn csrcs_extension_and_padding() {
    // V=2 P=1 X=1 CC=2, M=0 PT=101, seq 7, ts 160, ssrc 9.
    let mut bytes = vec![0xB2, 101, 0, 7, 0, 0, 0, 160, 0, 0, 0, 9];
    bytes.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 2]); // CSRCs 1, 2
    bytes.extend_from_slice(&[0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0]); // one word of extension
    bytes.extend_from_slice(&[1, 0x8A, 0x01, 0x40]); // payload: a DTMF event
    bytes.extend_from_slice(&[0, 0, 3]); // 3 bytes of padding
    let parsed = parse(&bytes).unwrap();
    assert!(!parsed.marker);
    assert_eq!(parsed.payload_type, 101);
    assert_eq!(parsed.sequence_number, 7);
    assert_eq!(parsed.timestamp, 160);
    assert_eq!(parsed.ssrc, 9);
    assert_eq!(parsed.csrcs, [1, 2]);
    assert_eq!(
        parsed.extension,
        Some(RtpExtension {
            profile: 0xBEDE,
            data: &[0x10, 0xAA, 0, 0]
        })
    );
    assert_eq!(parsed.padding, 3);
    assert_eq!(parsed.payload, [1, 0x8A, 0x01, 0x40]);
    assert_eq!(parsed.to_bytes().unwrap(), bytes);
}

#[test]
fn rejects_short_and_wrong_version() {
    assert_eq!(
        parse(&[0x80; 11]),
        Err(RtpError::Truncated {
            needed: 12,
            len: 11
        })
    );
    let mut stun = [0u8; 20];
    stun[0] = 0x00;
    assert_eq!(parse(&stun), Err(RtpError::BadVersion(0)));
    // CC=3 but no CSRC bytes.
    let mut bytes = [0u8; 12];
    bytes[0] = 0x83;
    assert_eq!(
        parse(&bytes),
        Err(RtpError::Truncated {
            needed: 24,
            len: 12
        })
    );
    // X=1 with a length running past the end.
    let mut ext = vec![0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    ext.extend_from_slice(&[0, 0, 0, 2, 1, 2, 3, 4]);
    assert!(matches!(
        parse(&ext),
        Err(RtpError::Truncated { needed: 24, .. })
    ));
}

#[test]
fn rejects_bad_padding() {
    let mut bytes = vec![0xA0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9, 0];
    assert_eq!(parse(&bytes), Err(RtpError::BadPadding(0)));
    *bytes.last_mut().unwrap() = 3;
    assert_eq!(parse(&bytes), Err(RtpError::BadPadding(3)));
    *bytes.last_mut().unwrap() = 2;
    let parsed = parse(&bytes).unwrap();
    assert!(parsed.payload.is_empty());
    assert_eq!(parsed.padding, 2);
}

#[test]
fn serialise_checks_fields() {
    let mut p = packet(&[]);
    p.csrcs = vec![0; 16];
    assert_eq!(p.to_bytes(), Err(RtpError::TooManyCsrcs(16)));
    let mut p = packet(&[]);
    p.payload_type = 128;
    assert_eq!(p.to_bytes(), Err(RtpError::BadPayloadType(128)));
    let mut p = packet(&[]);
    p.extension = Some(RtpExtension {
        profile: 1,
        data: &[1, 2, 3],
    });
    assert_eq!(p.to_bytes(), Err(RtpError::BadExtension(3)));
}

#[test]
fn len_matches_wire() {
    let payload = [1u8; 160];
    let mut p = packet(&payload);
    p.csrcs = vec![5];
    p.padding = 4;
    assert_eq!(p.to_bytes().unwrap().len(), p.len());
    assert!(!p.is_empty());
}
