//! Voice TwiML semantics over the element tree built by [`crate::xml`]:
//! the verbs Switchboard runs (`Say`, `Play`, `Pause`, `Gather` with
//! DTMF, `Hangup`, `Redirect`, `Reject`). Unknown verbs are skipped with a
//! warning, as the call records them; everything else follows the
//! messaging rules (see the crate docs).
//!
//! Layout: `ast` (the types), `attrs` (attribute values: numbers, loops,
//! keys), this file (verbs and nesting), `render` (back to XML).
//!
//! Written by hand on the crate's XML layer: no maintained Rust crate
//! parses TwiML (Twilio's helper libraries only generate it), and a second
//! XML parser would mean a second set of security rules to keep right.

mod ast;
mod attrs;
mod render;
#[cfg(test)]
mod tests;

pub use ast::{
    say_digits, Gather, Loop, Pause, Play, PlaySource, Prompt, RejectReason, Say, VoiceResponse,
    VoiceVerb, DEFAULT_GATHER_TIMEOUT_SECS, MAX_GATHER_TIMEOUT_SECS, MAX_LOOP, MAX_PAUSE_SECS,
};

use std::slice;

use crate::schema::{trim, Cx};
use crate::xml::{is_blank, Document, Element, Node};
use crate::{Limits, TwimlError};

/// SSML elements Twilio accepts inside `<Say>`. Their text is spoken; the
/// markup itself is dropped (with a warning).
const SSML: &[&str] = &[
    "break",
    "emphasis",
    "lang",
    "p",
    "phoneme",
    "prosody",
    "s",
    "say-as",
    "sub",
    "w",
    "amazon:domain",
    "amazon:effect",
];

/// SSML elements that separate words: a space is spoken at their edges.
const SSML_BREAKS: &[&str] = &["break", "p", "s"];

/// Checks the tree against the voice TwiML schema and builds the AST.
pub(crate) fn interpret(doc: Document, limits: &Limits) -> Result<VoiceResponse, TwimlError> {
    let Document { elements, warnings } = doc;
    let mut cx = Cx {
        elements: &elements,
        warnings,
    };
    let root = cx.response()?;
    let mut verbs = Vec::new();
    let mut count = 0;
    for element in cx.children(root)? {
        count += 1;
        if count > limits.max_verbs {
            return Err(TwimlError::TooManyVerbs {
                limit: limits.max_verbs,
            });
        }
        let verb = match element.name.as_str() {
            "Say" => cx.say(element, limits)?.map(VoiceVerb::Say),
            "Play" => Some(VoiceVerb::Play(cx.play(element)?)),
            "Pause" => Some(VoiceVerb::Pause(cx.pause(element)?)),
            "Gather" => Some(VoiceVerb::Gather(cx.gather(element, limits)?)),
            "Hangup" => {
                cx.attributes(element, &[]);
                cx.no_content(element)?;
                Some(VoiceVerb::Hangup)
            }
            "Redirect" => Some(VoiceVerb::Redirect(cx.redirect(element)?)),
            "Reject" => Some(VoiceVerb::Reject(cx.reject(element)?)),
            other => {
                cx.warn(format!("skipped unknown verb <{other}>"));
                None
            }
        };
        verbs.extend(verb);
    }
    Ok(VoiceResponse {
        verbs,
        warnings: cx.warnings,
    })
}

