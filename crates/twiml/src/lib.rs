//! Messaging TwiML for Switchboard: the AST, a hardened parser and a
//! renderer. No I/O: the caller fetches the document (and checks its
//! `Content-Type`, reporting [`INVALID_CONTENT_TYPE`] itself); this crate
//! turns the text into [`Verb`]s or a [`TwimlError`] carrying a Twilio
//! error code. It depends on no internal crate and needs no async runtime.
//!
//! ```
//! use switchboard_twiml::{parse_messaging, Limits, Method, Verb};
//!
//! let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
//! <Response>
//!   <Message to="+15551234567" action="/next">Thanks!<Media>https://example.com/x.png</Media></Message>
//!   <Redirect method="GET">/more</Redirect>
//! </Response>"#;
//! let response = parse_messaging(xml, &Limits::default()).unwrap();
//! let Verb::Message(message) = &response.verbs[0] else { panic!() };
//! assert_eq!(message.body, "Thanks!");
//! assert_eq!(message.media, ["https://example.com/x.png"]);
//! assert!(matches!(&response.verbs[1], Verb::Redirect(r) if r.method == Method::Get));
//! assert_eq!(parse_messaging(&response.to_xml(), &Limits::default()).unwrap().verbs, response.verbs);
//! ```
//!
//! # Security
//!
//! TwiML comes from customer webhooks, so every document is hostile:
//!
//! - Size is checked before parsing ([`Limits::max_bytes`], 64 KiB).
//! - `<!DOCTYPE …>` is refused outright, so there are no DTDs, no entity
//!   definitions ("billion laughs") and no external entities (XXE). Only the
//!   five predefined entities (`&amp;` `&lt;` `&gt;` `&apos;` `&quot;`) and
//!   numeric character references are expanded; any other `&name;` is an
//!   error. Nothing is ever fetched.
//! - Nesting ([`Limits::max_depth`]), verb count ([`Limits::max_verbs`]) and
//!   body length ([`Limits::max_body_chars`]) are bounded, and the element
//!   tree is an arena, so nothing recurses on input.
//! - Characters XML 1.0 forbids (NUL and other C0 controls, U+FFFE,
//!   U+FFFF), literal or as references, are refused; they never reach a
//!   message body.
//! - Parsing never panics (property-tested).
//!
//! # Leniency
//!
//! Following Twilio, well-formedness problems are errors (12100) and so is
//! anything whose meaning is unclear (12200): unknown verbs or nouns (names
//! are case-sensitive: `<message>` is unknown), a `method` other than
//! GET/POST (case-insensitive), an empty `<Redirect>` or `<Media>` URL.
//! What Twilio ignores is ignored here too, with an entry in
//! [`MessagingResponse::warnings`]:
//!
//! - unknown attributes (Twilio ignores them), and empty known attributes
//!   (treated as absent);
//! - more than [`MAX_MEDIA`] `<Media>` (only the first ten are kept);
//! - message text mixed with `<Body>`, or several `<Body>` nouns: the texts
//!   are joined in document order (whitespace-only text between nouns is
//!   dropped) and then trimmed;
//! - a `<Message>` with neither body nor media (dropped, sends nothing);
//! - non-blank text directly inside `<Response>`;
//! - an `encoding` other than UTF-8 in the XML declaration (the input is
//!   already a `&str`), and whitespace before the declaration.
//!
//! Comments and processing instructions are skipped; CDATA is text; a
//! leading byte-order mark is dropped; message bodies, URLs and attribute
//! values are trimmed of XML whitespace.

mod ast;
mod error;
mod messaging;
mod render;
mod schema;
mod voice;
mod xml;

pub use ast::{Message, MessagingResponse, Method, Redirect, Verb, MAX_MEDIA};
pub use error::{
    TwimlError, DOCUMENT_PARSE_FAILURE, INVALID_CONTENT_TYPE, RESPONSE_TOO_LARGE, SCHEMA_VALIDATION,
};
pub use voice::{
    say_digits, Gather, Loop, Pause, Play, PlaySource, Prompt, RejectReason, Say, VoiceResponse,
    VoiceVerb, DEFAULT_GATHER_TIMEOUT_SECS, MAX_GATHER_TIMEOUT_SECS, MAX_LOOP, MAX_PAUSE_SECS,
};

/// Resource limits for [`parse_messaging`] and [`parse_voice`].
/// `Limits::default()` suits webhook responses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest document accepted, in bytes (default 64 KiB, Twilio's).
    pub max_bytes: usize,
    /// Deepest element nesting, the root counting as 1 (default 8;
    /// messaging TwiML needs 3, voice TwiML 3 plus any SSML in `<Say>`).
    pub max_depth: usize,
    /// Most verbs in `<Response>` (default 10), counting voice verbs that
    /// are skipped as unknown; also the most verbs nested in one
    /// `<Gather>`.
    pub max_verbs: usize,
    /// Longest message body, in characters (default 1600, Twilio's).
    pub max_body_chars: usize,
    /// Longest `<Say>` text, in characters (default 4096, Twilio's).
    pub max_say_chars: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_bytes: 64 * 1024,
            max_depth: 8,
            max_verbs: 10,
            max_body_chars: 1600,
            max_say_chars: 4096,
        }
    }
}

/// Parses a Messaging TwiML document.
///
/// Errors: [`TwimlError::TooLarge`] (11750) before any parsing; then
/// well-formedness and security errors (12100) for the whole document;
/// only then schema errors (12200). An empty `<Response/>` is `Ok` with no
/// verbs.
pub fn parse_messaging(xml: &str, limits: &Limits) -> Result<MessagingResponse, TwimlError> {
    if xml.len() > limits.max_bytes {
        return Err(TwimlError::TooLarge {
            size: xml.len(),
            limit: limits.max_bytes,
        });
    }
    let document = xml::read(xml, limits)?;
    messaging::interpret(document, limits)
}

/// Parses a Voice TwiML document (the subset in [`VoiceVerb`]).
///
/// Errors come in the same order and with the same codes as
/// [`parse_messaging`]'s; unlike messaging, an unknown verb (`<Dial>`,
/// `<Record>`, `<say>`…) is not an error but skipped, with an entry in
/// [`VoiceResponse::warnings`].
pub fn parse_voice(xml: &str, limits: &Limits) -> Result<VoiceResponse, TwimlError> {
    if xml.len() > limits.max_bytes {
        return Err(TwimlError::TooLarge {
            size: xml.len(),
            limit: limits.max_bytes,
        });
    }
    let document = xml::read(xml, limits)?;
    voice::interpret(document, limits)
}
