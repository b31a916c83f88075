//! Twilio 2010 wire shapes: the Message and Call resources and the list envelopes.

use serde::Serialize;
use switchboard_core::store::{CallRecord, MessageRecord, NumberRecord};

pub const API_VERSION: &str = "2010-04-01";

/// RFC 2822 in UTC, as Twilio's 2010 API writes dates.
pub use switchboard_domain::clock::rfc2822;

#[derive(Debug, Serialize)]
pub struct SubresourceUris {
    pub media: String,
    pub feedback: String,
}

/// `api.v2010.account.message`
#[derive(Debug, Serialize)]
pub struct MessageResource {
    pub account_sid: String,
    pub api_version: &'static str,
    pub body: String,
    pub date_created: Option<String>,
    pub date_sent: Option<String>,
    pub date_updated: Option<String>,
    pub direction: &'static str,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    pub from: String,
    pub messaging_service_sid: Option<String>,
    pub num_media: String,
    pub num_segments: String,
    pub price: Option<String>,
    pub price_unit: Option<String>,
    pub sid: String,
    pub status: &'static str,
    pub subresource_uris: SubresourceUris,
    pub to: String,
    pub uri: String,
    /// Switchboard's addition: the smishing shield's verdict (`null` when not screened).
    pub shield: Option<ShieldResource>,
}

/// The shield's verdict on a message.
#[derive(Debug, Serialize)]
pub struct ShieldResource {
    pub verdict: String,
    pub score: u32,
    pub reasons: Vec<String>,
}

impl From<&MessageRecord> for MessageResource {
    fn from(m: &MessageRecord) -> Self {
        let base = format!(
            "/{API_VERSION}/Accounts/{}/Messages/{}",
            m.account_sid, m.sid
        );
        Self {
            account_sid: m.account_sid.to_string(),
            api_version: API_VERSION,
            body: m.body.clone(),
            date_created: rfc2822(m.date_created),
            date_sent: m.date_sent.and_then(rfc2822),
            date_updated: rfc2822(m.date_updated),
            direction: m.direction.as_str(),
            error_code: m.error_code,
            error_message: m.error_message.clone(),
            from: m.from.clone(),
            messaging_service_sid: m.messaging_service_sid.clone(),
            num_media: m.media_urls.len().to_string(),
            num_segments: m.num_segments.to_string(),
            price: m.price.clone(),
            price_unit: Some(m.price_unit.clone().unwrap_or_else(|| "USD".into())),
            sid: m.sid.to_string(),
            status: m.status.as_str(),
            subresource_uris: SubresourceUris {
                media: format!("{base}/Media.json"),
                feedback: format!("{base}/Feedback.json"),
            },
            to: m.to.clone(),
            uri: format!("{base}.json"),
            shield: m.shield.as_ref().map(|s| ShieldResource {
                verdict: s.verdict.clone(),
                score: s.score,
                reasons: s.reasons.clone(),
            }),
        }
    }
}

/// The 2010 list envelope: exactly one record key plus paging keys.
#[derive(Debug, Serialize)]
pub struct MessagePage {
    pub messages: Vec<MessageResource>,
    pub page: u32,
    pub page_size: u32,
    pub start: u64,
    pub end: u64,
    pub uri: String,
    pub first_page_uri: String,
    pub previous_page_uri: Option<String>,
    pub next_page_uri: Option<String>,
}

