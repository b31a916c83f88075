//! `/2010-04-01/Accounts/{AccountSid}/Messages…` handlers: parse, call core, render.

use crate::auth::authorize;
use crate::error::ApiError;
use crate::form::{FormBody, Params};
use crate::wire::{MessagePage, MessageResource, API_VERSION};
use crate::AppState;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{NaiveDate, NaiveDateTime};
use switchboard_core::messages::SendRequest;
use switchboard_core::store::MessageFilter;
use switchboard_domain::ids::{AccountSid, MessageSid};

pub(crate) const DEFAULT_PAGE_SIZE: u32 = 50;
pub(crate) const MAX_PAGE_SIZE: u32 = 1000;
const DAY_MS: i64 = 86_400_000;

pub(crate) fn opt(p: &Params, key: &str) -> Option<String> {
    p.get(key).map(str::to_owned)
}

pub async fn create(
    State(state): State<AppState>,
    Path(account): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authorize(&state, &headers, &account, uri.path()).await?;
    let req = SendRequest {
        to: opt(&p, "To"),
        from: opt(&p, "From"),
        messaging_service_sid: opt(&p, "MessagingServiceSid"),
        body: opt(&p, "Body"),
        media_urls: p.get_all("MediaUrl"),
        status_callback: opt(&p, "StatusCallback"),
        validity_period: p.uint("ValidityPeriod")?,
        smart_encoded: p.bool("SmartEncoded")?.unwrap_or(false),
        schedule_type: opt(&p, "ScheduleType"),
        send_at: match p.get("SendAt").filter(|v| !v.is_empty()) {
            None => None,
            Some(v) => Some(
                chrono::DateTime::parse_from_rfc3339(v)
                    .map(|t| t.timestamp_millis())
                    .map_err(|_| {
                        ApiError::new(
                            35114,
                            format!("SendAt must be an ISO 8601 date-time such as 2030-01-01T10:00:00Z, not '{v}'."),
                        )
                    })?,
            ),
        },
    };
    let key = headers
        .get("idempotency-key")
        .map(|v| {
            v.to_str()
                .map(str::to_owned)
                .map_err(|_| ApiError::invalid("Idempotency-Key must be printable ASCII."))
        })
        .transpose()?;
    let msg = match key {
        // A replay answers as the first request was answered: 201 with the message.
        Some(key) => {
            state
                .core
                .messages
                .send_once(&account, req, key, p.digest())
                .await?
                .0
        }
        None => state.core.messages.send(&account, req).await?,
    };
    Ok((StatusCode::CREATED, Json(MessageResource::from(&msg))).into_response())
}

async fn scoped(
    state: &AppState,
    headers: &HeaderMap,
    account: &str,
    file: &str,
    path: &str,
) -> Result<(AccountSid, MessageSid), ApiError> {
    let account = authorize(state, headers, account, path).await?;
    Ok((
        account,
        crate::error::sid_file(file, path, MessageSid::parse)?,
    ))
}

