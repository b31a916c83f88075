//! The hardened XML layer: turns a document into a small element tree,
//! enforcing well-formedness and the security rules described in the crate
//! docs. Knows nothing about TwiML beyond "there is one root element".
//!
//! The tree is an arena (`Vec<Element>`, children by index) so neither
//! building nor dropping it recurses, whatever `max_depth` is.

use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::{Reader, XmlVersion};

use crate::{Limits, TwimlError};

/// One element: its name, attributes (entity-expanded and normalized per
/// XML 1.0) and children in document order.
#[derive(Debug)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Node>,
}

/// A child: an element (index into [`Document::elements`]) or text.
/// Adjacent text, CDATA and references are merged into one `Text`.
#[derive(Debug)]
pub(crate) enum Node {
    Element(usize),
    Text(String),
}

/// A parsed document: `elements[0]` is the root.
#[derive(Debug)]
pub(crate) struct Document {
    pub elements: Vec<Element>,
    /// Things that were tolerated (see the crate docs).
    pub warnings: Vec<String>,
}

/// Byte-order mark, stripped from the start of the input.
const BOM: char = '\u{feff}';

/// XML 1.0 `Char`: Rust strings hold no surrogates, so what is left to
/// refuse is C0 controls other than tab, LF, CR, plus U+FFFE and U+FFFF.
fn is_xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
}

pub(crate) fn is_blank(s: &str) -> bool {
    s.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
}

/// Parses `xml` (already checked against `max_bytes`) into a [`Document`].
pub(crate) fn read(xml: &str, limits: &Limits) -> Result<Document, TwimlError> {
    let (base, xml) = match xml.strip_prefix(BOM) {
        Some(rest) => (BOM.len_utf8(), rest),
        None => (0, xml),
    };
    if let Some((i, c)) = xml.char_indices().find(|&(_, c)| !is_xml_char(c)) {
        return Err(TwimlError::IllegalChar {
            code: u32::from(c),
            position: base + i,
        });
    }
    if is_blank(xml) {
        return Err(TwimlError::Empty);
    }
    let mut builder = Builder {
        doc: Document {
            elements: Vec::new(),
            warnings: Vec::new(),
        },
        stack: Vec::new(),
        max_depth: limits.max_depth,
    };
    let mut reader = Reader::from_str(xml);
    let mut seen_markup = false;
    let mut leading_space = false;
    loop {
        let at = base + offset(reader.buffer_position());
        let event = reader
            .read_event()
            .map_err(|e| convert(e, base + offset(reader.error_position())))?;
        match event {
            Event::Text(ref t) if builder.stack.is_empty() => {
                let text = t.xml10_content().map_err(|e| convert(e.into(), at))?;
                if !is_blank(&text) {
                    return Err(TwimlError::malformed(at, "text outside the root element"));
                }
                leading_space |= !seen_markup;
                continue;
            }
            Event::Decl(ref decl) => {
                if seen_markup {
                    let why = "the XML declaration must come first";
                    return Err(TwimlError::malformed(at, why));
                }
                if leading_space {
                    builder.warn("ignored whitespace before the XML declaration".into());
                }
                if let Some(Ok(enc)) = decl.encoding() {
                    let enc = String::from_utf8_lossy(&enc).into_owned();
                    if !matches!(enc.to_ascii_lowercase().as_str(), "utf-8" | "utf8") {
                        builder.warn(format!("ignored encoding {enc:?}: read as UTF-8"));
                    }
                }
            }
            Event::DocType(_) => return Err(TwimlError::DocType),
            Event::PI(_) | Event::Comment(_) => {}
            Event::Start(ref e) => builder.open(e, at)?,
            Event::Empty(ref e) => {
                builder.open(e, at)?;
                builder.stack.pop();
            }
            Event::End(_) => {
                if builder.stack.pop().is_none() {
                    return Err(TwimlError::malformed(at, "closing tag without an open tag"));
                }
            }
            Event::Text(ref t) => {
                let text = t.xml10_content().map_err(|e| convert(e.into(), at))?;
                builder.text(&text, at)?;
            }
            Event::CData(ref c) => {
                let text = c.xml10_content().map_err(|e| convert(e.into(), at))?;
                builder.text(&text, at)?;
            }
            Event::GeneralRef(ref r) => {
                let text = resolve_ref(r, at)?;
                builder.text(&text, at)?;
            }
            Event::Eof => break,
        }
        seen_markup = true;
    }
    if !builder.stack.is_empty() {
        let why = "unexpected end of document inside an element";
        return Err(TwimlError::malformed(base + xml.len(), why));
    }
    if builder.doc.elements.is_empty() {
        return Err(TwimlError::malformed(base + xml.len(), "no root element"));
    }
    Ok(builder.doc)
}

