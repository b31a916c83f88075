//! Twilio 2010 wire shapes: the Message resource and the list envelope.

use serde::Serialize;
use switchboard_core::store::MessageRecord;

pub const API_VERSION: &str = "2010-04-01";

/// RFC 2822 in UTC, as Twilio's 2010 API writes dates.
pub fn rfc2822(millis: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S +0000").to_string())
}

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
}
