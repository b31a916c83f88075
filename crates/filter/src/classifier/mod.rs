//! The text classifier: a linear SVM over hashed word and character n-grams.
//!
//! Features ([`features`]): word uni/bigrams and character 2–5-grams within word boundaries,
//! each hashed (FNV-1a, stable across platforms) into its own bucket space, weighted by
//! sublinear TF × IDF and L2-normalised per block; optionally a few dense features (URL, long
//! digit runs, currency…). Training ([`train`]) solves an L2-regularised squared-hinge SVM by
//! dual coordinate descent. A "template" feature ([`knn`]) adds the cosine similarity of the
//! word block to the nearest malicious and nearest benign training text (spam comes in
//! families of near-identical texts). A logistic regression fitted on inner cross-validation
//! folds stacks the SVM margin with these similarities (or, without templates, a Platt-style
//! scale around a threshold), so [`Model::probability`] is a calibrated probability and 0.5 is
//! the decision threshold.
//!
//! The shipped weights (`data/model.bin`) are a build artefact: `scripts/train-shield-model`.

mod calibrate;
pub mod features;
mod format;
pub mod knn;
mod sparse;
mod stack;
pub mod svm;
mod trainer;

use std::sync::OnceLock;

pub use features::{FeatureConfig, DENSE};
pub use knn::Knn;
pub use trainer::{train, TrainParams};

/// The shipped model bytes.
static BUILTIN_BYTES: &[u8] = include_bytes!("../../data/model.bin");

/// A trained linear model over hashed word and character n-grams.
#[derive(Debug, Clone, Default)]
pub struct Model {
    cfg: FeatureConfig,
    /// `[idf, weight]` per hashed dimension; empty for the empty model.
    table: Vec<[f32; 2]>,
    /// Training-set size (defines the IDF of unseen buckets).
    n_docs: u32,
    dense_w: [f32; DENSE],
    bias: f32,
    threshold: f32,
    scale: f32,
    /// Nearest-neighbour "template" similarities (empty = not used).
    knn: Knn,
}

/// Model bytes could not be read.
#[derive(Debug, thiserror::Error)]
#[error("invalid model: {0}")]
pub struct ModelError(pub String);

/// IDF with smoothing, as in scikit-learn: ln((1 + n) / (1 + df)) + 1.
pub(crate) fn idf(n_docs: u32, df: u32) -> f32 {
    ((1.0 + n_docs as f32) / (1.0 + df as f32)).ln() + 1.0
}

impl Model {
    /// The shipped model (`data/model.bin`), decoded once. If the bytes were invalid this is
    /// the empty model, which answers 0.0 (a unit test guards the shipped bytes).
    pub fn builtin() -> &'static Model {
        static MODEL: OnceLock<Model> = OnceLock::new();
        MODEL.get_or_init(|| Model::from_bytes(BUILTIN_BYTES).unwrap_or_default())
    }

    /// Decodes a model written by [`Model::to_bytes`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        format::decode(bytes)
    }

    /// Encodes the model (versioned little-endian binary; nonzero buckets only).
    pub fn to_bytes(&self) -> Vec<u8> {
        format::encode(self)
    }

    /// Whether this is the empty model (no weights; every probability is 0).
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    /// The raw SVM margin of `text` (positive = malicious side of the hyperplane).
    pub fn margin(&self, text: &str) -> f32 {
        if self.table.is_empty() {
            return f32::NEG_INFINITY;
        }
        let lower = text.to_lowercase();
        let c = features::counts_lower(&self.cfg, text, &lower);
        let mut m = self.bias;
        let use_knn = !self.knn.is_empty();
        let mut query: Vec<(u32, f32)> = Vec::new();
        for (k, (block, weight)) in [
            (&c.word, self.cfg.word_weight),
            (&c.chars, self.cfg.char_weight),
        ]
        .into_iter()
        .enumerate()
        {
            let (mut dot, mut norm2) = (0.0f32, 0.0f32);
            for &(j, tf) in block {
                let [idf, w] = self.table.get(j as usize).copied().unwrap_or([0.0, 0.0]);
                let v = features::sublinear(tf) * idf;
                dot += v * w;
                norm2 += v * v;
                if k == 0 && use_knn && v > 0.0 {
                    query.push((j, v));
                }
            }
            if norm2 > 0.0 {
                m += weight * dot / norm2.sqrt();
                if k == 0 && use_knn {
                    let inv = 1.0 / norm2.sqrt();
                    query.iter_mut().for_each(|e| e.1 *= inv);
                    m += self.knn.contribution(&query);
                }
            }
        }
        if self.cfg.dense_weight != 0.0 {
            let d = features::dense_lower(text, &lower);
            m += self.cfg.dense_weight
                * d.iter().zip(&self.dense_w).map(|(x, w)| x * w).sum::<f32>();
        }
        m
    }

    /// Probability (0–1) that `text` is malicious (spam or smishing); 0.5 is the decision
    /// threshold.
    pub fn probability(&self, text: &str) -> f32 {
        if self.table.is_empty() {
            return 0.0;
        }
        calibrate::sigmoid(self.scale * (self.margin(text) - self.threshold))
    }

    /// Whether `text` is classified malicious (probability ≥ 0.5).
    pub fn is_malicious(&self, text: &str) -> bool {
        self.probability(text) >= 0.5
    }

    /// Number of training texts in the nearest-neighbour template index (0 = none).
    pub fn template_count(&self) -> usize {
        self.knn.malicious.len()
    }

    /// Number of hashed buckets with a nonzero weight.
    pub fn nonzero_weights(&self) -> usize {
        self.table.iter().filter(|e| e[1] != 0.0).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_model_is_valid() {
        let m = Model::from_bytes(BUILTIN_BYTES);
        assert!(m.is_ok(), "{:?}", m.err());
        assert!(!Model::builtin().is_empty());
    }

    #[test]
    fn empty_model_answers_zero() {
        assert_eq!(Model::default().probability("anything"), 0.0);
    }
}
