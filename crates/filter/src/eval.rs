//! Evaluation helpers: confusion-matrix metrics, deterministic stratified k-fold
//! cross-validation and latency percentiles.

use crate::dataset::{Example, Label};

/// Binary confusion counts; the positive class is "malicious" (or whatever the caller picks).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Metrics {
    /// Predicted positive, actually positive.
    pub tp: u64,
    /// Predicted positive, actually negative.
    pub fp: u64,
    /// Predicted negative, actually negative.
    pub tn: u64,
    /// Predicted negative, actually positive.
    pub fn_: u64,
}

fn ratio(num: u64, den: u64) -> f64 {
    if den == 0 {
        0.0
    } else {
        num as f64 / den as f64
    }
}

impl Metrics {
    /// Counts one prediction.
    pub fn add(&mut self, predicted: bool, actual: bool) {
        match (predicted, actual) {
            (true, true) => self.tp += 1,
            (true, false) => self.fp += 1,
            (false, false) => self.tn += 1,
            (false, true) => self.fn_ += 1,
        }
    }

    /// Number of counted predictions.
    pub fn total(&self) -> u64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// tp / (tp + fp); 0 when nothing was predicted positive.
    pub fn precision(&self) -> f64 {
        ratio(self.tp, self.tp + self.fp)
    }

    /// tp / (tp + fn); 0 when there are no positives.
    pub fn recall(&self) -> f64 {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// Harmonic mean of precision and recall: 2tp / (2tp + fp + fn).
    pub fn f1(&self) -> f64 {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }

    /// False-positive rate: fp / (fp + tn).
    pub fn fpr(&self) -> f64 {
        ratio(self.fp, self.fp + self.tn)
    }

    /// (tp + tn) / total.
    pub fn accuracy(&self) -> f64 {
        ratio(self.tp + self.tn, self.total())
    }

    /// Matthews correlation coefficient (0 when any margin of the matrix is empty).
    pub fn mcc(&self) -> f64 {
        let (tp, fp, tn, fn_) = (
            self.tp as f64,
            self.fp as f64,
            self.tn as f64,
            self.fn_ as f64,
        );
        let den = ((tp + fp) * (tp + fn_) * (tn + fp) * (tn + fn_)).sqrt();
        if den == 0.0 {
            0.0
        } else {
            (tp * tn - fp * fn_) / den
        }
    }
}

impl std::fmt::Display for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "acc {:.4}  P {:.4}  R {:.4}  F1 {:.4}  MCC {:.4}  FPR {:.4}  (tp {} fp {} tn {} fn {})",
            self.accuracy(),
            self.precision(),
            self.recall(),
            self.f1(),
            self.mcc(),
            self.fpr(),
            self.tp,
            self.fp,
            self.tn,
            self.fn_
        )
    }
}

/// splitmix64: a tiny, well-mixed deterministic PRNG (Steele, Lea, Flood 2014).
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator started at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`; slight modulo bias is irrelevant here).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}

/// Assigns each example a fold in `0..k` so that every fold holds (to within one) the same
/// number of positives and of negatives. Deterministic for a given `seed`.
pub fn stratified_folds(labels: &[bool], k: usize, seed: u64) -> Vec<usize> {
    let k = k.max(1);
    let mut rng = SplitMix64::new(seed);
    let mut folds = vec![0; labels.len()];
    let mut next = 0usize;
    for class in [true, false] {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rng.shuffle(&mut idx);
        for i in idx {
            folds[i] = next % k;
            next += 1;
        }
    }
    folds
}

/// Out-of-fold predictions: for each of `k` stratified folds, `train` is called on the other
/// folds and the predictor it returns labels the held-out examples. Returns one prediction per
/// example, in input order.
pub fn cross_val_predict<F, P>(
    examples: &[Example],
    k: usize,
    seed: u64,
    positive: impl Fn(Label) -> bool,
    mut train: F,
) -> Vec<bool>
where
    F: FnMut(&[&Example]) -> P,
    P: FnMut(&str) -> bool,
{
    cross_val_predict_indices(examples, k, seed, positive, |training: &[usize]| {
        let training: Vec<&Example> = training.iter().map(|&i| &examples[i]).collect();
        train(&training)
    })
}

/// [`cross_val_predict`] with each training part given as indices into `examples` (ascending),
/// for callers that keep per-example data alongside.
pub(crate) fn cross_val_predict_indices<F, P>(
    examples: &[Example],
    k: usize,
    seed: u64,
    positive: impl Fn(Label) -> bool,
    mut train: F,
) -> Vec<bool>
where
    F: FnMut(&[usize]) -> P,
    P: FnMut(&str) -> bool,
{
    let labels: Vec<bool> = examples.iter().map(|e| positive(e.label)).collect();
    let folds = stratified_folds(&labels, k, seed);
    let mut predictions = vec![false; examples.len()];
    for fold in 0..k.max(1) {
        let training: Vec<usize> = (0..examples.len()).filter(|&i| folds[i] != fold).collect();
        let mut predict = train(&training);
        for (i, e) in examples.iter().enumerate() {
            if folds[i] == fold {
                predictions[i] = predict(&e.text);
            }
        }
    }
    predictions
}

/// Stratified k-fold cross-validation: trains on k−1 folds, predicts the held-out fold and sums
/// the confusion counts over all folds. `positive` decides which labels are the positive class.
pub fn cross_validate<F, P>(
    examples: &[Example],
    k: usize,
    seed: u64,
    positive: impl Fn(Label) -> bool,
    train: F,
) -> Metrics
where
    F: FnMut(&[&Example]) -> P,
    P: FnMut(&str) -> bool,
{
    let predictions = cross_val_predict(examples, k, seed, &positive, train);
    score(examples, &predictions, positive)
}

/// The metrics of `predicted` (one per example) against the examples' labels.
pub fn score(
    examples: &[Example],
    predicted: &[bool],
    positive: impl Fn(Label) -> bool,
) -> Metrics {
    let mut m = Metrics::default();
    for (e, &p) in examples.iter().zip(predicted) {
        m.add(p, positive(e.label));
    }
    m
}

/// Nearest-rank percentile (`p` in 0–100) of already sorted durations; 0 for an empty slice.
pub fn percentile(sorted_nanos: &[u64], p: f64) -> u64 {
    if sorted_nanos.is_empty() {
        return 0;
    }
    let n = sorted_nanos.len();
    let rank = ((p.clamp(0.0, 100.0) / 100.0) * n as f64).ceil() as usize;
    sorted_nanos[rank.clamp(1, n) - 1]
}