struct Builder {
    doc: Document,
    /// Open elements, innermost last.
    stack: Vec<usize>,
    max_depth: usize,
}

impl Builder {
    fn warn(&mut self, warning: String) {
        self.doc.warnings.push(warning);
    }

    fn open(&mut self, start: &BytesStart<'_>, at: usize) -> Result<(), TwimlError> {
        if self.stack.is_empty() && !self.doc.elements.is_empty() {
            return Err(TwimlError::malformed(at, "more than one root element"));
        }
        if self.stack.len() >= self.max_depth {
            return Err(TwimlError::TooDeep {
                limit: self.max_depth,
            });
        }
        let name = utf8(start.name().as_ref(), at)?;
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| convert(e.into(), at))?;
            if attr.value.contains(&b'<') {
                let why = "'<' is not allowed in an attribute value";
                return Err(TwimlError::malformed(at, why));
            }
            let key = utf8(attr.key.as_ref(), at)?;
            let value = attr
                .normalized_value_with(XmlVersion::Implicit1_0, 1, resolve_xml_entity)
                .map_err(|e| convert(e, at))?;
            check_chars(&value, at)?;
            attrs.push((key, value.into_owned()));
        }
        let index = self.doc.elements.len();
        self.doc.elements.push(Element {
            name,
            attrs,
            children: Vec::new(),
        });
        if let Some(&parent) = self.stack.last() {
            self.doc.elements[parent]
                .children
                .push(Node::Element(index));
        }
        self.stack.push(index);
        Ok(())
    }

    /// Appends text to the open element (merging with preceding text).
    fn text(&mut self, text: &str, at: usize) -> Result<(), TwimlError> {
        let Some(&open) = self.stack.last() else {
            return Err(TwimlError::malformed(at, "text outside the root element"));
        };
        let children = &mut self.doc.elements[open].children;
        match children.last_mut() {
            Some(Node::Text(previous)) => previous.push_str(text),
            _ => children.push(Node::Text(text.to_owned())),
        }
        Ok(())
    }
}

/// Expands `&name;` (only the five predefined entities) or `&#…;`.
fn resolve_ref(r: &BytesRef<'_>, at: usize) -> Result<String, TwimlError> {
    let name = r.decode().map_err(|e| convert(e.into(), at))?;
    if r.is_char_ref() {
        let reason = || format!("invalid character reference &{name};");
        return match r.resolve_char_ref() {
            Ok(Some(c)) if is_xml_char(c) => Ok(c.to_string()),
            Ok(Some(c)) => Err(TwimlError::IllegalChar {
                code: u32::from(c),
                position: at,
            }),
            Err(e) => match convert(e, at) {
                illegal @ TwimlError::IllegalChar { .. } => Err(illegal),
                _ => Err(TwimlError::malformed(at, reason())),
            },
            Ok(None) => Err(TwimlError::malformed(at, reason())),
        };
    }
    match resolve_xml_entity(&name) {
        Some(text) => Ok(text.to_owned()),
        None => Err(TwimlError::UnknownEntity(name.into_owned())),
    }
}

fn check_chars(value: &str, at: usize) -> Result<(), TwimlError> {
    match value.chars().find(|&c| !is_xml_char(c)) {
        Some(c) => Err(TwimlError::IllegalChar {
            code: u32::from(c),
            position: at,
        }),
        None => Ok(()),
    }
}

fn utf8(bytes: &[u8], at: usize) -> Result<String, TwimlError> {
    String::from_utf8(bytes.to_vec())
        .map_err(|_| TwimlError::malformed(at, "invalid UTF-8 in a name"))
}

fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// Maps a quick-xml error, keeping unknown entities and illegal characters
/// distinct from other well-formedness errors.
fn convert(error: quick_xml::Error, at: usize) -> TwimlError {
    use quick_xml::escape::{EscapeError, ParseCharRefError};
    match error {
        quick_xml::Error::Escape(EscapeError::UnrecognizedEntity(_, name)) => {
            TwimlError::UnknownEntity(name)
        }
        quick_xml::Error::Escape(EscapeError::InvalidCharRef(
            ParseCharRefError::IllegalCharacter(code),
        )) => TwimlError::IllegalChar { code, position: at },
        other => TwimlError::malformed(at, other.to_string()),
    }
}
