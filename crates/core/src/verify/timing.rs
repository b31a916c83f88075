//! Timing test: checking a right and a wrong code must take the same time, so response
//! times leak nothing about how close a guess was. A check computes the keyed hash of the
//! guess (the same work for any guess) and compares it with the stored hash; only that
//! comparison touches the secret. Both are measured for many interleaved batches (the
//! class of each batch drawn at random, so drift and periodic noise hit both alike) and
//! the medians compared. The same harness must see the leak of a naive early-exit
//! comparison on the same 32-byte hashes, so it is shown to be able to fail.

use super::Verify;
use crate::crypto::{ct_eq, MasterKey};
use std::hint::black_box;
use std::time::Instant;
use switchboard_domain::ids::VerificationSid;

const BATCH: usize = 50;

/// Median nanoseconds per call of `f(class)` for class `true` and `false`, from `n`
/// batches each, in random order.
fn medians(n: usize, mut f: impl FnMut(bool) -> bool) -> (f64, f64) {
    let (mut a, mut b) = (Vec::with_capacity(n), Vec::with_capacity(n));
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    while a.len() < n || b.len() < n {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let class = seed & 1 == 0;
        if (class && a.len() >= n) || (!class && b.len() >= n) {
            continue;
        }
        let t = Instant::now();
        for _ in 0..BATCH {
            black_box(f(black_box(class)));
        }
        let per_call = t.elapsed().as_nanos() as f64 / BATCH as f64;
        if class {
            a.push(per_call)
        } else {
            b.push(per_call)
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    (median(a), median(b))
}

fn relative_gap((a, b): (f64, f64)) -> f64 {
    (a - b).abs() / a.min(b)
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
    let wrong = Verify::keyed_hash(&key, &sid, "000000");
    let mut wrong_last = stored.clone();
    if let Some(b) = wrong_last.last_mut() {
        *b ^= 1;
    }

    // the harness sees a naive comparison stop at the first differing byte
    let naive = medians(2_000, |right| {
        naive_eq(&stored, if right { &stored } else { &wrong })
    });
    println!("naive compare, equal vs wrong: {naive:?} ns");
    assert!(
        relative_gap(naive) > 0.3,
        "the harness failed to see an early-exit comparison: {naive:?}"
    );

    // the constant-time comparison takes the same time for a right hash, a hash that
    // differs in its first byte (a typical wrong code) and one that differs in its last
    for other in [&wrong, &wrong_last] {
        let ct = medians(2_000, |right| {
            ct_eq(&stored, if right { &stored } else { other })
        });
        println!("constant-time compare: {ct:?} ns");
        assert!(relative_gap(ct) < 0.1, "the comparison leaks: {ct:?}");
    }

    // and the whole check (keyed hash of the guess + comparison)
    let check = medians(400, |right| {
        let guess = if right { "482913" } else { "000000" };
        ct_eq(&Verify::keyed_hash(&key, &sid, guess), &stored)
    });
    println!("whole check: {check:?} ns");
    assert!(
        relative_gap(check) < 0.1,
        "right and wrong codes differ in time: {check:?}"
    );
}
