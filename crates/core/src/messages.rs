//! The Messages use cases, with Twilio's validation order and error codes.

use std::sync::Arc;
use switchboard_domain::address::{parse_e164, Address};
use switchboard_domain::clock::Clock;
use switchboard_domain::clock::Millis;
use switchboard_domain::encoding;
use switchboard_domain::ids::{AccountSid, MessageSid, ServiceSid};
use switchboard_domain::message::{Direction, MessageStatus};
use switchboard_store::{CancelResult, MessageFilter, MessageRecord, NewMessage, Store};
use tokio::sync::Notify;

pub const MAX_BODY_CHARS: usize = 1600;

/// 21617 when `body` is over the 1600-character limit.
pub fn check_body_len(body: &str) -> Result<(), MessageError> {
    if encoding::char_count(body) > MAX_BODY_CHARS {
        return Err(reject(
            21617,
            "The concatenated message body exceeds the 1600 character limit.",
        ));
    }
    Ok(())
}
pub const MAX_MEDIA: usize = 10;
/// How long an `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// A create request as received, not yet validated.
#[derive(Debug, Clone, Default)]
pub struct SendRequest {
    pub to: Option<String>,
    pub from: Option<String>,
    pub messaging_service_sid: Option<String>,
    pub body: Option<String>,
    pub media_urls: Vec<String>,
    pub status_callback: Option<String>,
    pub validity_period: Option<u32>,
    pub smart_encoded: bool,
    /// `ScheduleType` as given (`fixed` is the only type).
    pub schedule_type: Option<String>,
    /// `SendAt`, already parsed.
    pub send_at: Option<Millis>,
}

/// A rejected request (a code from the error table) or a store failure.
#[derive(Debug, thiserror::Error)]
pub enum MessageError {
    #[error("{message}")]
    Rejected { code: u32, message: String },
    /// Over a rate limit: retry after `retry_after_secs`.
    #[error("{message}")]
    Limited {
        code: u32,
        message: String,
        retry_after_secs: u64,
    },
    #[error(transparent)]
    Store(#[from] switchboard_store::Error),
}

pub(crate) fn reject(code: u32, message: impl Into<String>) -> MessageError {
    MessageError::Rejected {
        code,
        message: message.into(),
    }
}

pub(crate) fn valid_url(u: &str) -> bool {
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        !host.is_empty() && !host.contains('_') && !u.chars().any(char::is_whitespace)
    })
}

/// Which senders an account may use.
#[derive(Debug, Clone)]
pub struct SenderPolicy {
    /// A number every account may send from without holding it (Twilio's
    /// test sender `+15005550006`); `None` turns that off.
    pub test_sender: Option<String>,
    /// Whether alphanumeric sender IDs (`From=Salon`) are allowed.
    pub alphanumeric: bool,
    /// How far ahead `SendAt` may be: at least this many seconds…
    pub schedule_min_secs: u64,
    /// …and at most this many.
    pub schedule_max_secs: u64,
    /// Sender rates, for the queue cap below (and the pipeline's pacing).
    pub sender_rates: crate::shaping::SenderRates,
    /// A sender's queue holds at most this many seconds of its rate (21611
    /// beyond); `0` = no cap.
    pub max_queue_secs: u64,
}

impl Default for SenderPolicy {
    fn default() -> Self {
        Self {
            test_sender: Some("+15005550006".into()),
            alphanumeric: true,
            schedule_min_secs: 15 * 60,
            schedule_max_secs: 35 * 24 * 3600,
            sender_rates: crate::shaping::SenderRates::unlimited(),
            max_queue_secs: 0,
        }
    }
}

/// A `queued` `outbound-reply` message (TwiML replies, opt-out auto-replies).
pub(crate) fn reply_message(
    account: &AccountSid,
    from: String,
    to: String,
    body: String,
    status_callback: Option<String>,
    now: Millis,
) -> NewMessage {
    let seg = encoding::segment(&body);
    NewMessage {
        sid: MessageSid::generate_at(now),
        account_sid: account.clone(),
        direction: Direction::OutboundReply,
        status: MessageStatus::Queued,
        to,
        from,
        num_segments: u32::try_from(seg.num_segments()).unwrap_or(u32::MAX),
        encoding: seg.encoding.as_str().to_owned(),
        body,
        media_urls: Vec::new(),
        messaging_service_sid: None,
        status_callback,
        validity_secs: None,
        now,
        due_at: now,
        error_code: None,
        error_message: None,
        shield: None,
    }
}

