//! Property tests: the parser is total (never panics, whatever the input),
//! what it accepts satisfies the AST's invariants, and render/parse round
//! trip.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary

use proptest::prelude::*;
use switchboard_twiml::{
    parse_messaging, Limits, Message, MessagingResponse, Method, Redirect, TwimlError, Verb,
    MAX_MEDIA,
};

fn tiny() -> Limits {
    Limits {
        max_bytes: 200,
        max_depth: 3,
        max_verbs: 2,
        max_body_chars: 5,
        max_say_chars: 5,
    }
}

fn is_trimmed(s: &str) -> bool {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) == s
}

/// Parses under `limits` and checks whatever comes back.
fn check(xml: &str, limits: &Limits) -> Result<(), TestCaseError> {
    match parse_messaging(xml, limits) {
        Err(e) => check_error(&e),
        Ok(response) => {
            prop_assert!(response.verbs.len() <= limits.max_verbs);
            for verb in &response.verbs {
                match verb {
                    Verb::Message(m) => {
                        prop_assert!(m.body.chars().count() <= limits.max_body_chars);
                        prop_assert!(is_trimmed(&m.body));
                        prop_assert!(m.media.len() <= MAX_MEDIA);
                        prop_assert!(!m.body.is_empty() || !m.media.is_empty());
                        prop_assert!(!m.body.contains('\0'));
                    }
                    Verb::Redirect(r) => prop_assert!(!r.url.is_empty()),
                }
            }
            let again = parse_messaging(&response.to_xml(), &Limits::default());
            prop_assert_eq!(again.map(|r| r.verbs), Ok(response.verbs));
            Ok(())
        }
    }
}

fn check_error(e: &TwimlError) -> Result<(), TestCaseError> {
    prop_assert!([11750, 12100, 12200].contains(&e.code()));
    let msg = e.to_string();
    prop_assert!(!msg.is_empty() && !msg.ends_with('.'));
    Ok(())
}

/// Fragments that steer random documents into the interesting corners.
const TOKENS: &[&str] = &[
    "<Response>",
    "</Response>",
    "<Response/>",
    "<Message>",
    "</Message>",
    "<Message/>",
    "<Message to=\"+1555\" method=\"get\">",
    "<Body>",
    "</Body>",
    "<Media>",
    "</Media>",
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

fn token_soup() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(TOKENS), 0..40).prop_map(|t| t.concat())
}

const SEEDS: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>\n  <Message to=\"+15551234567\" \
     from=\"+15557654321\" action=\"/next\" method=\"POST\" statusCallback=\"/cb\">Thanks!\
     <Media>https://example.com/x.png</Media></Message>\n  <Redirect method=\"POST\">/next\
     </Redirect></Response>",
    "<Response><Message><Body>Caf&#233; &amp; <![CDATA[<b>]]></Body></Message></Response>",
    "<Response><Redirect method='GET'>/a?b=1&amp;c=2</Redirect></Response>",
    "\u{feff}<?xml version=\"1.0\"?><!-- c --><Response><Message>🎉</Message></Response>",
    "<Response/>",
];

#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, String),
    Delete(usize, usize),
    Duplicate(usize, usize),
    Replace(usize, u8),
}

fn edit() -> impl Strategy<Value = Edit> {
    let text = prop_oneof![
        prop::sample::select(TOKENS).prop_map(str::to_owned),
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
fn mutate(seed: &str, edits: &[Edit]) -> String {
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
fn clean(max: usize) -> impl Strategy<Value = String> {
    let pattern =
        format!("[a-zA-Z0-9 &<>\"'=;#/?:.\\t\\r\\n\u{e9}\u{a0}\u{1F389}\u{4f60}-]{{0,{max}}}");
    proptest::string::string_regex(&pattern)
        .unwrap()
        .prop_map(|s| {
            s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
                .to_owned()
        })
}

fn optional() -> impl Strategy<Value = Option<String>> {
    clean(12).prop_map(|s| (!s.is_empty()).then_some(s))
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![Just(Method::Get), Just(Method::Post)]
}

fn url() -> impl Strategy<Value = String> {
    clean(20).prop_map(|s| if s.is_empty() { "/x".to_owned() } else { s })
}

fn verb() -> impl Strategy<Value = Verb> {
    let message = (
        clean(40),
        (optional(), optional(), optional(), optional()),
        method(),
        prop::collection::vec(url(), 0..=MAX_MEDIA),
    )
        .prop_map(
            |(body, (to, from, action, status_callback), method, mut media)| {
                if body.is_empty() && media.is_empty() {
                    media.push("/m.png".to_owned());
                }
                Verb::Message(Message {
                    body,
                    to,
                    from,
                    action,
                    method,
                    status_callback,
                    media,
                })
            },
        );
    let redirect =
        (url(), method()).prop_map(|(url, method)| Verb::Redirect(Redirect { url, method }));
    prop_oneof![message, redirect]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_strings(s in ".{0,300}") {
        check(&s, &Limits::default())?;
        check(&s, &tiny())?;
    }

    #[test]
    fn token_soups(s in token_soup()) {
        check(&s, &Limits::default())?;
        check(&s, &tiny())?;
    }

    #[test]
    fn mutated_documents(seed in prop::sample::select(SEEDS), edits in prop::collection::vec(edit(), 1..6)) {
        let xml = mutate(seed, &edits);
        check(&xml, &Limits::default())?;
        check(&xml, &tiny())?;
    }

    #[test]
    fn render_then_parse_is_identity(verbs in prop::collection::vec(verb(), 0..=10)) {
        let response = MessagingResponse { verbs, warnings: Vec::new() };
        let parsed = parse_messaging(&response.to_xml(), &Limits::default());
        prop_assert_eq!(parsed, Ok(response));
    }
}

#[test]
fn seeds_are_valid() {
    for seed in SEEDS {
        let response = parse_messaging(seed, &Limits::default()).unwrap();
        assert!(
            response.warnings.is_empty(),
            "{seed}: {:?}",
            response.warnings
        );
    }
}
