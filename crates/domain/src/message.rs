//! The message state machine.
//!
//! ```text
//! queued ──claim──▶ sending ──accepted──▶ sent ──receipt──▶ delivered | undelivered | failed
//!   ▲                  │ temporary              (query after the receipt timeout)
//!   └──────────────────┘ permanent ──▶ failed
//! queued/scheduled/accepted ──cancel──▶ canceled
//! inbound: received
//! ```

/// Twilio's `message_enum_status` values that Switchboard produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageStatus {
    Accepted,
    Scheduled,
    Queued,
    Sending,
    Sent,
    Delivered,
    Undelivered,
    Failed,
    Canceled,
    Receiving,
    Received,
}

impl MessageStatus {
    pub const ALL: [MessageStatus; 11] = [
        Self::Accepted,
        Self::Scheduled,
        Self::Queued,
        Self::Sending,
        Self::Sent,
        Self::Delivered,
        Self::Undelivered,
        Self::Failed,
        Self::Canceled,
        Self::Receiving,
        Self::Received,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Scheduled => "scheduled",
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Undelivered => "undelivered",
            Self::Failed => "failed",
            Self::Canceled => "canceled",
            Self::Receiving => "receiving",
            Self::Received => "received",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// No further transition happens from a final status.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Delivered | Self::Undelivered | Self::Failed | Self::Canceled | Self::Received
        )
    }

    /// Not yet handed to a carrier, so it may still be canceled.
    pub fn is_cancelable(self) -> bool {
        matches!(self, Self::Queued | Self::Scheduled | Self::Accepted)
    }
}

/// Twilio's message `direction`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Inbound,
    OutboundApi,
    OutboundCall,
    OutboundReply,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::OutboundApi => "outbound-api",
            Self::OutboundCall => "outbound-call",
            Self::OutboundReply => "outbound-reply",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Inbound,
            Self::OutboundApi,
            Self::OutboundCall,
            Self::OutboundReply,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// The final outcome a carrier reports for a submitted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOutcome {
    pub status: MessageStatus,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in MessageStatus::ALL {
            assert_eq!(MessageStatus::parse(s.as_str()), Some(s));
        }
        assert!(MessageStatus::Delivered.is_final());
        assert!(!MessageStatus::Sent.is_final());
        assert!(MessageStatus::Queued.is_cancelable());
        assert!(!MessageStatus::Sending.is_cancelable());
    }
}
