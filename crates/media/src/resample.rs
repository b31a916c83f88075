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
//! 74 dB stop-band). Every phase is normalised to unity DC gain. Samples
//! beyond the input are taken as zero.

/// The rate of G.711 telephony.
pub const TARGET_RATE: u32 = 8_000;

const ZERO_CROSSINGS: f64 = 16.0;
const ROLLOFF: f64 = 0.9;
/// Above this many coefficients the table is not built; taps are computed per output sample.
const MAX_TABLE: usize = 1 << 20;

/// Converts `samples` at `from_rate` Hz to 8 kHz.
pub fn to_8k(samples: &[i16], from_rate: u32) -> Vec<i16> {
    resample(samples, from_rate, TARGET_RATE)
}

/// Converts `samples` from `from_rate` to `to_rate` Hz. The output has
/// `ceil(len × to / from)` samples. A zero rate gives no output.
pub fn resample(samples: &[i16], from_rate: u32, to_rate: u32) -> Vec<i16> {
    if from_rate == 0 || to_rate == 0 || samples.is_empty() {
        return Vec::new();
    }
    if from_rate == to_rate {
        return samples.to_vec();
    }
    let divisor = gcd(from_rate, to_rate);
    let filter = Filter::new(to_rate / divisor, from_rate / divisor);
    let up = u128::from(filter.up);
    let down = u128::from(filter.down);
    let out_len = (samples.len() as u128 * up).div_ceil(down);
    let mut out = Vec::with_capacity(usize::try_from(out_len).unwrap_or(0));
    let mut scratch = Vec::new();
    for n in 0..out_len {
        let position = n * down;
        // position / up ≤ samples.len(), so it fits in usize; phase < up ≤ u32::MAX.
        let index = (position / up) as usize;
        let phase = (position % up) as u32;
        let taps = filter.taps(phase, &mut scratch);
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
    out
}

/// The polyphase filter for the ratio `up / down` (in lowest terms).
struct Filter {
    up: u32,
    down: u32,
    /// Taps each side of the centre (`2 × half` per phase).
    half: usize,
    cutoff: f64,
    width: f64,
    /// `up` phases × `2 × half` taps, when small enough.
    table: Option<Vec<f32>>,
}

impl Filter {
    fn new(up: u32, down: u32) -> Filter {
        let scale = (f64::from(up) / f64::from(down)).min(1.0);
        let cutoff = 0.5 * scale * ROLLOFF; // cycles per input sample
        let width = ZERO_CROSSINGS / (2.0 * cutoff); // half-width in input samples
        let half = width.ceil() as usize;
        let mut filter = Filter {
            up,
            down,
            half,
            cutoff,
            width,
            table: None,
        };
        let size = (up as usize).saturating_mul(2 * half);
        if size <= MAX_TABLE {
            let mut table = Vec::with_capacity(size);
            let mut scratch = Vec::new();
            for phase in 0..up {
                filter.compute(phase, &mut scratch);
                table.extend_from_slice(&scratch);
            }
            filter.table = Some(table);
        }
        filter
    }

    /// The taps for one phase, from the table or computed into `scratch`.
    fn taps<'a>(&'a self, phase: u32, scratch: &'a mut Vec<f32>) -> &'a [f32] {
        let len = 2 * self.half;
        let start = phase as usize * len;
        match self.table.as_ref().and_then(|t| t.get(start..start + len)) {
            Some(taps) => taps,
            None => {
                self.compute(phase, scratch);
                scratch
            }
        }
    }

    /// Taps for output position `index + phase / up`: tap `j` weighs input
    /// `index - half + 1 + j`, at distance `d = phase / up + half - 1 - j`.
    fn compute(&self, phase: u32, out: &mut Vec<f32>) {
        out.clear();
        let frac = f64::from(phase) / f64::from(self.up);
        let mut sum = 0.0;
        let mut raw = Vec::with_capacity(2 * self.half);
        for j in 0..2 * self.half {
            let d = frac + self.half as f64 - 1.0 - j as f64;
            let h = if d.abs() >= self.width {
                0.0
            } else {
                sinc(2.0 * self.cutoff * d) * blackman(d / self.width)
            };
            sum += h;
            raw.push(h);
        }
        let norm = if sum.abs() > f64::EPSILON { sum } else { 1.0 };
        out.extend(raw.iter().map(|h| (h / norm) as f32));
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
