//! `switchboard shield …`: check one text, evaluate the shield on a dataset.

use crate::config::Settings;
use anyhow::Context;
use clap::Subcommand;
use std::path::PathBuf;
use switchboard_filter::classifier::TrainParams;
use switchboard_filter::dataset::{self, Format, Label};
use switchboard_filter::evaluate::{self, Positive};
use switchboard_filter::{AccountContext, Direction, FilterInput};

#[derive(Debug, Subcommand)]
pub enum ShieldCommand {
    /// Analyse one text and print the verdict as JSON (the same as POST /v1/Shield/Analyze).
    Check {
        /// The message text.
        text: String,
        #[arg(long)]
        from: Option<String>,
        #[arg(long)]
        to: Option<String>,
        /// outbound (default) or inbound.
        #[arg(long, default_value = "outbound")]
        direction: String,
        /// An enterprise name to protect, as an account would (repeatable).
        #[arg(long = "protect")]
        protected_names: Vec<String>,
        /// The enterprise's genuine domain (repeatable).
        #[arg(long = "domain")]
        protected_domains: Vec<String>,
    },
    /// Evaluate on a labelled dataset: precision, recall, F1, false-positive rate, latency.
    Eval {
        #[arg(long)]
        dataset: PathBuf,
        /// uci, mishra or lines.
        #[arg(long)]
        format: String,
        /// For `lines`: the label of every line (ham, spam or smishing).
        #[arg(long, default_value = "ham")]
        label: String,
        /// malicious (spam or smishing vs ham) or smishing (smishing vs the rest).
        #[arg(long, default_value = "malicious")]
        positive: String,
        /// Drop repeated texts first.
        #[arg(long)]
        dedup: bool,
        /// k-fold cross-validation, retraining the text model per fold (0: use the shipped model).
        #[arg(long, default_value_t = 0)]
        cv: usize,
        /// With --cv: legitimate texts (one per line) added to every training fold, never tested
        /// (the shipped model is trained with testdata/shield/a2p_ham.txt).
        #[arg(long)]
        extra_ham: Option<PathBuf>,
        /// With --cv: also print every misclassified text.
        #[arg(long)]
        errors: bool,
    },
}

pub fn run(command: ShieldCommand, settings: &Settings) -> anyhow::Result<()> {
    match command {
        ShieldCommand::Check {
            text,
            from,
            to,
            direction,
            protected_names,
            protected_domains,
        } => {
            let shield = settings.shield.build()?;
            let direction =
                Direction::parse(&direction).context("--direction must be outbound or inbound")?;
            let account = AccountContext::new("", &protected_names, &protected_domains);
            let analysis = shield.analyze(&FilterInput {
                body: &text,
                from: from.as_deref(),
                to: to.as_deref(),
                direction,
                account: Some(&account),
            });
            let json = switchboard_api::shield::analysis_json(&analysis);
            println!("{}", serde_json::to_string_pretty(&json)?);
            Ok(())
        }
        ShieldCommand::Eval {
            dataset: path,
            format,
            label: lines_label,
            positive,
            dedup,
            cv,
            extra_ham,
            errors,
        } => {
            let format = Format::parse(&format).context("--format must be uci, mishra or lines")?;
            let positive =
                Positive::parse(&positive).context("--positive must be malicious or smishing")?;
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("cannot read {}", path.display()))?;
            let mut examples = dataset::parse(
                format,
                &text,
                Label::parse(&lines_label).context("--label must be ham, spam or smishing")?,
            )
            .with_context(|| format!("cannot parse {}", path.display()))?;
            if dedup {
                examples = dataset::dedup(examples);
            }
            let positives = examples.iter().filter(|e| positive.of(e.label)).count();
            println!(
                "dataset {} ({} messages, {positives} positive)",
                path.display(),
                examples.len()
            );
            if cv > 1 {
                let config = settings.shield.config()?;
                let extra: Vec<String> = match &extra_ham {
                    Some(p) => std::fs::read_to_string(p)
                        .with_context(|| format!("cannot read {}", p.display()))?
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(str::to_owned)
                        .collect(),
                    None => Vec::new(),
                };
                let (m, predicted) = evaluate::cross_validate(
                    &config,
                    &examples,
                    &extra,
                    cv,
                    0,
                    positive,
                    &TrainParams::default(),
                );
                println!("{cv}-fold cross-validation (text model retrained per fold, seed 0)");
                print_metrics(&m);
                if errors {
                    for (e, p) in examples.iter().zip(&predicted) {
                        if *p != positive.of(e.label) {
                            let kind = if *p { "FP" } else { "FN" };
                            println!("{kind} {:?} {:?}", e.label, e.text);
                        }
                    }
                }
            } else {
                let shield = settings.shield.build()?;
                let r = evaluate::evaluate(&shield, &examples, positive);
                println!("shipped model (trained on these public datasets: not a held-out score)");
                print_metrics(&r.metrics);
                println!(
                    "latency per message (full analysis, one thread): p50 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
                    r.p50_ns as f64 / 1000.0,
                    r.p99_ns as f64 / 1000.0,
                    r.max_ns as f64 / 1000.0
                );
            }
            Ok(())
        }
    }
}

fn print_metrics(m: &switchboard_filter::eval::Metrics) {
    println!(
        "tp {} fp {} tn {} fn {}\nprecision {:.4}  recall {:.4}  F1 {:.4}  false-positive rate {:.4}  accuracy {:.4}",
        m.tp,
        m.fp,
        m.tn,
        m.fn_,
        m.precision(),
        m.recall(),
        m.f1(),
        m.fpr(),
        m.accuracy()
    );
}
