//! Data-driven corpus for messaging: every `tests/corpus/NAME.xml` is
//! parsed and the result, rendered by [`describe`], must equal
//! `NAME.expected`. An optional `NAME.limits` holds `field = value` lines
//! overriding [`Limits`]. Voice has its own corpus (`voice_corpus.rs`).
//!
//! `UPDATE_EXPECT=1 cargo test -p switchboard-twiml --test corpus` rewrites
//! the `.expected` files; review every change by hand before keeping it.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;

use common::{expect, limits_for, opt, xml_files};
use switchboard_twiml::{parse_messaging, Limits, MessagingResponse, TwimlError, Verb};

/// One line per verb (or `no verbs`), then one per warning; or the error.
fn describe(result: &Result<MessagingResponse, TwimlError>) -> String {
    let response = match result {
        Ok(response) => response,
        Err(e) => return format!("error {}: {e}\n", e.code()),
    };
    let mut out = String::new();
    if response.verbs.is_empty() {
        out.push_str("no verbs\n");
    }
    for verb in &response.verbs {
        match verb {
            Verb::Message(m) => writeln!(
                out,
                "message to={} from={} method={} action={} status_callback={} media={:?} body={:?}",
                opt(&m.to),
                opt(&m.from),
                m.method,
                opt(&m.action),
                opt(&m.status_callback),
                m.media,
                m.body,
            ),
            Verb::Redirect(r) => writeln!(out, "redirect method={} url={:?}", r.method, r.url),
        }
        .unwrap();
    }
    for warning in &response.warnings {
        writeln!(out, "warning: {warning}").unwrap();
    }
    out
}

fn corpus() -> Vec<PathBuf> {
    xml_files("corpus")
}

#[test]
fn corpus_matches_expectations() {
    let files = corpus();
    assert!(files.len() >= 25, "corpus has only {} cases", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let xml = std::fs::read_to_string(path).unwrap();
        let limits = limits_for(path);
        let result = parse_messaging(&xml, &limits);
        failures.extend(expect(path, &describe(&result)));
        // Whatever parses must render to a document that parses back to
        // the same verbs, with no warnings.
        if let Ok(response) = result {
            let again = parse_messaging(&response.to_xml(), &Limits::default())
                .unwrap_or_else(|e| panic!("{}: rendered TwiML fails: {e}", path.display()));
            assert_eq!(again.verbs, response.verbs, "{}", path.display());
            assert!(again.warnings.is_empty(), "{}", path.display());
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Not stored in the corpus: a document just over the default 64 KiB is
/// refused as too large, even if it is otherwise garbage (the size check
/// comes before parsing).
#[test]
fn default_size_limit() {
    let limit = Limits::default().max_bytes;
    assert_eq!(limit, 65_536);
    let filler = "x".repeat(limit);
    let fits = format!(
        "<Response><Message>{}</Message></Response>",
        &filler[..1000]
    );
    assert!(parse_messaging(&fits, &Limits::default()).is_ok());
    let body = "a".repeat(limit - "<Response></Response>".len() + 1);
    let over = format!("<Response>{body}</Response>");
    let err = parse_messaging(&over, &Limits::default()).unwrap_err();
    assert_eq!(err.code(), 11750);
    assert_eq!(
        err.to_string(),
        "document is 65537 bytes, over the 65536-byte limit"
    );
    let garbage = "<".repeat(limit + 1);
    assert_eq!(
        parse_messaging(&garbage, &Limits::default())
            .unwrap_err()
            .code(),
        11750
    );
    let exactly = format!("<Response>{}</Response>", &body[1..]);
    assert_eq!(exactly.len(), limit);
    // Fits the byte limit; stray text in <Response> is only a warning.
    assert!(parse_messaging(&exactly, &Limits::default()).is_ok());
}

/// Every error kind has a lowercase message without a trailing period.
#[test]
fn error_messages_are_lowercase_without_period() {
    for path in corpus() {
        let xml = std::fs::read_to_string(&path).unwrap();
        if let Err(e) = parse_messaging(&xml, &limits_for(&path)) {
            let msg = e.to_string();
            assert!(!msg.ends_with('.'), "{msg}");
            let first = msg.chars().next().unwrap();
            assert!(!first.is_uppercase(), "{msg}");
        }
    }
}
