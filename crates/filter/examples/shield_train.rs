//! Cross-validation, training and latency measurement for the shield's text classifier.
//!
//! ```text
//! cargo run --release -p switchboard-filter --example shield_train -- cv [options]
//! cargo run --release -p switchboard-filter --example shield_train -- train --out crates/filter/data/model.bin
//! cargo run --release -p switchboard-filter --example shield_train -- bench [--model PATH]
//! echo 'some text' | cargo run --release -p switchboard-filter --example shield_train -- score
//! ```
//! Options (cv and train): `--c F`, `--char MIN-MAX`, `--word-n N`, `--word-bits B`, `--char-bits B`,
//! `--fold-digits 0|1`, `--shapes 0|1`, `--word-weight F`, `--char-weight F`, `--dense F`, `--cw POWER` (class weighting, 1 = balanced), `--hinge 0|1`, `--nb F`,
//! `--tune 0|1`, `--threshold F` (fixed margin threshold), `--min-df N`, `--inner K`, `--cv-seed S` (fold seed, default 0), `--only NAME` (cv: run one setting: uci, uci-dedup, mishra,
//! mishra-smishing, ood). `--uci PATH` and `--mishra PATH` override the data files.
//! `--extra-ham PATH|default|none`: legitimate texts added to every training set, never tested
//! (`default` = `testdata/shield/a2p_ham.txt`; cv defaults to none, train to default).
//! Model options: `--stack 0|1`, `--stack-l2 F`, `--knn-cap N` (0 = no template feature),
//! `--nb-head 0|1`, `--block-heads 0|1`, `--shape-ngrams 0|1`, `--word-n 1..3`.

use std::borrow::Cow;
use std::collections::HashSet;
use std::time::Instant;

use switchboard_filter::classifier::{self, Model, TrainParams};
use switchboard_filter::dataset::{self, Example, Format, Label};
use switchboard_filter::eval::{self, Metrics};

const DEFAULT_UCI: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/shield/uci_SMSSpamCollection.tsv"
);
const DEFAULT_MISHRA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/shield/mishra_soni_2022_Dataset_5971.csv"
);

const DEFAULT_EXTRA_HAM: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../testdata/shield/a2p_ham.txt"
);

type Res<T> = Result<T, Box<dyn std::error::Error>>;
type Predictor = Box<dyn FnMut(&str) -> bool>;

struct Args {
    cmd: String,
    opts: Vec<(String, String)>,
}

impl Args {
    fn get(&self, key: &str) -> Option<&str> {
        self.opts
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }
    /// A 0/1 option.
    fn flag(&self, key: &str, default: bool) -> Res<bool> {
        Ok(self.num::<u8>(key, u8::from(default))? != 0)
    }
    fn num<T: std::str::FromStr>(&self, key: &str, default: T) -> Res<T> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| format!("bad value for --{key}: {v}").into()),
        }
    }
}

fn parse_args() -> Res<Args> {
    let mut it = std::env::args().skip(1);
    let cmd = it
        .next()
        .ok_or("usage: shield_train cv|train|bench [--key value]...")?;
    let mut opts = Vec::new();
    while let Some(k) = it.next() {
        let key = k
            .strip_prefix("--")
            .ok_or_else(|| format!("expected --option, got {k}"))?;
        let v = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
        opts.push((key.to_string(), v));
    }
    Ok(Args { cmd, opts })
}

fn params(a: &Args) -> Res<TrainParams> {
    let mut p = TrainParams::default();
    let f = &mut p.features;
    if let Some(r) = a.get("char") {
        let (lo, hi) = r.split_once('-').ok_or("--char wants MIN-MAX")?;
        f.char_min_n = lo.parse()?;
        f.char_max_n = hi.parse()?;
    }
    f.word_max_n = a.num("word-n", f.word_max_n)?;
    f.word_bits = a.num("word-bits", f.word_bits)?;
    f.char_bits = a.num("char-bits", f.char_bits)?;
    f.fold_digits = a.flag("fold-digits", f.fold_digits)?;
    f.digit_shapes = a.flag("shapes", f.digit_shapes)?;
    f.caps_tokens = a.flag("caps", f.caps_tokens)?;
    f.cross_word = a.flag("cross-word", f.cross_word)?;
    f.shape_ngrams = a.flag("shape-ngrams", f.shape_ngrams)?;
    f.word_weight = a.num("word-weight", f.word_weight)?;
    f.char_weight = a.num("char-weight", f.char_weight)?;
    f.dense_weight = a.num("dense", f.dense_weight)?;
    p.c = a.num("c", p.c)?;
    p.nb = a.num("nb", p.nb)?;
    p.class_weight_power = a.num("cw", p.class_weight_power)?;
    p.hinge = a.flag("hinge", p.hinge)?;
    p.tune_threshold = a.flag("tune", p.tune_threshold)?;
    p.inner_folds = a.num("inner", p.inner_folds)?;
    p.threshold = a.num("threshold", p.threshold)?;
    p.min_df = a.num("min-df", p.min_df)?;
    p.max_epochs = a.num("epochs", p.max_epochs)?;
    p.tol = a.num("tol", p.tol)?;
    p.nb_head = a.flag("nb-head", p.nb_head)?;
    p.block_heads = a.flag("block-heads", p.block_heads)?;
    p.stack_l2 = a.num("stack-l2", p.stack_l2)?;
    p.stack = a.flag("stack", p.stack)?;
    p.knn_cap = a.num("knn-cap", p.knn_cap)?;
    Ok(p)
}