pub async fn fetch(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<MessageResource>, ApiError> {
    let (account, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    let msg = state.core.messages.get(&account, &sid).await?;
    msg.map(|m| Json(MessageResource::from(&m)))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

pub async fn update(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<MessageResource>, ApiError> {
    let (account, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    let messages = &state.core.messages;
    let mut result = None;
    if let Some(status) = p.get("Status") {
        if status != "canceled" {
            return Err(ApiError::invalid(format!(
                "Status can only be updated to 'canceled', not '{status}'."
            )));
        }
        result = messages.cancel(&account, &sid).await?;
        if result.is_none() {
            return Err(ApiError::not_found(uri.path()));
        }
    }
    match p.get("Body") {
        Some("") => result = messages.redact(&account, &sid).await?,
        Some(_) => {
            return Err(ApiError::invalid(
                "Body can only be updated to an empty string (redaction).",
            ))
        }
        None => {}
    }
    if result.is_none() {
        result = messages.get(&account, &sid).await?;
    }
    result
        .map(|m| Json(MessageResource::from(&m)))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let (account, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    if state.core.messages.delete(&account, &sid).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(uri.path()))
    }
}

/// A date (`YYYY-MM-DD`, whole day) or a datetime (`YYYY-MM-DDTHH:MM:SSZ`, exact instant).
enum DateArg {
    Day(i64),
    Instant(i64),
}

fn date_arg(key: &str, v: &str) -> Result<DateArg, ApiError> {
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        let start = d
            .and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_millis());
        return start
            .map(DateArg::Day)
            .ok_or_else(|| ApiError::invalid(format!("{key} is not a valid date.")));
    }
    NaiveDateTime::parse_from_str(v.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S")
        .map(|t| DateArg::Instant(t.and_utc().timestamp_millis()))
        .map_err(|_| {
            ApiError::invalid(format!(
                "{key} must be a date (YYYY-MM-DD) or a datetime (YYYY-MM-DDTHH:MM:SSZ), not '{v}'."
            ))
        })
}

pub(crate) fn page_token(t: &str) -> Result<i64, ApiError> {
    t.strip_prefix("PA")
        .and_then(|h| i64::from_str_radix(h, 16).ok())
        .filter(|s| *s > 0)
        .ok_or_else(|| ApiError::invalid(format!("PageToken '{t}' is not valid.")))
}

/// A date filter as Twilio's list endpoints take it: `{key}` (that whole UTC day),
/// `{key}>` (on or after) and `{key}<` (on or before; a date includes its whole day).
/// Returns `[from, until)` in milliseconds.
pub(crate) fn date_range(p: &Params, key: &str) -> Result<(Option<i64>, Option<i64>), ApiError> {
    let (mut from, mut until) = (None::<i64>, None::<i64>);
    let mut lower = |v: i64| from = Some(from.map_or(v, |c| c.max(v)));
    if let Some(v) = p.get(key).filter(|v| !v.is_empty()) {
        let start = match date_arg(key, v)? {
            DateArg::Day(s) | DateArg::Instant(s) => s - s.rem_euclid(DAY_MS),
        };
        lower(start);
        until = Some(start + DAY_MS);
    }
    let after = format!("{key}>");
    if let Some(v) = p.get(&after).filter(|v| !v.is_empty()) {
        match date_arg(&after, v)? {
            DateArg::Day(s) | DateArg::Instant(s) => lower(s),
        }
    }
    let before = format!("{key}<");
    if let Some(v) = p.get(&before).filter(|v| !v.is_empty()) {
        let end = match date_arg(&before, v)? {
            DateArg::Day(s) => s + DAY_MS,
            DateArg::Instant(s) => s + 1,
        };
        until = Some(until.map_or(end, |c| c.min(end)));
    }
    Ok((from, until))
}

fn parse_filter(p: &Params) -> Result<MessageFilter, ApiError> {
    let (sent_from, sent_until) = date_range(p, "DateSent")?;
    let mut f = MessageFilter {
        to: opt(p, "To").filter(|s| !s.is_empty()),
        from: opt(p, "From").filter(|s| !s.is_empty()),
        sent_from,
        sent_until,
        ..Default::default()
    };
    if let Some(t) = p.get("PageToken").filter(|v| !v.is_empty()) {
        f.before_seq = Some(page_token(t)?);
    }
    Ok(f)
}

/// A page's URI: the list's filters (`keys`) kept, the page and its keyset cursor.
pub(crate) fn page_uri(
    base: &str,
    keys: &[&str],
    p: &Params,
    page_size: u32,
    page: u32,
    token: Option<i64>,
) -> String {
    let mut q = form_urlencoded::Serializer::new(String::new());
    for key in keys {
        if let Some(v) = p.get(key).filter(|v| !v.is_empty()) {
            q.append_pair(key, v);
        }
    }
    q.append_pair("PageSize", &page_size.to_string());
    q.append_pair("Page", &page.to_string());
    if let Some(t) = token {
        q.append_pair("PageToken", &format!("PA{t:x}"));
    }
    format!("{base}?{}", q.finish())
}

const FILTER_KEYS: &[&str] = &["To", "From", "DateSent", "DateSent<", "DateSent>"];

pub async fn list(
    State(state): State<AppState>,
    Path(account): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<MessagePage>, ApiError> {
    let account = authorize(&state, &headers, &account, uri.path()).await?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let page_size = p.uint("PageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ApiError::invalid("PageSize must be between 1 and 1000."));
    }
    let page = p.uint("Page")?.unwrap_or(0);
    let filter = parse_filter(&p)?;
    let this_token = filter.before_seq;
    let (rows, more) = state
        .core
        .messages
        .list(&account, filter, page_size)
        .await?;
    let base = format!("/{API_VERSION}/Accounts/{account}/Messages.json");
    let start = u64::from(page) * u64::from(page_size);
    let next = more
        .then(|| {
            rows.last()
                .map(|m| page_uri(&base, FILTER_KEYS, &p, page_size, page + 1, Some(m.seq)))
        })
        .flatten();
    Ok(Json(MessagePage {
        page,
        page_size,
        start,
        end: (start + rows.len() as u64).saturating_sub(1).max(start),
        uri: page_uri(&base, FILTER_KEYS, &p, page_size, page, this_token),
        first_page_uri: page_uri(&base, FILTER_KEYS, &p, page_size, 0, None),
        previous_page_uri: None,
        next_page_uri: next,
        messages: rows.iter().map(MessageResource::from).collect(),
    }))
}
