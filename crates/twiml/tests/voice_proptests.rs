//! Property tests for voice: `parse_voice` is total (never panics,
//! whatever the input), what it accepts satisfies the AST's invariants, and
//! render/parse round-trip on generated ASTs.
#![allow(clippy::expect_used, clippy::unwrap_used)] // test binary

mod common;

use std::num::NonZeroU32;

use common::generators::{
    self, check_error, clean, edit, is_trimmed, method, mutate, optional, tiny, token_soup, url,
};
use proptest::prelude::*;
use switchboard_twiml::{
    parse_voice, Gather, Limits, Loop, Pause, Play, PlaySource, Prompt, Redirect, RejectReason,
    Say, VoiceResponse, VoiceVerb, MAX_GATHER_TIMEOUT_SECS, MAX_LOOP, MAX_PAUSE_SECS,
};

fn check_say(s: &Say, limits: &Limits) -> Result<(), TestCaseError> {
    prop_assert!(!s.text.is_empty() && is_trimmed(&s.text));
    prop_assert!(s.text.chars().count() <= limits.max_say_chars);
    prop_assert!(!s.text.contains('\0'));
    check_loop(s.repeat)
}

fn check_loop(repeat: Loop) -> Result<(), TestCaseError> {
    if let Loop::Times(n) = repeat {
        prop_assert!(n.get() <= MAX_LOOP);
    }
    Ok(())
}

fn check_play(p: &Play) -> Result<(), TestCaseError> {
    match &p.source {
        PlaySource::Url(url) => prop_assert!(!url.is_empty() && is_trimmed(url)),
        PlaySource::Digits(d) => {
            prop_assert!(!d.is_empty());
            prop_assert!(d.chars().all(|c| "0123456789*#ABCDw".contains(c)));
        }
    }
    check_loop(p.repeat)
}

fn check_verbs(response: &VoiceResponse, limits: &Limits) -> Result<(), TestCaseError> {
    prop_assert!(response.verbs.len() <= limits.max_verbs);
    for verb in &response.verbs {
        match verb {
            VoiceVerb::Say(s) => check_say(s, limits)?,
            VoiceVerb::Play(p) => check_play(p)?,
            VoiceVerb::Pause(p) => prop_assert!(p.length_secs.get() <= MAX_PAUSE_SECS),
            VoiceVerb::Gather(g) => {
                prop_assert!(g.prompts.len() <= limits.max_verbs);
                prop_assert!(g.timeout_secs.get() <= MAX_GATHER_TIMEOUT_SECS);
                if let Some(key) = g.finish_on_key {
                    prop_assert!("0123456789*#".contains(key));
                }
                for prompt in &g.prompts {
                    match prompt {
                        Prompt::Say(s) => check_say(s, limits)?,
                        Prompt::Play(p) => check_play(p)?,
                        Prompt::Pause(p) => prop_assert!(p.length_secs.get() <= MAX_PAUSE_SECS),
                    }
                }
            }
            VoiceVerb::Redirect(r) => prop_assert!(!r.url.is_empty()),
            VoiceVerb::Hangup | VoiceVerb::Reject(_) => {}
        }
    }
    Ok(())
}

/// Parses under `limits` and checks whatever comes back.
fn check(xml: &str, limits: &Limits) -> Result<(), TestCaseError> {
    match parse_voice(xml, limits) {
        Err(e) => check_error(&e),
        Ok(response) => {
            check_verbs(&response, limits)?;
            let again = parse_voice(&response.to_xml(), &Limits::default());
            prop_assert_eq!(again.map(|r| r.verbs), Ok(response.verbs));
            Ok(())
        }
    }
}

/// Voice fragments, on top of [`generators::XML_TOKENS`].
const TOKENS: &[&str] = &[
    "<Say>",
    "</Say>",
    "<Say loop=\"0\" voice=\"woman\">",
    "<Play>",
    "</Play>",
    "<Play digits=\"w1#\"/>",
    "<Pause/>",
    "<Pause length=\"99999\"/>",
    "<Gather>",
    "</Gather>",
    "<Gather numDigits=\"1\" finishOnKey=\"\" input=\"speech\">",
    "<Hangup/>",
    "<Reject reason=\"busy\"/>",
    "<break/>",
    "<prosody>",
    "</prosody>",
    "loop=\"x\"",
    "length=\"0\"",
];

