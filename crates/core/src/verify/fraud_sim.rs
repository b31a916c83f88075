//! A pumping simulation for the fraud guard: two hours of ordinary sign-up traffic (people
//! who mostly enter the code they get) with an SMS-pumping burst to sequential numbers of
//! one prefix (nobody ever enters a code), in `enforce` mode.

use super::fraud::{FraudPolicy, Windows};
use switchboard_domain::clock::Millis;

/// xorshift64*: a deterministic generator for the simulation.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

enum Event {
    /// A start: `(number, pumping?, approve after ms)`.
    Start(String, bool, Option<Millis>),
    Approve(String),
}

/// Ordinary users: numbers from 40 mobile ranges of several countries; 85% enter the code
/// 10–90 s later; 5% ask again for the same number a minute later.
fn normal_traffic(rng: &mut Rng, events: &mut Vec<(Millis, Event)>, n: usize, span_ms: Millis) {
    let ranges: Vec<String> = (0..40)
        .map(|i| match i % 4 {
            0 => format!("+1{}{}", 201 + rng.below(700), 200 + rng.below(700)),
            1 => format!("+447{}", 400 + rng.below(500)),
            2 => format!("+393{}", 20 + rng.below(70)),
            _ => format!("+491{}", 50 + rng.below(80)),
        })
        .collect();
    for _ in 0..n {
        let at = i64::try_from(rng.below(u64::try_from(span_ms).unwrap_or(1))).unwrap_or(0);
        let range = &ranges[usize::try_from(rng.below(40)).unwrap_or(0)];
        let rest = 12usize.saturating_sub(range.len() - 1);
        let number = format!(
            "{range}{:0rest$}",
            rng.below(10u64.pow(u32::try_from(rest).unwrap_or(6)))
        );
        let approve =
            (rng.below(100) < 85).then(|| i64::try_from(10_000 + rng.below(80_000)).unwrap_or(0));
        if rng.below(100) < 5 {
            events.push((at + 60_000, Event::Start(number.clone(), false, None)));
        }
        events.push((at, Event::Start(number, false, approve)));
    }
}

/// A pumping burst: `n` sequential numbers from `first`, one every `every_ms` from `at`.
fn pumping_burst(
    events: &mut Vec<(Millis, Event)>,
    first: u64,
    n: u64,
    at: Millis,
    every_ms: Millis,
) {
    for i in 0..n {
        let t = at + i64::try_from(i).unwrap_or(0) * every_ms;
        events.push((t, Event::Start(format!("+{}", first + i), true, None)));
    }
}

/// Runs the events through the guard; returns (normal blocked, normal, pumping blocked, pumping).
fn run(mut events: Vec<(Millis, Event)>) -> (usize, usize, usize, usize) {
    let policy = FraudPolicy::default();
    let guard = Windows::default();
    let mut i = 0;
    let mut counts = (0, 0, 0, 0);
    events.sort_by_key(|e| e.0);
    while i < events.len() {
        let (at, ev) = (
            events[i].0,
            std::mem::replace(&mut events[i].1, Event::Approve(String::new())),
        );
        i += 1;
        match ev {
            Event::Start(number, pumping, approve) => {
                let blocked = guard
                    .assess(&policy, "VA1", &number, 1_000_000 + at)
                    .is_some();
                if pumping {
                    counts.2 += usize::from(blocked);
                    counts.3 += 1;
                } else {
                    counts.0 += usize::from(blocked);
                    counts.1 += 1;
                }
                if let (false, Some(after)) = (blocked, approve) {
                    let pos = events.partition_point(|e| e.0 <= at + after);
                    events.insert(pos, (at + after, Event::Approve(number)));
                }
            }
            Event::Approve(number) if !number.is_empty() => guard.approved(&policy, "VA1", &number),
            Event::Approve(_) => {}
        }
    }
    counts
}

#[test]
fn enforce_blocks_a_sequential_pumping_burst_and_almost_no_sign_ups() {
    for seed in [1u64, 2, 3] {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed);
        let mut events = Vec::new();
        normal_traffic(&mut rng, &mut events, 3000, 2 * 3600 * 1000);
        pumping_burst(&mut events, 447_700_900_100, 400, 3600 * 1000, 1500);
        let (nb, n, pb, p) = run(events);
        let pumped = pb as f64 / p as f64;
        let normal = nb as f64 / n as f64;
        println!("seed {seed}: pumping blocked {pb}/{p} ({pumped:.3}), normal blocked {nb}/{n} ({normal:.4})");
        assert!(
            pumped >= 0.95,
            "seed {seed}: only {pb} of {p} pumping starts blocked"
        );
        assert!(
            normal <= 0.01,
            "seed {seed}: {nb} of {n} normal starts blocked"
        );
    }
}

#[test]
fn low_conversion_blocks_a_random_burst_inside_one_prefix() {
    let mut rng = Rng(7);
    let mut events = Vec::new();
    normal_traffic(&mut rng, &mut events, 3000, 2 * 3600 * 1000);
    // random (not sequential) numbers of one 8-digit prefix, every 6 s for 30 minutes
    for i in 0..300i64 {
        let n = 44_770_091_000 + rng.below(999);
        events.push((
            1800 * 1000 + i * 6000,
            Event::Start(format!("+{n}"), true, None),
        ));
    }
    let (nb, n, pb, p) = run(events);
    println!("random burst: pumping blocked {pb}/{p}, normal blocked {nb}/{n}");
    assert!(pb * 10 >= p * 8, "only {pb} of {p} blocked");
    assert!(nb * 100 <= n, "{nb} of {n} normal starts blocked");
}
