//! Fair choices shared by the backends: claims between accounts, senders in a pool.

/// Interleaves the accounts' lanes (each its oldest due entries) round robin
/// up to `limit`; if that leaves room, tops up with the oldest entries overall
/// (`more(n)` returns up to `n` of them, oldest first), skipping those taken.
pub(crate) fn fair_merge<E>(
    lanes: &[Vec<i64>],
    limit: usize,
    more: impl FnOnce(usize) -> Result<Vec<i64>, E>,
) -> Result<Vec<i64>, E> {
    let mut chosen = Vec::with_capacity(limit);
    let longest = lanes.iter().map(Vec::len).max().unwrap_or(0);
    'outer: for i in 0..longest {
        for lane in lanes {
            if chosen.len() >= limit {
                break 'outer;
            }
            if let Some(seq) = lane.get(i) {
                chosen.push(*seq);
            }
        }
    }
    if chosen.len() < limit {
        let taken: std::collections::HashSet<i64> = chosen.iter().copied().collect();
        for seq in more(limit + chosen.len())? {
            if chosen.len() >= limit {
                break;
            }
            if !taken.contains(&seq) {
                chosen.push(seq);
            }
        }
    }
    Ok(chosen)
}

/// Deterministic choice from a pool: the same recipient maps to the same slot.
pub(crate) fn slot(recipient: &str, len: usize) -> usize {
    let h = recipient.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    usize::try_from(h % (len.max(1) as u64)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::fair_merge;

    #[test]
    fn round_robin_then_oldest() {
        let lanes = vec![vec![1, 2, 3, 4], vec![10]];
        let got = fair_merge::<()>(&lanes, 3, |_| Ok(vec![1, 2, 3, 4, 5])).unwrap();
        assert_eq!(got, vec![1, 10, 2]);
        let got = fair_merge::<()>(&lanes, 6, |_| Ok(vec![1, 2, 3, 4, 5, 6])).unwrap();
        assert_eq!(got, vec![1, 10, 2, 3, 4, 5]);
    }
}
