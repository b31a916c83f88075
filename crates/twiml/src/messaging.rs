//! Messaging TwiML semantics over the element tree built by [`crate::xml`].

use crate::ast::{Message, MessagingResponse, Method, Redirect, Verb, MAX_MEDIA};
use crate::xml::{is_blank, Document, Element, Node};
use crate::{Limits, TwimlError};

/// Checks the tree against the Messaging TwiML schema and builds the AST.
pub(crate) fn interpret(doc: Document, limits: &Limits) -> Result<MessagingResponse, TwimlError> {
    let Document { elements, warnings } = doc;
    let mut cx = Cx {
        elements: &elements,
        warnings,
    };
    let Some(root) = elements.first() else {
        return Err(TwimlError::malformed(0, "no root element"));
    };
    if root.name != "Response" {
        return Err(TwimlError::WrongRoot(root.name.clone()));
    }
    cx.attributes(root, &[]);
    let mut verbs = Vec::new();
    let mut count = 0;
    let mut stray_text = false;
    for child in &root.children {
        let element = match child {
            Node::Text(text) => {
                stray_text |= !is_blank(text);
                continue;
            }
            Node::Element(index) => cx.element(*index)?,
        };
        count += 1;
        if count > limits.max_verbs {
            return Err(TwimlError::TooManyVerbs {
                limit: limits.max_verbs,
            });
        }
        match element.name.as_str() {
            "Message" => {
                if let Some(message) = cx.message(element, limits)? {
                    verbs.push(Verb::Message(message));
                }
            }
            "Redirect" => verbs.push(Verb::Redirect(cx.redirect(element)?)),
            other => return Err(TwimlError::UnknownVerb(other.to_owned())),
        }
    }
    if stray_text {
        cx.warn("ignored text directly inside <Response>".into());
    }
    Ok(MessagingResponse {
        verbs,
        warnings: cx.warnings,
    })
}

/// Trims XML whitespace (not all Unicode whitespace: a leading U+00A0 is
/// content).
fn trim(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

struct Cx<'a> {
    elements: &'a [Element],
    warnings: Vec<String>,
}

impl<'a> Cx<'a> {
    fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    fn element(&self, index: usize) -> Result<&'a Element, TwimlError> {
        self.elements
            .get(index)
            .ok_or_else(|| TwimlError::malformed(0, "dangling element reference"))
    }

    /// Looks up each of `known` on `element` (trimmed; empty counts as
    /// absent, with a warning) and warns about every other attribute.
    fn attributes<const N: usize>(
        &mut self,
        element: &Element,
        known: &[&str; N],
    ) -> [Option<String>; N] {
        let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
        for (key, value) in &element.attrs {
            let name = &element.name;
            match known.iter().position(|k| k == key) {
                None => self.warn(format!("ignored unknown attribute {key} on <{name}>")),
                Some(_) if trim(value).is_empty() => {
                    self.warn(format!("ignored empty attribute {key} on <{name}>"));
                }
                Some(i) => found[i] = Some(trim(value).to_owned()),
            }
        }
        found
    }

    fn method(element: &Element, value: Option<String>) -> Result<Method, TwimlError> {
        match value {
            None => Ok(Method::Post),
            Some(value) => Method::parse(&value).ok_or_else(|| TwimlError::InvalidMethod {
                element: element.name.clone(),
                value,
            }),
        }
    }

    /// The text of an element that may hold nothing else.
    fn text_only(&self, element: &Element) -> Result<String, TwimlError> {
        let mut text = String::new();
        for child in &element.children {
            match child {
                Node::Text(t) => text.push_str(t),
                Node::Element(index) => {
                    return Err(TwimlError::UnexpectedElement {
                        element: self.element(*index)?.name.clone(),
                        parent: element.name.clone(),
                    })
                }
            }
        }
        Ok(text)
    }

    fn message(
        &mut self,
        element: &Element,
        limits: &Limits,
    ) -> Result<Option<Message>, TwimlError> {
        let known = ["to", "from", "action", "method", "statusCallback"];
        let [to, from, action, method, status_callback] = self.attributes(element, &known);
        let method = Self::method(element, method)?;
        // (text, came from a <Body>)
        let mut pieces: Vec<(String, bool)> = Vec::new();
        let mut media = Vec::new();
        for child in &element.children {
            let child = match child {
                Node::Text(text) => {
                    pieces.push((text.clone(), false));
                    continue;
                }
                Node::Element(index) => self.element(*index)?,
            };
            match child.name.as_str() {
                "Body" => {
                    self.attributes(child, &[]);
                    pieces.push((self.text_only(child)?, true));
                }
                "Media" => {
                    self.attributes(child, &[]);
                    let url = trim(&self.text_only(child)?).to_owned();
                    if url.is_empty() {
                        return Err(TwimlError::EmptyMedia);
                    }
                    media.push(url);
                }
                other => {
                    return Err(TwimlError::UnexpectedElement {
                        element: other.to_owned(),
                        parent: element.name.clone(),
                    })
                }
            }
        }
        let bodies = pieces.iter().filter(|(_, body)| *body).count();
        if bodies > 0 {
            let text = pieces.iter().any(|(t, body)| !body && !is_blank(t));
            if text || bodies > 1 {
                self.warn("joined the text of <Message> and its <Body> nouns".into());
            }
            // Indentation between nouns is not part of the body.
            pieces.retain(|(t, body)| *body || !is_blank(t));
        }
        let joined: String = pieces.into_iter().map(|(t, _)| t).collect();
        let body = trim(&joined).to_owned();
        let chars = body.chars().count();
        if chars > limits.max_body_chars {
            return Err(TwimlError::BodyTooLong {
                chars,
                limit: limits.max_body_chars,
            });
        }
        if media.len() > MAX_MEDIA {
            let extra = media.len() - MAX_MEDIA;
            self.warn(format!(
                "ignored {extra} <Media> after the first {MAX_MEDIA}"
            ));
            media.truncate(MAX_MEDIA);
        }
        if body.is_empty() && media.is_empty() {
            self.warn("ignored <Message> with neither body nor media".into());
            return Ok(None);
        }
        Ok(Some(Message {
            body,
            to,
            from,
            action,
            method,
            status_callback,
            media,
        }))
    }

    fn redirect(&mut self, element: &Element) -> Result<Redirect, TwimlError> {
        let [method] = self.attributes(element, &["method"]);
        let method = Self::method(element, method)?;
        let url = trim(&self.text_only(element)?).to_owned();
        if url.is_empty() {
            return Err(TwimlError::EmptyRedirect);
        }
        Ok(Redirect { url, method })
    }
}
