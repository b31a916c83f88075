//! The Voice TwiML AST (the subset Switchboard runs).

use std::num::NonZeroU32;

use crate::ast::{Method, Redirect};

/// Largest `loop` kept: bigger counts are lowered to this, with a warning.
/// The executor should cap [`Loop::Forever`] at the same number.
pub const MAX_LOOP: u32 = 1000;
/// Longest `<Pause length>` kept, in seconds (10 minutes); longer pauses
/// are shortened to this, with a warning.
pub const MAX_PAUSE_SECS: u32 = 600;
/// Longest `<Gather timeout>` kept, in seconds (10 minutes); longer
/// timeouts are shortened to this, with a warning.
pub const MAX_GATHER_TIMEOUT_SECS: u32 = 600;

/// A parsed voice `<Response>`: the verbs in document order and what was
/// tolerated on the way (see the crate docs for what warns). The caller
/// records `warnings` on the call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoiceResponse {
    /// The verbs to execute, in order. Empty means "nothing to do" (the
    /// call hangs up).
    pub verbs: Vec<VoiceVerb>,
    /// Human-readable notes on ignored input (unknown verbs and
    /// attributes, speech input, clamped values, …).
    pub warnings: Vec<String>,
}

/// One verb of a voice `<Response>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoiceVerb {
    /// `<Say>`: speak text.
    Say(Say),
    /// `<Play>`: play audio from a URL, or send DTMF digits.
    Play(Play),
    /// `<Pause>`: silence.
    Pause(Pause),
    /// `<Gather>`: collect DTMF digits while playing prompts.
    Gather(Gather),
    /// `<Hangup/>`: end the call.
    Hangup,
    /// `<Redirect>`: fetch and run another document; the verbs after it
    /// are unreachable.
    Redirect(Redirect),
    /// `<Reject>`: refuse an inbound call without answering it (an
    /// outbound call treats it as [`VoiceVerb::Hangup`]).
    Reject(RejectReason),
}

/// How many times `<Say>` or `<Play>` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loop {
    /// This many times; after parsing, at most [`MAX_LOOP`].
    Times(NonZeroU32),
    /// `loop="0"`: until the call ends. The executor caps it (Twilio's
    /// documentation for `<Play>` says 1000, see [`MAX_LOOP`]).
    Forever,
}

impl Loop {
    /// Once, the default.
    pub const ONCE: Self = Self::Times(NonZeroU32::MIN);
}

impl Default for Loop {
    fn default() -> Self {
        Self::ONCE
    }
}

/// `<Say voice language loop>text</Say>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Say {
    /// What to speak: trimmed, never empty after parsing. SSML markup
    /// inside `<Say>` is reduced to its text.
    pub text: String,
    /// The `voice` attribute as written (`man`, `woman`, `Polly.Joanna`…);
    /// `None` lets the text-to-speech engine choose.
    pub voice: Option<String>,
    /// The `language` attribute as written (`en-US`, `it-IT`…); `None` is
    /// Twilio's default, `en-US`.
    pub language: Option<String>,
    /// How many times to speak it.
    pub repeat: Loop,
}

/// `<Play loop digits>url</Play>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Play {
    /// What to play.
    pub source: PlaySource,
    /// How many times to play it.
    pub repeat: Loop,
}

/// What `<Play>` plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaySource {
    /// Audio at this URL (the element's text, trimmed, never empty).
    Url(String),
    /// DTMF tones from the `digits` attribute: never empty, only
    /// `0`–`9`, `*`, `#`, `A`–`D`, and `w` (wait half a second).
    Digits(String),
}

/// `<Pause length>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    /// Seconds of silence; default 1, at most [`MAX_PAUSE_SECS`].
    pub length_secs: NonZeroU32,
}

impl Default for Pause {
    fn default() -> Self {
        Self {
            length_secs: NonZeroU32::MIN,
        }
    }
}

/// `<Gather input numDigits timeout finishOnKey action method
/// actionOnEmptyResult>`, DTMF only.
///
/// It ends on `num_digits` keys, on `finish_on_key` (not included in the
/// digits), or after `timeout_secs` of silence after the prompts or
/// between keys. With digits, `action` is requested with `Digits` and its
/// response replaces the rest of the document; without, the call falls
/// through to the next verb unless `action_on_empty_result` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gather {
    /// The nested `<Say>`, `<Play>` and `<Pause>`, played in order; the
    /// first key interrupts them.
    pub prompts: Vec<Prompt>,
    /// Stop after this many keys; `None` (the default) is unlimited.
    pub num_digits: Option<NonZeroU32>,
    /// Seconds of silence that end the gather; default 5, at most
    /// [`MAX_GATHER_TIMEOUT_SECS`].
    pub timeout_secs: NonZeroU32,
    /// The key that ends input early: `0`–`9`, `*` or `#` (the default);
    /// `None` when `finishOnKey=""` disables it.
    pub finish_on_key: Option<char>,
    /// Where to send the digits; `None` (the default) is the current
    /// document's URL.
    pub action: Option<String>,
    /// HTTP method for `action`.
    pub method: Method,
    /// Request `action` even when no key was pressed (default `false`).
    pub action_on_empty_result: bool,
}

/// Default `<Gather timeout>`, in seconds.
pub const DEFAULT_GATHER_TIMEOUT_SECS: NonZeroU32 = match NonZeroU32::new(5) {
    Some(five) => five,
    None => NonZeroU32::MIN,
};

impl Default for Gather {
    fn default() -> Self {
        Self {
            prompts: Vec::new(),
            num_digits: None,
            timeout_secs: DEFAULT_GATHER_TIMEOUT_SECS,
            finish_on_key: Some('#'),
            action: None,
            method: Method::Post,
            action_on_empty_result: false,
        }
    }
}

/// A verb nested in `<Gather>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    /// `<Say>`
    Say(Say),
    /// `<Play>`
    Play(Play),
    /// `<Pause>`
    Pause(Pause),
}

/// `<Reject reason>`: how the refused call ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// `rejected` (the default): a not-in-service response; the call ends
    /// as `no-answer`.
    #[default]
    Rejected,
    /// `busy`: a busy signal; the call ends as `busy`.
    Busy,
}

impl RejectReason {
    /// `"rejected"` or `"busy"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rejected => "rejected",
            Self::Busy => "busy",
        }
    }
}

/// Text for a `<Say>` that reads a code one character at a time, as Verify
/// does over voice: `say_digits("123456")` is `"1 2 3 4 5 6"`. Whitespace
/// in `code` is dropped; other characters are kept, one per word, so an
/// alphanumeric code is spelled out. Pair it with `loop="2"` (or more) so
/// the caller can hear it again.
pub fn say_digits(code: &str) -> String {
    let mut out = String::with_capacity(code.len() * 2);
    for c in code.chars().filter(|c| !c.is_whitespace()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}
