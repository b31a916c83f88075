//! Measuring the whole shield on a labelled dataset: precision, recall, F1, false-positive
//! rate and per-message latency (`switchboard shield eval`), and k-fold cross-validation that
//! retrains the text model on each fold's training part.

use std::time::Instant;

use crate::classifier::{self, TrainParams};
use crate::dataset::{Example, Label};
use crate::eval::{self, Metrics};
use crate::{FilterInput, Shield, ShieldConfig, Verdict};

/// What counts as a positive (malicious) example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Positive {
    /// Spam or smishing vs ham.
    Malicious,
    /// Smishing vs everything else.
    Smishing,
}

impl Positive {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "malicious" => Some(Self::Malicious),
            "smishing" => Some(Self::Smishing),
            _ => None,
        }
    }

    pub fn of(self, label: Label) -> bool {
        match self {
            Self::Malicious => label.is_malicious(),
            Self::Smishing => label == Label::Smishing,
        }
    }
}

/// Metrics and latency of one run.
#[derive(Debug, Clone)]
pub struct EvalReport {
    pub metrics: Metrics,
    pub messages: usize,
    /// Per-message latency of `Shield::analyze`, nanoseconds.
    pub p50_ns: u64,
    pub p99_ns: u64,
    pub max_ns: u64,
}

/// The shield's prediction: flagged or blocked counts as malicious.
pub(crate) fn predicts_malicious(shield: &Shield, text: &str) -> bool {
    shield.analyze(&FilterInput::text(text)).verdict >= Verdict::Flag
}

/// Runs the shield over every example, timing each analysis on this thread.
pub fn evaluate(shield: &Shield, examples: &[Example], positive: Positive) -> EvalReport {
    let mut metrics = Metrics::default();
    let mut nanos = Vec::with_capacity(examples.len());
    // Parse the lists and load the model before timing (a one-off at start-up).
    let _ = shield.analyze(&FilterInput::text("warm-up https://example.com"));
    for e in examples {
        let input = FilterInput::text(&e.text);
        let start = Instant::now();
        let analysis = shield.analyze(&input);
        nanos.push(u64::try_from(start.elapsed().as_nanos()).unwrap_or(u64::MAX));
        metrics.add(analysis.verdict >= Verdict::Flag, positive.of(e.label));
    }
    nanos.sort_unstable();
    EvalReport {
        metrics,
        messages: examples.len(),
        p50_ns: eval::percentile(&nanos, 50.0),
        p99_ns: eval::percentile(&nanos, 99.0),
        max_ns: nanos.last().copied().unwrap_or(0),
    }
}

/// Stratified k-fold cross-validation of the whole shield: each fold's text model is trained
/// on the other folds (malicious = spam or smishing) plus `extra_ham` (legitimate texts used
/// for training only, never tested), then the shield with that model judges the held-out fold.
/// Returns the metrics and each example's held-out prediction.
pub fn cross_validate(
    config: &ShieldConfig,
    examples: &[Example],
    extra_ham: &[String],
    k: usize,
    seed: u64,
    positive: Positive,
    params: &TrainParams,
) -> (Metrics, Vec<bool>) {
    // Every text is link-blinded once, not once per fold it trains in.
    let blind: Vec<String> = examples
        .iter()
        .map(|e| crate::link_blind(&e.text))
        .collect();
    let blind_extra: Vec<String> = extra_ham.iter().map(|t| crate::link_blind(t)).collect();
    let predicted = eval::cross_val_predict_indices(
        examples,
        k,
        seed,
        |l| positive.of(l),
        |train: &[usize]| {
            let pairs: Vec<(&str, bool)> = train
                .iter()
                .map(|&i| (blind[i].as_str(), examples[i].label.is_malicious()))
                .chain(blind_extra.iter().map(|t| (t.as_str(), false)))
                .collect();
            let model = classifier::train(&pairs, params);
            let shield = Shield::new(config.clone()).with_model(model);
            move |text: &str| predicts_malicious(&shield, text)
        },
    );
    (
        eval::score(examples, &predicted, |l| positive.of(l)),
        predicted,
    )
}
