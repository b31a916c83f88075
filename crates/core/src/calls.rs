//! The Calls use cases (Twilio's Calls resource), with Twilio's validation and error codes.
//!
//! This service only records calls and what the API asks of them; the call engine
//! (`core::voice`) dials them. The engine's contract:
//! - it awaits [`Calls::wake`] (notified after every create and every requested
//!   action) or polls, claims with `CallStore::claim_due_calls`, calls
//!   `CallStore::mark_initiated` when it starts dialing, and moves calls only with the
//!   guarded `CallStore::transition` (a `false` means the API or another node moved the
//!   call first: e.g. a queued call canceled while being dialed — the engine hangs up);
//! - it takes pending actions (cancel, hang up, redirect) with `CallStore::take_action`.
//!
//! Update semantics (Twilio's): `Status=canceled` cancels a queued call at once and asks
//! the engine to cancel a ringing one (a call in progress is left alone); `Status=completed`
//! also hangs up a call in progress; `Url`/`Twiml` redirect a call in progress only (21220
//! otherwise). Only final calls may be deleted.

use crate::messages::{reject, valid_url, MessageError};
use std::sync::Arc;
use switchboard_domain::address::parse_e164;
use switchboard_domain::call::{
    CallDirection, CallStatus, StatusCallbackEvents, DEFAULT_TIMEOUT_SECS, DEFAULT_TIME_LIMIT_SECS,
    MAX_TIME_LIMIT_SECS, MAX_TWIML_CHARS, TIMEOUT_RANGE,
};
use switchboard_domain::clock::Clock;
use switchboard_domain::ids::{AccountSid, CallSid};
use switchboard_store::{CallAction, CallFilter, CallPatch, CallRecord, NewCall, Store};
use tokio::sync::Notify;

/// A create request as received, not yet validated.
#[derive(Debug, Clone, Default)]
pub struct CallRequest {
    pub to: Option<String>,
    pub from: Option<String>,
    pub url: Option<String>,
    pub method: Option<String>,
    pub twiml: Option<String>,
    pub application_sid: Option<String>,
    pub status_callback: Option<String>,
    pub status_callback_method: Option<String>,
    /// `StatusCallbackEvent` values as given (repeated and/or space-separated).
    pub status_callback_events: Vec<String>,
    pub timeout: Option<u32>,
    pub time_limit: Option<u32>,
    pub send_digits: Option<String>,
}

/// An update request (`POST …/Calls/{Sid}.json`).
#[derive(Debug, Clone, Default)]
pub struct CallUpdate {
    pub status: Option<String>,
    pub url: Option<String>,
    pub method: Option<String>,
    pub twiml: Option<String>,
}

pub struct Calls {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    /// A `From` every account may call from without holding it (Twilio's test number),
    /// as for messages.
    test_sender: Option<String>,
    /// Notified after a call is created and after an action is requested: the engine
    /// awaits it instead of waiting for its next poll.
    wake: Arc<Notify>,
}

/// `To`: an E.164 number (normalised) or a `sip:` URI.
fn parse_to(raw: &str) -> Option<String> {
    let t = raw.trim();
    if t.len() > 4 && t[..4].eq_ignore_ascii_case("sip:") {
        let ok = t.len() <= 255 && !t.chars().any(|c| c.is_whitespace() || c.is_control());
        return ok.then(|| format!("sip:{}", &t[4..]));
    }
    parse_e164(t)
}

fn method(name: &str, v: Option<String>) -> Result<String, MessageError> {
    match v.filter(|m| !m.is_empty()) {
        None => Ok("POST".into()),
        Some(m) if m.eq_ignore_ascii_case("GET") || m.eq_ignore_ascii_case("POST") => {
            Ok(m.to_ascii_uppercase())
        }
        Some(m) => Err(reject(
            20001,
            format!("{name} must be GET or POST, not '{m}'."),
        )),
    }
}

/// The TwiML source: `Twiml` (≤ 4000 characters) wins over `Url` (http or https).
fn source(
    url: Option<String>,
    twiml: Option<String>,
) -> Result<(Option<String>, Option<String>), MessageError> {
    if let Some(doc) = twiml.filter(|t| !t.is_empty()) {
        if doc.chars().count() > MAX_TWIML_CHARS {
            return Err(reject(
                20001,
                format!("Twiml is too long: at most {MAX_TWIML_CHARS} characters."),
            ));
        }
        return Ok((None, Some(doc)));
    }
    match url.filter(|u| !u.is_empty()) {
        Some(u) if valid_url(&u) => Ok((Some(u), None)),
        Some(u) => Err(reject(
            21205,
            format!("Url is not a valid URL: {u} (http or https)."),
        )),
        None => Ok((None, None)),
    }
}

