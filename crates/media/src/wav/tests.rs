use super::*;

/// A WAV file with one fmt chunk (16 bytes, or 40 for extensible) and one data chunk.
fn build(format_tag: u16, channels: u16, rate: u32, bits: u16, data: &[u8]) -> Vec<u8> {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&format_tag.to_le_bytes());
    fmt.extend_from_slice(&channels.to_le_bytes());
    fmt.extend_from_slice(&rate.to_le_bytes());
    let block_align = channels * bits / 8;
    fmt.extend_from_slice(&(rate * u32::from(block_align)).to_le_bytes());
    fmt.extend_from_slice(&block_align.to_le_bytes());
    fmt.extend_from_slice(&bits.to_le_bytes());
    let mut out = b"RIFF\0\0\0\0WAVE".to_vec();
    chunk(&mut out, b"fmt ", &fmt);
    chunk(&mut out, b"data", data);
    let riff_size = (out.len() - 8) as u32;
    out[4..8].copy_from_slice(&riff_size.to_le_bytes());
    out
}

fn chunk(out: &mut Vec<u8>, id: &[u8; 4], body: &[u8]) {
    out.extend_from_slice(id);
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    if body.len() % 2 == 1 {
        out.push(0);
    }
}

fn pcm16(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

#[test]
fn pcm16_mono() {
    let wav = parse(&build(1, 1, 22_050, 16, &pcm16(&[0, 1000, -32768, 32767]))).unwrap();
    assert_eq!(wav.sample_rate, 22_050);
    assert_eq!(wav.channels, 1);
    assert_eq!(wav.samples, [0, 1000, -32768, 32767]);
}

#[test]
fn pcm16_stereo_is_averaged() {
    let data = pcm16(&[100, 300, -32768, -32768, 32767, -32768, 7]);
    let wav = parse(&build(1, 2, 44_100, 16, &data)).unwrap();
    // The last, partial frame (one sample of two) is dropped.
    assert_eq!(wav.samples, [200, -32768, 0]);
    assert_eq!(wav.channels, 2);
}

#[test]
fn pcm8_unsigned() {
    let wav = parse(&build(1, 1, 8_000, 8, &[128, 0, 255, 129])).unwrap();
    assert_eq!(wav.samples, [0, -32768, 32512, 256]);
}

#[test]
fn g711_formats() {
    let ulaw = parse(&build(7, 1, 8_000, 8, &[0xFF, 0x00, 0x80])).unwrap();
    assert_eq!(ulaw.samples, [0, -32124, 32124]);
    let alaw = parse(&build(6, 1, 8_000, 8, &[0xD5, 0xAA])).unwrap();
    assert_eq!(alaw.samples, [8, 32256]);
}

#[test]
fn extensible_wrapping_pcm() {
    let mut fmt = Vec::new();
    fmt.extend_from_slice(&0xFFFEu16.to_le_bytes());
    fmt.extend_from_slice(&1u16.to_le_bytes());
    fmt.extend_from_slice(&16_000u32.to_le_bytes());
    fmt.extend_from_slice(&32_000u32.to_le_bytes());
    fmt.extend_from_slice(&2u16.to_le_bytes());
    fmt.extend_from_slice(&16u16.to_le_bytes());
    fmt.extend_from_slice(&22u16.to_le_bytes()); // cbSize
    fmt.extend_from_slice(&16u16.to_le_bytes()); // valid bits
    fmt.extend_from_slice(&4u32.to_le_bytes()); // channel mask
    fmt.extend_from_slice(&[
        1, 0, 0, 0, 0, 0, 0x10, 0, 0x80, 0, 0, 0xAA, 0, 0x38, 0x9B, 0x71,
    ]);
    let mut bytes = b"RIFF\0\0\0\0WAVE".to_vec();
    chunk(&mut bytes, b"fmt ", &fmt);
    chunk(&mut bytes, b"LIST", b"odd"); // padded to even length
    chunk(&mut bytes, b"data", &pcm16(&[5, -5]));
    let wav = parse(&bytes).unwrap();
    assert_eq!(wav.sample_rate, 16_000);
    assert_eq!(wav.samples, [5, -5]);
}

#[test]
fn streaming_header_sizes() {
    let samples = pcm16(&[1, 2, 3]);
    for (riff, data) in [(0x7FFF_F024, 0x7FFF_F000), (u32::MAX, u32::MAX), (0, 0)] {
        let mut bytes = build(1, 1, 22_050, 16, &samples);
        bytes[4..8].copy_from_slice(&u32::to_le_bytes(riff));
        bytes[40..44].copy_from_slice(&u32::to_le_bytes(data));
        assert_eq!(
            parse(&bytes).unwrap().samples,
            [1, 2, 3],
            "{riff:#x}/{data:#x}"
        );
    }
    // With a real RIFF size, a zero data size is an empty data chunk.
    let mut bytes = build(1, 1, 22_050, 16, &samples);
    bytes[40..44].copy_from_slice(&0u32.to_le_bytes());
    assert_eq!(parse(&bytes).unwrap().samples, Vec::<i16>::new());
}

#[test]
fn espeak_ng_stdout_fixture() {
    // `espeak-ng --stdout "one"` (espeak-ng 1.51): placeholder sizes 0x7FFFF024 / 0x7FFFF000.
    let bytes = include_bytes!("../../tests/data/espeak-one-stdout.wav");
    let wav = parse(bytes).unwrap();
    assert_eq!(wav.sample_rate, 22_050);
    assert_eq!(wav.channels, 1);
    assert_eq!(wav.samples.len(), (bytes.len() - 44) / 2);
    assert!(
        wav.samples.iter().any(|&s| s.unsigned_abs() > 1000),
        "it is speech, not silence"
    );
}

#[test]
fn errors() {
    assert_eq!(parse(b""), Err(WavError::NotWave));
    assert_eq!(parse(b"RIFF\0\0\0\0AVI LIST"), Err(WavError::NotWave));
    assert_eq!(parse(b"RIFF\0\0\0\0WAVE"), Err(WavError::MissingFormat));
    let mut no_fmt = b"RIFF\0\0\0\0WAVE".to_vec();
    chunk(&mut no_fmt, b"data", &[0, 0]);
    assert_eq!(parse(&no_fmt), Err(WavError::MissingFormat));
    let only_fmt = &build(1, 1, 8_000, 16, &[])[..36];
    assert_eq!(parse(only_fmt), Err(WavError::MissingData));
    assert_eq!(
        parse(&build(3, 1, 8_000, 32, &[0; 8])),
        Err(WavError::Unsupported {
            format_tag: 3,
            bits_per_sample: 32
        })
    );
    assert_eq!(
        parse(&build(1, 1, 8_000, 24, &[0; 6])),
        Err(WavError::Unsupported {
            format_tag: 1,
            bits_per_sample: 24
        })
    );
    assert!(matches!(
        parse(&build(1, 0, 8_000, 16, &[])),
        Err(WavError::BadFormat(_))
    ));
    assert!(matches!(
        parse(&build(1, 1, 0, 16, &[])),
        Err(WavError::BadFormat(_))
    ));
    let mut short_fmt = b"RIFF\0\0\0\0WAVE".to_vec();
    chunk(&mut short_fmt, b"fmt ", &[1, 0, 1, 0]);
    assert!(matches!(parse(&short_fmt), Err(WavError::BadFormat(_))));
    assert!(WavError::MissingData.to_string().contains("data"));
}
