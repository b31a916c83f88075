//! Rendering the voice AST back to TwiML, with the escaping rules of
//! [`crate::render`].

use std::fmt::Write as _;

use super::ast::{
    Gather, Loop, Pause, Play, PlaySource, Prompt, RejectReason, Say, VoiceResponse, VoiceVerb,
    DEFAULT_GATHER_TIMEOUT_SECS,
};
use crate::render::{attribute, document, method, render_redirect, text};

impl VoiceResponse {
    /// Renders the verbs as a TwiML document, one verb per line; warnings
    /// are not rendered. Attributes are written only when they differ from
    /// the default (`finishOnKey=""` when the finish key is disabled), and
    /// characters XML cannot carry become U+FFFD, as for messaging.
    ///
    /// For every `r` that [`parse_voice`](crate::parse_voice) returned,
    /// parsing `r.to_xml()` gives back `r.verbs` with no warnings. For
    /// hand-built values the parser's normalization applies: text, URLs
    /// and attribute values are trimmed, empty optional attributes and
    /// `<Say>` without text are dropped, and counts over the caps
    /// ([`MAX_LOOP`](crate::MAX_LOOP), …) are lowered.
    pub fn to_xml(&self) -> String {
        document(&self.verbs, |out, verb| match verb {
            VoiceVerb::Say(say) => render_say(out, say),
            VoiceVerb::Play(play) => render_play(out, play),
            VoiceVerb::Pause(pause) => render_pause(out, *pause),
            VoiceVerb::Gather(gather) => render_gather(out, gather),
            VoiceVerb::Hangup => out.push_str("<Hangup/>"),
            VoiceVerb::Redirect(redirect) => render_redirect(out, redirect),
            VoiceVerb::Reject(reason) => render_reject(out, *reason),
        })
    }
}

fn render_say(out: &mut String, say: &Say) {
    out.push_str("<Say");
    if let Some(voice) = &say.voice {
        attribute(out, "voice", voice);
    }
    if let Some(language) = &say.language {
        attribute(out, "language", language);
    }
    repeat(out, say.repeat);
    out.push('>');
    text(out, &say.text);
    out.push_str("</Say>");
}

fn render_play(out: &mut String, play: &Play) {
    match &play.source {
        PlaySource::Url(url) => {
            out.push_str("<Play");
            repeat(out, play.repeat);
            out.push('>');
            text(out, url);
            out.push_str("</Play>");
        }
        PlaySource::Digits(digits) => {
            out.push_str("<Play");
            repeat(out, play.repeat);
            attribute(out, "digits", digits);
            out.push_str("/>");
        }
    }
}

fn render_pause(out: &mut String, pause: Pause) {
    out.push_str("<Pause");
    if pause != Pause::default() {
        attribute(out, "length", &pause.length_secs.to_string());
    }
    out.push_str("/>");
}

fn render_gather(out: &mut String, gather: &Gather) {
    out.push_str("<Gather");
    if let Some(action) = &gather.action {
        attribute(out, "action", action);
    }
    method(out, gather.method);
    if let Some(n) = gather.num_digits {
        attribute(out, "numDigits", &n.to_string());
    }
    if gather.timeout_secs != DEFAULT_GATHER_TIMEOUT_SECS {
        attribute(out, "timeout", &gather.timeout_secs.to_string());
    }
    match gather.finish_on_key {
        Some('#') => {}
        Some(key) => attribute(out, "finishOnKey", key.encode_utf8(&mut [0; 4])),
        None => attribute(out, "finishOnKey", ""),
    }
    if gather.action_on_empty_result {
        attribute(out, "actionOnEmptyResult", "true");
    }
    if gather.prompts.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    for prompt in &gather.prompts {
        match prompt {
            Prompt::Say(say) => render_say(out, say),
            Prompt::Play(play) => render_play(out, play),
            Prompt::Pause(pause) => render_pause(out, *pause),
        }
    }
    out.push_str("</Gather>");
}

