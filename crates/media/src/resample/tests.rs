use super::*;

fn tone(freq: f64, rate: u32, seconds: f64, amplitude: f64) -> Vec<i16> {
    let n = (f64::from(rate) * seconds) as usize;
    (0..n)
        .map(|i| {
            (amplitude * (2.0 * std::f64::consts::PI * freq * i as f64 / f64::from(rate)).sin())
                as i16
        })
        .collect()
}

/// Zero crossings, ignoring the filter's start-up and tail.
fn crossings(samples: &[i16]) -> usize {
    let body = &samples[100..samples.len() - 100];
    body.windows(2).filter(|w| (w[0] < 0) != (w[1] < 0)).count()
}

fn rms(samples: &[i16]) -> f64 {
    let body = &samples[100..samples.len() - 100];
    (body.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / body.len() as f64).sqrt()
}

#[test]
fn one_khz_at_22050_stays_one_khz() {
    let input = tone(1_000.0, 22_050, 1.0, 10_000.0);
    let output = to_8k(&input, 22_050).unwrap();
    assert_eq!(output.len(), 8_000);
    // 1 kHz over (8000 - 200) samples at 8 kHz: 2 crossings per cycle, 1950 in all.
    let expected = 2.0 * 1_000.0 * (output.len() - 200) as f64 / 8_000.0;
    let got = crossings(&output) as f64;
    assert!(
        (got - expected).abs() <= 2.0,
        "{got} crossings, expected {expected}"
    );
    // And its level is kept (passband gain ≈ 1).
    let gain = rms(&output) / rms(&input);
    assert!((gain - 1.0).abs() < 0.02, "passband gain {gain}");
}

#[test]
fn six_khz_is_strongly_attenuated() {
    // 6 kHz is above the 4 kHz Nyquist of the output; unfiltered it would alias to 2 kHz.
    let input = tone(6_000.0, 22_050, 1.0, 10_000.0);
    let output = to_8k(&input, 22_050).unwrap();
    let gain = rms(&output) / rms(&input);
    assert!(gain < 0.001, "6 kHz leaks through at {gain} (> -60 dB)");
}

#[test]
fn common_rates() {
    for rate in [11_025, 16_000, 44_100, 48_000] {
        let output = to_8k(&tone(1_000.0, rate, 0.5, 8_000.0), rate).unwrap();
        assert_eq!(output.len(), 4_000, "{rate} Hz");
        let got = crossings(&output) as f64;
        assert!((got - 950.0).abs() <= 2.0, "{rate} Hz: {got} crossings");
    }
}

#[test]
fn upsampling_keeps_the_tone() {
    let output = resample(&tone(500.0, 4_000, 1.0, 8_000.0), 4_000, 8_000).unwrap();
    assert_eq!(output.len(), 8_000);
    let got = crossings(&output) as f64;
    assert!((got - 975.0).abs() <= 2.0, "{got} crossings");
}

#[test]
fn dc_is_preserved() {
    let output = to_8k(&vec![1_000; 22_050], 22_050).unwrap();
    assert!(output[100..7_900].iter().all(|&s| (s - 1_000).abs() <= 1));
}

#[test]
fn full_scale_clamps_without_overflow() {
    let square: Vec<i16> = (0..4_410)
        .map(|i| {
            if (i / 20) % 2 == 0 {
                i16::MAX
            } else {
                i16::MIN
            }
        })
        .collect();
    let output = to_8k(&square, 22_050).unwrap();
    assert_eq!(output.len(), 1_600);
}

#[test]
fn identity_empty_and_zero_rates() {
    assert_eq!(to_8k(&[1, 2, 3], 8_000).unwrap(), [1, 2, 3]);
    assert!(to_8k(&[], 22_050).unwrap().is_empty());
    assert_eq!(resample(&[1, 2], 0, 8_000), Err(UnsupportedRate(0)));
    assert_eq!(resample(&[1, 2], 8_000, 0), Err(UnsupportedRate(0)));
    assert_eq!(to_8k(&[1], 384_001), Err(UnsupportedRate(384_001)));
    assert_eq!(to_8k(&[5], 22_050).unwrap().len(), 1);
}

#[test]
fn ratio_with_more_phases_than_the_table() {
    // 96,001 Hz is coprime with 8 kHz: 8,000 phases, so the nearest of 1,024 is used.
    let output = to_8k(&tone(1_000.0, 96_001, 0.1, 8_000.0), 96_001).unwrap();
    assert_eq!(output.len(), 800);
    let got = crossings(&output) as f64;
    assert!((got - 150.0).abs() <= 2.0, "{got} crossings");
}

#[test]
fn espeak_prompt_to_8k() {
    let wav = crate::wav::parse(include_bytes!("../../tests/data/espeak-one-stdout.wav")).unwrap();
    let output = wav.to_8k().unwrap();
    assert_eq!(output.len(), (wav.samples.len() * 160).div_ceil(441));
}

#[test]
fn highest_rate_is_bounded_work() {
    let output = to_8k(&tone(1_000.0, MAX_RATE, 0.05, 8_000.0), MAX_RATE).unwrap();
    assert_eq!(output.len(), 400);
    let output = to_8k(&[1_000; 1_000], MAX_RATE - 1).unwrap();
    assert_eq!(output.len(), 21);
}
