//! Decision threshold and Platt-style probability scale, fitted on out-of-fold margins.

/// The logistic function.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

/// The threshold on `margins` that maximises F1 for `labels` (midpoint between neighbouring
/// margins); 0 if there is nothing to choose from.
pub fn best_f1_threshold(margins: &[f32], labels: &[bool]) -> f32 {
    let mut pairs: Vec<(f32, bool)> = margins
        .iter()
        .copied()
        .zip(labels.iter().copied())
        .collect();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let positives = labels.iter().filter(|&&l| l).count() as f64;
    if positives == 0.0 || pairs.len() < 2 {
        return 0.0;
    }
    // Predict positive for the first `i + 1` pairs (the highest margins).
    let (mut tp, mut fp) = (0.0f64, 0.0f64);
    let (mut best, mut best_f1) = (0.0f32, -1.0f64);
    for i in 0..pairs.len() - 1 {
        if pairs[i].1 {
            tp += 1.0;
        } else {
            fp += 1.0;
        }
        if pairs[i].0 == pairs[i + 1].0 {
            continue;
        }
        let f1 = 2.0 * tp / (tp + fp + positives);
        if f1 > best_f1 {
            best_f1 = f1;
            best = 0.5 * (pairs[i].0 + pairs[i + 1].0);
        }
    }
    best
}

/// Fits `a > 0` in p = σ(a·(m − threshold)) by Newton's method on the log-loss, with Platt's
/// smoothed targets. Returns 1 if the data are degenerate.
pub fn platt_scale(margins: &[f32], labels: &[bool], threshold: f32) -> f32 {
    let pos = labels.iter().filter(|&&l| l).count() as f64;
    let neg = labels.len() as f64 - pos;
    if pos == 0.0 || neg == 0.0 {
        return 1.0;
    }
    let (t_pos, t_neg) = ((pos + 1.0) / (pos + 2.0), 1.0 / (neg + 2.0));
    let xs: Vec<f64> = margins.iter().map(|&m| f64::from(m - threshold)).collect();
    let mut a = 1.0f64;
    for _ in 0..100 {
        let (mut g, mut h) = (0.0, 0.0);
        for (x, &l) in xs.iter().zip(labels) {
            let p = 1.0 / (1.0 + (-a * x).exp());
            let t = if l { t_pos } else { t_neg };
            g += (p - t) * x;
            h += p * (1.0 - p) * x * x;
        }
        if h <= 1e-12 {
            break;
        }
        let step = g / h;
        a = (a - step).clamp(0.01, 100.0);
        if step.abs() < 1e-9 {
            break;
        }
    }
    a as f32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_separates() {
        let t = best_f1_threshold(&[-2.0, -1.0, 0.5, 1.5], &[false, false, true, true]);
        assert!((-1.0..0.5).contains(&t));
        let a = platt_scale(
            &[-2.0, -1.0, 0.5, 1.5, 0.1],
            &[false, false, true, true, false],
            t,
        );
        assert!(a > 0.0);
    }
}
