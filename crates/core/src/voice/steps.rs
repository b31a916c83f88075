//! Parsed voice TwiML ([`switchboard_twiml::parse_voice`]) → the interpreter's [`Step`]s.

use super::interp::{Document, FetchError, Prompt, Step, Target, FOREVER_LOOPS};
use std::time::Duration;
use switchboard_twiml::{self as twiml, Limits, Loop, PlaySource, VoiceVerb};

/// Parses a voice document; a parse error carries its Twilio code (12100 / 12200).
pub fn parse(xml: &str) -> Result<Document, FetchError> {
    let response = twiml::parse_voice(xml, &Limits::default()).map_err(|e| FetchError {
        code: e.code(),
        message: e.to_string(),
    })?;
    let mut doc = Document {
        steps: Vec::with_capacity(response.verbs.len()),
        warnings: response.warnings,
    };
    for verb in response.verbs {
        let step = match verb {
            VoiceVerb::Say(s) => Step::Prompt(say(s)),
            VoiceVerb::Play(p) => Step::Prompt(play(p)),
            VoiceVerb::Pause(p) => Step::Prompt(pause(p)),
            VoiceVerb::Gather(g) => {
                let mut prompts = Vec::with_capacity(g.prompts.len());
                for p in g.prompts {
                    match p {
                        twiml::Prompt::Say(s) => prompts.push(say(s)),
                        twiml::Prompt::Pause(p) => prompts.push(pause(p)),
                        twiml::Prompt::Play(p) => prompts.push(play(p)),
                    }
                }
                Step::Gather {
                    prompts,
                    num_digits: g.num_digits.map(|n| n.get()),
                    timeout: Duration::from_secs(u64::from(g.timeout_secs.get())),
                    finish_on_key: g.finish_on_key,
                    action: g.action.map(|url| Target {
                        url,
                        method: g.method.as_str().to_owned(),
                    }),
                    action_on_empty: g.action_on_empty_result,
                }
            }
            VoiceVerb::Hangup => Step::Hangup,
            VoiceVerb::Redirect(r) => Step::Redirect(Target {
                url: r.url,
                method: r.method.as_str().to_owned(),
            }),
            VoiceVerb::Reject(reason) => Step::Reject(reason.as_str().to_owned()),
        };
        doc.steps.push(step);
    }
    Ok(doc)
}

fn loops(l: Loop) -> u32 {
    match l {
        Loop::Times(n) => n.get(),
        Loop::Forever => FOREVER_LOOPS,
    }
}

fn say(s: twiml::Say) -> Prompt {
    Prompt::Say {
        text: s.text,
        voice: s.voice.unwrap_or_default(),
        language: s.language.unwrap_or_else(|| "en-US".to_owned()),
        loops: loops(s.repeat),
    }
}

fn pause(p: twiml::Pause) -> Prompt {
    Prompt::Pause(Duration::from_secs(u64::from(p.length_secs.get())))
}

fn play(p: twiml::Play) -> Prompt {
    match p.source {
        PlaySource::Url(url) => Prompt::Play {
            url,
            loops: loops(p.repeat),
        },
        PlaySource::Digits(d) => Prompt::Digits(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hairdresser_reminder() {
        let doc = parse(
            r#"<Response><Gather numDigits="1" action="/reply"><Say language="it-IT" loop="2">Premi 1</Say></Gather><Say>No input.</Say><Dial>+1555</Dial></Response>"#,
        )
        .expect("parses");
        assert_eq!(doc.steps.len(), 2);
        let Step::Gather {
            prompts,
            num_digits,
            action,
            ..
        } = &doc.steps[0]
        else {
            panic!("{:?}", doc.steps[0]);
        };
        assert_eq!(*num_digits, Some(1));
        assert_eq!(action.as_ref().map(|t| t.url.as_str()), Some("/reply"));
        assert!(
            matches!(&prompts[0], Prompt::Say { language, loops: 2, .. } if language == "it-IT")
        );
        assert_eq!(doc.warnings.len(), 1, "{:?}", doc.warnings);
    }

    #[test]
    fn invalid_twiml_has_a_code() {
        assert_eq!(parse("<Response><Say>").err().map(|e| e.code), Some(12100));
    }
}
