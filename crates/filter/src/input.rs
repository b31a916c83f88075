//! What the shield looks at.

use crate::lookalike::{Brand, Entry};

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
/// Built once per account (callers cache it), not per message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountContext {
    pub account_sid: String,
    /// Per-account thresholds (the platform's when `None`).
    pub thresholds: Option<crate::Thresholds>,
    /// The enterprise's genuine registrable domains (e.g. `acme.com`), lower case: allow-listed.
    domains: Vec<String>,
    /// Each protected name (e.g. `acme`) as a brand whose genuine domains are `domains`.
    brands: Vec<Brand>,
    /// `brands` prepared for look-alike matching (built with them).
    entries: Vec<Entry>,
}

impl AccountContext {
    /// `names` are matched like built-in brands; `domains` are the enterprise's own.
    pub fn new(account_sid: impl Into<String>, names: &[String], domains: &[String]) -> Self {
        let domains: Vec<String> = domains.iter().map(|d| d.to_ascii_lowercase()).collect();
        let brands = names
            .iter()
            .map(|name| Brand {
                name: name.to_ascii_lowercase(),
                genuine: domains.clone(),
            })
            .collect::<Vec<_>>();
        Self {
            account_sid: account_sid.into(),
            thresholds: None,
            entries: crate::lookalike::entries(&brands),
            domains,
            brands,
        }
    }

    pub fn with_thresholds(mut self, thresholds: Option<crate::Thresholds>) -> Self {
        self.thresholds = thresholds;
        self
    }

    /// A protected name as it appears in domains (3–63 of `a-z`, `0-9`, `-`, not starting or
    /// ending with `-`), lower-cased; `None` when it is not one.
    pub fn parse_name(name: &str) -> Option<String> {
        let n = name.trim().to_ascii_lowercase();
        let ok = (3..=63).contains(&n.len())
            && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !n.starts_with('-')
            && !n.ends_with('-');
        ok.then_some(n)
    }

    /// A genuine domain such as `acme.com` (IDN allowed), in ASCII; `None` when it is not one.
    pub fn parse_domain(domain: &str) -> Option<String> {
        crate::ascii_domain(&domain.trim().to_ascii_lowercase())
            .filter(|a| a.contains('.') && a.len() <= 253)
    }

    /// The account's names as brands.
    pub fn brands(&self) -> &[Brand] {
        &self.brands
    }

    /// The account's brands prepared for look-alike matching.
    pub(crate) fn brand_entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Whether `registrable` is one of the account's own domains.
    pub fn owns(&self, registrable: &str) -> bool {
        self.domains.iter().any(|d| d == registrable)
    }
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
