//! Fast checks of the shipped classifier, the dataset parsers and the evaluation helpers.
//! No full training here: the model is a build artefact (`scripts/train-shield-model`).

use switchboard_filter::classifier::{self, Model, TrainParams};
use switchboard_filter::dataset::{self, Example, Format, Label};
use switchboard_filter::eval::{self, Metrics};

#[test]
fn shipped_model_loads_and_round_trips() {
    let m = Model::builtin();
    assert!(!m.is_empty(), "data/model.bin did not decode");
    let bytes = m.to_bytes();
    assert!(
        bytes.len() <= 4 * 1024 * 1024,
        "model is {} bytes",
        bytes.len()
    );
    let back = Model::from_bytes(&bytes).unwrap();
    for t in ["hello there", "WIN a FREE prize! call 09061701461 now", ""] {
        assert_eq!(back.probability(t), m.probability(t));
    }
}

#[test]
fn obvious_smishing_scores_high() {
    let p = Model::builtin()
        .probability("Your account is locked, verify now at http://secure-login-verify.xyz");
    assert!(p > 0.5, "p = {p}");
    let p = Model::builtin()
        .probability("URGENT! You have won a £1000 prize. Call 09061701461 to claim. T&C apply");
    assert!(p > 0.5, "p = {p}");
}

#[test]
fn obvious_ham_scores_low() {
    for t in [
        "see you at 6 for dinner",
        "Ok lar... I'll call you when I get home",
        "Can you pick up milk on the way?",
    ] {
        let p = Model::builtin().probability(t);
        assert!(p < 0.5, "{t}: p = {p}");
        assert!((0.0..=1.0).contains(&p));
    }
}

#[test]
fn invalid_bytes_are_rejected() {
    assert!(Model::from_bytes(b"").is_err());
    assert!(Model::from_bytes(b"not a model at all, definitely not").is_err());
    let mut bytes = Model::builtin().to_bytes();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    assert!(
        Model::from_bytes(&bytes).is_err(),
        "checksum must catch a flipped byte"
    );
    assert_eq!(Model::default().probability("anything"), 0.0);
}

#[test]
fn tiny_training_is_deterministic() {
    let data = [
        ("win a free prize call now", true),
        ("claim your cash prize today", true),
        ("free entry text win to 80086", true),
        ("see you at dinner", false),
        ("are you home yet", false),
        ("call me when you get this", false),
        ("ok see you later", false),
    ];
    let p = TrainParams {
        inner_folds: 0,
        ..TrainParams::default()
    };
    let a = classifier::train(&data, &p);
    let b = classifier::train(&data, &p);
    assert_eq!(a.to_bytes(), b.to_bytes());
    assert!(a.probability("free prize, call to claim") > a.probability("see you at home"));
}

#[test]
fn stacked_training_with_templates_round_trips() {
    let data = [
        ("win a free prize call now", true),
        ("claim your cash prize today", true),
        ("free entry text win to 80086", true),
        ("urgent your prize awaits call 09061701461", true),
        ("you have won a holiday reply yes to claim", true),
        ("see you at dinner", false),
        ("are you home yet", false),
        ("call me when you get this", false),
        ("ok see you later", false),
        ("running late be there soon", false),
        ("did you feed the cat", false),
        ("love you goodnight", false),
    ];
    let p = TrainParams {
        inner_folds: 2,
        knn_cap: 5,
        ..TrainParams::default()
    };
    let a = classifier::train(&data, &p);
    assert!(a.template_count() == data.len());
    let bytes = a.to_bytes();
    assert_eq!(bytes, classifier::train(&data, &p).to_bytes());
    let back = Model::from_bytes(&bytes).unwrap();
    for t in ["claim your free prize", "see you at home", "", "£££"] {
        let q = a.probability(t);
        assert_eq!(back.probability(t), q);
        assert!((0.0..=1.0).contains(&q), "{t}: {q}");
    }
    assert!(a.probability("claim your free prize") > a.probability("see you at home"));
}

#[test]
fn parse_uci() {
    let t = "ham\tOk lar... &lt;#&gt; &amp; more\nspam\tFree entry! Text WIN\n\n";
    let ex = dataset::parse(Format::Uci, t, Label::Ham).unwrap();
    assert_eq!(ex.len(), 2);
    assert_eq!(
        ex[0],
        Example {
            text: "Ok lar... <#> & more".into(),
            label: Label::Ham
        }
    );
    assert_eq!(ex[1].label, Label::Spam);
    assert!(dataset::parse(Format::Uci, "junk\ttext\n", Label::Ham).is_err());
    assert!(dataset::parse(Format::Uci, "no tab here\n", Label::Ham).is_err());
}

