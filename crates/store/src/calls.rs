//! Voice calls: the records of the Calls resource, the engine's claims, guarded
//! transitions and pending actions, and the SQL both backends share.
//!
//! Status callbacks of calls go through the webhook outbox (`webhooks` rows of kind
//! `call`), enqueued in the transaction that moves the call: see migration `…_calls.sql`.

use crate::sql::Arg;
use switchboard_domain::call::{CallDirection, CallStatus, CallbackEvent, StatusCallbackEvents};
use switchboard_domain::clock::Millis;
use switchboard_domain::ids::{AccountSid, CallSid};

/// A call as the API creates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCall {
    pub sid: CallSid,
    pub account_sid: AccountSid,
    pub direction: CallDirection,
    pub status: CallStatus,
    pub to: String,
    pub from: String,
    /// Where the TwiML comes from when the call is answered (with `method`)…
    pub url: Option<String>,
    pub method: String,
    /// …or the TwiML itself.
    pub twiml: Option<String>,
    pub application_sid: Option<String>,
    pub status_callback: Option<String>,
    pub status_callback_method: String,
    pub status_callback_events: StatusCallbackEvents,
    /// Ring timeout, seconds (1–600).
    pub timeout_secs: u32,
    /// Longest the call may last once answered, seconds.
    pub time_limit_secs: u32,
    pub send_digits: Option<String>,
    /// The SIP trunk to dial through (`None`: the default one).
    pub trunk: Option<String>,
    pub now: Millis,
}

/// A stored call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallRecord {
    /// Insertion order; the keyset cursor for listing.
    pub seq: i64,
    pub sid: CallSid,
    pub account_sid: AccountSid,
    pub direction: CallDirection,
    pub status: CallStatus,
    pub to: String,
    pub from: String,
    pub url: Option<String>,
    pub method: String,
    pub twiml: Option<String>,
    pub application_sid: Option<String>,
    pub status_callback: Option<String>,
    pub status_callback_method: String,
    pub status_callback_events: StatusCallbackEvents,
    pub timeout_secs: u32,
    pub time_limit_secs: u32,
    pub send_digits: Option<String>,
    pub trunk: Option<String>,
    pub date_created: Millis,
    pub date_updated: Millis,
    /// When it was answered (`in-progress`).
    pub start_time: Option<Millis>,
    pub end_time: Option<Millis>,
    /// Seconds, once final.
    pub duration_secs: Option<u32>,
    pub sip_response_code: Option<u16>,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    pub answered_by: Option<String>,
    /// Problems met while running its TwiML (unknown verbs…), oldest first.
    pub warnings: Vec<String>,
    /// The node whose engine holds the call, and until when.
    pub claimed_by: Option<String>,
    pub lease_until: Option<Millis>,
}

/// What a call list is filtered on (all optional).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallFilter {
    pub to: Option<String>,
    pub from: Option<String>,
    pub status: Option<CallStatus>,
    /// `start_time >= started_from`
    pub started_from: Option<Millis>,
    /// `start_time < started_until`
    pub started_until: Option<Millis>,
    /// `end_time >= ended_from`
    pub ended_from: Option<Millis>,
    /// `end_time < ended_until`
    pub ended_until: Option<Millis>,
    /// Only calls older than this cursor.
    pub before_seq: Option<i64>,
}

/// Fields a transition sets (`None`: left as they are).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CallPatch {
    pub start_time: Option<Millis>,
    pub end_time: Option<Millis>,
    pub duration_secs: Option<u32>,
    pub sip_response_code: Option<u16>,
    pub error_code: Option<u32>,
    pub error_message: Option<String>,
    pub answered_by: Option<String>,
}

/// Something the API asked of a live call, kept on its row until the engine takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallAction {
    /// Stop ringing (the call ends `canceled`).
    Cancel,
    /// End an answered call (`completed`).
    Hangup,
    /// Fetch new TwiML from `url` and run it instead.
    Redirect { url: String, method: String },
    /// Run this TwiML instead.
    Twiml(String),
}

