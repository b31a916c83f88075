//! Statistical timing test (in the style of dudect): checking a right and a wrong code must
//! take the same time, so response times leak nothing about how close a guess was. Samples
//! of the two classes are interleaved (drift hits both alike), the slowest 5% are cropped,
//! and Welch's t statistic must stay below 4.5, the usual "no leak detected" bound. A naive
//! early-exit comparison is measured the same way and must be detected, so the harness is
//! shown to be able to fail.

use super::Verify;
use crate::crypto::{ct_eq, MasterKey};
use std::hint::black_box;
use std::time::Instant;
use switchboard_domain::ids::VerificationSid;

/// Welch's t statistic of two timing samples, after cropping the slowest 5% of each.
fn welch_t(mut a: Vec<f64>, mut b: Vec<f64>) -> f64 {
    for s in [&mut a, &mut b] {
        s.sort_by(f64::total_cmp);
        let keep = s.len() * 95 / 100;
        s.truncate(keep);
    }
    let stats = |s: &[f64]| {
        let n = s.len() as f64;
        let mean = s.iter().sum::<f64>() / n;
        let var = s.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var, n)
    };
    let ((ma, va, na), (mb, vb, nb)) = (stats(&a), stats(&b));
    (ma - mb) / (va / na + vb / nb).sqrt()
}

/// Times `f(true)` and `f(false)` alternately, `n` times each (nanoseconds).
fn sample(n: usize, mut f: impl FnMut(bool) -> bool) -> (Vec<f64>, Vec<f64>) {
    let (mut yes, mut no) = (Vec::with_capacity(n), Vec::with_capacity(n));
    for i in 0..2 * n {
        let right = i % 2 == 0;
        let t = Instant::now();
        black_box(f(black_box(right)));
        let ns = t.elapsed().as_nanos() as f64;
        if right {
            yes.push(ns);
        } else {
            no.push(ns);
        }
    }
    (yes, no)
}

fn naive_eq(a: &[u8], b: &[u8]) -> bool {
    for (x, y) in a.iter().zip(b) {
        if x != y {
            return false;
        }
    }
    a.len() == b.len()
}

#[test]
fn right_and_wrong_codes_take_the_same_time_to_check() {
    let key = MasterKey::generate();
    let sid = VerificationSid::generate();
    let stored = Verify::keyed_hash(&key, &sid, "482913");
    // warm up, then measure the whole check: keyed hash of the guess + comparison
    let check = |right: bool| {
        let guess = if right { "482913" } else { "000000" };
        ct_eq(&Verify::keyed_hash(&key, &sid, guess), &stored)
    };
    let _ = sample(2_000, check);
    let (yes, no) = sample(30_000, check);
    let t = welch_t(yes, no);
    println!("keyed hash + constant-time compare: t = {t:.2}");
    assert!(
        t.abs() < 4.5,
        "right and wrong codes are distinguishable by timing: t = {t:.2}"
    );

    // the same harness sees an early-exit comparison of long secrets
    let secret = vec![7u8; 64 * 1024];
    let mut wrong_first = secret.clone();
    wrong_first[0] = 8;
    let (yes, no) = sample(3_000, |right| {
        naive_eq(&secret, if right { &secret } else { &wrong_first })
    });
    let t_naive = welch_t(yes, no);
    println!("naive early-exit compare: t = {t_naive:.2}");
    assert!(
        t_naive.abs() > 10.0,
        "the harness failed to see a leaky comparison: t = {t_naive:.2}"
    );
}