#[test]
fn parse_mishra() {
    let t = "LABEL,TEXT,URL,EMAIL,PHONE\r\nham,plain text,No,No,No\r\nSmishing,\"Verify, now: \"\"bit.ly/x\"\"\r\nthanks\",yes,No,No\r\nSpam,&quot;Win&quot; &#39;cash&#39;,No,No,yes\r\n";
    let ex = dataset::parse(Format::Mishra, t, Label::Ham).unwrap();
    assert_eq!(ex.len(), 3);
    assert_eq!(ex[0].text, "plain text");
    assert_eq!(
        ex[1],
        Example {
            text: "Verify, now: \"bit.ly/x\"\nthanks".into(),
            label: Label::Smishing
        }
    );
    assert_eq!(
        ex[2],
        Example {
            text: "\"Win\" 'cash'".into(),
            label: Label::Spam
        }
    );
    assert!(dataset::parse(Format::Mishra, "ham,no header\r\n", Label::Ham).is_err());
    assert!(dataset::parse(
        Format::Mishra,
        "LABEL,TEXT\r\nham,\"unterminated\r\n",
        Label::Ham
    )
    .is_err());
}

#[test]
fn parse_lines_and_dedup() {
    let ex = dataset::parse(Format::Lines, "a\r\n\nb &gt; c\na\n", Label::Smishing).unwrap();
    assert_eq!(ex.len(), 3);
    assert!(ex.iter().all(|e| e.label == Label::Smishing));
    assert_eq!(ex[1].text, "b > c");
    let d = dataset::dedup(ex);
    assert_eq!(
        d.iter().map(|e| e.text.as_str()).collect::<Vec<_>>(),
        ["a", "b > c"]
    );
    assert_eq!(Format::parse("MISHRA").unwrap(), Format::Mishra);
    assert!(Format::parse("csv").is_err());
}

#[test]
fn metrics_maths() {
    let m = Metrics {
        tp: 8,
        fp: 2,
        tn: 85,
        fn_: 5,
    };
    assert!((m.precision() - 0.8).abs() < 1e-12);
    assert!((m.recall() - 8.0 / 13.0).abs() < 1e-12);
    assert!((m.f1() - 16.0 / 23.0).abs() < 1e-12);
    assert!((m.fpr() - 2.0 / 87.0).abs() < 1e-12);
    assert!((m.accuracy() - 0.93).abs() < 1e-12);
    let mcc = (8.0 * 85.0 - 2.0 * 5.0) / ((10.0f64 * 13.0 * 87.0 * 90.0).sqrt());
    assert!((m.mcc() - mcc).abs() < 1e-12);
    let mut c = Metrics::default();
    for (p, a) in [(true, true), (true, false), (false, false), (false, true)] {
        c.add(p, a);
    }
    assert_eq!(
        c,
        Metrics {
            tp: 1,
            fp: 1,
            tn: 1,
            fn_: 1
        }
    );
    assert_eq!(Metrics::default().f1(), 0.0);
    assert_eq!(Metrics::default().mcc(), 0.0);
}

#[test]
fn folds_are_stratified_and_deterministic() {
    let labels: Vec<bool> = (0..103).map(|i| i % 7 == 0).collect();
    let folds = eval::stratified_folds(&labels, 5, 0);
    assert_eq!(folds, eval::stratified_folds(&labels, 5, 0));
    assert_ne!(folds, eval::stratified_folds(&labels, 5, 1));
    for f in 0..5 {
        let pos = (0..103).filter(|&i| folds[i] == f && labels[i]).count();
        let all = (0..103).filter(|&i| folds[i] == f).count();
        assert!((2..=4).contains(&pos), "fold {f}: {pos} positives");
        assert!((20..=21).contains(&all), "fold {f}: {all} examples");
    }
}

#[test]
fn cross_validate_never_trains_on_the_held_out_fold() {
    let examples: Vec<Example> = (0..50)
        .map(|i| Example {
            text: format!("m{i}"),
            label: if i % 5 == 0 { Label::Spam } else { Label::Ham },
        })
        .collect();
    let m = eval::cross_validate(
        &examples,
        5,
        3,
        Label::is_malicious,
        |train: &[&Example]| {
            let seen: Vec<(String, bool)> = train
                .iter()
                .map(|e| (e.text.clone(), e.label.is_malicious()))
                .collect();
            // A memoriser: predicts the training label if seen, else "malicious".
            move |t: &str| {
                seen.iter()
                    .find(|(s, _)| s == t)
                    .map(|x| x.1)
                    .unwrap_or(true)
            }
        },
    );
    // Every held-out text is unseen, so every prediction is "malicious".
    assert_eq!(
        m,
        Metrics {
            tp: 10,
            fp: 40,
            tn: 0,
            fn_: 0
        }
    );
}

#[test]
fn percentiles() {
    let v: Vec<u64> = (1..=100).collect();
    assert_eq!(eval::percentile(&v, 50.0), 50);
    assert_eq!(eval::percentile(&v, 99.0), 99);
    assert_eq!(eval::percentile(&v, 100.0), 100);
    assert_eq!(eval::percentile(&v, 0.0), 1);
    assert_eq!(eval::percentile(&[], 50.0), 0);
}