pub struct Messages {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    policy: SenderPolicy,
    shield: Option<Arc<crate::shield::Screening>>,
    /// Woken whenever a message is queued, so the pipeline does not wait for its poll.
    pub queued: Arc<Notify>,
}

impl Messages {
    pub fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        policy: SenderPolicy,
        shield: Option<Arc<crate::shield::Screening>>,
    ) -> Self {
        Self {
            store,
            clock,
            policy,
            shield,
            queued: Arc::new(Notify::new()),
        }
    }

    /// With a Messaging Service: it must exist (21701); the pool gives the
    /// sender (sticky per recipient) unless `From` was given (21703 if the pool
    /// is empty); the service's status callback is the default.
    async fn resolve_service(
        &self,
        account: &AccountSid,
        mut new: NewMessage,
    ) -> Result<NewMessage, MessageError> {
        let Some(ms) = new.messaging_service_sid.clone() else {
            return Ok(new);
        };
        let sid = ServiceSid::parse(&ms)
            .map_err(|_| reject(21701, format!("The Messaging Service {ms} does not exist.")))?;
        let service = self
            .store
            .get_service(account, &sid)
            .await?
            .ok_or_else(|| reject(21701, format!("The Messaging Service {ms} does not exist.")))?;
        if new.from.is_empty() {
            new.from = self
                .store
                .pick_sender(&sid, &new.to, service.config.sticky_sender)
                .await?
                .ok_or_else(|| {
                    reject(
                        21703,
                        format!("The Messaging Service {ms} has no phone number to send from."),
                    )
                })?;
        }
        if new.status_callback.is_none() && !service.config.status_callback.is_empty() {
            new.status_callback = Some(service.config.status_callback.clone());
        }
        Ok(new)
    }

    /// Opt-outs to a number in a service apply to the whole service.
    async fn check_service_opt_out(
        &self,
        account: &AccountSid,
        new: &NewMessage,
    ) -> Result<(), MessageError> {
        if let Some(ms) = &new.messaging_service_sid {
            if self.store.is_opted_out(account, ms, &new.to).await? {
                return Err(reject(
                    21610,
                    format!(
                        "Attempt to send to unsubscribed recipient: {} opted out of {ms}.",
                        new.to
                    ),
                ));
            }
        }
        Ok(())
    }

    /// 21606 unless the account may send from `from`; 21610 if `to` opted out of it.
    async fn check_sender(
        &self,
        account: &AccountSid,
        from: &str,
        to: &str,
    ) -> Result<(), MessageError> {
        let is_number = from.starts_with('+');
        let allowed = if !is_number {
            self.policy.alphanumeric
        } else if self.policy.test_sender.as_deref() == Some(from) {
            true
        } else {
            self.store
                .find_number(from)
                .await?
                .is_some_and(|n| &n.account_sid == account)
        };
        if !allowed {
            return Err(reject(
                21606,
                format!("The 'From' phone number {from} is not a valid, SMS-capable inbound phone number or short code for your account."),
            ));
        }
        if let Some(rate) = self.policy.sender_rates.rate_of(from) {
            if self.policy.max_queue_secs > 0 {
                let cap = ((rate * self.policy.max_queue_secs as f64) as u64).max(1);
                if self.store.queued_from(from, cap).await? >= cap {
                    return Err(reject(
                        21611,
                        format!("The 'From' number {from} has {cap} messages queued, the most its rate allows ({} s of sending); try later.", self.policy.max_queue_secs),
                    ));
                }
            }
        }
        if self.store.is_opted_out(account, from, to).await? {
            return Err(reject(
                21610,
                format!("Attempt to send to unsubscribed recipient: {to} replied STOP to {from}."),
            ));
        }
        Ok(())
    }

    /// Everything before the insert, in Twilio's order: validation, the Messaging Service,
    /// the sender and opt-out checks, then the smishing shield.
    async fn prepare(
        &self,
        account: &AccountSid,
        req: SendRequest,
    ) -> Result<NewMessage, MessageError> {
        let new = self.validate(account, req)?;
        let new = self.resolve_service(account, new).await?;
        self.check_sender(account, &new.from, &new.to).await?;
        self.check_service_opt_out(account, &new).await?;
        self.screen(new).await
    }

    /// The smishing shield (see [`crate::shield::Screening::outbound`]).
    async fn screen(&self, mut new: NewMessage) -> Result<NewMessage, MessageError> {
        if let Some(screening) = &self.shield {
            screening.outbound(&mut new).await?;
        }
        Ok(new)
    }

    /// `send` under an `Idempotency-Key`: the same key (per account, within
    /// 24 h) with the same parameters returns the first message, and `true`
    /// for a replay; with other parameters it is refused (20422).
    pub async fn send_once(
        &self,
        account: &AccountSid,
        req: SendRequest,
        key: String,
        request_hash: String,
    ) -> Result<(MessageRecord, bool), MessageError> {
        if key.is_empty() || key.len() > 255 || key.chars().any(char::is_control) {
            return Err(reject(
                20001,
                "Idempotency-Key must be 1 to 255 printable characters.",
            ));
        }
        let new = self.prepare(account, req).await?;
        let not_before = new.now - IDEMPOTENCY_WINDOW_MS;
        let key = switchboard_store::IdempotencyKey {
            key,
            request_hash,
            not_before,
        };
        match self.store.insert_message_once(new, key).await? {
            switchboard_store::Idempotent::Created(m) => {
                self.accepted(&m);
                Ok((m, false))
            }
            switchboard_store::Idempotent::Replayed(m) => Ok((m, true)),
            switchboard_store::Idempotent::Mismatch => Err(reject(
                20422,
                "This Idempotency-Key was already used with different parameters; use a new key for a new message.",
            )),
        }
    }

    /// Validates and durably stores an outbound message, then wakes the pipeline.
    pub async fn send(
        &self,
        account: &AccountSid,
        req: SendRequest,
    ) -> Result<MessageRecord, MessageError> {
        let new = self.prepare(account, req).await?;
        let stored = self.store.insert_message(new).await?;
        self.accepted(&stored);
        Ok(stored)
    }

    /// Sends a text the platform itself composed (Verify codes) from a platform sender: no
    /// sender-ownership or opt-out checks, but screened and stored like any other message.
    pub async fn send_platform(
        &self,
        account: &AccountSid,
        from: &str,
        to: &str,
        body: String,
    ) -> Result<MessageRecord, MessageError> {
        let now = self.clock.now_millis();
        let new = NewMessage {
            direction: Direction::OutboundApi,
            ..reply_message(account, from.to_owned(), to.to_owned(), body, None, now)
        };
        let new = self.screen(new).await?;
        let stored = self.store.insert_message(new).await?;
        self.accepted(&stored);
        Ok(stored)
    }

    /// Counts a stored message and wakes the pipeline, unless the shield refused it
    /// (`failed` at once: nothing to send).
    fn accepted(&self, m: &MessageRecord) {
        if m.status != MessageStatus::Failed {
            self.queued.notify_one();
        }
        metrics::counter!("switchboard_messages_accepted_total").increment(1);
    }

    fn validate(&self, account: &AccountSid, req: SendRequest) -> Result<NewMessage, MessageError> {
        let to_raw = req
            .to
            .filter(|t| !t.is_empty())
            .ok_or_else(|| reject(21604, "A 'To' phone number is required."))?;
        let to = Address::parse_to(&to_raw).ok_or_else(|| {
            reject(
                21211,
                format!("The 'To' number {to_raw} is not a valid phone number."),
            )
        })?;
        let service = match req.messaging_service_sid.filter(|s| !s.is_empty()) {
            Some(ms) => Some(ServiceSid::parse(&ms).map_err(|_| {
                reject(21701, format!("The Messaging Service {ms} does not exist."))
            })?),
            None => None,
        };
        // Without a service, From is required; with one, the pool provides it.
        let from = match req.from.filter(|f| !f.is_empty()) {
            Some(raw) => Some(Address::parse_from(&raw).ok_or_else(|| {
                reject(21212, format!("The 'From' number {raw} is not a valid phone number, shortcode, or alphanumeric sender ID."))
            })?),
            None if service.is_some() => None,
            None => return Err(reject(21603, "A 'From' phone number is required.")),
        };
        if req.media_urls.len() > MAX_MEDIA {
            return Err(reject(
                21623,
                "Too many media URLs: at most 10 are allowed.",
            ));
        }
        if let Some(bad) = req.media_urls.iter().find(|u| !valid_url(u)) {
            return Err(reject(21620, format!("Invalid media URL: {bad}")));
        }
        let body = req.body.unwrap_or_default();
        if body.is_empty() && req.media_urls.is_empty() {
            return Err(reject(21602, "Message body is required."));
        }
        check_body_len(&body)?;
        if let Some(cb) = req.status_callback.as_deref().filter(|c| !c.is_empty()) {
            if !valid_url(cb) {
                return Err(reject(
                    20001,
                    format!("StatusCallback is not a valid URL: {cb}"),
                ));
            }
        }
        if let Some(v) = req.validity_period {
            if !(1..=36_000).contains(&v) {
                return Err(reject(
                    20001,
                    "ValidityPeriod must be between 1 and 36000 seconds.",
                ));
            }
        }
        let body = if req.smart_encoded {
            encoding::smart_encode(&body)
        } else {
            body
        };
        let seg = encoding::segment(&body);
        let now = self.clock.now_millis();
        // Scheduling needs a service (as with Twilio: without one it is ignored).
        let send_at = match (
            &service,
            req.schedule_type.as_deref().filter(|t| !t.is_empty()),
        ) {
            (_, Some(t)) if t != "fixed" => {
                return Err(reject(
                    35111,
                    format!("ScheduleType must be 'fixed', not '{t}'."),
                ))
            }
            (Some(_), Some(_)) => {
                let at = req
                    .send_at
                    .ok_or_else(|| reject(35114, "SendAt is required with ScheduleType=fixed."))?;
                let ahead = at - now;
                let (min, max) = (self.policy.schedule_min_secs, self.policy.schedule_max_secs);
                if ahead < i64::try_from(min * 1000).unwrap_or(i64::MAX)
                    || ahead > i64::try_from(max * 1000).unwrap_or(i64::MAX)
                {
                    return Err(reject(
                        35114,
                        format!("SendAt must be between {min} seconds and {max} seconds from now."),
                    ));
                }
                Some(at)
            }
            _ => None,
        };
        let status = match (&service, send_at) {
            (_, Some(_)) => MessageStatus::Scheduled,
            (Some(_), None) => MessageStatus::Accepted,
            (None, None) => MessageStatus::Queued,
        };
        Ok(NewMessage {
            sid: MessageSid::generate_at(now),
            account_sid: account.clone(),
            direction: Direction::OutboundApi,
            status,
            to: to.as_str().to_owned(),
            from: from.map(|f| f.as_str().to_owned()).unwrap_or_default(),
            num_segments: u32::try_from(seg.num_segments()).unwrap_or(u32::MAX),
            encoding: seg.encoding.as_str().to_owned(),
            body,
            media_urls: req.media_urls,
            messaging_service_sid: service.map(|s| s.to_string()),
            status_callback: req.status_callback.filter(|c| !c.is_empty()),
            validity_secs: req.validity_period,
            now,
            due_at: send_at.unwrap_or(now),
            error_code: None,
            error_message: None,
            shield: None,
        })
    }

    pub async fn get(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
    ) -> Result<Option<MessageRecord>, MessageError> {
        Ok(self.store.get_message(account, sid).await?)
    }

    /// One page, newest first, plus whether another page follows.
    pub async fn list(
        &self,
        account: &AccountSid,
        mut filter: MessageFilter,
        page_size: u32,
    ) -> Result<(Vec<MessageRecord>, bool), MessageError> {
        filter.to = filter.to.map(|t| parse_e164(&t).unwrap_or(t));
        filter.from = filter.from.map(|f| parse_e164(&f).unwrap_or(f));
        let mut rows = self
            .store
            .list_messages(account, &filter, page_size.saturating_add(1))
            .await?;
        let more = rows.len() > page_size as usize;
        rows.truncate(page_size as usize);
        Ok((rows, more))
    }

    pub async fn redact(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
    ) -> Result<Option<MessageRecord>, MessageError> {
        let now = self.clock.now_millis();
        Ok(self.store.redact_message(account, sid, now).await?)
    }

    pub async fn cancel(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
    ) -> Result<Option<MessageRecord>, MessageError> {
        let now = self.clock.now_millis();
        match self.store.cancel_message(account, sid, now).await? {
            CancelResult::Canceled(m) => Ok(Some(*m)),
            CancelResult::NotFound => Ok(None),
            CancelResult::NotCancelable(status) => Err(reject(
                30409,
                format!(
                    "This message cannot be canceled: its status is {}.",
                    status.as_str()
                ),
            )),
        }
    }

    pub async fn delete(
        &self,
        account: &AccountSid,
        sid: &MessageSid,
    ) -> Result<bool, MessageError> {
        Ok(self.store.delete_message(account, sid).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(valid_url("https://example.com/cb"));
        assert!(valid_url("http://127.0.0.1:8080/x?y=1"));
        assert!(!valid_url("ftp://example.com"));
        assert!(!valid_url("https://bad_host.com/"));
        assert!(!valid_url("https://"));
    }
}
