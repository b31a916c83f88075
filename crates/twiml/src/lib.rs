//! TwiML for Switchboard, messaging and voice: the ASTs, a hardened parser
//! and a renderer. No I/O: the caller fetches the document (and checks its
//! `Content-Type`, reporting [`INVALID_CONTENT_TYPE`] itself); this crate
//! turns the text into verbs ([`parse_messaging`] → [`Verb`],
//! [`parse_voice`] → [`VoiceVerb`]) or a [`TwimlError`] carrying a Twilio
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
//! Voice, with the hairdresser's reminder (Twilio's defaults filled in):
//!
//! ```
//! use switchboard_twiml::{parse_voice, say_digits, Limits, VoiceVerb};
//!
//! let xml = r#"<Response>
//!   <Gather numDigits="1" action="/reply"><Say>Press 1 to confirm, 2 to cancel.</Say></Gather>
//!   <Say>No input.</Say>
//!   <Dial>+15551234567</Dial>
//! </Response>"#;
//! let response = parse_voice(xml, &Limits::default()).unwrap();
//! let VoiceVerb::Gather(gather) = &response.verbs[0] else { panic!() };
//! assert_eq!(gather.num_digits.map(|n| n.get()), Some(1));
//! assert_eq!(gather.timeout_secs.get(), 5);
//! assert_eq!(gather.finish_on_key, Some('#'));
//! assert_eq!(response.verbs.len(), 2); // <Dial> is skipped…
//! assert_eq!(response.warnings, ["skipped unknown verb <Dial>"]); // …and recorded
//! assert_eq!(parse_voice(&response.to_xml(), &Limits::default()).unwrap().verbs, response.verbs);
//! assert_eq!(say_digits("123456"), "1 2 3 4 5 6"); // a Verify code read over voice
//! ```
//!
//! # Layout
//!
//! - `xml`: the hardened XML layer both dialects share (the only parser).
//! - `schema`: attribute lookup, `method`, text-only elements and
//!   `<Redirect>`, with the leniency rules below.
//! - `ast`, `messaging`, `render`: messaging TwiML.
//! - `voice`: voice TwiML (`ast`, `attrs` for attribute values, the verbs
//!   in `mod.rs`, `render`).
//! - `error`: [`TwimlError`] and the Twilio codes.
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
//! - Nesting ([`Limits::max_depth`]), verb count ([`Limits::max_verbs`]),
//!   body length ([`Limits::max_body_chars`]) and `<Say>` length
//!   ([`Limits::max_say_chars`]) are bounded, and the element tree is an
//!   arena, so nothing recurses on input (SSML in `<Say>` is walked with an
//!   explicit stack).
//! - Characters XML 1.0 forbids (NUL and other C0 controls, U+FFFE,
//!   U+FFFF), literal or as references, are refused; they never reach a
//!   message body or spoken text.
//! - Parsing never panics (property-tested, both dialects).
//! - Voice values that drive time or repetition are capped (see below);
//!   [`Loop::Forever`] must be capped by the executor.
//!
//! # Leniency
//!
//! Following Twilio, well-formedness problems are errors (12100) and so is
//! anything whose meaning is unclear (12200): in messaging, unknown verbs
//! or nouns (names are case-sensitive: `<message>` is unknown); in both, a
//! `method` other than GET/POST (case-insensitive), an empty `<Redirect>`
//! or `<Media>` URL. What Twilio ignores is ignored here too, with an entry
//! in the response's `warnings`:
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
//!
//! ## Voice
//!
//! Voice follows the same rules, with these differences (the issue asks
//! that "unknown verbs are skipped with a warning recorded on the call"):
//!
//! - an **unknown verb** (`<Dial>`, `<Record>`, `<Enqueue>`, `<Message>`,
//!   or `<say>`: names stay case-sensitive) is skipped with a warning, not
//!   refused; it still counts towards [`Limits::max_verbs`];
//! - **invalid TwiML is still an error** (12200): a bad attribute value
//!   (`numDigits="x"`, `loop="-1"`, `length="0"`, `finishOnKey="12"`,
//!   `digits="x"`, `reason="maybe"`, `actionOnEmptyResult="yes"`), wrong
//!   nesting (anything but `<Say>`, `<Play>`, `<Pause>` inside
//!   `<Gather>`; any element inside `<Play>`, `<Pause>`, `<Hangup>`,
//!   `<Reject>`), a `<Play>` with neither or both of a URL and `digits`,
//!   `<Say>` text over [`Limits::max_say_chars`];
//! - numbers must be whole and positive (`loop` may be `0`, "forever");
//!   numbers over a cap ([`MAX_LOOP`], [`MAX_PAUSE_SECS`],
//!   [`MAX_GATHER_TIMEOUT_SECS`]) are lowered to it, with a warning;
//! - `<Gather input>` may ask for `speech`: only DTMF is gathered, with a
//!   warning; `finishOnKey=""` disables the finish key (the one attribute
//!   where empty is not "absent");
//! - SSML inside `<Say>` (`<break>`, `<emphasis>`, `<prosody>`, `<s>`, …)
//!   is reduced to its text, with a warning; `<break>`, `<p>` and `<s>`
//!   separate words;
//! - a `<Say>` with no text is dropped, and text inside `<Pause>`,
//!   `<Hangup>` or `<Reject>` ignored, with a warning.
//!
//! Which verbs run when (`<Reject>` only before answering, verbs after
//! `<Redirect>` unreachable, `<Gather>` falling through) is the call
//! executor's business; the AST docs describe Twilio's behaviour.

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
    /// Longest `<Say>` text, in characters (default 4096, Twilio's limit
    /// for its basic voices).
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
