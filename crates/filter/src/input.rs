//! What the shield looks at.

/// Which way a message travels through the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Direction {
    /// Sent by a customer through the API or SMPP (screened so accounts cannot be abused).
    #[default]
    Outbound,
    /// Received on a customer's number (screened to protect the enterprise).
    Inbound,
}

impl Direction {
    /// Parses `outbound`/`inbound` (Twilio also says `outbound-api`, `outbound-reply`).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_ascii_lowercase();
        if s.starts_with("outbound") {
            Some(Self::Outbound)
        } else if s == "inbound" {
            Some(Self::Inbound)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Outbound => "outbound",
            Self::Inbound => "inbound",
        }
    }
}

/// The account a message belongs to: its own names and domains are protected brands too.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountContext {
    pub account_sid: String,
    /// Names of the enterprise (e.g. `acme`), matched like a built-in brand.
    pub protected_names: Vec<String>,
    /// The enterprise's genuine registrable domains (e.g. `acme.com`), allow-listed.
    pub protected_domains: Vec<String>,
    /// Per-account thresholds (the platform's when `None`).
    pub thresholds: Option<crate::Thresholds>,
}

/// One message to screen.
#[derive(Debug, Clone, Copy, Default)]
pub struct FilterInput<'a> {
    pub body: &'a str,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub direction: Direction,
    pub account: Option<&'a AccountContext>,
}

impl<'a> FilterInput<'a> {
    pub fn text(body: &'a str) -> Self {
        Self {
            body,
            ..Self::default()
        }
    }
}
