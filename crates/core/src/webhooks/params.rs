//! The form parameters of each webhook (Twilio's names) and the opt-out keywords.

use switchboard_store::{WebhookKind, WebhookRecord};

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