impl CallAction {
    /// Ends the call: a later redirect never replaces it.
    pub fn ends_call(&self) -> bool {
        matches!(self, Self::Cancel | Self::Hangup)
    }

    /// `(action_kind, action_data)` as stored.
    pub(crate) fn to_columns(&self) -> (&'static str, Option<String>) {
        match self {
            Self::Cancel => ("cancel", None),
            Self::Hangup => ("hangup", None),
            Self::Redirect { url, method } => ("redirect", Some(format!("{method} {url}"))),
            Self::Twiml(doc) => ("twiml", Some(doc.clone())),
        }
    }

    /// The stored columns back into an action (`None` for an unknown kind).
    pub(crate) fn from_columns(kind: &str, data: Option<String>) -> Option<Self> {
        match kind {
            "cancel" => Some(Self::Cancel),
            "hangup" => Some(Self::Hangup),
            "redirect" => {
                let data = data?;
                let (method, url) = data.split_once(' ')?;
                Some(Self::Redirect {
                    url: url.to_owned(),
                    method: method.to_owned(),
                })
            }
            "twiml" => Some(Self::Twiml(data?)),
            _ => None,
        }
    }
}

/// A call status callback row of the webhook outbox, with its call.
#[derive(Debug, Clone)]
pub struct CallWebhook {
    pub id: i64,
    pub url: String,
    pub method: String,
    /// The `CallStatus` it reports (`initiated` for that event).
    pub status: String,
    /// Twilio's `SequenceNumber`.
    pub sequence: u32,
    /// When the change happened (Twilio's `Timestamp`).
    pub created_at: Millis,
    /// Attempts so far, counting the current claim.
    pub attempts: u32,
    pub state: crate::model::WebhookState,
    pub call: CallRecord,
}

/// The columns both backends read into a `CallRecord`, in order.
pub(crate) const CALL_COLUMNS: &str =
    "seq, sid, account_sid, direction, status, to_addr, from_addr, \
     url, method, twiml, application_sid, status_callback, status_callback_method, \
     status_callback_events, timeout_secs, time_limit_secs, send_digits, trunk, date_created, \
     date_updated, start_time, end_time, duration_secs, sip_response_code, error_code, \
     error_message, answered_by, warnings, claimed_by, lease_until";

/// How many columns [`CALL_COLUMNS`] has (webhook columns are read after them).
pub(crate) const CALL_COLUMN_COUNT: usize = 30;

/// Inserts a call (`$1`…`$18`).
pub(crate) const INSERT_CALL: &str = "INSERT INTO calls (sid, account_sid, direction, status, \
     to_addr, from_addr, url, method, twiml, application_sid, status_callback, \
     status_callback_method, status_callback_events, timeout_secs, time_limit_secs, send_digits, \
     trunk, date_created, date_updated) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18)";

/// Applies a transition (`$1` seq, `$2` status, `$3` now, `$4`… the patch; `NULL` keeps a field).
pub(crate) const TRANSITION: &str = "UPDATE calls SET status = $2, date_updated = $3, \
     start_time = COALESCE($4, start_time), end_time = COALESCE($5, end_time), \
     duration_secs = COALESCE($6, duration_secs), sip_response_code = COALESCE($7, sip_response_code), \
     error_code = COALESCE($8, error_code), error_message = COALESCE($9, error_message), \
     answered_by = COALESCE($10, answered_by) WHERE seq = $1";

/// Enqueues a status callback of call `$1` (its seq) reporting `$2` at `$3`, and counts
/// its SequenceNumber. Run only when the call asked for the event and has a callback URL.
pub(crate) const ENQUEUE_CALLBACK: [&str; 2] = [
    "INSERT INTO webhooks (kind, account_sid, message_seq, url, method, status, created_at, due_at, sequence) \
     SELECT 'call', account_sid, -seq, status_callback, status_callback_method, $2, $3, $3, callback_seq \
     FROM calls WHERE seq = $1",
    "UPDATE calls SET callback_seq = callback_seq + 1 WHERE seq = $1",
];

