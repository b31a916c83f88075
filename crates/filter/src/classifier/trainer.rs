//! Training: feature extraction, IDF, the SVM solve and calibration on inner folds.

use super::calibrate::{best_f1_threshold, platt_scale};
use super::features::{self, Counts, FeatureConfig, DENSE};
use super::stack;
use super::svm::{self, SolverParams, Sparse};
use super::{idf, Knn, Model};
use crate::eval::stratified_folds;

/// Training hyper-parameters.
#[derive(Debug, Clone, Copy)]
pub struct TrainParams {
    /// Feature extraction (stored in the model).
    pub features: FeatureConfig,
    /// SVM cost C.
    pub c: f64,
    /// Class weighting: each class's cost is multiplied by `(n / (2·n_class))^power`;
    /// 1 is scikit-learn's `balanced`, 0 is unweighted.
    pub class_weight_power: f64,
    /// Plain hinge loss instead of squared hinge.
    pub hinge: bool,
    /// Value of the constant bias feature.
    pub bias_scale: f32,
    /// Maximum solver epochs.
    pub max_epochs: usize,
    /// Solver stopping tolerance.
    pub tol: f64,
    /// Seed of the solver's visiting order and of the inner folds.
    pub seed: u64,
    /// NB-SVM strength γ in 0–1 (Wang & Manning 2012): each hashed feature is scaled by
    /// `1 − γ + γ·|r|`, r being its naive-Bayes log-count ratio on the training set (0 = off).
    /// The scale is folded into the stored weights.
    pub nb: f32,
    /// Inner cross-validation folds for calibration (< 2: threshold 0 and a fixed scale).
    pub inner_folds: usize,
    /// Choose the decision threshold maximising F1 on the inner folds (else 0).
    pub tune_threshold: bool,
    /// Ignore buckets seen in fewer than this many training texts (1 keeps all).
    pub min_df: u32,
    /// Fixed decision threshold on the margin when `tune_threshold` is off (default 0).
    pub threshold: f32,
    /// Add a naive-Bayes head: log-count ratios of the buckets (binarised, add-one smoothed)
    /// applied to the same TF-IDF vector, stacked with the SVM (needs `inner_folds ≥ 2`).
    pub nb_head: bool,
    /// Add one SVM per feature block (word only, characters only), stacked with the others.
    pub block_heads: bool,
    /// L2 penalty of the stacking logistic regression.
    pub stack_l2: f64,
    /// Calibrate by the stacking logistic regression (slope and intercept) even with one
    /// head, instead of Platt's slope around a fixed threshold.
    pub stack: bool,
    /// Nearest-neighbour template feature: index word buckets seen in at most this many
    /// training texts and stack the similarity to the nearest malicious and benign text
    /// (0 = off; needs `inner_folds ≥ 2`).
    pub knn_cap: u32,
}

impl Default for TrainParams {
    fn default() -> Self {
        Self {
            features: FeatureConfig::default(),
            c: 1.0,
            class_weight_power: 1.0,
            hinge: false,
            bias_scale: 1.0,
            max_epochs: 300,
            tol: 0.05,
            seed: 0,
            nb: 0.0,
            inner_folds: 3,
            tune_threshold: false,
            threshold: 0.0,
            min_df: 1,
            nb_head: false,
            block_heads: false,
            stack_l2: 0.01,
            stack: true,
            knn_cap: 20,
        }
    }
}

/// Trains a model on `(text, malicious)` pairs. Deterministic for given inputs and params.
pub fn train(examples: &[(&str, bool)], params: &TrainParams) -> Model {
    let counts: Vec<Counts> = examples
        .iter()
        .map(|(t, _)| features::counts(&params.features, t))
        .collect();
    let dense: Vec<[f32; DENSE]> = examples.iter().map(|(t, _)| features::dense(t)).collect();
    let labels: Vec<bool> = examples.iter().map(|e| e.1).collect();
    let all: Vec<usize> = (0..examples.len()).collect();
    let full = fit(&counts, &dense, &labels, &all, params);
    let use_knn = params.knn_cap > 0;
    let stacked = full.heads.len() > 1 || params.stack || use_knn;
    let mut model = full.model(&[1.0], params);
    model.threshold = params.threshold;
    if params.inner_folds < 2 || examples.len() < 2 * params.inner_folds {
        return model;
    }
    let folds = stratified_folds(&labels, params.inner_folds, params.seed ^ 0x5eed);
    let mut rows = vec![Vec::new(); examples.len()];
    for f in 0..params.inner_folds {
        let train_idx: Vec<usize> = (0..examples.len()).filter(|&i| folds[i] != f).collect();
        let inner = fit(&counts, &dense, &labels, &train_idx, params);
        let knn = use_knn.then(|| inner.knn(&counts, &labels, &train_idx, params));
        for (i, row) in rows.iter_mut().enumerate() {
            if folds[i] == f {
                *row = inner.margins(&counts[i], &dense[i], params);
                if let Some(k) = &knn {
                    let (a, b) = k.similarities(&inner.word_vector(&counts[i]));
                    row.extend([f64::from(a), f64::from(b)]);
                }
            }
        }
    }
    if stacked {
        let s = stack::fit(&rows, &labels, params.stack_l2);
        let heads = full.heads.len();
        let mut model = full.model(&s[..heads], params);
        model.bias += s[s.len() - 1] as f32;
        if use_knn {
            let mut k = full.knn(&counts, &labels, &all, params);
            k.w_mal = s[heads] as f32;
            k.w_ham = s[heads + 1] as f32;
            model.knn = k;
        }
        model.threshold = 0.0;
        model.scale = 1.0;
        return model;
    }
    let margins: Vec<f32> = rows.iter().map(|r| r[0] as f32).collect();
    model.threshold = if params.tune_threshold {
        best_f1_threshold(&margins, &labels)
    } else {
        params.threshold
    };
    model.scale = platt_scale(&margins, &labels, model.threshold);
    model
}

