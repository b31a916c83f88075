//! L2-regularised linear SVM with squared hinge loss, trained by dual coordinate descent
//! (Hsieh, Chang, Lin, Keerthi, Sathiya 2008 — the algorithm behind LIBLINEAR's default).
//!
//! Minimises ½‖w‖² + Σᵢ Cᵢ·max(0, 1 − yᵢ w·xᵢ)² (or the plain hinge, optionally). Deterministic: the visiting order of each
//! epoch comes from a seeded splitmix64 shuffle.

use crate::eval::SplitMix64;

/// A sparse vector: `(index, value)` pairs with distinct indices.
pub type Sparse = Vec<(u32, f32)>;

/// Solver settings.
#[derive(Debug, Clone, Copy)]
pub struct SolverParams {
    /// Maximum number of passes over the data.
    pub max_epochs: usize,
    /// Stop when the projected-gradient spread falls below this (LIBLINEAR uses 0.1).
    pub tol: f64,
    /// Seed of the visiting order.
    pub seed: u64,
    /// Plain hinge loss (L1-loss SVM, box constraint `αᵢ ≤ Cᵢ`) instead of squared hinge.
    pub hinge: bool,
}

/// Trains weights of dimension `dims` on `xs` with labels `ys` (true = positive) and per-example
/// costs `cs`. Returns the weight vector.
pub fn train(xs: &[Sparse], ys: &[bool], cs: &[f64], dims: usize, p: &SolverParams) -> Vec<f64> {
    let n = xs.len();
    let mut w = vec![0.0f64; dims];
    let mut alpha = vec![0.0f64; n];
    let y: Vec<f64> = ys.iter().map(|&b| if b { 1.0 } else { -1.0 }).collect();
    let diag: Vec<f64> = if p.hinge {
        vec![0.0; n]
    } else {
        cs.iter().map(|&c| 0.5 / c.max(1e-12)).collect()
    };
    let upper: Vec<f64> = if p.hinge {
        cs.to_vec()
    } else {
        vec![f64::INFINITY; n]
    };
    let qd: Vec<f64> = xs
        .iter()
        .zip(&diag)
        .map(|(x, d)| {
            x.iter()
                .map(|&(_, v)| f64::from(v) * f64::from(v))
                .sum::<f64>()
                + d
        })
        .collect();
    let mut order: Vec<usize> = (0..n).collect();
    let mut rng = SplitMix64::new(p.seed);
    for _ in 0..p.max_epochs {
        rng.shuffle(&mut order);
        let (mut pg_max, mut pg_min) = (f64::NEG_INFINITY, f64::INFINITY);
        for &i in &order {
            let x = &xs[i];
            let wx: f64 = x.iter().map(|&(j, v)| w[j as usize] * f64::from(v)).sum();
            let g = y[i] * wx - 1.0 + diag[i] * alpha[i];
            let pg = if alpha[i] == 0.0 {
                g.min(0.0)
            } else if alpha[i] >= upper[i] {
                g.max(0.0)
            } else {
                g
            };
            pg_max = pg_max.max(pg);
            pg_min = pg_min.min(pg);
            if pg.abs() > 1e-12 {
                let old = alpha[i];
                alpha[i] = (old - g / qd[i]).clamp(0.0, upper[i]);
                let step = (alpha[i] - old) * y[i];
                for &(j, v) in x {
                    w[j as usize] += step * f64::from(v);
                }
            }
        }
        if pg_max - pg_min <= p.tol {
            break;
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separates_a_toy_problem() {
        let xs: Vec<Sparse> = vec![vec![(0, 1.0), (2, 1.0)], vec![(1, 1.0), (2, 1.0)]];
        let ys = [true, false];
        for hinge in [false, true] {
            let p = SolverParams {
                max_epochs: 100,
                tol: 1e-6,
                seed: 1,
                hinge,
            };
            let w = train(&xs, &ys, &[1.0, 1.0], 3, &p);
            assert!(w[0] + w[2] > 0.0 && w[1] + w[2] < 0.0);
        }
    }
}
