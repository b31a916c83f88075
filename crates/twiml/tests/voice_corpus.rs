//! Data-driven corpus for voice: every `tests/corpus/voice/NAME.xml` is
//! parsed with `parse_voice` and the result, rendered by [`describe`], must
//! equal `NAME.expected` (`NAME.limits` overrides [`Limits`], as in the
//! messaging corpus). Every messaging corpus document is also run through
//! `parse_voice`: the shared XML layer must refuse the same attacks, and
//! whatever parses must round-trip.
//!
//! `UPDATE_EXPECT=1 cargo test -p switchboard-twiml --test voice_corpus`
//! rewrites the `.expected` files; review every change by hand.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::{expect, limits_for, opt, xml_files};
use switchboard_twiml::{
    parse_voice, Gather, Limits, Loop, Pause, Play, PlaySource, Prompt, Say, TwimlError,
    VoiceResponse, VoiceVerb,
};

fn repeat(repeat: Loop) -> String {
    match repeat {
        Loop::Times(n) => n.to_string(),
        Loop::Forever => "forever".to_owned(),
    }
}

fn say(out: &mut String, s: &Say) {
    let (voice, language, times) = (opt(&s.voice), opt(&s.language), repeat(s.repeat));
    let text = &s.text;
    writeln!(
        out,
        "say voice={voice} language={language} loop={times} text={text:?}"
    )
    .unwrap();
}

fn play(out: &mut String, p: &Play) {
    let times = repeat(p.repeat);
    match &p.source {
        PlaySource::Url(url) => writeln!(out, "play loop={times} url={url:?}"),
        PlaySource::Digits(digits) => writeln!(out, "play loop={times} digits={digits:?}"),
    }
    .unwrap();
}

fn pause(out: &mut String, p: Pause) {
    writeln!(out, "pause length={}", p.length_secs).unwrap();
}

fn gather(out: &mut String, g: &Gather) {
    let num_digits = g.num_digits.map_or("-".to_owned(), |n| n.to_string());
    let key = g.finish_on_key.map_or("-".to_owned(), |k| format!("{k:?}"));
    writeln!(
        out,
        "gather action={} method={} num_digits={num_digits} timeout={} finish_on_key={key} \
         action_on_empty_result={}",
        opt(&g.action),
        g.method,
        g.timeout_secs,
        g.action_on_empty_result,
    )
    .unwrap();
    for prompt in &g.prompts {
        out.push_str("  ");
        match prompt {
            Prompt::Say(s) => say(out, s),
            Prompt::Play(p) => play(out, p),
            Prompt::Pause(p) => pause(out, *p),
        }
    }
}

/// One line per verb (prompts of a gather indented below it), or `no
/// verbs`; then one per warning; or the error.
fn describe(result: &Result<VoiceResponse, TwimlError>) -> String {
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
            VoiceVerb::Say(s) => say(&mut out, s),
            VoiceVerb::Play(p) => play(&mut out, p),
            VoiceVerb::Pause(p) => pause(&mut out, *p),
            VoiceVerb::Gather(g) => gather(&mut out, g),
            VoiceVerb::Hangup => out.push_str("hangup\n"),
            VoiceVerb::Redirect(r) => {
                writeln!(out, "redirect method={} url={:?}", r.method, r.url).unwrap();
            }
            VoiceVerb::Reject(reason) => {
                writeln!(out, "reject reason={}", reason.as_str()).unwrap()
            }
        }
    }
    for warning in &response.warnings {
        writeln!(out, "warning: {warning}").unwrap();
    }
    out
}

/// Whatever parses renders to a document that parses back to the same
/// verbs, with no warnings.
fn assert_round_trip(path: &Path, result: &Result<VoiceResponse, TwimlError>) {
    let Ok(response) = result else { return };
    let again = parse_voice(&response.to_xml(), &Limits::default())
        .unwrap_or_else(|e| panic!("{}: rendered TwiML fails: {e}", path.display()));
    assert_eq!(again.verbs, response.verbs, "{}", path.display());
    assert!(again.warnings.is_empty(), "{}", path.display());
}

#[test]
fn voice_corpus_matches_expectations() {
    let files = xml_files("corpus/voice");
    assert!(files.len() >= 40, "corpus has only {} cases", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let xml = std::fs::read_to_string(path).unwrap();
        let result = parse_voice(&xml, &limits_for(path));
        failures.extend(expect(path, &describe(&result)));
        assert_round_trip(path, &result);
        if let Err(e) = &result {
            let msg = e.to_string();
            assert!(!msg.ends_with('.'), "{msg}");
            assert!(!msg.starts_with(char::is_uppercase), "{msg}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The messaging corpus through the voice parser: the XML-level verdicts
/// (11750 and 12100) are the same, and nothing panics.
#[test]
fn messaging_corpus_through_voice() {
    let files = xml_files("corpus");
    assert!(!files.is_empty());
    for path in &files {
        let xml = std::fs::read_to_string(path).unwrap();
        let limits = limits_for(path);
        let voice = parse_voice(&xml, &limits);
        let messaging = switchboard_twiml::parse_messaging(&xml, &limits);
        if let Err(e) = &messaging {
            if e.code() != 12200 {
                assert_eq!(voice.as_ref().err(), Some(e), "{}", path.display());
            }
        }
        assert_round_trip(path, &voice);
    }
}
