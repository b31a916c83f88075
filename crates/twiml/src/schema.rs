//! What every TwiML dialect shares when it reads the element tree built by
//! [`crate::xml`]: attribute lookup with the crate's leniency rules (unknown
//! attributes warn, empty ones count as absent), `method`, text-only
//! elements, and the warnings collected on the way.

use crate::ast::{Method, Redirect};
use crate::xml::{Element, Node};
use crate::TwimlError;

/// Trims XML whitespace (not all Unicode whitespace: a leading U+00A0 is
/// content).
pub(crate) fn trim(s: &str) -> &str {
    s.trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// The element tree being interpreted and the warnings so far.
pub(crate) struct Cx<'a> {
    pub elements: &'a [Element],
    pub warnings: Vec<String>,
}

impl<'a> Cx<'a> {
    pub fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    pub fn element(&self, index: usize) -> Result<&'a Element, TwimlError> {
        self.elements
            .get(index)
            .ok_or_else(|| TwimlError::malformed(0, "dangling element reference"))
    }

    /// The root element, which must be `<Response>`.
    pub fn response(&mut self) -> Result<&'a Element, TwimlError> {
        let Some(root) = self.elements.first() else {
            return Err(TwimlError::malformed(0, "no root element"));
        };
        if root.name != "Response" {
            return Err(TwimlError::WrongRoot(root.name.clone()));
        }
        self.attributes(root, &[]);
        Ok(root)
    }

    /// Looks up each of `known` on `element` (trimmed; empty counts as
    /// absent, with a warning) and warns about every other attribute.
    pub fn attributes<const N: usize>(
        &mut self,
        element: &Element,
        known: &[&str; N],
    ) -> [Option<String>; N] {
        self.attributes_allowing_empty(element, known, &[])
    }

    /// [`Cx::attributes`], except that the attributes named in
    /// `empty_ok` keep an empty (or blank) value as `Some("")`, for
    /// attributes where empty means something (`finishOnKey=""`).
    pub fn attributes_allowing_empty<const N: usize>(
        &mut self,
        element: &Element,
        known: &[&str; N],
        empty_ok: &[&str],
    ) -> [Option<String>; N] {
        let mut found: [Option<String>; N] = std::array::from_fn(|_| None);
        for (key, value) in &element.attrs {
            let name = &element.name;
            let value = trim(value);
            match known.iter().position(|k| k == key) {
                None => self.warn(format!("ignored unknown attribute {key} on <{name}>")),
                Some(_) if value.is_empty() && !empty_ok.contains(&key.as_str()) => {
                    self.warn(format!("ignored empty attribute {key} on <{name}>"));
                }
                Some(i) => found[i] = Some(value.to_owned()),
            }
        }
        found
    }

    pub fn method(element: &Element, value: Option<String>) -> Result<Method, TwimlError> {
        match value {
            None => Ok(Method::Post),
            Some(value) => Method::parse(&value).ok_or_else(|| TwimlError::InvalidMethod {
                element: element.name.clone(),
                value,
            }),
        }
    }

    /// The text of an element that may hold nothing else.
    pub fn text_only(&self, element: &Element) -> Result<String, TwimlError> {
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

    /// `<Redirect method>url</Redirect>`, the same in every dialect.
    pub fn redirect(&mut self, element: &Element) -> Result<Redirect, TwimlError> {
        let [method] = self.attributes(element, &["method"]);
        let method = Self::method(element, method)?;
        let url = trim(&self.text_only(element)?).to_owned();
        if url.is_empty() {
            return Err(TwimlError::EmptyRedirect);
        }
        Ok(Redirect { url, method })
    }
}