/// Webhook columns read after the call's.
pub(crate) fn call_webhook_select() -> String {
    let c: Vec<String> = CALL_COLUMNS
        .split(',')
        .map(|c| format!("c.{}", c.trim()))
        .collect();
    format!(
        "SELECT {}, w.id, w.url, w.method, w.status, w.sequence, w.created_at, w.attempts, w.state \
         FROM webhooks w JOIN calls c ON c.seq = -w.message_seq",
        c.join(", ")
    )
}

/// Whether the call asked for `event` to be reported (and has somewhere to report it).
pub(crate) fn reports(call: &CallRecord, event: CallbackEvent) -> bool {
    call.status_callback
        .as_deref()
        .is_some_and(|u| !u.is_empty())
        && call.status_callback_events.contains(event)
}

/// The call list query with only the filters given (`$n` placeholders), newest first.
/// `to`/`from` are the stored forms to match (encrypted and plain).
pub(crate) fn list_calls_query(
    account: &str,
    to: Option<[String; 2]>,
    from: Option<[String; 2]>,
    f: &CallFilter,
    limit: u32,
) -> (String, Vec<Arg>) {
    let mut sql = format!("SELECT {CALL_COLUMNS} FROM calls WHERE account_sid = $1");
    let mut args = vec![Arg::Text(account.to_owned())];
    let next = |args: &mut Vec<Arg>, a: Arg| {
        args.push(a);
        args.len()
    };
    for (col, pair) in [("to_addr", to), ("from_addr", from)] {
        if let Some([enc, plain]) = pair {
            let i = next(&mut args, Arg::Text(enc));
            let j = next(&mut args, Arg::Text(plain));
            sql.push_str(&format!(" AND {col} IN (${i}, ${j})"));
        }
    }
    if let Some(status) = f.status {
        let i = next(&mut args, Arg::Text(status.as_str().to_owned()));
        sql.push_str(&format!(" AND status = ${i}"));
    }
    for (term, value) in [
        ("start_time >=", f.started_from),
        ("start_time <", f.started_until),
        ("end_time >=", f.ended_from),
        ("end_time <", f.ended_until),
        ("seq <", f.before_seq),
    ] {
        if let Some(v) = value {
            let i = next(&mut args, Arg::Int(v));
            sql.push_str(&format!(" AND {term} ${i}"));
        }
    }
    let i = next(&mut args, Arg::Int(i64::from(limit)));
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${i}"));
    (sql, args)
}

/// Stored text columns back into record fields.
pub(crate) fn parse_direction(s: &str) -> Option<CallDirection> {
    CallDirection::parse(s)
}

pub(crate) fn parse_status(s: &str) -> Option<CallStatus> {
    CallStatus::parse(s)
}

/// Stored events (space-separated); unreadable ones fall back to the default.
pub(crate) fn parse_events(s: &str) -> StatusCallbackEvents {
    StatusCallbackEvents::parse([s]).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip() {
        for a in [
            CallAction::Cancel,
            CallAction::Hangup,
            CallAction::Redirect {
                url: "https://x.example/a b".into(),
                method: "GET".into(),
            },
            CallAction::Twiml("<Response/>".into()),
        ] {
            let (k, d) = a.to_columns();
            assert_eq!(CallAction::from_columns(k, d), Some(a));
        }
        assert_eq!(CallAction::from_columns("bogus", None), None);
    }

    #[test]
    fn list_query_has_only_given_filters() {
        let (sql, args) = list_calls_query("AC1", None, None, &CallFilter::default(), 5);
        assert_eq!(
            sql,
            format!("SELECT {CALL_COLUMNS} FROM calls WHERE account_sid = $1 ORDER BY seq DESC LIMIT $2")
        );
        assert_eq!(args.len(), 2);
        let f = CallFilter {
            status: Some(CallStatus::Queued),
            started_from: Some(1),
            ..Default::default()
        };
        let (sql, args) = list_calls_query("AC1", Some(["e".into(), "p".into()]), None, &f, 5);
        assert!(sql.contains("to_addr IN ($2, $3) AND status = $4 AND start_time >= $5"));
        assert_eq!(args.len(), 6);
    }
}
