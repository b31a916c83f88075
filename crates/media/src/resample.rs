//! Sample-rate conversion to 8 kHz (or any rate) with an anti-aliasing
//! low-pass: a Blackman-windowed sinc, evaluated as a polyphase table.
//!
//! Hand-written rather than `rubato`: our input is a whole prompt in
//! memory (espeak-ng's 22,050 Hz, or a `<Play>` file), converted once and
//! cached, while rubato is built for streaming fixed-size chunks of f32/f64
//! channels (with its own buffer bookkeeping and, by default, an FFT stack).
//! One exact rational-ratio FIR is ~100 lines and easy to test.
//!
//! Filter: cutoff at 45 % of the lower of the two rates (3.6 kHz for
//! 8 kHz output), 16 sinc zero crossings each side, Blackman window (about
//! 74 dB stop-band). Measured 22,050 → 8,000 Hz: flat to 3 kHz, −1.6 dB at
//! 3.4 kHz, −6 dB at 3.6 kHz, below −69 dB from 4.2 kHz (−93 dB at 6 kHz).
//! Every phase is normalised to unity DC gain. Samples
//! beyond the input are taken as zero. Rates are bounded ([`MAX_RATE`]) and
//! so is the table, because a `<Play>` file's header is untrusted input.

use thiserror::Error;

/// The rate of G.711 telephony.
pub const TARGET_RATE: u32 = 8_000;
/// The highest rate accepted, in or out (a bound on filter length and work).
pub const MAX_RATE: u32 = 384_000;

const ZERO_CROSSINGS: f64 = 16.0;
const ROLLOFF: f64 = 0.9;
/// At most this many filter phases. A ratio needing more (e.g. 7,999 Hz →
/// 8 kHz) uses the nearest of these, a timing error below 1/2048 of an
/// input sample, far under anything audible on a phone line.
const MAX_PHASES: u32 = 1_024;

/// A rate outside `1..=MAX_RATE`.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unsupported sample rate {0} Hz (1 to 384000)")]
pub struct UnsupportedRate(pub u32);

/// Converts `samples` at `from_rate` Hz to 8 kHz.
pub fn to_8k(samples: &[i16], from_rate: u32) -> Result<Vec<i16>, UnsupportedRate> {
    resample(samples, from_rate, TARGET_RATE)
}

/// Converts `samples` from `from_rate` to `to_rate` Hz. The output has
/// `ceil(len × to / from)` samples.
pub fn resample(
    samples: &[i16],
    from_rate: u32,
    to_rate: u32,
) -> Result<Vec<i16>, UnsupportedRate> {
    for rate in [from_rate, to_rate] {
        if rate == 0 || rate > MAX_RATE {
            return Err(UnsupportedRate(rate));
        }
    }
    if from_rate == to_rate || samples.is_empty() {
        return Ok(samples.to_vec());
    }
    let divisor = gcd(from_rate, to_rate);
    let filter = Filter::new(to_rate / divisor, from_rate / divisor);
    let up = u64::from(filter.up);
    let down = u64::from(filter.down);
    let phases = u64::from(filter.phases);
    // len ≤ usize::MAX and up ≤ 384,000: u128 cannot overflow.
    let out_len = (samples.len() as u128 * u128::from(up)).div_ceil(u128::from(down));
    let out_len = u64::try_from(out_len).unwrap_or(u64::MAX);
    let mut out = Vec::with_capacity(usize::try_from(out_len).unwrap_or(0));
    for n in 0..out_len {
        // Output n sits at input position n × down / up = index + frac.
        let position = u128::from(n) * u128::from(down);
        let mut index = (position / u128::from(up)) as usize; // ≤ samples.len()
        let remainder = (position % u128::from(up)) as u64;
        // The nearest phase (exact when up ≤ MAX_PHASES, as phases = up then).
        let mut phase = (remainder * phases + up / 2) / up;
        if phase == phases {
            phase = 0;
            index += 1;
        }
        let taps = filter.phase(phase as usize);
        let first = index as isize - filter.half as isize + 1;
        let mut acc = 0f32;
        for (j, &tap) in taps.iter().enumerate() {
            let k = first + j as isize;
            if let Some(&x) = usize::try_from(k).ok().and_then(|k| samples.get(k)) {
                acc += tap * f32::from(x);
            }
        }
        out.push(acc.round().clamp(f32::from(i16::MIN), f32::from(i16::MAX)) as i16);
    }
    Ok(out)
}

/// The polyphase filter for the ratio `up / down` (in lowest terms).
struct Filter {
    up: u32,
    down: u32,
    /// Phases in the table: `up`, or [`MAX_PHASES`] if `up` is larger.
    phases: u32,
    /// Taps each side of the centre (`2 × half` per phase).
    half: usize,
    /// `phases` rows of `2 × half` taps.
    table: Vec<f32>,
}

impl Filter {
    fn new(up: u32, down: u32) -> Filter {
        let scale = (f64::from(up) / f64::from(down)).min(1.0);
        let cutoff = 0.5 * scale * ROLLOFF; // cycles per input sample
        let width = ZERO_CROSSINGS / (2.0 * cutoff); // half-width in input samples
        let half = width.ceil() as usize; // ≤ 16 / (0.9 × 8000 / 384000) + 1 ≈ 855
        let phases = up.min(MAX_PHASES);
        let mut table = Vec::with_capacity(phases as usize * 2 * half);
        for phase in 0..phases {
            // Row for output position index + frac: tap j weighs input
            // index - half + 1 + j, at distance d = frac + half - 1 - j.
            let frac = f64::from(phase) / f64::from(phases);
            let row: Vec<f64> = (0..2 * half)
                .map(|j| {
                    let d = frac + half as f64 - 1.0 - j as f64;
                    if d.abs() >= width {
                        0.0
                    } else {
                        sinc(2.0 * cutoff * d) * blackman(d / width)
                    }
                })
                .collect();
            let sum: f64 = row.iter().sum();
            let norm = if sum.abs() > f64::EPSILON { sum } else { 1.0 };
            table.extend(row.iter().map(|h| (h / norm) as f32));
        }
        Filter {
            up,
            down,
            phases,
            half,
            table,
        }
    }

    fn phase(&self, phase: usize) -> &[f32] {
        let len = 2 * self.half;
        self.table
            .get(phase * len..(phase + 1) * len)
            .unwrap_or_default()
    }
}

fn sinc(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        1.0
    } else {
        let px = std::f64::consts::PI * x;
        px.sin() / px
    }
}

/// Blackman window on x ∈ [-1, 1].
fn blackman(x: f64) -> f64 {
    let px = std::f64::consts::PI * x;
    0.42 + 0.5 * px.cos() + 0.08 * (2.0 * px).cos()
}

fn gcd(mut a: u32, mut b: u32) -> u32 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

#[cfg(test)]
mod tests;
