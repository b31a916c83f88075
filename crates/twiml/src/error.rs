//! [`TwimlError`] and the Twilio error codes it maps to.

/// Twilio 11750 "TwiML response body too large": the document is over
/// [`Limits::max_bytes`](crate::Limits::max_bytes).
pub const RESPONSE_TOO_LARGE: u32 = 11750;
/// Twilio 12100 "Document parse failure": not well-formed XML, a DTD, an
/// unknown entity, nesting too deep, or a root other than `<Response>`.
pub const DOCUMENT_PARSE_FAILURE: u32 = 12100;
/// Twilio 12200 "Schema validation warning": well-formed XML that is not
/// valid TwiML (an unknown messaging verb or noun, a bad attribute value,
/// wrong nesting, …).
pub const SCHEMA_VALIDATION: u32 = 12200;
/// Twilio 12300 "Invalid Content-Type". This crate never returns it (it
/// sees no HTTP headers); it is here so the caller that checks the
/// webhook's `Content-Type` reports the same code.
pub const INVALID_CONTENT_TYPE: u32 = 12300;

/// Why a document was refused. [`TwimlError::code`] gives the Twilio error
/// code; `Display` says what was wrong, in lower case, without a trailing
/// period.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TwimlError {
    /// Over [`Limits::max_bytes`](crate::Limits::max_bytes); refused before
    /// parsing. Code 11750.
    #[error("document is {size} bytes, over the {limit}-byte limit")]
    TooLarge {
        /// Size of the document in bytes.
        size: usize,
        /// The limit in force.
        limit: usize,
    },
    /// Nothing but whitespace (or nothing at all). Code 12100.
    #[error("document is empty")]
    Empty,
    /// Not well-formed XML. `position` is a byte offset into the input.
    /// Code 12100.
    #[error("malformed XML at byte {position}: {reason}")]
    Malformed {
        /// Byte offset of the problem (best effort).
        position: usize,
        /// What the XML reader objected to.
        reason: String,
    },
    /// A `<!DOCTYPE …>` declaration: DTDs are never processed. Code 12100.
    #[error("document type declarations (<!DOCTYPE …>) are not allowed")]
    DocType,
    /// An entity reference other than the five predefined ones. Code 12100.
    #[error("unknown entity reference &{0};")]
    UnknownEntity(String),
    /// A character XML 1.0 does not allow (control characters, U+FFFE,
    /// U+FFFF), written literally or as a character reference. Code 12100.
    #[error("illegal XML character U+{code:04X} at byte {position}")]
    IllegalChar {
        /// The character's code point.
        code: u32,
        /// Byte offset of the character or of the reference.
        position: usize,
    },
    /// Elements nested deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    /// Code 12100.
    #[error("elements nested deeper than {limit} levels")]
    TooDeep {
        /// The limit in force.
        limit: usize,
    },
    /// The root element is not `<Response>`. Code 12100.
    #[error("root element is <{0}>, expected <Response>")]
    WrongRoot(String),
    /// In messaging TwiML, a verb other than `<Message>` or `<Redirect>`
    /// (names are case-sensitive, as on Twilio). Voice TwiML skips unknown
    /// verbs with a warning instead. Code 12200.
    #[error("unknown verb <{0}> in messaging TwiML")]
    UnknownVerb(String),
    /// An element where none of that name may appear. Code 12200.
    #[error("unexpected <{element}> inside <{parent}>")]
    UnexpectedElement {
        /// The element found.
        element: String,
        /// The element it was found in.
        parent: String,
    },
    /// A `method` attribute other than GET or POST. Code 12200.
    #[error("invalid method {value:?} on <{element}>, expected GET or POST")]
    InvalidMethod {
        /// The element carrying the attribute.
        element: String,
        /// The attribute value.
        value: String,
    },
    /// `<Redirect>` without a URL. Code 12200.
    #[error("<Redirect> has an empty URL")]
    EmptyRedirect,
    /// `<Media>` without a URL. Code 12200.
    #[error("<Media> has an empty URL")]
    EmptyMedia,
    /// More verbs than [`Limits::max_verbs`](crate::Limits::max_verbs).
    /// Code 12200.
    #[error("more than {limit} verbs in <Response>")]
    TooManyVerbs {
        /// The limit in force.
        limit: usize,
    },
    /// An attribute value outside what the verb allows (`numDigits="x"`,
    /// `loop="-1"`, `reason="maybe"`, …). Code 12200.
    #[error("invalid {attribute} {value:?} on <{element}>, expected {expected}")]
    InvalidAttribute {
        /// The element carrying the attribute.
        element: String,
        /// The attribute's name.
        attribute: String,
        /// The (trimmed) value.
        value: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// `<Play>` with neither a URL nor `digits`. Code 12200.
    #[error("<Play> has neither a URL nor digits")]
    EmptyPlay,
    /// `<Play>` with both a URL and `digits`: which one to play is
    /// unclear. Code 12200.
    #[error("<Play> has both a URL and digits")]
    PlayUrlAndDigits,
    /// More verbs nested in a `<Gather>` than
    /// [`Limits::max_verbs`](crate::Limits::max_verbs). Code 12200.
    #[error("more than {limit} verbs in <Gather>")]
    TooManyNestedVerbs {
        /// The limit in force.
        limit: usize,
    },
    /// `<Say>` text over [`Limits::max_say_chars`](crate::Limits::max_say_chars).
    /// Code 12200.
    #[error("<Say> text is {chars} characters, over the {limit}-character limit")]
    SayTooLong {
        /// Length of the (trimmed) text in characters.
        chars: usize,
        /// The limit in force.
        limit: usize,
    },
    /// A message body over [`Limits::max_body_chars`](crate::Limits::max_body_chars).
    /// Code 12200.
    #[error("message body is {chars} characters, over the {limit}-character limit")]
    BodyTooLong {
        /// Length of the (trimmed) body in characters.
        chars: usize,
        /// The limit in force.
        limit: usize,
    },
}

impl TwimlError {
    /// The Twilio error code: [`RESPONSE_TOO_LARGE`],
    /// [`DOCUMENT_PARSE_FAILURE`] or [`SCHEMA_VALIDATION`].
    pub fn code(&self) -> u32 {
        match self {
            Self::TooLarge { .. } => RESPONSE_TOO_LARGE,
            Self::Empty
            | Self::Malformed { .. }
            | Self::DocType
            | Self::UnknownEntity(_)
            | Self::IllegalChar { .. }
            | Self::TooDeep { .. }
            | Self::WrongRoot(_) => DOCUMENT_PARSE_FAILURE,
            Self::UnknownVerb(_)
            | Self::UnexpectedElement { .. }
            | Self::InvalidMethod { .. }
            | Self::EmptyRedirect
            | Self::EmptyMedia
            | Self::TooManyVerbs { .. }
            | Self::BodyTooLong { .. }
            | Self::InvalidAttribute { .. }
            | Self::EmptyPlay
            | Self::PlayUrlAndDigits
            | Self::TooManyNestedVerbs { .. }
            | Self::SayTooLong { .. } => SCHEMA_VALIDATION,
        }
    }

    pub(crate) fn malformed(position: usize, reason: impl Into<String>) -> Self {
        Self::Malformed {
            position,
            reason: reason.into(),
        }
    }
}
