//! Unit tests per voice verb: defaults, every attribute, errors and
//! warnings. Whole documents (and the security cases) are in
//! `tests/corpus/voice/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::num::NonZeroU32;

use super::*;
use crate::{parse_voice, Limits, Method, Redirect};

fn parse(body: &str) -> VoiceResponse {
    parse_voice(&format!("<Response>{body}</Response>"), &Limits::default())
        .unwrap_or_else(|e| panic!("{body}: {e}"))
}

fn only(body: &str) -> VoiceVerb {
    let mut response = parse(body);
    assert_eq!(response.verbs.len(), 1, "{body}: {response:?}");
    response.verbs.remove(0)
}

/// The error code and message for `body`.
fn error(body: &str) -> (u32, String) {
    let e =
        parse_voice(&format!("<Response>{body}</Response>"), &Limits::default()).expect_err(body);
    (e.code(), e.to_string())
}

fn n(n: u32) -> NonZeroU32 {
    NonZeroU32::new(n).unwrap()
}

fn say(text: &str) -> Say {
    Say {
        text: text.into(),
        voice: None,
        language: None,
        repeat: Loop::ONCE,
    }
}

#[test]
fn say_defaults_and_attributes() {
    assert_eq!(only("<Say> Hello </Say>"), VoiceVerb::Say(say("Hello")));
    let full = r#"<Say voice="Polly.Carla" language="it-IT" loop="2">Ciao</Say>"#;
    let expected = Say {
        voice: Some("Polly.Carla".into()),
        language: Some("it-IT".into()),
        repeat: Loop::Times(n(2)),
        ..say("Ciao")
    };
    assert_eq!(only(full), VoiceVerb::Say(expected));
    let forever = only(r#"<Say loop="0">again</Say>"#);
    assert!(matches!(forever, VoiceVerb::Say(s) if s.repeat == Loop::Forever));
}

#[test]
fn say_loop_is_capped_and_checked() {
    let response = parse(r#"<Say loop="99999999999">x</Say>"#);
    let VoiceVerb::Say(s) = &response.verbs[0] else {
        panic!()
    };
    assert_eq!(s.repeat, Loop::Times(n(MAX_LOOP)));
    assert_eq!(
        response.warnings,
        ["lowered loop 4294967295 on <Say> to 1000"]
    );
    for bad in ["-1", "x", "1.5", "+2"] {
        let (code, msg) = error(&format!(r#"<Say loop="{bad}">x</Say>"#));
        assert_eq!(code, 12200);
        assert!(
            msg.starts_with(&format!("invalid loop \"{bad}\" on <Say>")),
            "{msg}"
        );
    }
}

#[test]
fn say_text_rules() {
    let response = parse("<Say>  </Say><Say/>");
    assert!(response.verbs.is_empty());
    assert_eq!(response.warnings.len(), 2);
    let ssml = r#"<Say>Hi<break time="1s"/>there <emphasis>you</emphasis><s>Bye</s></Say>"#;
    let response = parse(ssml);
    assert_eq!(response.verbs, [VoiceVerb::Say(say("Hi there you Bye"))]);
    assert_eq!(
        response.warnings,
        ["spoke only the text of the SSML inside <Say>"]
    );
    assert_eq!(
        error("<Say>a<Play>b</Play></Say>"),
        (12200, "unexpected <Play> inside <Say>".into())
    );
    assert_eq!(
        error("<Say><prosody><Hangup/></prosody></Say>").1,
        "unexpected <Hangup> inside <prosody>"
    );
    let limits = Limits {
        max_say_chars: 3,
        ..Limits::default()
    };
    let e = parse_voice("<Response><Say>abcd</Say></Response>", &limits).unwrap_err();
    assert_eq!(e.code(), 12200);
    assert_eq!(
        e.to_string(),
        "<Say> text is 4 characters, over the 3-character limit"
    );
}

#[test]
fn play_url_or_digits() {
    let url = only(r#"<Play loop="3"> https://example.com/a.wav </Play>"#);
    let expected = Play {
        source: PlaySource::Url("https://example.com/a.wav".into()),
        repeat: Loop::Times(n(3)),
    };
    assert_eq!(url, VoiceVerb::Play(expected));
    let digits = only(r#"<Play digits="ww12*#ABCD0"/>"#);
    let expected = Play {
        source: PlaySource::Digits("ww12*#ABCD0".into()),
        repeat: Loop::ONCE,
    };
    assert_eq!(digits, VoiceVerb::Play(expected));
    assert_eq!(error("<Play/>").1, "<Play> has neither a URL nor digits");
    assert_eq!(error(r#"<Play digits="">  </Play>"#).0, 12200);
    assert_eq!(
        error(r#"<Play digits="1">/a.wav</Play>"#).1,
        "<Play> has both a URL and digits"
    );
    assert!(error(r#"<Play digits="12a"/>"#)
        .1
        .starts_with("invalid digits \"12a\""));
    assert_eq!(error("<Play><Say>x</Say></Play>").0, 12200);
}

#[test]
fn pause_default_bounds_and_errors() {
    let one = Pause::default();
    assert_eq!(one.length_secs.get(), 1);
    assert_eq!(only("<Pause/>"), VoiceVerb::Pause(one));
    let ten = only(r#"<Pause length="10"/>"#);
    assert_eq!(ten, VoiceVerb::Pause(Pause { length_secs: n(10) }));
    let response = parse(r#"<Pause length="100000"/>"#);
    let capped = Pause {
        length_secs: n(MAX_PAUSE_SECS),
    };
    assert_eq!(response.verbs, [VoiceVerb::Pause(capped)]);
    assert_eq!(
        response.warnings,
        ["lowered length 100000 on <Pause> to 600"]
    );
    for bad in ["0", "-1", "1s", "two"] {
        let (code, msg) = error(&format!(r#"<Pause length="{bad}"/>"#));
        assert_eq!(code, 12200);
        assert_eq!(
            msg,
            format!("invalid length \"{bad}\" on <Pause>, expected a positive whole number")
        );
    }
    let response = parse("<Pause>text</Pause>");
    assert_eq!(response.warnings, ["ignored text inside <Pause>"]);
    assert_eq!(error("<Pause><Say>x</Say></Pause>").0, 12200);
}

#[test]
fn gather_defaults() {
    let gather = Gather::default();
    assert_eq!(gather.timeout_secs.get(), 5);
    assert_eq!(gather.finish_on_key, Some('#'));
    assert_eq!(gather.num_digits, None);
    assert_eq!(gather.action, None);
    assert_eq!(gather.method, Method::Post);
    assert!(!gather.action_on_empty_result);
    assert_eq!(only("<Gather/>"), VoiceVerb::Gather(gather));
}

#[test]
fn gather_attributes_and_prompts() {
    let xml = r#"<Gather input="dtmf" numDigits="1" timeout="10" finishOnKey="*"
        action="/reply" method="get" actionOnEmptyResult="TRUE">
        <Say>Press 1</Say><Pause length="2"/><Play>/menu.wav</Play></Gather>"#;
    let response = parse(xml);
    assert!(response.warnings.is_empty(), "{:?}", response.warnings);
    let expected = Gather {
        prompts: vec![
            Prompt::Say(say("Press 1")),
            Prompt::Pause(Pause { length_secs: n(2) }),
            Prompt::Play(Play {
                source: PlaySource::Url("/menu.wav".into()),
                repeat: Loop::ONCE,
            }),
        ],
        num_digits: Some(n(1)),
        timeout_secs: n(10),
        finish_on_key: Some('*'),
        action: Some("/reply".into()),
        method: Method::Get,
        action_on_empty_result: true,
    };
    assert_eq!(response.verbs, [VoiceVerb::Gather(expected)]);
}

#[test]
fn gather_finish_on_key_empty_disables() {
    for xml in [
        r#"<Gather finishOnKey=""/>"#,
        r#"<Gather finishOnKey=" "/>"#,
    ] {
        let response = parse(xml);
        assert!(response.warnings.is_empty());
        let VoiceVerb::Gather(g) = &response.verbs[0] else {
            panic!()
        };
        assert_eq!(g.finish_on_key, None);
    }
    assert!(error(r###"<Gather finishOnKey="##"/>"###)
        .1
        .contains("finishOnKey"));
    assert!(error(r#"<Gather finishOnKey="A"/>"#)
        .1
        .contains("finishOnKey"));
    // Other attributes: empty is absent, with a warning.
    let response = parse(r#"<Gather numDigits="" action=""/>"#);
    assert_eq!(response.verbs, [VoiceVerb::Gather(Gather::default())]);
    assert_eq!(response.warnings.len(), 2);
}

#[test]
fn gather_input_speech_warns() {
    for input in ["speech", "dtmf speech", "speech  DTMF"] {
        let response = parse(&format!(r#"<Gather input="{input}"/>"#));
        assert_eq!(response.verbs, [VoiceVerb::Gather(Gather::default())]);
        assert_eq!(
            response.warnings,
            ["ignored speech input on <Gather>: only DTMF is gathered"]
        );
    }
    assert_eq!(error(r#"<Gather input="voice"/>"#).0, 12200);
}

#[test]
fn gather_bad_values_and_nesting() {
    let cases = [
        r#"<Gather numDigits="x"/>"#,
        r#"<Gather numDigits="0"/>"#,
        r#"<Gather timeout="-5"/>"#,
        r#"<Gather timeout="0"/>"#,
        r#"<Gather actionOnEmptyResult="yes"/>"#,
        r#"<Gather method="PUT"/>"#,
        "<Gather><Gather/></Gather>",
        "<Gather><Hangup/></Gather>",
        "<Gather><Redirect>/x</Redirect></Gather>",
        "<Gather><Dial>+1555</Dial></Gather>",
    ];
    for case in cases {
        assert_eq!(error(case).0, 12200, "{case}");
    }
    assert_eq!(
        error(r#"<Gather numDigits="x"/>"#).1,
        "invalid numDigits \"x\" on <Gather>, expected a positive whole number"
    );
    assert_eq!(
        error("<Gather><Gather/></Gather>").1,
        "unexpected <Gather> inside <Gather>"
    );
    let response = parse(r#"<Gather timeout="3600">oops</Gather>"#);
    let VoiceVerb::Gather(g) = &response.verbs[0] else {
        panic!()
    };
    assert_eq!(g.timeout_secs.get(), MAX_GATHER_TIMEOUT_SECS);
    assert_eq!(
        response.warnings,
        [
            "lowered timeout 3600 on <Gather> to 600",
            "ignored text directly inside <Gather>"
        ]
    );
}

#[test]
fn gather_nested_verbs_are_bounded() {
    let limits = Limits {
        max_verbs: 2,
        ..Limits::default()
    };
    let two = "<Response><Gather><Pause/><Pause/></Gather></Response>";
    assert!(parse_voice(two, &limits).is_ok());
    let three = "<Response><Gather><Pause/><Say/><Pause/></Gather></Response>";
    let e = parse_voice(three, &limits).unwrap_err();
    assert_eq!(e.to_string(), "more than 2 verbs in <Gather>");
}

#[test]
fn hangup_redirect_reject() {
    assert_eq!(only("<Hangup/>"), VoiceVerb::Hangup);
    assert_eq!(parse("<Hangup>bye</Hangup>").warnings.len(), 1);
    let redirect = only(r#"<Redirect method="GET"> /next </Redirect>"#);
    let expected = Redirect {
        url: "/next".into(),
        method: Method::Get,
    };
    assert_eq!(redirect, VoiceVerb::Redirect(expected));
    assert_eq!(error("<Redirect/>").1, "<Redirect> has an empty URL");
    assert_eq!(only("<Reject/>"), VoiceVerb::Reject(RejectReason::Rejected));
    let busy = only(r#"<Reject reason="Busy"/>"#);
    assert_eq!(busy, VoiceVerb::Reject(RejectReason::Busy));
    assert_eq!(
        error(r#"<Reject reason="maybe"/>"#).1,
        "invalid reason \"maybe\" on <Reject>, expected rejected or busy"
    );
}

#[test]
fn unknown_verbs_and_attributes_warn() {
    let response = parse(
        r#"<Say bargeIn="true">Hi</Say><Dial>+15551234567</Dial><Record/><say>lower</say><Hangup/>"#,
    );
    assert_eq!(
        response.verbs,
        [VoiceVerb::Say(say("Hi")), VoiceVerb::Hangup]
    );
    assert_eq!(
        response.warnings,
        [
            "ignored unknown attribute bargeIn on <Say>",
            "skipped unknown verb <Dial>",
            "skipped unknown verb <Record>",
            "skipped unknown verb <say>",
        ]
    );
}

#[test]
fn skipped_verbs_count_towards_the_limit() {
    let limits = Limits {
        max_verbs: 2,
        ..Limits::default()
    };
    let xml = "<Response><Dial/><Dial/><Hangup/></Response>";
    let e = parse_voice(xml, &limits).unwrap_err();
    assert_eq!(e.to_string(), "more than 2 verbs in <Response>");
}

#[test]
fn hairdresser_example() {
    let reminder = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather numDigits="1" action="/reply">
    <Say>Your appointment is tomorrow at 10. Press 1 to confirm, 2 to cancel.</Say>
  </Gather>
  <Say>No input.</Say>
</Response>"#;
    let response = parse_voice(reminder, &Limits::default()).unwrap();
    assert!(response.warnings.is_empty());
    let [VoiceVerb::Gather(gather), VoiceVerb::Say(fallback)] = &response.verbs[..] else {
        panic!("{response:?}")
    };
    assert_eq!(gather.num_digits, Some(n(1)));
    assert_eq!(gather.action.as_deref(), Some("/reply"));
    assert_eq!(gather.prompts.len(), 1);
    assert_eq!(fallback.text, "No input.");
    let reply = parse("<Say>Confirmed</Say><Hangup/>");
    assert_eq!(
        reply.verbs,
        [VoiceVerb::Say(say("Confirmed")), VoiceVerb::Hangup]
    );
}

#[test]
fn say_digits_spaces_the_code() {
    assert_eq!(say_digits("123456"), "1 2 3 4 5 6");
    assert_eq!(say_digits(" 12 34 "), "1 2 3 4");
    assert_eq!(say_digits("A1b"), "A 1 b");
    assert_eq!(say_digits(""), "");
    let verify = Say {
        text: say_digits("4821"),
        repeat: Loop::Times(n(2)),
        ..say("")
    };
    let response = VoiceResponse {
        verbs: vec![VoiceVerb::Say(verify)],
        warnings: vec![],
    };
    assert!(response.to_xml().contains("<Say loop=\"2\">4 8 2 1</Say>"));
}

#[test]
fn messaging_verbs_are_unknown_in_voice() {
    let response = parse("<Message>hi</Message>");
    assert!(response.verbs.is_empty());
    assert_eq!(response.warnings, ["skipped unknown verb <Message>"]);
}