impl<'a> Cx<'a> {
    /// The child elements of a container (`<Response>`, `<Gather>`),
    /// warning once if it also holds non-blank text.
    fn children(&mut self, parent: &'a Element) -> Result<Vec<&'a Element>, TwimlError> {
        let mut children = Vec::new();
        let mut stray_text = false;
        for child in &parent.children {
            match child {
                Node::Text(text) => stray_text |= !is_blank(text),
                Node::Element(index) => children.push(self.element(*index)?),
            }
        }
        if stray_text {
            let name = &parent.name;
            self.warn(format!("ignored text directly inside <{name}>"));
        }
        Ok(children)
    }

    /// For verbs that hold nothing: a child element is an error, text is
    /// ignored with a warning.
    fn no_content(&mut self, element: &Element) -> Result<(), TwimlError> {
        let text = self.text_only(element)?;
        if !is_blank(&text) {
            let name = &element.name;
            self.warn(format!("ignored text inside <{name}>"));
        }
        Ok(())
    }

    /// `<Say>`; `None` (with a warning) when there is nothing to say.
    fn say(&mut self, element: &'a Element, limits: &Limits) -> Result<Option<Say>, TwimlError> {
        let [voice, language, repeat] = self.attributes(element, &["voice", "language", "loop"]);
        let repeat = self.repeat(element, repeat)?;
        let text = self.say_text(element)?;
        let text = trim(&text);
        if text.is_empty() {
            self.warn("ignored <Say> with no text".into());
            return Ok(None);
        }
        let chars = text.chars().count();
        if chars > limits.max_say_chars {
            return Err(TwimlError::SayTooLong {
                chars,
                limit: limits.max_say_chars,
            });
        }
        Ok(Some(Say {
            text: text.to_owned(),
            voice,
            language,
            repeat,
        }))
    }

    /// The text of `<Say>`, SSML markup reduced to its text (SSML
    /// attributes such as `time`, `rate` or `alias` go with the markup).
    /// Walks the tree with an explicit stack: nothing recurses on input.
    fn say_text(&mut self, say: &'a Element) -> Result<String, TwimlError> {
        let mut text = String::new();
        let mut ssml = false;
        let mut stack: Vec<(&'a Element, slice::Iter<'a, Node>)> = vec![(say, say.children.iter())];
        while let Some((parent, children)) = stack.last_mut() {
            let parent: &'a Element = parent;
            match children.next() {
                None => {
                    separate(&mut text, parent);
                    stack.pop();
                }
                Some(Node::Text(t)) => text.push_str(t),
                Some(Node::Element(index)) => {
                    let child = self.element(*index)?;
                    if !SSML.contains(&child.name.as_str()) {
                        return Err(TwimlError::UnexpectedElement {
                            element: child.name.clone(),
                            parent: parent.name.clone(),
                        });
                    }
                    ssml = true;
                    separate(&mut text, child);
                    stack.push((child, child.children.iter()));
                }
            }
        }
        if ssml {
            self.warn("spoke only the text of the SSML inside <Say>".into());
        }
        Ok(text)
    }

    fn play(&mut self, element: &Element) -> Result<Play, TwimlError> {
        let [repeat, digits] = self.attributes(element, &["loop", "digits"]);
        let repeat = self.repeat(element, repeat)?;
        let url = trim(&self.text_only(element)?).to_owned();
        let source = match (digits, url.is_empty()) {
            (Some(_), false) => return Err(TwimlError::PlayUrlAndDigits),
            (None, true) => return Err(TwimlError::EmptyPlay),
            (None, false) => PlaySource::Url(url),
            (Some(digits), true) => PlaySource::Digits(attrs::digits(element, digits)?),
        };
        Ok(Play { source, repeat })
    }

    fn pause(&mut self, element: &Element) -> Result<Pause, TwimlError> {
        let [length] = self.attributes(element, &["length"]);
        self.no_content(element)?;
        let Some(length) = length else {
            return Ok(Pause::default());
        };
        let length_secs = self.positive(element, "length", length, MAX_PAUSE_SECS)?;
        Ok(Pause { length_secs })
    }

    fn gather(&mut self, element: &'a Element, limits: &Limits) -> Result<Gather, TwimlError> {
        let known = [
            "input",
            "numDigits",
            "timeout",
            "finishOnKey",
            "action",
            "method",
            "actionOnEmptyResult",
        ];
        let [input, num_digits, timeout, finish_on_key, action, method, on_empty] =
            self.attributes_allowing_empty(element, &known, &["finishOnKey"]);
        let mut gather = Gather {
            action,
            method: Self::method(element, method)?,
            ..Gather::default()
        };
        if let Some(input) = input {
            self.input(element, input)?;
        }
        if let Some(value) = num_digits {
            let n = self.positive(element, "numDigits", value, u32::MAX)?;
            gather.num_digits = Some(n);
        }
        if let Some(value) = timeout {
            let cap = MAX_GATHER_TIMEOUT_SECS;
            gather.timeout_secs = self.positive(element, "timeout", value, cap)?;
        }
        if let Some(value) = finish_on_key {
            gather.finish_on_key = attrs::finish_on_key(element, value)?;
        }
        if let Some(value) = on_empty {
            gather.action_on_empty_result = attrs::boolean(element, "actionOnEmptyResult", value)?;
        }
        for (i, child) in self.children(element)?.into_iter().enumerate() {
            if i >= limits.max_verbs {
                return Err(TwimlError::TooManyNestedVerbs {
                    limit: limits.max_verbs,
                });
            }
            let prompt = match child.name.as_str() {
                "Say" => self.say(child, limits)?.map(Prompt::Say),
                "Play" => Some(Prompt::Play(self.play(child)?)),
                "Pause" => Some(Prompt::Pause(self.pause(child)?)),
                other => {
                    return Err(TwimlError::UnexpectedElement {
                        element: other.to_owned(),
                        parent: element.name.clone(),
                    })
                }
            };
            gather.prompts.extend(prompt);
        }
        Ok(gather)
    }

    fn reject(&mut self, element: &Element) -> Result<RejectReason, TwimlError> {
        let [reason] = self.attributes(element, &["reason"]);
        self.no_content(element)?;
        match reason {
            None => Ok(RejectReason::Rejected),
            Some(reason) => attrs::reject_reason(element, reason),
        }
    }
}

/// Adds a space before and after SSML elements that separate words
/// (`<break/>`, `<p>`, `<s>`), unless the text already ends with one.
fn separate(text: &mut String, element: &Element) {
    let ends_blank = text.ends_with([' ', '\t', '\n', '\r']);
    if SSML_BREAKS.contains(&element.name.as_str()) && !text.is_empty() && !ends_blank {
        text.push(' ');
    }
}
