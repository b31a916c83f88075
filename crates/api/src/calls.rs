//! `/2010-04-01/Accounts/{AccountSid}/Calls…` handlers: parse, call core, render.

use crate::auth::authorize;
use crate::error::ApiError;
use crate::form::{FormBody, Params};
use crate::messages::{date_range, opt, page_token, page_uri, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use crate::wire::{CallPage, CallResource, API_VERSION};
use crate::AppState;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_core::calls::{CallRequest, CallUpdate};
use switchboard_core::store::{CallFilter, CallRecord};
use switchboard_domain::call::CallStatus;
use switchboard_domain::ids::{AccountSid, CallSid};

const FILTER_KEYS: &[&str] = &[
    "To",
    "From",
    "Status",
    "StartTime",
    "StartTime<",
    "StartTime>",
    "EndTime",
    "EndTime<",
    "EndTime>",
];

async fn render(state: &AppState, c: &CallRecord) -> Result<CallResource, ApiError> {
    let number = state.core.calls.number_sid(c).await?;
    Ok(CallResource::new(c, number))
}

pub async fn create(
    State(state): State<AppState>,
    Path(account): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authorize(&state, &headers, &account, uri.path()).await?;
    let req = CallRequest {
        to: opt(&p, "To"),
        from: opt(&p, "From"),
        url: opt(&p, "Url"),
        method: opt(&p, "Method"),
        twiml: opt(&p, "Twiml"),
        application_sid: opt(&p, "ApplicationSid"),
        status_callback: opt(&p, "StatusCallback"),
        status_callback_method: opt(&p, "StatusCallbackMethod"),
        status_callback_events: p.get_all("StatusCallbackEvent"),
        timeout: p.uint("Timeout")?,
        time_limit: p.uint("TimeLimit")?,
        send_digits: opt(&p, "SendDigits"),
    };
    let call = state.core.calls.create(&account, req).await?;
    let body = render(&state, &call).await?;
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

async fn scoped(
    state: &AppState,
    headers: &HeaderMap,
    account: &str,
    file: &str,
    path: &str,
) -> Result<(AccountSid, CallSid), ApiError> {
    let account = authorize(state, headers, account, path).await?;
    Ok((account, crate::error::sid_file(file, path, CallSid::parse)?))
}

pub async fn fetch(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<CallResource>, ApiError> {
    let (account, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    let call = state.core.calls.get(&account, &sid).await?;
    let call = call.ok_or_else(|| ApiError::not_found(uri.path()))?;
    Ok(Json(render(&state, &call).await?))
}

pub async fn update(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<CallResource>, ApiError> {
    let (account, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    let up = CallUpdate {
        status: opt(&p, "Status"),
        url: opt(&p, "Url"),
        method: opt(&p, "Method"),
        twiml: opt(&p, "Twiml"),
    };
    let call = state.core.calls.update(&account, &sid, up).await?;
    let call = call.ok_or_else(|| ApiError::not_found(uri.path()))?;
    Ok(Json(render(&state, &call).await?))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let (account, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    if state.core.calls.delete(&account, &sid).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(uri.path()))
    }
}

fn parse_filter(p: &Params) -> Result<CallFilter, ApiError> {
    let (started_from, started_until) = date_range(p, "StartTime")?;
    let (ended_from, ended_until) = date_range(p, "EndTime")?;
    let status = match p.get("Status").filter(|v| !v.is_empty()) {
        None => None,
        Some(s) => Some(CallStatus::parse(s).ok_or_else(|| {
            ApiError::invalid(format!(
                "Status '{s}' is not one of queued, ringing, in-progress, completed, busy, failed, no-answer, canceled."
            ))
        })?),
    };
    let before_seq = match p.get("PageToken").filter(|v| !v.is_empty()) {
        Some(t) => Some(page_token(t)?),
        None => None,
    };
    Ok(CallFilter {
        to: opt(p, "To").filter(|s| !s.is_empty()),
        from: opt(p, "From").filter(|s| !s.is_empty()),
        status,
        started_from,
        started_until,
        ended_from,
        ended_until,
        before_seq,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Path(account): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<CallPage>, ApiError> {
    let account = authorize(&state, &headers, &account, uri.path()).await?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let page_size = p.uint("PageSize")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        return Err(ApiError::invalid("PageSize must be between 1 and 1000."));
    }
    let page = p.uint("Page")?.unwrap_or(0);
    let filter = parse_filter(&p)?;
    let this_token = filter.before_seq;
    let (rows, more) = state.core.calls.list(&account, filter, page_size).await?;
    let base = format!("/{API_VERSION}/Accounts/{account}/Calls.json");
    let start = u64::from(page) * u64::from(page_size);
    let next = more
        .then(|| {
            rows.last()
                .map(|c| page_uri(&base, FILTER_KEYS, &p, page_size, page + 1, Some(c.seq)))
        })
        .flatten();
    let mut calls = Vec::with_capacity(rows.len());
    for c in &rows {
        calls.push(render(&state, c).await?);
    }
    Ok(Json(CallPage {
        calls,
        page,
        page_size,
        start,
        end: (start + rows.len() as u64).saturating_sub(1).max(start),
        uri: page_uri(&base, FILTER_KEYS, &p, page_size, page, this_token),
        first_page_uri: page_uri(&base, FILTER_KEYS, &p, page_size, 0, None),
        previous_page_uri: None,
        next_page_uri: next,
    }))
}
