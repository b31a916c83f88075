//! Voice calls: status, direction and the status-callback events (Twilio's Calls resource).
//!
//! ```text
//! queued ──dial──▶ ringing ──answer──▶ in-progress ──hang up──▶ completed
//!   │                 │ busy | no-answer | failed | canceled
//!   └──cancel──▶ canceled   (failed before ringing, too)
//! ```

use std::fmt;

/// Twilio's `call_enum_status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallStatus {
    Queued,
    Ringing,
    InProgress,
    Completed,
    Busy,
    Failed,
    NoAnswer,
    Canceled,
}

impl CallStatus {
    pub const ALL: [CallStatus; 8] = [
        Self::Queued,
        Self::Ringing,
        Self::InProgress,
        Self::Completed,
        Self::Busy,
        Self::Failed,
        Self::NoAnswer,
        Self::Canceled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Ringing => "ringing",
            Self::InProgress => "in-progress",
            Self::Completed => "completed",
            Self::Busy => "busy",
            Self::Failed => "failed",
            Self::NoAnswer => "no-answer",
            Self::Canceled => "canceled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The call is over: nothing moves it any more.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Queued | Self::Ringing | Self::InProgress)
    }

    /// The status-callback event a move to this status reports (`None` for `queued`).
    pub fn event(self) -> Option<CallbackEvent> {
        match self {
            Self::Queued => None,
            Self::Ringing => Some(CallbackEvent::Ringing),
            Self::InProgress => Some(CallbackEvent::Answered),
            _ => Some(CallbackEvent::Completed),
        }
    }
}

impl fmt::Display for CallStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A call's `direction`. Switchboard places `outbound-api` calls; `inbound` is for
/// calls arriving at a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDirection {
    Inbound,
    OutboundApi,
}

impl CallDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::OutboundApi => "outbound-api",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Inbound, Self::OutboundApi]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// One value of `StatusCallbackEvent`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CallbackEvent {
    /// The engine started dialing (the call is still `queued`).
    Initiated,
    Ringing,
    /// `in-progress`.
    Answered,
    /// Any final status.
    Completed,
}

impl CallbackEvent {
    pub const ALL: [CallbackEvent; 4] = [
        Self::Initiated,
        Self::Ringing,
        Self::Answered,
        Self::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initiated => "initiated",
            Self::Ringing => "ringing",
            Self::Answered => "answered",
            Self::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }

    const fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The set of `StatusCallbackEvent`s a call asked for (Twilio's default: `completed`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusCallbackEvents(u8);

impl Default for StatusCallbackEvents {
    fn default() -> Self {
        Self::of(&[CallbackEvent::Completed])
    }
}

impl StatusCallbackEvents {
    pub const fn empty() -> Self {
        Self(0)
    }

    pub fn of(events: &[CallbackEvent]) -> Self {
        Self(events.iter().fold(0, |b, e| b | e.bit()))
    }

    pub const fn contains(self, e: CallbackEvent) -> bool {
        self.0 & e.bit() != 0
    }

    #[must_use]
    pub const fn with(self, e: CallbackEvent) -> Self {
        Self(self.0 | e.bit())
    }

    pub fn iter(self) -> impl Iterator<Item = CallbackEvent> {
        CallbackEvent::ALL
            .into_iter()
            .filter(move |e| self.contains(*e))
    }

    /// Values as given: repeated and/or space- or comma-separated (`initiated ringing`).
    /// Nothing given means the default; an unknown value is returned as the error.
    pub fn parse<'a>(values: impl IntoIterator<Item = &'a str>) -> Result<Self, String> {
        let mut set = Self::empty();
        let mut any = false;
        for v in values {
            for word in v
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|w| !w.is_empty())
            {
                any = true;
                set = set.with(CallbackEvent::parse(word).ok_or_else(|| word.to_owned())?);
            }
        }
        Ok(if any { set } else { Self::default() })
    }

    /// Space-separated names in [`CallbackEvent::ALL`] order (as stored).
    pub fn render(self) -> String {
        self.iter()
            .map(CallbackEvent::as_str)
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Ring timeout (`Timeout`), seconds: default and allowed range.
pub const DEFAULT_TIMEOUT_SECS: u32 = 60;
pub const TIMEOUT_RANGE: std::ops::RangeInclusive<u32> = 1..=600;
/// Longest call (`TimeLimit`), seconds: default (4 h) and the most allowed (24 h).
pub const DEFAULT_TIME_LIMIT_SECS: u32 = 14_400;
pub const MAX_TIME_LIMIT_SECS: u32 = 86_400;
/// Longest inline `Twiml`.
pub const MAX_TWIML_CHARS: usize = 4000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip_and_finality() {
        for s in CallStatus::ALL {
            assert_eq!(CallStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(CallStatus::InProgress.as_str(), "in-progress");
        assert_eq!(CallStatus::NoAnswer.as_str(), "no-answer");
        let finals: Vec<_> = CallStatus::ALL
            .into_iter()
            .filter(|s| s.is_final())
            .collect();
        assert_eq!(finals.len(), 5);
        assert!(!CallStatus::Ringing.is_final());
        assert_eq!(CallStatus::Busy.event(), Some(CallbackEvent::Completed));
        assert_eq!(CallStatus::Queued.event(), None);
        assert_eq!(
            CallDirection::parse("outbound-api"),
            Some(CallDirection::OutboundApi)
        );
    }

    #[test]
    fn events_parse_repeated_or_separated() {
        let d = StatusCallbackEvents::parse([]).expect("default");
        assert_eq!(d.render(), "completed");
        let e = StatusCallbackEvents::parse(["ringing answered", "initiated"]).expect("parse");
        assert_eq!(e.render(), "initiated ringing answered");
        assert_eq!(StatusCallbackEvents::parse([e.render().as_str()]), Ok(e));
        assert_eq!(
            StatusCallbackEvents::parse(["ringing,bogus"]),
            Err("bogus".to_owned())
        );
    }
}
