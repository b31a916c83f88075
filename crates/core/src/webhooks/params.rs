//! The form parameters of each webhook (Twilio's names) and the opt-out keywords.

use switchboard_store::{CallWebhook, WebhookKind, WebhookRecord};

/// A whole-message opt-out keyword class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptKeyword {
    Stop,
    Start,
    Help,
}

impl OptKeyword {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Stop => "STOP",
            Self::Start => "START",
            Self::Help => "HELP",
        }
    }
}

/// The keyword class of an inbound body: the whole message, one word, any case.
/// "STOP please" is not a keyword.
pub fn opt_out_keyword(body: &str) -> Option<OptKeyword> {
    let word = body
        .trim()
        .trim_end_matches(['.', '!'])
        .to_ascii_uppercase();
    match word.as_str() {
        "STOP" | "STOPALL" | "UNSUBSCRIBE" | "CANCEL" | "END" | "QUIT" => Some(OptKeyword::Stop),
        "START" | "YES" | "UNSTOP" => Some(OptKeyword::Start),
        "HELP" | "INFO" => Some(OptKeyword::Help),
        _ => None,
    }
}

fn push(p: &mut Vec<(String, String)>, k: &str, v: impl Into<String>) {
    p.push((k.to_owned(), v.into()));
}

/// The parameters Twilio sends for this row (§7.1 inbound, §7.2 status).
pub(super) fn build(h: &WebhookRecord) -> Vec<(String, String)> {
    let m = &h.message;
    let mut p = Vec::with_capacity(24);
    let sid = m.sid.to_string();
    push(&mut p, "MessageSid", sid.clone());
    push(&mut p, "SmsSid", sid.clone());
    push(&mut p, "AccountSid", m.account_sid.to_string());
    if let Some(ms) = &m.messaging_service_sid {
        push(&mut p, "MessagingServiceSid", ms.clone());
    }
    push(&mut p, "From", m.from.clone());
    push(&mut p, "To", m.to.clone());
    push(&mut p, "ApiVersion", "2010-04-01");
    match h.kind {
        WebhookKind::Incoming | WebhookKind::Alert => {
            push(&mut p, "SmsMessageSid", sid);
            push(&mut p, "Body", m.body.clone());
            push(&mut p, "NumMedia", "0");
            push(&mut p, "NumSegments", m.num_segments.to_string());
            push(&mut p, "SmsStatus", "received");
            for geo in [
                "FromCity",
                "FromState",
                "FromZip",
                "FromCountry",
                "ToCity",
                "ToState",
                "ToZip",
                "ToCountry",
            ] {
                push(&mut p, geo, "");
            }
            if let Some(k) = opt_out_keyword(&m.body) {
                push(&mut p, "OptOutType", k.as_str());
            }
            // The smishing shield's verdict, when it flagged or blocked the message
            // (signed like every other parameter).
            if let Some(s) = m.shield.as_ref().filter(|s| s.verdict != "allow") {
                push(&mut p, "ShieldVerdict", s.verdict.clone());
                push(&mut p, "ShieldScore", s.score.to_string());
                push(&mut p, "ShieldReasons", s.reasons.join("; "));
            }
        }
        WebhookKind::Status => {
            push(&mut p, "MessageStatus", h.status.as_str());
            push(&mut p, "SmsStatus", h.status.as_str());
            if let Some(d) = &h.raw_dlr_done_date {
                push(&mut p, "RawDlrDoneDate", d.clone());
            }
            if let Some(code) = h.error_code {
                push(&mut p, "ErrorCode", code.to_string());
                if let Some(msg) = &h.error_message {
                    push(&mut p, "ErrorMessage", msg.clone());
                }
            }
        }
    }
    p
}

/// A call status callback's parameters (Twilio's call-progress events).
pub(super) fn build_call(h: &CallWebhook) -> Vec<(String, String)> {
    let c = &h.call;
    let mut p = Vec::with_capacity(20);
    push(&mut p, "CallSid", c.sid.to_string());
    push(&mut p, "AccountSid", c.account_sid.to_string());
    push(&mut p, "From", c.from.clone());
    push(&mut p, "Caller", c.from.clone());
    push(&mut p, "To", c.to.clone());
    push(&mut p, "Called", c.to.clone());
    push(&mut p, "CallStatus", h.status.clone());
    push(&mut p, "Direction", c.direction.as_str());
    push(&mut p, "ApiVersion", "2010-04-01");
    push(&mut p, "CallbackSource", "call-progress-events");
    push(&mut p, "SequenceNumber", h.sequence.to_string());
    if let Some(t) = switchboard_domain::clock::rfc2822(h.created_at) {
        push(&mut p, "Timestamp", t);
    }
    let is_final =
        switchboard_domain::call::CallStatus::parse(&h.status).is_some_and(|s| s.is_final());
    if is_final {
        let secs = c.duration_secs.unwrap_or(0);
        push(&mut p, "CallDuration", secs.to_string());
        // Twilio's `Duration`: whole minutes, rounded up.
        push(&mut p, "Duration", secs.div_ceil(60).to_string());
    }
    if let Some(code) = c.sip_response_code {
        push(&mut p, "SipResponseCode", code.to_string());
    }
    if let Some(a) = &c.answered_by {
        push(&mut p, "AnsweredBy", a.clone());
    }
    if is_final {
        if let Some(code) = c.error_code {
            push(&mut p, "ErrorCode", code.to_string());
            if let Some(msg) = &c.error_message {
                push(&mut p, "ErrorMessage", msg.clone());
            }
        }
    }
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_are_whole_messages() {
        assert_eq!(opt_out_keyword("STOP"), Some(OptKeyword::Stop));
        assert_eq!(opt_out_keyword(" stop "), Some(OptKeyword::Stop));
        assert_eq!(opt_out_keyword("Unsubscribe"), Some(OptKeyword::Stop));
        assert_eq!(opt_out_keyword("cancel"), Some(OptKeyword::Stop));
        assert_eq!(opt_out_keyword("unstop"), Some(OptKeyword::Start));
        assert_eq!(opt_out_keyword("Info"), Some(OptKeyword::Help));
        assert_eq!(opt_out_keyword("STOP please"), None);
        assert_eq!(opt_out_keyword("1"), None);
        assert_eq!(opt_out_keyword("stopp"), None);
    }
}