/// `api.v2010.account.incoming_phone_number` (the fields Switchboard has).
#[derive(Debug, Serialize)]
pub struct NumberResource {
    pub sid: String,
    pub account_sid: String,
    pub phone_number: String,
    pub friendly_name: String,
    pub capabilities: serde_json::Value,
    pub sms_url: String,
    pub sms_method: String,
    pub sms_fallback_url: String,
    pub sms_fallback_method: String,
    pub sms_application_sid: String,
    pub status_callback: String,
    pub status_callback_method: String,
    pub voice_url: String,
    pub voice_method: String,
    pub voice_fallback_url: String,
    pub voice_fallback_method: String,
    pub voice_application_sid: String,
    pub voice_caller_id_lookup: bool,
    pub origin: &'static str,
    pub status: &'static str,
    pub beta: bool,
    pub api_version: &'static str,
    pub date_created: Option<String>,
    pub date_updated: Option<String>,
    pub uri: String,
    /// Switchboard: replies to STOP / START / HELP (`null`: the default text, `""`: none).
    pub stop_reply: Option<String>,
    pub start_reply: Option<String>,
    pub help_reply: Option<String>,
}

impl From<&NumberRecord> for NumberResource {
    fn from(n: &NumberRecord) -> Self {
        let c = &n.config;
        Self {
            uri: format!(
                "/{API_VERSION}/Accounts/{}/IncomingPhoneNumbers/{}.json",
                n.account_sid, n.sid
            ),
            sid: n.sid.to_string(),
            account_sid: n.account_sid.to_string(),
            phone_number: n.phone_number.clone(),
            friendly_name: n.friendly_name.clone(),
            capabilities: serde_json::json!({"voice": true, "sms": true, "mms": false, "fax": false}),
            sms_url: c.sms_url.clone(),
            sms_method: c.sms_method.clone(),
            sms_fallback_url: c.sms_fallback_url.clone(),
            sms_fallback_method: c.sms_fallback_method.clone(),
            sms_application_sid: String::new(),
            status_callback: c.status_callback.clone(),
            status_callback_method: c.status_callback_method.clone(),
            voice_url: c.voice_url.clone(),
            voice_method: c.voice_method.clone(),
            voice_fallback_url: c.voice_fallback_url.clone(),
            voice_fallback_method: c.voice_fallback_method.clone(),
            voice_application_sid: String::new(),
            voice_caller_id_lookup: false,
            origin: "hosted",
            status: "in-use",
            beta: false,
            api_version: API_VERSION,
            date_created: rfc2822(n.date_created),
            date_updated: rfc2822(n.date_updated),
            stop_reply: c.stop_reply.clone(),
            start_reply: c.start_reply.clone(),
            help_reply: c.help_reply.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct NumberPage {
    pub incoming_phone_numbers: Vec<NumberResource>,
    pub page: u32,
    pub page_size: u32,
    pub start: u64,
    pub end: u64,
    pub uri: String,
    pub first_page_uri: String,
    pub previous_page_uri: Option<String>,
    pub next_page_uri: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OptOutResource {
    pub account_sid: String,
    pub sender: String,
    pub recipient: String,
    pub date_created: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct OptOutPage {
    pub opt_outs: Vec<OptOutResource>,
    pub page: u32,
    pub page_size: u32,
    pub start: u64,
    pub end: u64,
    pub uri: String,
    pub first_page_uri: String,
    pub previous_page_uri: Option<String>,
    pub next_page_uri: Option<String>,
}

/// A number as Twilio's `*_formatted` fields show it: `(415) 555-0100` for NANP
/// numbers, the number itself otherwise (SIP URIs, other countries).
pub fn formatted(number: &str) -> String {
    match number.strip_prefix("+1") {
        Some(d) if d.len() == 10 && d.bytes().all(|b| b.is_ascii_digit()) => {
            format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..])
        }
        _ => number.to_owned(),
    }
}

/// `api.v2010.account.call`
#[derive(Debug, Serialize)]
pub struct CallResource {
    pub sid: String,
    pub date_created: Option<String>,
    pub date_updated: Option<String>,
    pub parent_call_sid: Option<String>,
    pub account_sid: String,
    pub to: String,
    pub to_formatted: String,
    pub from: String,
    pub from_formatted: String,
    pub phone_number_sid: Option<String>,
    pub status: &'static str,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    /// Seconds, as a string; `null` until the call is over.
    pub duration: Option<String>,
    pub price: Option<String>,
    pub price_unit: &'static str,
    pub direction: &'static str,
    pub answered_by: Option<String>,
    pub api_version: &'static str,
    pub forwarded_from: Option<String>,
    pub group_sid: Option<String>,
    pub caller_name: Option<String>,
    pub queue_time: &'static str,
    pub trunk_sid: Option<String>,
    pub uri: String,
    pub subresource_uris: serde_json::Value,
    /// Switchboard extension: why the call failed or its TwiML stopped (32011 SIP failure,
    /// 11200/12100/12300 TwiML fetch or parse errors), as messages carry `error_code`.
    pub error_code: Option<u32>,
    /// Switchboard extension: the detail of `error_code` (e.g. `SIP 403 Forbidden`).
    pub error_message: Option<String>,
    /// Switchboard extension: the final SIP status of the call's INVITE or dialog.
    pub sip_response_code: Option<u16>,
    /// Switchboard extension: what was skipped while running the call (unknown verbs …).
    pub warnings: Vec<String>,
}

impl CallResource {
    /// The resource of `c`; `phone_number_sid` is the account's number the call is from.
    pub fn new(c: &CallRecord, phone_number_sid: Option<String>) -> Self {
        let base = format!("/{API_VERSION}/Accounts/{}/Calls/{}", c.account_sid, c.sid);
        let sub = |name: &str| format!("{base}/{name}.json");
        Self {
            sid: c.sid.to_string(),
            date_created: rfc2822(c.date_created),
            date_updated: rfc2822(c.date_updated),
            parent_call_sid: None,
            account_sid: c.account_sid.to_string(),
            to: c.to.clone(),
            to_formatted: formatted(&c.to),
            from: c.from.clone(),
            from_formatted: formatted(&c.from),
            phone_number_sid,
            status: c.status.as_str(),
            start_time: c.start_time.and_then(rfc2822),
            end_time: c.end_time.and_then(rfc2822),
            duration: c.duration_secs.map(|d| d.to_string()),
            price: None,
            price_unit: "USD",
            direction: c.direction.as_str(),
            answered_by: c.answered_by.clone(),
            api_version: API_VERSION,
            forwarded_from: None,
            group_sid: None,
            caller_name: None,
            queue_time: "0",
            trunk_sid: None,
            uri: format!("{base}.json"),
            subresource_uris: serde_json::json!({
                "feedback": sub("Feedback"),
                "user_defined_messages": sub("UserDefinedMessages"),
                "notifications": sub("Notifications"),
                "recordings": sub("Recordings"),
                "streams": sub("Streams"),
                "payments": sub("Payments"),
                "user_defined_message_subscriptions": sub("UserDefinedMessageSubscriptions"),
                "siprec": sub("Siprec"),
                "events": sub("Events"),
                "feedback_summaries": format!("/{API_VERSION}/Accounts/{}/Calls/FeedbackSummary.json", c.account_sid),
            }),
            error_code: c.error_code,
            error_message: c.error_message.clone(),
            sip_response_code: c.sip_response_code,
            warnings: c.warnings.clone(),
        }
    }
}

/// The list envelope of calls.
#[derive(Debug, Serialize)]
pub struct CallPage {
    pub calls: Vec<CallResource>,
    pub page: u32,
    pub page_size: u32,
    pub start: u64,
    pub end: u64,
    pub uri: String,
    pub first_page_uri: String,
    pub previous_page_uri: Option<String>,
    pub next_page_uri: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc2822_utc() {
        assert_eq!(
            rfc2822(1_692_853_305_000).as_deref(),
            Some("Thu, 24 Aug 2023 05:01:45 +0000")
        );
    }

    #[test]
    fn nanp_numbers_are_formatted() {
        assert_eq!(formatted("+14155550100"), "(415) 555-0100");
        assert_eq!(formatted("+442071838750"), "+442071838750");
        assert_eq!(formatted("sip:a@b.example"), "sip:a@b.example");
    }
}
