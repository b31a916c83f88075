//! Look-alike detector evaluation: per-family recall on a generated dnstwist-style set, false
//! positives on genuine domains, ham domains and ham words used as `.com` domains, and the
//! p50/p99 latency of `LookalikeDetector::check`.
//!
//! `cargo run --release -p switchboard-filter --example lookalike_eval`

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Instant;

use switchboard_filter::dataset::{self, Format, Label};
use switchboard_filter::lookalike::{builtin_brands, permute, LookalikeDetector};
use switchboard_filter::urls::{DomainTools, ExtractedUrl};

/// The recall brands of `tests/lookalike.rs`.
const BRANDS: &[&str] = switchboard_filter::lookalike::RECALL_BRANDS;

fn ham_texts() -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/shield/");
    let mut out = Vec::new();
    for (file, format) in [
        ("uci_SMSSpamCollection.tsv", Format::Uci),
        ("mishra_soni_2022_Dataset_5971.csv", Format::Mishra),
    ] {
        let text = std::fs::read_to_string(format!("{root}{file}"))?;
        let rows = dataset::parse(format, &text, Label::Ham)?;
        out.extend(
            rows.into_iter()
                .filter(|r| r.label == Label::Ham)
                .map(|r| r.text),
        );
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let tools = DomainTools::builtin();
    let det = LookalikeDetector::builtin();
    let genuine: HashSet<String> = builtin_brands()
        .into_iter()
        .flat_map(|b| b.genuine)
        .collect();

    // Recall.
    let mut urls: Vec<ExtractedUrl> = Vec::new();
    let mut fam: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let (mut dropped, mut total, mut hit) = (0, 0, 0);
    for d in BRANDS {
        let brand = d.split('.').next().unwrap_or(d);
        for c in permute(d) {
            let Some(url) = tools.parse(&c.domain) else {
                continue;
            };
            let reg_genuine = url
                .registrable
                .as_ref()
                .is_some_and(|r| genuine.contains(r));
            if genuine.contains(&c.domain) || reg_genuine || url.registrable.is_none() {
                dropped += 1;
                continue;
            }
            let ok = det.check(&url, &[]).iter().any(|f| f.brand == brand);
            let e = fam.entry(c.family).or_default();
            e.0 += 1;
            e.1 += usize::from(ok);
            total += 1;
            hit += usize::from(ok);
            urls.push(url);
        }
    }
    println!("per-family recall ({} brands):", BRANDS.len());
    for (f, (n, k)) in &fam {
        println!("  {f:14} {k:6}/{n:<6} {:.4}", *k as f64 / *n as f64);
    }
    println!(
        "  overall        {hit}/{total} = {:.4} ({dropped} dropped: genuine or public suffix)",
        hit as f64 / total as f64
    );

    // False positives.
    let mut genuine_fp = 0;
    let mut genuine_n = 0;
    for g in &genuine {
        for d in [g.clone(), format!("www.{g}"), format!("login.{g}")] {
            if let Some(u) = tools.parse(&d) {
                genuine_n += 1;
                genuine_fp += usize::from(!det.check(&u, &[]).is_empty());
                urls.push(u);
            }
        }
    }
    println!("genuine hosts: {genuine_fp} FP / {genuine_n}");
    let ham = ham_texts()?;
    let mut ham_domains = BTreeSet::new();
    let mut ham_fp = 0;
    let mut words = BTreeSet::new();
    for t in &ham {
        for u in tools.extract(t) {
            ham_fp += usize::from(!det.check(&u, &[]).is_empty());
            ham_domains.extend(u.registrable.clone());
        }
        for w in t.split(|c: char| !c.is_ascii_alphabetic()) {
            if w.len() >= 4 {
                words.insert(w.to_ascii_lowercase());
            }
        }
    }
    println!(
        "ham URLs: {ham_fp} FP ({} distinct registrable domains)",
        ham_domains.len()
    );
    let mut word_fp = Vec::new();
    for w in &words {
        if let Some(u) = tools.parse(&format!("{w}.com")) {
            let f = det.check(&u, &[]);
            if let Some(f) = f.first() {
                word_fp.push(format!("{w}.com→{}/{}", f.brand, f.tag));
            }
            urls.push(u);
        }
    }
    println!(
        "ham words (≥ 4 letters) as <word>.com: {} fire / {} ({:.3}%): {:?}",
        word_fp.len(),
        words.len(),
        100.0 * word_fp.len() as f64 / words.len() as f64,
        word_fp
    );

    // Latency.
    let mut ns: Vec<u128> = Vec::with_capacity(urls.len());
    for _ in 0..3 {
        for u in &urls {
            let t = Instant::now();
            let f = det.check(u, &[]);
            ns.push(t.elapsed().as_nanos());
            std::hint::black_box(f);
        }
    }
    ns.sort_unstable();
    let q = |p: f64| ns[((ns.len() - 1) as f64 * p) as usize];
    println!(
        "check latency over {} calls: p50 {:.2} µs, p99 {:.2} µs, max {:.2} µs",
        ns.len(),
        q(0.5) as f64 / 1e3,
        q(0.99) as f64 / 1e3,
        q(1.0) as f64 / 1e3
    );
    Ok(())
}
