//! [`ReceiptState`]: `stat:` words and `message_state` values.

/// The message state a receipt reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReceiptState {
    /// `DELIVRD`, message_state 2.
    Delivered,
    /// `EXPIRED`, message_state 3.
    Expired,
    /// `DELETED`, message_state 4.
    Deleted,
    /// `UNDELIV`, message_state 5.
    Undeliverable,
    /// `ACCEPTD`, message_state 6.
    Accepted,
    /// `UNKNOWN`, message_state 7.
    Unknown,
    /// `REJECTD`, message_state 8.
    Rejected,
    /// `ENROUTE`, message_state 1 (intermediate).
    Enroute,
    /// Any other text (upper-cased), or `SKIPPED` for message_state 9.
    Other(String),
}

impl ReceiptState {
    /// From a `stat:` value, case-insensitively; long spellings
    /// (`DELIVERED`, `UNDELIVERABLE`, …) are accepted too.
    pub fn from_stat(stat: &str) -> Self {
        let upper = stat.trim().to_ascii_uppercase();
        match upper.as_str() {
            "DELIVRD" | "DELIVERED" => ReceiptState::Delivered,
            "EXPIRED" => ReceiptState::Expired,
            "DELETED" => ReceiptState::Deleted,
            "UNDELIV" | "UNDELIVERABLE" => ReceiptState::Undeliverable,
            "ACCEPTD" | "ACCEPTED" => ReceiptState::Accepted,
            "UNKNOWN" => ReceiptState::Unknown,
            "REJECTD" | "REJECTED" => ReceiptState::Rejected,
            "ENROUTE" => ReceiptState::Enroute,
            _ => ReceiptState::Other(upper),
        }
    }

    /// From a `message_state` TLV value (SMPP 3.4 §5.2.28; 9 is SMPP 5.0's
    /// SKIPPED). `None` for 0 and values above 9.
    pub fn from_message_state(value: u8) -> Option<Self> {
        Some(match value {
            1 => ReceiptState::Enroute,
            2 => ReceiptState::Delivered,
            3 => ReceiptState::Expired,
            4 => ReceiptState::Deleted,
            5 => ReceiptState::Undeliverable,
            6 => ReceiptState::Accepted,
            7 => ReceiptState::Unknown,
            8 => ReceiptState::Rejected,
            9 => ReceiptState::Other("SKIPPED".to_owned()),
            _ => return None,
        })
    }

    /// The `message_state` value, if this state has one.
    pub fn message_state(&self) -> Option<u8> {
        match self {
            ReceiptState::Enroute => Some(1),
            ReceiptState::Delivered => Some(2),
            ReceiptState::Expired => Some(3),
            ReceiptState::Deleted => Some(4),
            ReceiptState::Undeliverable => Some(5),
            ReceiptState::Accepted => Some(6),
            ReceiptState::Unknown => Some(7),
            ReceiptState::Rejected => Some(8),
            ReceiptState::Other(s) if s == "SKIPPED" => Some(9),
            ReceiptState::Other(_) => None,
        }
    }

    /// The 7-letter `stat:` spelling.
    pub fn as_stat(&self) -> &str {
        match self {
            ReceiptState::Delivered => "DELIVRD",
            ReceiptState::Expired => "EXPIRED",
            ReceiptState::Deleted => "DELETED",
            ReceiptState::Undeliverable => "UNDELIV",
            ReceiptState::Accepted => "ACCEPTD",
            ReceiptState::Unknown => "UNKNOWN",
            ReceiptState::Rejected => "REJECTD",
            ReceiptState::Enroute => "ENROUTE",
            ReceiptState::Other(s) => s,
        }
    }

    /// `true` unless the state is intermediate (`ENROUTE`, `ACCEPTD`) or
    /// unrecognised text.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            ReceiptState::Enroute | ReceiptState::Accepted | ReceiptState::Other(_)
        )
    }
}