fn render_reject(out: &mut String, reason: RejectReason) {
    out.push_str("<Reject");
    if reason != RejectReason::default() {
        attribute(out, "reason", reason.as_str());
    }
    out.push_str("/>");
}

fn repeat(out: &mut String, repeat: Loop) {
    match repeat {
        Loop::Times(n) if n.get() == 1 => {}
        Loop::Times(n) => {
            let _ = write!(out, " loop=\"{n}\"");
        }
        Loop::Forever => out.push_str(" loop=\"0\""),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use crate::{parse_voice, Limits, Method, Redirect};
    use std::num::NonZeroU32;

    fn secs(n: u32) -> NonZeroU32 {
        NonZeroU32::new(n).unwrap()
    }

    #[test]
    fn empty_response_renders_self_closing() {
        let xml = VoiceResponse::default().to_xml();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response/>\n"
        );
    }

    #[test]
    fn renders_every_verb_and_round_trips() {
        let say = Say {
            text: "Tom & Jerry <3".into(),
            voice: Some("woman".into()),
            language: Some("it-IT".into()),
            repeat: Loop::Times(secs(2)),
        };
        let response = VoiceResponse {
            verbs: vec![
                VoiceVerb::Gather(Gather {
                    prompts: vec![
                        Prompt::Say(say.clone()),
                        Prompt::Pause(Pause::default()),
                        Prompt::Play(Play {
                            source: PlaySource::Url("https://example.com/a.wav".into()),
                            repeat: Loop::Forever,
                        }),
                    ],
                    num_digits: Some(secs(1)),
                    timeout_secs: secs(10),
                    finish_on_key: None,
                    action: Some("/reply?a=1&b=2".into()),
                    method: Method::Get,
                    action_on_empty_result: true,
                }),
                VoiceVerb::Play(Play {
                    source: PlaySource::Digits("ww1234#".into()),
                    repeat: Loop::ONCE,
                }),
                VoiceVerb::Pause(Pause {
                    length_secs: secs(3),
                }),
                VoiceVerb::Redirect(Redirect {
                    url: "/next".into(),
                    method: Method::Post,
                }),
                VoiceVerb::Reject(RejectReason::Busy),
                VoiceVerb::Reject(RejectReason::Rejected),
                VoiceVerb::Hangup,
            ],
            warnings: vec![],
        };
        let expected = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response>\n\
            <Gather action=\"/reply?a=1&amp;b=2\" method=\"GET\" numDigits=\"1\" timeout=\"10\" \
            finishOnKey=\"\" actionOnEmptyResult=\"true\"><Say voice=\"woman\" language=\"it-IT\" \
            loop=\"2\">Tom &amp; Jerry &lt;3</Say><Pause/><Play loop=\"0\">https://example.com/a.wav\
            </Play></Gather>\n<Play digits=\"ww1234#\"/>\n<Pause length=\"3\"/>\n\
            <Redirect>/next</Redirect>\n<Reject reason=\"busy\"/>\n<Reject/>\n<Hangup/>\n\
            </Response>\n";
        assert_eq!(response.to_xml(), expected);
        let parsed = parse_voice(&response.to_xml(), &Limits::default()).unwrap();
        assert_eq!(parsed, response);
    }

    #[test]
    fn default_gather_has_no_attributes() {
        let response = VoiceResponse {
            verbs: vec![VoiceVerb::Gather(Gather::default())],
            warnings: vec![],
        };
        assert!(response.to_xml().contains("\n<Gather/>\n"));
        let star = Gather {
            finish_on_key: Some('*'),
            ..Gather::default()
        };
        let response = VoiceResponse {
            verbs: vec![VoiceVerb::Gather(star)],
            warnings: vec![],
        };
        assert!(response.to_xml().contains("<Gather finishOnKey=\"*\"/>"));
    }
}
