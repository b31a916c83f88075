//! Latency percentiles over recorded per-request samples (microseconds).

/// Summary of one level's latencies, all in microseconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatencySummary {
    pub count: usize,
    pub mean: f64,
    pub p50: u64,
    pub p90: u64,
    pub p99: u64,
    pub max: u64,
}

/// Nearest-rank percentile of an ascending slice (`p` in 0..=100).
pub fn percentile(sorted: &[u64], p: f64) -> Option<u64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let rank = (p.clamp(0.0, 100.0) / 100.0 * n as f64).ceil() as usize;
    sorted.get(rank.clamp(1, n) - 1).copied()
}

/// Sorts the samples and summarises them; `None` when there are none.
pub fn summarize(mut samples: Vec<u64>) -> Option<LatencySummary> {
    samples.sort_unstable();
    let max = *samples.last()?;
    let sum: u128 = samples.iter().map(|&v| u128::from(v)).sum();
    Some(LatencySummary {
        count: samples.len(),
        mean: sum as f64 / samples.len() as f64,
        p50: percentile(&samples, 50.0)?,
        p90: percentile(&samples, 90.0)?,
        p99: percentile(&samples, 99.0)?,
        max,
    })
}

/// Microseconds → milliseconds for display.
pub fn ms(us: u64) -> f64 {
    us as f64 / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 90.0), Some(90));
        assert_eq!(percentile(&v, 99.0), Some(99));
        assert_eq!(percentile(&v, 100.0), Some(100));
        assert_eq!(percentile(&v, 0.0), Some(1));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7], 99.0), Some(7));
        // 10 samples: p99 is the largest, p50 the 5th.
        let v: Vec<u64> = (1..=10).map(|x| x * 10).collect();
        assert_eq!(percentile(&v, 50.0), Some(50));
        assert_eq!(percentile(&v, 99.0), Some(100));
    }

    #[test]
    fn summarize_sorts_and_averages() {
        let s = summarize(vec![5, 1, 4, 2, 3]).unwrap();
        assert_eq!(s.count, 5);
        assert_eq!(s.p50, 3);
        assert_eq!(s.max, 5);
        assert_eq!(s.mean, 3.0);
        assert!(summarize(Vec::new()).is_none());
    }

    #[test]
    fn converts_to_ms() {
        assert_eq!(ms(1500), 1.5);
    }
}
