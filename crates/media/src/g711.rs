//! G.711 (ITU-T, 1988): PCMU (µ-law) and PCMA (A-law), the two codecs every
//! SIP trunk speaks. 8,000 samples per second, one byte per sample, so a
//! 20 ms frame is [`FRAME_SAMPLES`] bytes.
//!
//! Written by hand rather than taken from `audio-codec-algorithms` 0.8.1
//! (named in the voice design): that crate needs Rust 1.87 while the
//! workspace promises 1.85, and the whole codec is the two segment/mantissa
//! formulas of the standard, about 40 lines here. It follows the reference
//! `g711.c` (Sun Microsystems, public domain; also what CPython's
//! `audioop`, SoX and most software use) bit for bit: a test compares all
//! 65,536 encodings and all 256 decodings of both laws with `audioop`.

/// G.711 sample rate (Hz).
pub const SAMPLE_RATE: u32 = 8_000;
/// Samples (= encoded bytes) in one 20 ms frame.
pub const FRAME_SAMPLES: usize = 160;

/// The audio codec of a call. RFC 3551 static payload types: PCMU is 0, PCMA is 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// µ-law (North America, Japan).
    Pcmu,
    /// A-law (Europe and most of the rest of the world).
    Pcma,
}

impl Codec {
    /// The RFC 3551 static RTP payload type: 0 for PCMU, 8 for PCMA.
    pub const fn payload_type(self) -> u8 {
        match self {
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The codec of a static payload type, if it is 0 or 8.
    pub const fn from_payload_type(payload_type: u8) -> Option<Codec> {
        match payload_type {
            0 => Some(Codec::Pcmu),
            8 => Some(Codec::Pcma),
            _ => None,
        }
    }

    /// The SDP `rtpmap` encoding name: `PCMU` or `PCMA`.
    pub const fn encoding_name(self) -> &'static str {
        match self {
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// The byte that decodes to (near) zero: 0xFF for µ-law, 0xD5 for A-law.
    pub const fn silence_byte(self) -> u8 {
        match self {
            Codec::Pcmu => 0xFF,
            Codec::Pcma => 0xD5,
        }
    }

    /// Encodes one sample.
    pub fn encode_sample(self, sample: i16) -> u8 {
        match self {
            Codec::Pcmu => ulaw_encode(sample),
            Codec::Pcma => alaw_encode(sample),
        }
    }

    /// Decodes one byte.
    pub fn decode_sample(self, byte: u8) -> i16 {
        match self {
            Codec::Pcmu => ulaw_decode(byte),
            Codec::Pcma => alaw_decode(byte),
        }
    }

    /// Encodes 8 kHz PCM (e.g. one 160-sample frame), appending to `out`.
    pub fn encode_into(self, pcm: &[i16], out: &mut Vec<u8>) {
        out.extend(pcm.iter().map(|&s| self.encode_sample(s)));
    }

    /// Encodes 8 kHz PCM into a new buffer.
    pub fn encode(self, pcm: &[i16]) -> Vec<u8> {
        let mut out = Vec::with_capacity(pcm.len());
        self.encode_into(pcm, &mut out);
        out
    }

    /// Decodes G.711 bytes (e.g. one RTP payload), appending to `out`.
    pub fn decode_into(self, bytes: &[u8], out: &mut Vec<i16>) {
        out.extend(bytes.iter().map(|&b| self.decode_sample(b)));
    }

    /// Decodes G.711 bytes into a new buffer.
    pub fn decode(self, bytes: &[u8]) -> Vec<i16> {
        let mut out = Vec::with_capacity(bytes.len());
        self.decode_into(bytes, &mut out);
        out
    }
}

const ULAW_BIAS: i32 = 0x84;
/// Largest 14-bit magnitude before clipping.
const ULAW_CLIP: i32 = 8_159;

/// µ-law on the 14-bit sample: bias the magnitude by 33, then the byte is
/// (segment = position of the top bit, 4 mantissa bits below it), sign on
/// top, all bits inverted. Negative samples are truncated toward −∞ first,
/// as in the reference `g711.c` (so −1 encodes as 0x7E, not 0x7F).
pub fn ulaw_encode(sample: i16) -> u8 {
    let value = i32::from(sample) >> 2; // 14 bits, -8192..=8191
    let (mask, magnitude) = if value < 0 {
        (0x7F, -value)
    } else {
        (0xFF, value)
    };
    let biased = magnitude.min(ULAW_CLIP) + (ULAW_BIAS >> 2); // 33..=8192
    let segment = (32 - biased.leading_zeros()).saturating_sub(6); // 0..=8
    if segment >= 8 {
        return 0x7F ^ mask; // clipped: segment 7, mantissa 15
    }
    let mantissa = (biased >> (segment + 1)) & 0x0F;
    (((segment as i32) << 4 | mantissa) as u8) ^ mask
}

/// Inverse of [`ulaw_encode`]: the middle of the quantisation interval.
pub fn ulaw_decode(byte: u8) -> i16 {
    let code = !byte;
    let exponent = (code >> 4) & 0x07;
    let mantissa = i32::from(code & 0x0F);
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS; // ≤ 32124
    let value = if code & 0x80 != 0 {
        -magnitude
    } else {
        magnitude
    };
    clamp_i16(value)
}

/// A-law on the 13-bit magnitude: segment 0 and 1 are linear (step 2),
/// segment s ≥ 2 has step 2^s; even bits are inverted (XOR 0x55) and the sign
/// bit is set for non-negative samples.
pub fn alaw_encode(sample: i16) -> u8 {
    let value = i32::from(sample) >> 3; // 13 bits, -4096..=4095
    let (mask, magnitude) = if value >= 0 {
        (0xD5, value)
    } else {
        (0x55, -value - 1)
    };
    // Segment = how far the magnitude reaches past 31, in octaves (0..=7).
    let segment = (32 - (magnitude | 0x1F).leading_zeros()).saturating_sub(5);
    let shift = segment.max(1);
    let mantissa = (magnitude >> shift) & 0x0F;
    (((segment as i32) << 4 | mantissa) as u8) ^ mask
}

/// Inverse of [`alaw_encode`]: the middle of the quantisation interval.
pub fn alaw_decode(byte: u8) -> i16 {
    let code = byte ^ 0x55;
    let mantissa = i32::from(code & 0x0F) << 4;
    let segment = (code >> 4) & 0x07;
    let magnitude = match segment {
        0 => mantissa + 8,
        s => (mantissa + 0x108) << (s - 1),
    };
    let value = if code & 0x80 != 0 {
        magnitude
    } else {
        -magnitude
    };
    clamp_i16(value)
}

fn clamp_i16(value: i32) -> i16 {
    i16::try_from(value).unwrap_or(if value < 0 { i16::MIN } else { i16::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_types_and_names() {
        assert_eq!(Codec::Pcmu.payload_type(), 0);
        assert_eq!(Codec::Pcma.payload_type(), 8);
        assert_eq!(Codec::from_payload_type(8), Some(Codec::Pcma));
        assert_eq!(Codec::from_payload_type(18), None);
        assert_eq!(Codec::Pcmu.encoding_name(), "PCMU");
    }

    #[test]
    fn silence_is_zero() {
        assert_eq!(ulaw_encode(0), 0xFF);
        assert_eq!(alaw_encode(0), 0xD5);
        assert_eq!(ulaw_decode(0xFF), 0);
        assert_eq!(alaw_decode(Codec::Pcma.silence_byte()), 8);
    }

    #[test]
    fn standard_decode_values() {
        // The end points of the G.711 tables.
        assert_eq!(ulaw_decode(0x00), -32_124);
        assert_eq!(ulaw_decode(0x80), 32_124);
        assert_eq!(ulaw_decode(0x7F), 0);
        assert_eq!(ulaw_decode(0xFE), 8);
        assert_eq!(ulaw_decode(0x70), -(((15 << 3) + 132) - 132));
        assert_eq!(alaw_decode(0x55), -8);
        assert_eq!(alaw_decode(0xAA), 32_256);
        assert_eq!(alaw_decode(0x2A), -32_256);
        assert_eq!(alaw_decode(0xD4), 24);
    }

    /// FNV-1a, to compare whole tables against a reference in one constant.
    fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
        bytes.into_iter().fold(0xcbf2_9ce4_8422_2325, |hash, b| {
            (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    #[test]
    fn whole_tables_match_an_independent_implementation() {
        // The constants are FNV-1a hashes of CPython 3.11's `audioop` output
        // (Sun's reference g711.c): lin2ulaw/lin2alaw of every i16 from
        // -32768 up, and ulaw2lin/alaw2lin of bytes 0..=255 as i16 LE.
        let all = || i16::MIN..=i16::MAX;
        assert_eq!(fnv1a(all().map(ulaw_encode)), 0xd5ee_23f7_d0ff_ae91);
        assert_eq!(fnv1a(all().map(alaw_encode)), 0xf030_666e_b780_cf25);
        let decoded = |f: fn(u8) -> i16| (0..=255u8).flat_map(move |b| f(b).to_le_bytes());
        assert_eq!(fnv1a(decoded(ulaw_decode)), 0xb91e_65d6_8481_a1a8);
        assert_eq!(fnv1a(decoded(alaw_decode)), 0x693a_40ca_62a3_d2a5);
    }

    #[test]
    fn extremes_clip() {
        assert_eq!(ulaw_encode(i16::MAX), 0x80);
        assert_eq!(ulaw_encode(i16::MIN), 0x00);
        assert_eq!(alaw_encode(i16::MAX), 0xAA);
        assert_eq!(alaw_encode(i16::MIN), 0x2A);
    }

    #[test]
    fn every_code_byte_round_trips() {
        for byte in 0..=255u8 {
            let ulaw = ulaw_encode(ulaw_decode(byte));
            // 0x7F is µ-law's "negative zero"; it decodes to 0, which encodes as 0xFF.
            let expected = if byte == 0x7F { 0xFF } else { byte };
            assert_eq!(ulaw, expected, "µ-law {byte:#04x}");
            assert_eq!(alaw_encode(alaw_decode(byte)), byte, "A-law {byte:#04x}");
        }
    }

    #[test]
    fn every_sample_is_monotonic_and_within_half_a_step() {
        for codec in [Codec::Pcmu, Codec::Pcma] {
            let mut previous = i16::MIN;
            for sample in i16::MIN..=i16::MAX {
                let decoded = codec.decode_sample(codec.encode_sample(sample));
                // Decoding the encoding never reorders samples...
                assert!(decoded >= previous, "{codec:?} at {sample}");
                previous = decoded;
                // ...and stays within the segment's half step (≤ |x|/32) plus the linear part.
                let error = (i32::from(decoded) - i32::from(sample)).abs();
                assert!(
                    error <= i32::from(sample).abs() / 32 + 16,
                    "{codec:?} at {sample}"
                );
            }
        }
    }

    #[test]
    fn frame_helpers() {
        let pcm = [0i16; FRAME_SAMPLES];
        let bytes = Codec::Pcmu.encode(&pcm);
        assert_eq!(bytes, vec![0xFF; FRAME_SAMPLES]);
        assert_eq!(Codec::Pcmu.decode(&bytes), pcm.to_vec());
    }
}
