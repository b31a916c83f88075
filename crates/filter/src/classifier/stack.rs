//! Stacking: a small logistic regression over the out-of-fold margins of several linear
//! heads, fitted by Newton's method. Because every head is linear in the same feature vector,
//! the stacked model collapses back into one weight vector (no cost at scoring time).

/// Fits `s` (one weight per column of `rows`, then an intercept) maximising the L2-penalised
/// log-likelihood of `labels` under p = σ(s·row + s₀). `l2` penalises the head weights only.
/// Returns all-zero head weights and a zero intercept if the data are degenerate.
pub fn fit(rows: &[Vec<f64>], labels: &[bool], l2: f64) -> Vec<f64> {
    let k = rows.first().map_or(0, Vec::len);
    let d = k + 1;
    let mut s = vec![0.0f64; d];
    if rows.is_empty() || labels.iter().all(|&l| l) || labels.iter().all(|&l| !l) {
        return s;
    }
    for _ in 0..50 {
        let mut g = vec![0.0f64; d];
        let mut h = vec![vec![0.0f64; d]; d];
        for (row, &y) in rows.iter().zip(labels) {
            let z = s[k] + row.iter().zip(&s).map(|(x, w)| x * w).sum::<f64>();
            let p = 1.0 / (1.0 + (-z).exp());
            let r = p - if y { 1.0 } else { 0.0 };
            let wgt = (p * (1.0 - p)).max(1e-12);
            for a in 0..d {
                let xa = if a == k { 1.0 } else { row[a] };
                g[a] += r * xa;
                for b in 0..d {
                    let xb = if b == k { 1.0 } else { row[b] };
                    h[a][b] += wgt * xa * xb;
                }
            }
        }
        for a in 0..k {
            g[a] += l2 * s[a];
            h[a][a] += l2;
        }
        h[k][k] += 1e-9;
        let Some(step) = solve(h, g) else { break };
        let mut biggest = 0.0f64;
        for (w, st) in s.iter_mut().zip(&step) {
            *w -= st;
            biggest = biggest.max(st.abs());
        }
        if biggest < 1e-10 {
            break;
        }
    }
    s
}

/// Solves `a·x = b` by Gaussian elimination with partial pivoting (tiny dense systems).
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let piv = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[piv][col].abs() < 1e-15 {
            return None;
        }
        a.swap(col, piv);
        b.swap(col, piv);
        let (top, rest) = a.split_at_mut(col + 1);
        let pivot_row = &top[col];
        for (k, r) in rest.iter_mut().enumerate() {
            let f = r[col] / pivot_row[col];
            for (x, p) in r[col..].iter_mut().zip(&pivot_row[col..]) {
                *x -= f * p;
            }
            b[col + 1 + k] -= f * b[col];
        }
    }
    let mut x = vec![0.0f64; n];
    for row in (0..n).rev() {
        let rest: f64 = (row + 1..n).map(|c| a[row][c] * x[c]).sum();
        x[row] = (b[row] - rest) / a[row][row];
    }
    Some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefers_the_informative_column() {
        let rows: Vec<Vec<f64>> = (0..40)
            .map(|i| {
                let y = i % 2 == 0;
                let informative = if y { 1.0 } else { -1.0 } + (i % 5) as f64 * 0.1;
                vec![informative, ((i * 7) % 11) as f64 / 11.0 - 0.5]
            })
            .collect();
        let labels: Vec<bool> = (0..40).map(|i| i % 2 == 0).collect();
        let s = fit(&rows, &labels, 0.1);
        assert!(s[0] > 1.0 && s[0].abs() > 5.0 * s[1].abs(), "{s:?}");
    }
}
