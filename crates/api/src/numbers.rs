//! `/2010-04-01/Accounts/{AccountSid}/IncomingPhoneNumbers…` and the
//! Switchboard `OptOuts.json` list: parse, call core, render.

use crate::audit;
use crate::auth::{authorize, authorize_principal};
use crate::error::ApiError;
use crate::form::{FormBody, Params};
use crate::wire::{rfc2822, NumberPage, NumberResource, OptOutPage, OptOutResource, API_VERSION};
use crate::AppState;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use switchboard_core::accounts::Principal;
use switchboard_core::numbers::NumberParams;
use switchboard_core::store::NumberRecord;
use switchboard_domain::ids::PhoneNumberSid;

fn opt(p: &Params, key: &str) -> Option<String> {
    p.get(key).map(str::to_owned)
}

fn params(p: &Params) -> NumberParams {
    NumberParams {
        friendly_name: opt(p, "FriendlyName"),
        sms_url: opt(p, "SmsUrl"),
        sms_method: opt(p, "SmsMethod"),
        sms_fallback_url: opt(p, "SmsFallbackUrl"),
        sms_fallback_method: opt(p, "SmsFallbackMethod"),
        status_callback: opt(p, "StatusCallback"),
        status_callback_method: opt(p, "StatusCallbackMethod"),
        voice_url: opt(p, "VoiceUrl"),
        voice_method: opt(p, "VoiceMethod"),
        voice_fallback_url: opt(p, "VoiceFallbackUrl"),
        voice_fallback_method: opt(p, "VoiceFallbackMethod"),
        stop_reply: opt(p, "StopReply"),
        start_reply: opt(p, "StartReply"),
        help_reply: opt(p, "HelpReply"),
    }
}

pub async fn create(
    State(state): State<AppState>,
    Path(account): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let who = authorize_principal(&state, &headers, &account, uri.path()).await?;
    if p.get("AreaCode").is_some_and(|a| !a.is_empty()) && p.get("PhoneNumber").is_none() {
        return Err(ApiError::new(
            21451,
            "Switchboard registers numbers you hold on your carriers: give PhoneNumber; AreaCode purchasing is not offered.",
        ));
    }
    let n = state
        .core
        .numbers
        .create(&who.account_sid, opt(&p, "PhoneNumber"), params(&p))
        .await?;
    audit::record(&state, &who, "number.create", n.sid.as_str(), webhooks(&n)).await?;
    Ok((StatusCode::CREATED, Json(NumberResource::from(&n))).into_response())
}

async fn scoped(
    state: &AppState,
    headers: &HeaderMap,
    account: &str,
    file: &str,
    path: &str,
) -> Result<(Principal, PhoneNumberSid), ApiError> {
    let who = authorize_principal(state, headers, account, path).await?;
    let sid = crate::error::sid_file(file, path, PhoneNumberSid::parse)?;
    Ok((who, sid))
}

/// The number's webhook settings, for its audit entries (never the number itself).
fn webhooks(n: &NumberRecord) -> Option<serde_json::Value> {
    let c = &n.config;
    Some(serde_json::json!({
        "sms_url": c.sms_url,
        "sms_fallback_url": c.sms_fallback_url,
        "status_callback": c.status_callback,
        "voice_url": c.voice_url,
        "voice_fallback_url": c.voice_fallback_url,
    }))
}