/// Linear heads fitted on one training set; every head applies to the same (un-NB-scaled)
/// vector built by [`vectorise`] with `idfs`.
struct Heads {
    idfs: Vec<f32>,
    n_docs: u32,
    /// Weights of dimension hashed + DENSE + 1 (the last one multiplies the bias feature).
    heads: Vec<Vec<f64>>,
}

impl Heads {
    /// Each head's margin on one example.
    fn margins(&self, c: &Counts, d: &[f32; DENSE], p: &TrainParams) -> Vec<f64> {
        let x = vectorise(c, d, &self.idfs, &[], &p.features, p.bias_scale);
        self.heads
            .iter()
            .map(|w| x.iter().map(|&(j, v)| w[j as usize] * f64::from(v)).sum())
            .collect()
    }

    /// The L2-normalised word-block TF-IDF vector of one text (nonzero entries only).
    fn word_vector(&self, c: &Counts) -> Vec<(u32, f32)> {
        let mut v: Vec<(u32, f32)> = c
            .word
            .iter()
            .map(|&(j, tf)| (j, features::sublinear(tf) * self.idfs[j as usize]))
            .filter(|e| e.1 > 0.0)
            .collect();
        let norm = v.iter().map(|e| e.1 * e.1).sum::<f32>().sqrt();
        if norm > 0.0 {
            v.iter_mut().for_each(|e| e.1 /= norm);
        }
        v
    }

    /// The template index over the texts `idx`.
    fn knn(&self, counts: &[Counts], labels: &[bool], idx: &[usize], p: &TrainParams) -> Knn {
        let docs: Vec<Vec<(u32, f32)>> =
            idx.iter().map(|&i| self.word_vector(&counts[i])).collect();
        let mal: Vec<bool> = idx.iter().map(|&i| labels[i]).collect();
        Knn::build(&docs, &mal, p.knn_cap, p.features.word_dims())
    }

    /// The model whose weights are `Σ s_k · head_k` (missing `s` entries count as 0).
    fn model(&self, s: &[f64], p: &TrainParams) -> Model {
        let h = p.features.hashed_dims();
        let w = |j: usize| -> f64 { self.heads.iter().zip(s).map(|(hd, sk)| hd[j] * sk).sum() };
        let table: Vec<[f32; 2]> = (0..h).map(|j| [self.idfs[j], w(j) as f32]).collect();
        let mut dense_w = [0.0f32; DENSE];
        for (k, d) in dense_w.iter_mut().enumerate() {
            *d = w(h + k) as f32;
        }
        Model {
            cfg: p.features,
            table,
            n_docs: self.n_docs,
            dense_w,
            bias: (w(h + DENSE) * f64::from(p.bias_scale)) as f32,
            threshold: 0.0,
            scale: 2.0,
            knn: Knn::default(),
        }
    }
}

/// Builds one weighted, per-block normalised vector.
pub(crate) fn vectorise(
    c: &Counts,
    dense: &[f32; DENSE],
    idfs: &[f32],
    nb: &[f32],
    cfg: &FeatureConfig,
    bias: f32,
) -> Sparse {
    let mut x: Sparse = Vec::with_capacity(c.word.len() + c.chars.len() + DENSE + 1);
    for (block, weight) in [(&c.word, cfg.word_weight), (&c.chars, cfg.char_weight)] {
        let start = x.len();
        let mut norm2 = 0.0f32;
        for &(j, tf) in block {
            let v = features::sublinear(tf) * idfs[j as usize];
            norm2 += v * v;
            x.push((j, v));
        }
        if norm2 > 0.0 {
            let k = weight / norm2.sqrt();
            for e in &mut x[start..] {
                e.1 *= k * nb.get(e.0 as usize).copied().unwrap_or(1.0);
            }
        }
    }
    let h = cfg.hashed_dims() as u32;
    if cfg.dense_weight != 0.0 {
        for (i, &v) in dense.iter().enumerate() {
            if v != 0.0 {
                x.push((h + i as u32, v * cfg.dense_weight));
            }
        }
    }
    x.push((h + DENSE as u32, bias));
    x
}