fn load(a: &Args) -> Res<(Vec<Example>, Vec<Example>)> {
    let uci = std::fs::read_to_string(a.get("uci").unwrap_or(DEFAULT_UCI))?;
    let mishra = std::fs::read_to_string(a.get("mishra").unwrap_or(DEFAULT_MISHRA))?;
    // The model never sees links (`switchboard_filter::link_blind`): they are judged by the
    // URL and look-alike signals.
    let blind = |v: Vec<Example>| -> Vec<Example> {
        v.into_iter()
            .map(|e| Example {
                text: switchboard_filter::link_blind(&e.text),
                label: e.label,
            })
            .collect()
    };
    Ok((
        blind(dataset::parse(Format::Uci, &uci, Label::Ham)?),
        blind(dataset::parse(Format::Mishra, &mishra, Label::Ham)?),
    ))
}

/// Legitimate texts added to every training set (never tested): `--extra-ham PATH`, or
/// `default` for `testdata/shield/a2p_ham.txt`, or `none`. Link-blinded like the datasets.
fn extra_ham(a: &Args, default: &str) -> Res<Vec<String>> {
    let path = match a.get("extra-ham").unwrap_or(default) {
        "none" => return Ok(Vec::new()),
        "default" => DEFAULT_EXTRA_HAM,
        p => p,
    };
    Ok(std::fs::read_to_string(path)?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(switchboard_filter::link_blind)
        .collect())
}

fn trainer(
    p: TrainParams,
    positive: fn(Label) -> bool,
    extra: &[String],
) -> impl FnMut(&[&Example]) -> Predictor + '_ {
    move |train: &[&Example]| {
        let pairs: Vec<(&str, bool)> = train
            .iter()
            .map(|e| (e.text.as_str(), positive(e.label)))
            .chain(extra.iter().map(|t| (t.as_str(), false)))
            .collect();
        let model = classifier::train(&pairs, &p);
        Box::new(move |t: &str| model.is_malicious(t))
    }
}

fn report(name: &str, m: &Metrics, started: Instant) {
    println!(
        "{name:<34} n={:<5} {m}  [{:.1}s]",
        m.total(),
        started.elapsed().as_secs_f64()
    );
}

fn cv(a: &Args) -> Res<()> {
    let p = params(a)?;
    println!("params: {p:?}");
    let (uci, mishra) = load(a)?;
    let extra = extra_ham(a, "none")?;
    let only = a.get("only");
    let seed: u64 = a.num("cv-seed", 0)?;
    let run = |name: &str| only.is_none_or(|o| o == name);
    let malicious: fn(Label) -> bool = Label::is_malicious;
    let smishing: fn(Label) -> bool = |l| l == Label::Smishing;
    let errors = a.get("errors").is_some();
    // One cross-validation per task; its held-out predictions give the metrics and, with
    // `--errors`, the misclassified texts.
    let task = |name: &str, examples: &[Example], positive: fn(Label) -> bool| {
        let t = Instant::now();
        let pred =
            eval::cross_val_predict(examples, 5, seed, positive, trainer(p, positive, &extra));
        if errors {
            for (e, p) in examples
                .iter()
                .zip(&pred)
                .filter(|(e, p)| **p != positive(e.label))
            {
                println!(
                    "{} {:?} {:?}",
                    if *p { "FP" } else { "FN" },
                    e.label,
                    e.text
                );
            }
        }
        report(name, &eval::score(examples, &pred, positive), t);
    };
    if run("uci") {
        task("UCI all, spam vs ham", &uci, malicious);
    }
    if run("uci-dedup") {
        task(
            "UCI dedup, spam vs ham",
            &dataset::dedup(uci.clone()),
            malicious,
        );
    }
    if run("mishra") {
        task("Mishra, spam+smishing vs ham", &mishra, malicious);
    }
    if run("mishra-smishing") {
        task("Mishra, smishing vs rest", &mishra, smishing);
    }
    if run("ood") {
        let t = Instant::now();
        let seen: HashSet<&str> = uci.iter().map(|e| e.text.as_str()).collect();
        let pairs: Vec<(&str, bool)> = uci
            .iter()
            .map(|e| (e.text.as_str(), e.label.is_malicious()))
            .chain(extra.iter().map(|t| (t.as_str(), false)))
            .collect();
        let model = classifier::train(&pairs, &p);
        let mut m = Metrics::default();
        for e in mishra.iter().filter(|e| !seen.contains(e.text.as_str())) {
            m.add(model.is_malicious(&e.text), e.label.is_malicious());
        }
        report("OOD: train UCI, test new Mishra", &m, t);
    }
    Ok(())
}