pub async fn fetch(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<NumberResource>, ApiError> {
    let (who, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    state
        .core
        .numbers
        .get(&who.account_sid, &sid)
        .await?
        .map(|n| Json(NumberResource::from(&n)))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

pub async fn update(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<NumberResource>, ApiError> {
    let (who, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    let n = state
        .core
        .numbers
        .update(&who.account_sid, &sid, params(&p))
        .await?
        .ok_or_else(|| ApiError::not_found(uri.path()))?;
    audit::record(&state, &who, "number.update", sid.as_str(), webhooks(&n)).await?;
    Ok(Json(NumberResource::from(&n)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path((account, file)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let (who, sid) = scoped(&state, &headers, &account, &file, uri.path()).await?;
    if state.core.numbers.delete(&who.account_sid, &sid).await? {
        audit::record(&state, &who, "number.delete", sid.as_str(), None).await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(uri.path()))
    }
}

/// Page size and number from the query (offset paging: an account holds few numbers).
pub(crate) fn paging(p: &Params) -> Result<(u32, u32), ApiError> {
    let size = p.uint("PageSize")?.unwrap_or(50);
    if !(1..=1000).contains(&size) {
        return Err(ApiError::invalid("PageSize must be between 1 and 1000."));
    }
    Ok((size, p.uint("Page")?.unwrap_or(0)))
}

/// One page of an in-memory list: where it starts and ends and its URIs.
pub(crate) struct Window {
    pub(crate) start: u64,
    pub(crate) end: u64,
    pub(crate) uri: String,
    pub(crate) first: String,
    pub(crate) previous: Option<String>,
    pub(crate) next: Option<String>,
}

pub(crate) fn window(base: &str, total: usize, size: u32, page: u32, extra: &str) -> Window {
    let at = |pg: u32| format!("{base}?{extra}PageSize={size}&Page={pg}");
    let start = u64::from(page) * u64::from(size);
    let shown = (total as u64).saturating_sub(start).min(u64::from(size));
    Window {
        start,
        end: (start + shown).saturating_sub(1).max(start),
        uri: at(page),
        first: at(0),
        previous: (page > 0).then(|| at(page - 1)),
        next: (start + shown < total as u64).then(|| at(page + 1)),
    }
}

pub async fn list(
    State(state): State<AppState>,
    Path(account): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<NumberPage>, ApiError> {
    let account = authorize(&state, &headers, &account, uri.path()).await?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let (size, page) = paging(&p)?;
    let phone = p.get("PhoneNumber").filter(|v| !v.is_empty());
    let name = p.get("FriendlyName").filter(|v| !v.is_empty());
    let all = state.core.numbers.list(&account, phone, name).await?;
    let mut extra = form_urlencoded::Serializer::new(String::new());
    if let Some(v) = phone {
        extra.append_pair("PhoneNumber", v);
    }
    if let Some(v) = name {
        extra.append_pair("FriendlyName", v);
    }
    let mut extra = extra.finish();
    if !extra.is_empty() {
        extra.push('&');
    }
    let base = format!("/{API_VERSION}/Accounts/{account}/IncomingPhoneNumbers.json");
    let w = window(&base, all.len(), size, page, &extra);
    Ok(Json(NumberPage {
        incoming_phone_numbers: all
            .iter()
            .skip(w.start as usize)
            .take(size as usize)
            .map(NumberResource::from)
            .collect(),
        page,
        page_size: size,
        start: w.start,
        end: w.end,
        uri: w.uri,
        first_page_uri: w.first,
        previous_page_uri: w.previous,
        next_page_uri: w.next,
    }))
}

pub async fn opt_outs(
    State(state): State<AppState>,
    Path(account): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<OptOutPage>, ApiError> {
    let account = authorize(&state, &headers, &account, uri.path()).await?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let (size, page) = paging(&p)?;
    let all = state.core.numbers.opt_outs(&account).await?;
    let base = format!("/{API_VERSION}/Accounts/{account}/OptOuts.json");
    let w = window(&base, all.len(), size, page, "");
    Ok(Json(OptOutPage {
        opt_outs: all
            .iter()
            .skip(w.start as usize)
            .take(size as usize)
            .map(|o| OptOutResource {
                account_sid: o.account_sid.to_string(),
                sender: o.sender.clone(),
                recipient: o.recipient.clone(),
                date_created: rfc2822(o.date_created),
            })
            .collect(),
        page,
        page_size: size,
        start: w.start,
        end: w.end,
        uri: w.uri,
        first_page_uri: w.first,
        previous_page_uri: w.previous,
        next_page_uri: w.next,
    }))
}
