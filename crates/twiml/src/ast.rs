//! The Messaging TwiML AST.

use std::fmt;

/// Most `<Media>` nouns a `<Message>` may carry (Twilio's limit).
pub const MAX_MEDIA: usize = 10;

/// A parsed `<Response>`: the verbs in document order, and what was
/// tolerated on the way (see the crate docs for what warns).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessagingResponse {
    /// The verbs to execute, in order. Empty means "send no reply".
    pub verbs: Vec<Verb>,
    /// Human-readable notes on ignored input (unknown attributes, extra
    /// media, …). Never affects `verbs`' meaning beyond what they say.
    pub warnings: Vec<String>,
}

/// One verb of a messaging `<Response>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verb {
    /// `<Message>`: send a message.
    Message(Message),
    /// `<Redirect>`: fetch more TwiML from `url` and run it instead of the
    /// verbs after this one.
    Redirect(Redirect),
}

/// `<Message>`: a message to send. After parsing, at least one of `body`
/// and `media` is non-empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Message {
    /// The text, trimmed of leading and trailing XML whitespace.
    pub body: String,
    /// Recipient; `None` replies to the sender of the inbound message.
    pub to: Option<String>,
    /// Sender; `None` uses the number the inbound message was sent to.
    pub from: Option<String>,
    /// URL to request with the message's status once it is sent.
    pub action: Option<String>,
    /// HTTP method for `action`.
    pub method: Method,
    /// URL for status callbacks about this message.
    pub status_callback: Option<String>,
    /// Media URLs, at most [`MAX_MEDIA`].
    pub media: Vec<String>,
}

/// `<Redirect>`: continue with the TwiML at `url`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// Where to fetch the next document; never empty after parsing.
    pub url: String,
    /// HTTP method for the request.
    pub method: Method,
}

/// HTTP method of a TwiML callback. Parsed case-insensitively.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Method {
    /// `GET`
    Get,
    /// `POST`, Twilio's default.
    #[default]
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
        }
    }

    /// Parses `GET` or `POST`, in any case.
    pub fn parse(value: &str) -> Option<Self> {
        if value.eq_ignore_ascii_case("GET") {
            Some(Self::Get)
        } else if value.eq_ignore_ascii_case("POST") {
            Some(Self::Post)
        } else {
            None
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
