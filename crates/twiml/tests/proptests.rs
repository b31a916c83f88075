//! Property tests for messaging: the parser is total (never panics,
//! whatever the input), what it accepts satisfies the AST's invariants, and
//! render/parse round trip. Voice has its own (`voice_proptests.rs`).
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary

mod common;

use common::generators::{
    self, check_error, clean, edit, is_trimmed, method, mutate, optional, tiny, token_soup, url,
};
use proptest::prelude::*;
use switchboard_twiml::{
    parse_messaging, Limits, Message, MessagingResponse, Redirect, Verb, MAX_MEDIA,
};

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

/// Messaging fragments, on top of [`generators::XML_TOKENS`].
const TOKENS: &[&str] = &[
    "<Message>",
    "</Message>",
    "<Message/>",
    "<Message to=\"+1555\" method=\"get\">",
    "<Body>",
    "</Body>",
    "<Media>",
    "</Media>",
];

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
    fn token_soups(s in token_soup(generators::tokens(TOKENS))) {
        check(&s, &Limits::default())?;
        check(&s, &tiny())?;
    }

    #[test]
    fn mutated_documents(seed in prop::sample::select(SEEDS), edits in prop::collection::vec(edit(generators::tokens(TOKENS)), 1..6)) {
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
