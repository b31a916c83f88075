//! Messaging TwiML semantics over the element tree built by [`crate::xml`].

use crate::ast::{Message, MessagingResponse, Verb, MAX_MEDIA};
use crate::schema::{trim, Cx};
use crate::xml::{is_blank, Document, Element, Node};
use crate::{Limits, TwimlError};

/// Checks the tree against the Messaging TwiML schema and builds the AST.
pub(crate) fn interpret(doc: Document, limits: &Limits) -> Result<MessagingResponse, TwimlError> {
    let Document { elements, warnings } = doc;
    let mut cx = Cx {
        elements: &elements,
        warnings,
    };
    let root = cx.response()?;
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

impl Cx<'_> {
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
}
