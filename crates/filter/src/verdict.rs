//! What the shield answers.

use serde::Serialize;

/// The decision for one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    #[default]
    Allow,
    Flag,
    Block,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Allow => "allow",
            Self::Flag => "flag",
            Self::Block => "block",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "allow" => Some(Self::Allow),
            "flag" => Some(Self::Flag),
            "block" => Some(Self::Block),
            _ => None,
        }
    }
}

/// One URL or bare domain found in the text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UrlReport {
    pub url: String,
    pub registrable_domain: Option<String>,
    pub findings: Vec<String>,
}

/// The full answer: verdict, score 0–100, tags, reasons and the URLs.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Analysis {
    pub verdict: Verdict,
    pub score: u32,
    pub tags: Vec<String>,
    pub reasons: Vec<String>,
    pub urls: Vec<UrlReport>,
    /// The text classifier's probability that the message is malicious (0–1).
    pub classifier: f32,
}

impl Analysis {
    pub fn has_tag(&self, tag: &str) -> bool {
        self.tags.iter().any(|t| t == tag)
    }
}
