//! RIFF/WAVE to mono 16-bit PCM, for espeak-ng output and `<Play>` files.
//!
//! Hand-rolled rather than `hound` 3.5: hound reads PCM and float only (no
//! µ-law/A-law, format tags 7 and 6) and rejects the streaming header
//! espeak-ng writes with `--stdout`, whose RIFF and data sizes are
//! placeholders (0, 0xFFFFFFFF or 0x7FFFF0xx). Both matter here.
//!
//! Accepted: format tag 1 (PCM) at 16 bits signed or 8 bits unsigned, tag 6
//! (A-law), tag 7 (µ-law), and `WAVE_FORMAT_EXTENSIBLE` (0xFFFE) wrapping any
//! of those; any sample rate and channel count (channels are averaged to
//! mono). Leniency, for streaming writers:
//!
//! - The RIFF size is not trusted; chunks are walked to the end of the input.
//! - A `data` size running past the end means "read to the end".
//! - A `data` size of 0 while the RIFF size is a placeholder (0 or
//!   0xFFFFFFFF) also means "read to the end".
//! - A trailing partial sample frame is dropped.
//!
//! Never panics (property-tested); errors say what was wrong.

use crate::g711::{alaw_decode, ulaw_decode};
use crate::resample::{self, UnsupportedRate};
use thiserror::Error;

/// Why bytes are not a WAV file we can play.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WavError {
    /// No `RIFF....WAVE` header.
    #[error("not a RIFF/WAVE file")]
    NotWave,
    /// No `fmt ` chunk before the `data` chunk.
    #[error("no fmt chunk before the data chunk")]
    MissingFormat,
    /// No `data` chunk.
    #[error("no data chunk")]
    MissingData,
    /// The `fmt ` chunk is too short or inconsistent.
    #[error("invalid fmt chunk: {0}")]
    BadFormat(&'static str),
    /// A valid format we do not decode.
    #[error(
        "unsupported wav encoding: format tag {format_tag:#06x}, {bits_per_sample} bits per sample"
    )]
    Unsupported {
        /// `wFormatTag` (or the extensible sub-format).
        format_tag: u16,
        /// `wBitsPerSample`.
        bits_per_sample: u16,
    },
}

/// Decoded audio: mono, 16-bit, at the file's rate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wav {
    /// Samples per second.
    pub sample_rate: u32,
    /// Channels in the file (the samples are their average).
    pub channels: u16,
    /// Mono samples.
    pub samples: Vec<i16>,
}

impl Wav {
    /// The samples at 8 kHz, ready for [`crate::Codec::encode`].
    pub fn to_8k(&self) -> Result<Vec<i16>, UnsupportedRate> {
        resample::to_8k(&self.samples, self.sample_rate)
    }
}

const FORMAT_PCM: u16 = 1;
const FORMAT_ALAW: u16 = 6;
const FORMAT_ULAW: u16 = 7;
const FORMAT_EXTENSIBLE: u16 = 0xFFFE;

#[derive(Debug, Clone, Copy)]
enum Encoding {
    Pcm8,
    Pcm16,
    Alaw,
    Ulaw,
}

#[derive(Debug, Clone, Copy)]
struct Format {
    encoding: Encoding,
    channels: u16,
    sample_rate: u32,
}

/// Parses a whole WAV file.
pub fn parse(bytes: &[u8]) -> Result<Wav, WavError> {
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(WavError::NotWave);
    }
    let riff_size = le_u32(&bytes[4..8]);
    let riff_placeholder = riff_size == 0 || riff_size == u32::MAX;
    let mut format = None;
    let mut offset = 12;
    while let Some(chunk_header) = bytes.get(offset..offset + 8) {
        let id = &chunk_header[0..4];
        let size = le_u32(&chunk_header[4..8]);
        let start = offset + 8;
        let remaining = bytes.len() - start;
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        if id == b"data" {
            let format = format.ok_or(WavError::MissingFormat)?;
            let len = if size > remaining || (size == 0 && riff_placeholder) {
                remaining
            } else {
                size
            };
            return Ok(decode(format, &bytes[start..start + len]));
        }
        if id == b"fmt " {
            format = Some(parse_format(&bytes[start..start + size.min(remaining)])?);
        }
        // Chunks are padded to an even length.
        offset = start.saturating_add(size).saturating_add(size & 1);
    }
    Err(if format.is_some() {
        WavError::MissingData
    } else {
        WavError::MissingFormat
    })
}

fn parse_format(body: &[u8]) -> Result<Format, WavError> {
    if body.len() < 16 {
        return Err(WavError::BadFormat("shorter than 16 bytes"));
    }
    let mut format_tag = le_u16(&body[0..2]);
    let channels = le_u16(&body[2..4]);
    let sample_rate = le_u32(&body[4..8]);
    let bits_per_sample = le_u16(&body[14..16]);
    if format_tag == FORMAT_EXTENSIBLE {
        // cbSize(2) validBits(2) channelMask(4), then the sub-format GUID whose first 2 bytes are the tag.
        let sub = body.get(24..26).ok_or(WavError::BadFormat(
            "extensible format without a sub-format",
        ))?;
        format_tag = le_u16(sub);
    }
    if channels == 0 {
        return Err(WavError::BadFormat("zero channels"));
    }
    if sample_rate == 0 {
        return Err(WavError::BadFormat("zero sample rate"));
    }
    let encoding = match (format_tag, bits_per_sample) {
        (FORMAT_PCM, 16) => Encoding::Pcm16,
        (FORMAT_PCM, 8) => Encoding::Pcm8,
        (FORMAT_ALAW, 8) => Encoding::Alaw,
        (FORMAT_ULAW, 8) => Encoding::Ulaw,
        (format_tag, bits_per_sample) => {
            return Err(WavError::Unsupported {
                format_tag,
                bits_per_sample,
            })
        }
    };
    Ok(Format {
        encoding,
        channels,
        sample_rate,
    })
}

fn decode(format: Format, data: &[u8]) -> Wav {
    let bytes_per_sample = match format.encoding {
        Encoding::Pcm16 => 2,
        Encoding::Pcm8 | Encoding::Alaw | Encoding::Ulaw => 1,
    };
    let channels = usize::from(format.channels);
    let frame_len = bytes_per_sample * channels;
    let sample = |b: &[u8]| -> i32 {
        match format.encoding {
            Encoding::Pcm16 => i32::from(i16::from_le_bytes([b[0], b[1]])),
            Encoding::Pcm8 => (i32::from(b[0]) - 128) << 8,
            Encoding::Alaw => i32::from(alaw_decode(b[0])),
            Encoding::Ulaw => i32::from(ulaw_decode(b[0])),
        }
    };
    let samples = data
        .chunks_exact(frame_len)
        .map(|frame| {
            let sum: i64 = frame
                .chunks_exact(bytes_per_sample)
                .map(|b| i64::from(sample(b)))
                .sum();
            // The mean of i16 values is an i16.
            (sum / channels as i64) as i16
        })
        .collect();
    Wav {
        sample_rate: format.sample_rate,
        channels: format.channels,
        samples,
    }
}

fn le_u16(b: &[u8]) -> u16 {
    u16::from_le_bytes([b[0], b[1]])
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

#[cfg(test)]
mod tests;