const SEEDS: &[&str] = &[
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response>\n  <Gather numDigits=\"1\" \
     action=\"/reply\" timeout=\"7\" finishOnKey=\"*\" method=\"GET\" \
     actionOnEmptyResult=\"true\">\n    <Say voice=\"woman\" language=\"it-IT\" loop=\"2\">Premi \
     1</Say><Pause length=\"2\"/><Play loop=\"0\">/a.wav</Play>\n  </Gather>\n  <Say>No \
     input.</Say>\n</Response>",
    "<Response><Play digits=\"ww12#\"/><Redirect method=\"GET\">/next?a=1&amp;b=2</Redirect>\
     </Response>",
    "<Response><Say>Caf&#233; <emphasis>&amp;</emphasis><![CDATA[<b>]]></Say><Hangup/></Response>",
    "\u{feff}<?xml version=\"1.0\"?><!-- c --><Response><Reject reason=\"busy\"/></Response>",
    "<Response><Gather finishOnKey=\"\"/><Pause/></Response>",
    "<Response/>",
];

fn nonzero(max: u32) -> impl Strategy<Value = NonZeroU32> {
    (1..=max).prop_map(|n| NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN))
}

fn repeat() -> impl Strategy<Value = Loop> {
    prop_oneof![
        Just(Loop::ONCE),
        Just(Loop::Forever),
        nonzero(MAX_LOOP).prop_map(Loop::Times),
    ]
}

fn say() -> impl Strategy<Value = Say> {
    (clean(40), optional(), optional(), repeat()).prop_map(|(text, voice, language, repeat)| {
        let text = if text.is_empty() {
            "x".to_owned()
        } else {
            text
        };
        Say {
            text,
            voice,
            language,
            repeat,
        }
    })
}

fn play() -> impl Strategy<Value = Play> {
    let source = prop_oneof![
        url().prop_map(PlaySource::Url),
        "[0-9*#A-Dw]{1,12}".prop_map(PlaySource::Digits),
    ];
    (source, repeat()).prop_map(|(source, repeat)| Play { source, repeat })
}

fn pause() -> impl Strategy<Value = Pause> {
    nonzero(MAX_PAUSE_SECS).prop_map(|length_secs| Pause { length_secs })
}

fn gather() -> impl Strategy<Value = Gather> {
    let prompt = prop_oneof![
        say().prop_map(Prompt::Say),
        play().prop_map(Prompt::Play),
        pause().prop_map(Prompt::Pause),
    ];
    let key = prop_oneof![Just(None), "[0-9*#]".prop_map(|k| k.chars().next())];
    let numbers = (
        prop::option::of(nonzero(u32::MAX)),
        nonzero(MAX_GATHER_TIMEOUT_SECS),
    );
    let flags = (optional(), method(), any::<bool>());
    (prop::collection::vec(prompt, 0..=10), numbers, key, flags).prop_map(
        |(prompts, (num_digits, timeout_secs), finish_on_key, (action, method, on_empty))| Gather {
            prompts,
            num_digits,
            timeout_secs,
            finish_on_key,
            action,
            method,
            action_on_empty_result: on_empty,
        },
    )
}

fn verb() -> impl Strategy<Value = VoiceVerb> {
    let reason = prop_oneof![Just(RejectReason::Rejected), Just(RejectReason::Busy)];
    prop_oneof![
        say().prop_map(VoiceVerb::Say),
        play().prop_map(VoiceVerb::Play),
        pause().prop_map(VoiceVerb::Pause),
        gather().prop_map(VoiceVerb::Gather),
        Just(VoiceVerb::Hangup),
        (url(), method()).prop_map(|(url, method)| VoiceVerb::Redirect(Redirect { url, method })),
        reason.prop_map(VoiceVerb::Reject),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

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
    fn mutated_documents(
        seed in prop::sample::select(SEEDS),
        edits in prop::collection::vec(edit(generators::tokens(TOKENS)), 1..6),
    ) {
        let xml = mutate(seed, &edits);
        check(&xml, &Limits::default())?;
        check(&xml, &tiny())?;
    }

    #[test]
    fn render_then_parse_is_identity(verbs in prop::collection::vec(verb(), 0..=10)) {
        let response = VoiceResponse { verbs, warnings: Vec::new() };
        let parsed = parse_voice(&response.to_xml(), &Limits::default());
        prop_assert_eq!(parsed, Ok(response));
    }
}

#[test]
fn seeds_are_valid() {
    for seed in SEEDS {
        let response = parse_voice(seed, &Limits::default()).unwrap();
        let ssml = ["spoke only the text of the SSML inside <Say>"];
        let expected: &[&str] = if seed.contains("<emphasis>") {
            &ssml
        } else {
            &[]
        };
        assert_eq!(response.warnings, expected, "{seed}");
    }
}
