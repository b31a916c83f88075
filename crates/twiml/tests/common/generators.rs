//! Property-test generators and the document mutator shared by both
//! dialects' property tests.

use proptest::prelude::*;
use switchboard_twiml::{Limits, Method, TwimlError};

/// Limits small enough that random documents hit every one of them.
pub fn tiny() -> Limits {
    Limits {
        max_bytes: 200,
        max_depth: 3,
        max_verbs: 2,
        max_body_chars: 5,
        max_say_chars: 5,
    }
}

pub fn is_trimmed(s: &str) -> bool {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) == s
}

/// Every error carries one of the crate's codes and a lowercase message
/// without a trailing period.
pub fn check_error(e: &TwimlError) -> Result<(), TestCaseError> {
    prop_assert!([11750, 12100, 12200].contains(&e.code()));
    let msg = e.to_string();
    prop_assert!(!msg.is_empty() && !msg.ends_with('.'));
    Ok(())
}

/// Fragments that steer random documents into the corners both dialects
/// share (XML well-formedness and security).
pub const XML_TOKENS: &[&str] = &[
    "<Response>",
    "</Response>",
    "<Response/>",
    "<Redirect>",
    "</Redirect>",
    "<Redirect method='GET'>",
    "<Dial>",
    "</Dial>",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<?xml version=\"1.0\"?>",
    "<?pi x?>",
    "<!DOCTYPE r [<!ENTITY a \"b\">]>",
    "&amp;",
    "&lt;",
    "&#233;",
    "&#x1F600;",
    "&#0;",
    "&#xD800;",
    "&foo;",
    "&",
    ";",
    "<",
    ">",
    "/",
    "=",
    "\"",
    "'",
    " ",
    "\n",
    "\r\n",
    "\u{feff}",
    "\u{0}",
    "\u{7}",
    "hello",
    "é",
    "🎉",
    "x=\"1\"",
];

/// [`XML_TOKENS`] followed by a dialect's own.
pub fn tokens(dialect: &[&'static str]) -> Vec<&'static str> {
    XML_TOKENS.iter().chain(dialect).copied().collect()
}

/// Random documents made of `tokens`.
pub fn token_soup(tokens: Vec<&'static str>) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(tokens), 0..40).prop_map(|t| t.concat())
}

#[derive(Debug, Clone)]
pub enum Edit {
    Insert(usize, String),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Replace(usize, u8),
}

pub fn edit(tokens: Vec<&'static str>) -> impl Strategy<Value = Edit> {
    let text = prop_oneof![
        prop::sample::select(tokens).prop_map(str::to_owned),
        ".{0,4}"
    ];
    prop_oneof![
        (any::<usize>(), text).prop_map(|(at, s)| Edit::Insert(at, s)),
        (any::<usize>(), 0..20usize).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), 0..20usize).prop_map(|(at, n)| Edit::Duplicate(at, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Edit::Replace(at, b)),
    ]
}

/// Applies byte-level edits (possibly splitting UTF-8 sequences, which
/// `from_utf8_lossy` then repairs into U+FFFD).
pub fn mutate(seed: &str, edits: &[Edit]) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for edit in edits {
        let len = bytes.len();
        let pos = |at: usize| if len == 0 { 0 } else { at % (len + 1) };
        match edit {
            Edit::Insert(at, s) => {
                let at = pos(*at);
                bytes.splice(at..at, s.bytes());
            }
            Edit::Delete(at, n) => {
                let at = pos(*at);
                bytes.drain(at..(at + n).min(len));
            }
            Edit::Duplicate(at, n) => {
                let at = pos(*at);
                let copy = bytes[at..(at + n).min(len)].to_vec();
                bytes.splice(at..at, copy);
            }
            Edit::Replace(at, b) if len > 0 => bytes[at % len] = *b,
            Edit::Replace(..) => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Text in the parser's normal form: trimmed, no characters XML forbids.
pub fn clean(max: usize) -> impl Strategy<Value = String> {
    let pattern =
        format!("[a-zA-Z0-9 &<>\"'=;#/?:.\\t\\r\\n\u{e9}\u{a0}\u{1F389}\u{4f60}-]{{0,{max}}}");
    proptest::string::string_regex(&pattern)
        .unwrap()
        .prop_map(|s| {
            s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                .to_owned()
        })
}

pub fn optional() -> impl Strategy<Value = Option<String>> {
    clean(12).prop_map(|s| (!s.is_empty()).then_some(s))
}

pub fn method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Get), Just(Method::Post)]
}

pub fn url() -> impl Strategy<Value = String> {
    clean(20).prop_map(|s| if s.is_empty() { "/x".to_owned() } else { s })
}