fn train(a: &Args) -> Res<()> {
    let p = params(a)?;
    let out = a.get("out").ok_or("train needs --out PATH")?;
    let (uci, mishra) = load(a)?;
    let all = dataset::dedup(uci.into_iter().chain(mishra).collect());
    let extra = extra_ham(a, "default")?;
    let pairs: Vec<(&str, bool)> = all
        .iter()
        .map(|e| (e.text.as_str(), e.label.is_malicious()))
        .chain(extra.iter().map(|t| (t.as_str(), false)))
        .collect();
    let t = Instant::now();
    let model = classifier::train(&pairs, &p);
    let bytes = model.to_bytes();
    std::fs::write(out, &bytes)?;
    let back = Model::from_bytes(&bytes)?;
    let agree = pairs
        .iter()
        .all(|(t, _)| back.probability(t) == model.probability(t));
    println!(
        "trained on {} texts ({} malicious) in {:.1}s; {} nonzero weights; wrote {} bytes to {out}; reload identical: {agree}",
        pairs.len(),
        pairs.iter().filter(|p| p.1).count(),
        t.elapsed().as_secs_f64(),
        model.nonzero_weights(),
        bytes.len()
    );
    println!("params: {p:?}");
    Ok(())
}

/// The model of `--model PATH`, or the shipped one.
fn load_model(a: &Args) -> Res<Cow<'static, Model>> {
    Ok(match a.get("model") {
        Some(path) => Cow::Owned(Model::from_bytes(&std::fs::read(path)?)?),
        None => Cow::Borrowed(Model::builtin()),
    })
}

fn bench(a: &Args) -> Res<()> {
    let model = load_model(a)?;
    if model.is_empty() {
        return Err("model is empty".into());
    }
    let (uci, mishra) = load(a)?;
    let texts: Vec<&str> = uci.iter().chain(&mishra).map(|e| e.text.as_str()).collect();
    let mut sink = 0.0f32;
    for t in &texts {
        sink += model.probability(t);
    }
    let rounds = a.num("rounds", 3usize)?;
    let mut all = Vec::with_capacity(texts.len() * rounds);
    let mut near160 = Vec::new();
    for _ in 0..rounds {
        for t in &texts {
            let start = Instant::now();
            sink += model.probability(t);
            let ns = start.elapsed().as_nanos() as u64;
            all.push(ns);
            if (150..=170).contains(&t.chars().count()) {
                near160.push(ns);
            }
        }
    }
    all.sort_unstable();
    near160.sort_unstable();
    println!(
        "Model::probability over {} texts x {rounds} rounds (checksum {sink:.1}):",
        texts.len()
    );
    for (name, v) in [("all texts", &all), ("150-170 chars", &near160)] {
        println!(
            "  {name:<14} n={:<6} p50 {:.2} us  p99 {:.2} us  max {:.2} us",
            v.len(),
            eval::percentile(v, 50.0) as f64 / 1e3,
            eval::percentile(v, 99.0) as f64 / 1e3,
            v.last().copied().unwrap_or(0) as f64 / 1e3
        );
    }
    Ok(())
}

fn main() -> Res<()> {
    let a = parse_args()?;
    match a.cmd.as_str() {
        "cv" => cv(&a),
        "train" => train(&a),
        "bench" => bench(&a),
        "score" => {
            // Scores each line of stdin (link-blinded) with the shipped model or `--model PATH`.
            let model = load_model(&a)?;
            for line in std::io::stdin().lines() {
                let line = line?;
                let p = model.probability(&switchboard_filter::link_blind(&line));
                println!("{p:.4}\t{line}");
            }
            Ok(())
        }
        other => Err(format!("unknown command {other} (cv, train, bench, score)").into()),
    }
}