fn fit(
    counts: &[Counts],
    dense: &[[f32; DENSE]],
    labels: &[bool],
    idx: &[usize],
    p: &TrainParams,
) -> Heads {
    let cfg = p.features;
    let h = cfg.hashed_dims();
    let mut df = vec![0u32; h];
    for &i in idx {
        for &(j, _) in counts[i].word.iter().chain(&counts[i].chars) {
            df[j as usize] += 1;
        }
    }
    let n = idx.len() as u32;
    // Buckets never seen in training get IDF 0: like a vocabulary, unseen terms are ignored.
    let idfs: Vec<f32> = df
        .iter()
        .map(|&d| {
            if d == 0 || d < p.min_df {
                0.0
            } else {
                idf(n, d)
            }
        })
        .collect();
    let ys: Vec<bool> = idx.iter().map(|&i| labels[i]).collect();
    let nb = nb_scale(counts, labels, idx, h, p.nb);
    let xs: Vec<Sparse> = idx
        .iter()
        .map(|&i| vectorise(&counts[i], &dense[i], &idfs, &nb, &cfg, p.bias_scale))
        .collect();
    let pos = ys.iter().filter(|&&y| y).count().max(1) as f64;
    let neg = (ys.len() as f64 - pos).max(1.0);
    let total = ys.len() as f64;
    let cs: Vec<f64> = ys
        .iter()
        .map(|&y| {
            let count = if y { pos } else { neg };
            p.c * (total / (2.0 * count)).powf(p.class_weight_power)
        })
        .collect();
    let solver = SolverParams {
        max_epochs: p.max_epochs,
        tol: p.tol,
        seed: p.seed,
        hinge: p.hinge,
    };
    let dims = h + DENSE + 1;
    // SVM weights apply to NB-scaled inputs; fold the scale in.
    let fold_nb = |mut w: Vec<f64>| {
        for (wj, s) in w.iter_mut().zip(&nb) {
            *wj *= f64::from(*s);
        }
        w
    };
    let mut heads = vec![fold_nb(svm::train(&xs, &ys, &cs, dims, &solver))];
    if p.nb_head {
        let mut r: Vec<f64> = nb_scale_raw(counts, labels, idx, h);
        r.resize(dims, 0.0);
        heads.push(r);
    }
    if p.block_heads {
        let wd = cfg.word_dims() as u32;
        let hd = h as u32;
        for keep in [
            (|j: u32, wd: u32, hd: u32| j < wd || j >= hd) as fn(u32, u32, u32) -> bool,
            |j, wd, _| j >= wd,
        ] {
            let sub: Vec<Sparse> = xs
                .iter()
                .map(|x| {
                    x.iter()
                        .copied()
                        .filter(|&(j, _)| keep(j, wd, hd))
                        .collect()
                })
                .collect();
            heads.push(fold_nb(svm::train(&sub, &ys, &cs, dims, &solver)));
        }
    }
    Heads {
        idfs,
        n_docs: n,
        heads,
    }
}

/// Naive-Bayes log-count ratios per bucket: ln of the smoothed share of malicious texts
/// containing it over the smoothed share of benign ones (0 for buckets never seen).
fn nb_scale_raw(counts: &[Counts], labels: &[bool], idx: &[usize], h: usize) -> Vec<f64> {
    let (mut pos, mut neg) = (vec![0u32; h], vec![0u32; h]);
    for &i in idx {
        let side = if labels[i] { &mut pos } else { &mut neg };
        for &(j, _) in counts[i].word.iter().chain(&counts[i].chars) {
            side[j as usize] += 1;
        }
    }
    const ALPHA: f64 = 1.0;
    let (mut sp, mut sn) = (0.0f64, 0.0f64);
    for j in 0..h {
        if pos[j] + neg[j] > 0 {
            sp += ALPHA + f64::from(pos[j]);
            sn += ALPHA + f64::from(neg[j]);
        }
    }
    (0..h)
        .map(|j| {
            if pos[j] + neg[j] == 0 {
                0.0
            } else {
                ((ALPHA + f64::from(pos[j])) / sp / ((ALPHA + f64::from(neg[j])) / sn)).ln()
            }
        })
        .collect()
}

/// Per-bucket NB-SVM scales `1 − γ + γ·|r|` (empty when γ = 0, meaning all 1).
fn nb_scale(counts: &[Counts], labels: &[bool], idx: &[usize], h: usize, gamma: f32) -> Vec<f32> {
    if gamma == 0.0 {
        return Vec::new();
    }
    nb_scale_raw(counts, labels, idx, h)
        .into_iter()
        .map(|r| 1.0 - gamma + gamma * r.abs() as f32)
        .collect()
}
