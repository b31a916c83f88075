//! Data-driven shield tests: every `corpus/*.test` file holds cases separated by `---`.
//!
//! A case is `key: value` lines:
//! - `body:` the message (required; `\n` in it becomes a newline);
//! - `direction:` `outbound` (default) or `inbound`; `from:`, `to:`;
//! - `protect:` an account's own name, `domain:` its genuine domain (repeatable);
//! - `verdict:` the expected verdict; `tags:` tags that must be present;
//!   `no-tags:` tags that must be absent; `min-score:` / `max-score:`.
//!
//! Lines starting with `#` are comments. Every case must expect something.

#![allow(clippy::expect_used, clippy::unwrap_used)]

use switchboard_filter::{AccountContext, Direction, FilterInput, Shield, ShieldConfig, Verdict};

#[derive(Debug, Default)]
struct Case {
    file: String,
    line: usize,
    body: Option<String>,
    direction: Option<String>,
    from: Option<String>,
    to: Option<String>,
    protect: Vec<String>,
    domains: Vec<String>,
    verdict: Option<String>,
    tags: Vec<String>,
    no_tags: Vec<String>,
    min_score: Option<u32>,
    max_score: Option<u32>,
}

fn parse(file: &str, text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut case = Case {
        file: file.into(),
        line: 1,
        ..Case::default()
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_end();
        if line.trim() == "---" {
            cases.push(std::mem::replace(
                &mut case,
                Case {
                    file: file.into(),
                    line: i + 2,
                    ..Case::default()
                },
            ));
            continue;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let (key, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("{file}:{}: expected `key: value`", i + 1));
        let value = value.trim().to_owned();
        let words = || {
            value
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        match key.trim() {
            "body" => case.body = Some(value.replace("\\n", "\n")),
            "direction" => case.direction = Some(value),
            "from" => case.from = Some(value),
            "to" => case.to = Some(value),
            "protect" => case.protect.push(value),
            "domain" => case.domains.push(value),
            "verdict" => case.verdict = Some(value),
            "tags" => case.tags.extend(words()),
            "no-tags" => case.no_tags.extend(words()),
            "min-score" => case.min_score = Some(value.parse().expect("min-score")),
            "max-score" => case.max_score = Some(value.parse().expect("max-score")),
            other => panic!("{file}:{}: unknown key `{other}`", i + 1),
        }
    }
    if case.body.is_some() {
        cases.push(case);
    }
    cases
}

#[test]
fn corpus() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "test"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "corpus files: {files:?}");
    let shield = Shield::new(ShieldConfig::default());
    let mut failures = Vec::new();
    let mut total = 0;
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(path).expect("read");
        for case in parse(&name, &text) {
            total += 1;
            let body = case
                .body
                .clone()
                .unwrap_or_else(|| panic!("{}:{}: no body", case.file, case.line));
            assert!(
                case.verdict.is_some()
                    || !case.tags.is_empty()
                    || !case.no_tags.is_empty()
                    || case.min_score.is_some()
                    || case.max_score.is_some(),
                "{}:{}: the case expects nothing",
                case.file,
                case.line
            );
            let account = AccountContext::new(
                "AC00000000000000000000000000000000",
                &case.protect,
                &case.domains,
            );
            let direction = case
                .direction
                .as_deref()
                .map(|d| Direction::parse(d).expect("direction"))
                .unwrap_or_default();
            let a = shield.analyze(&FilterInput {
                body: &body,
                from: case.from.as_deref(),
                to: case.to.as_deref(),
                direction,
                account: Some(&account),
            });
            let mut why = Vec::new();
            if let Some(v) = &case.verdict {
                let want = Verdict::parse(v).expect("verdict value");
                if a.verdict != want {
                    why.push(format!("verdict {:?}, want {want:?}", a.verdict));
                }
            }
            for t in &case.tags {
                if !a.has_tag(t) {
                    why.push(format!("missing tag {t}"));
                }
            }
            for t in &case.no_tags {
                if a.has_tag(t) {
                    why.push(format!("unexpected tag {t}"));
                }
            }
            if case.min_score.is_some_and(|m| a.score < m)
                || case.max_score.is_some_and(|m| a.score > m)
            {
                why.push(format!("score {}", a.score));
            }
            if !why.is_empty() {
                failures.push(format!(
                    "{}:{}: {} — {:?}\n    score {} tags {:?} reasons {:?}",
                    case.file,
                    case.line,
                    why.join(", "),
                    body,
                    a.score,
                    a.tags,
                    a.reasons
                ));
            }
        }
    }
    assert!(total >= 60, "only {total} cases");
    assert!(
        failures.is_empty(),
        "{} of {total} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