impl Calls {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, test_sender: Option<String>) -> Self {
        Self {
            store,
            clock,
            test_sender,
            wake: Arc::new(Notify::new()),
        }
    }

    /// The engine's wake-up: notified (one permit is kept if nobody waits) after each
    /// create and each requested action. Await `wake().notified()`.
    pub fn wake(&self) -> Arc<Notify> {
        self.wake.clone()
    }

    /// Wakes the engine loop and every live call waiting for an action (each checks its own
    /// call's pending action), keeping one permit if nobody waits.
    fn poke(&self) {
        self.wake.notify_waiters();
        self.wake.notify_one();
    }

    fn validate(&self, account: &AccountSid, req: CallRequest) -> Result<NewCall, MessageError> {
        let to_raw = req
            .to
            .filter(|t| !t.is_empty())
            .ok_or_else(|| reject(21201, "No 'To' number is specified."))?;
        let to = parse_to(&to_raw).ok_or_else(|| {
            reject(
                21211,
                format!("The 'To' number {to_raw} is not a valid phone number or SIP URI."),
            )
        })?;
        let from_raw = req
            .from
            .filter(|f| !f.is_empty())
            .ok_or_else(|| reject(21213, "No 'From' number is specified."))?;
        let from = parse_e164(&from_raw).ok_or_else(|| {
            reject(
                21212,
                format!("The 'From' number {from_raw} is not a valid phone number."),
            )
        })?;
        if req
            .application_sid
            .as_deref()
            .is_some_and(|a| !a.is_empty())
        {
            return Err(reject(
                21218,
                "ApplicationSid is not supported: Switchboard has no TwiML Applications; give Url or Twiml.",
            ));
        }
        let (url, twiml) = source(req.url, req.twiml)?;
        if url.is_none() && twiml.is_none() {
            return Err(reject(21205, "Url or Twiml is required."));
        }
        let timeout = req.timeout.unwrap_or(DEFAULT_TIMEOUT_SECS);
        if !TIMEOUT_RANGE.contains(&timeout) {
            return Err(reject(20001, "Timeout must be between 1 and 600 seconds."));
        }
        let time_limit = req.time_limit.unwrap_or(DEFAULT_TIME_LIMIT_SECS);
        if !(1..=MAX_TIME_LIMIT_SECS).contains(&time_limit) {
            return Err(reject(
                20001,
                format!("TimeLimit must be between 1 and {MAX_TIME_LIMIT_SECS} seconds."),
            ));
        }
        let status_callback = req.status_callback.filter(|c| !c.is_empty());
        if let Some(cb) = status_callback.as_deref().filter(|c| !valid_url(c)) {
            return Err(reject(
                20001,
                format!("StatusCallback is not a valid URL: {cb}"),
            ));
        }
        let events = StatusCallbackEvents::parse(req.status_callback_events.iter().map(String::as_str))
            .map_err(|bad| {
                reject(
                    20001,
                    format!("StatusCallbackEvent '{bad}' is not one of initiated, ringing, answered, completed."),
                )
            })?;
        let send_digits = req.send_digits.filter(|d| !d.is_empty());
        if let Some(d) = &send_digits {
            if d.len() > 32 || !d.chars().all(|c| c.is_ascii_digit() || "#*wW".contains(c)) {
                return Err(reject(
                    20001,
                    "SendDigits may hold only 0-9, #, * and w (a half-second pause), at most 32.",
                ));
            }
        }
        let now = self.clock.now_millis();
        Ok(NewCall {
            sid: CallSid::generate_at(now),
            account_sid: account.clone(),
            direction: CallDirection::OutboundApi,
            status: CallStatus::Queued,
            to,
            from,
            url,
            method: method("Method", req.method)?,
            twiml,
            application_sid: None,
            status_callback,
            status_callback_method: method("StatusCallbackMethod", req.status_callback_method)?,
            status_callback_events: events,
            timeout_secs: timeout,
            time_limit_secs: time_limit,
            send_digits,
            trunk: None,
            now,
        })
    }

    /// 21210 unless the account holds `from` (or it is the test number).
    async fn check_caller(&self, account: &AccountSid, from: &str) -> Result<(), MessageError> {
        if self.test_sender.as_deref() == Some(from) {
            return Ok(());
        }
        let held = self
            .store
            .find_number(from)
            .await?
            .is_some_and(|n| &n.account_sid == account);
        if !held {
            return Err(reject(
                21210,
                format!("The source phone number provided, {from}, is not yet verified for your account: it must be one of its incoming phone numbers."),
            ));
        }
        Ok(())
    }

    /// A call the platform places for an account (Verify's `call` channel): `twiml` from
    /// `from` (the platform's caller ID, which need not be one of the account's numbers).
    pub async fn create_platform(
        &self,
        account: &AccountSid,
        from: &str,
        to: &str,
        twiml: String,
    ) -> Result<CallRecord, MessageError> {
        let req = CallRequest {
            to: Some(to.to_owned()),
            from: Some(from.to_owned()),
            twiml: Some(twiml),
            ..CallRequest::default()
        };
        let new = self.validate(account, req)?;
        let stored = self.store.insert_call(new).await?;
        metrics::counter!("switchboard_calls_created_total").increment(1);
        self.poke();
        Ok(stored)
    }

    /// Validates and durably stores a `queued` call, then wakes the engine.
    pub async fn create(
        &self,
        account: &AccountSid,
        req: CallRequest,
    ) -> Result<CallRecord, MessageError> {
        let new = self.validate(account, req)?;
        self.check_caller(account, &new.from).await?;
        let stored = self.store.insert_call(new).await?;
        metrics::counter!("switchboard_calls_created_total").increment(1);
        self.poke();
        Ok(stored)
    }

    pub async fn get(
        &self,
        account: &AccountSid,
        sid: &CallSid,
    ) -> Result<Option<CallRecord>, MessageError> {
        Ok(self.store.get_call(account, sid).await?)
    }

    /// One page, newest first, plus whether another page follows.
    pub async fn list(
        &self,
        account: &AccountSid,
        mut filter: CallFilter,
        page_size: u32,
    ) -> Result<(Vec<CallRecord>, bool), MessageError> {
        filter.to = filter.to.map(|t| parse_to(&t).unwrap_or(t));
        filter.from = filter.from.map(|f| parse_e164(&f).unwrap_or(f));
        let mut rows = self
            .store
            .list_calls(account, &filter, page_size.saturating_add(1))
            .await?;
        let more = rows.len() > page_size as usize;
        rows.truncate(page_size as usize);
        Ok((rows, more))
    }

    /// Applies an update and returns the call as it now stands (`None`: no such call).
    pub async fn update(
        &self,
        account: &AccountSid,
        sid: &CallSid,
        up: CallUpdate,
    ) -> Result<Option<CallRecord>, MessageError> {
        let Some(call) = self.store.get_call(account, sid).await? else {
            return Ok(None);
        };
        match up.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s @ ("canceled" | "completed")) => self.end(&call, s == "completed").await?,
            Some(other) => {
                return Err(reject(
                    20001,
                    format!(
                        "Status can only be updated to 'canceled' or 'completed', not '{other}'."
                    ),
                ))
            }
            None => {
                let (url, twiml) = source(up.url, up.twiml)?;
                let action = match (url, twiml) {
                    (_, Some(doc)) => CallAction::Twiml(doc),
                    (Some(url), None) => CallAction::Redirect {
                        url,
                        method: method("Method", up.method)?,
                    },
                    (None, None) => return Ok(Some(call)),
                };
                let live = call.status == CallStatus::InProgress
                    && self
                        .store
                        .request_action(&call.sid, action, self.clock.now_millis())
                        .await?;
                if !live {
                    return Err(reject(21220, "Call is not in-progress. Cannot redirect."));
                }
                self.poke();
            }
        }
        Ok(self.store.get_call(account, sid).await?)
    }

    /// `Status=canceled` (`hang_up` false) or `completed` (true).
    async fn end(&self, call: &CallRecord, hang_up: bool) -> Result<(), MessageError> {
        let now = self.clock.now_millis();
        let canceled = CallPatch {
            end_time: Some(now),
            duration_secs: Some(0),
            ..Default::default()
        };
        if call.status == CallStatus::Queued
            && self
                .store
                .transition(
                    &call.sid,
                    &[CallStatus::Queued],
                    CallStatus::Canceled,
                    canceled,
                    now,
                )
                .await?
        {
            return Ok(());
        }
        // Not queued any more (perhaps the engine dialed it meanwhile): ask the engine.
        let current = self
            .store
            .get_call(&call.account_sid, &call.sid)
            .await?
            .map_or(call.status, |c| c.status);
        let action = match current {
            CallStatus::Queued | CallStatus::Ringing => CallAction::Cancel,
            CallStatus::InProgress if hang_up => CallAction::Hangup,
            _ => return Ok(()),
        };
        if self.store.request_action(&call.sid, action, now).await? {
            self.poke();
        }
        Ok(())
    }

    /// The sid of the account's number the call is from (`phone_number_sid`), if it holds it.
    pub async fn number_sid(&self, call: &CallRecord) -> Result<Option<String>, MessageError> {
        let found = self.store.find_number(&call.from).await?;
        Ok(found
            .filter(|n| n.account_sid == call.account_sid)
            .map(|n| n.sid.to_string()))
    }

    /// Deletes a final call; `Ok(false)` if there is none.
    pub async fn delete(&self, account: &AccountSid, sid: &CallSid) -> Result<bool, MessageError> {
        let Some(call) = self.store.get_call(account, sid).await? else {
            return Ok(false);
        };
        if !call.status.is_final() {
            return Err(reject(
                21220,
                format!(
                    "Call is {}: only a finished call can be deleted.",
                    call.status.as_str()
                ),
            ));
        }
        Ok(self.store.delete_call(account, sid).await?)
    }
}

#[cfg(test)]
mod tests;
