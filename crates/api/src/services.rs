//! `/v1/Services…`: Messaging Services (Twilio's messaging.twilio.com/v1,
//! served on the same host) and their `PhoneNumbers` pool.

use crate::audit;
use crate::auth::{authenticate, authenticate_principal};
use crate::error::ApiError;
use crate::form::{FormBody, Params};
use crate::AppState;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::services::ServiceParams;
use switchboard_core::store::{ServiceNumber, ServiceRecord};
use switchboard_domain::ids::{PhoneNumberSid, ServiceSid};

/// v1 dates: ISO 8601, `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn iso(millis: i64) -> Value {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|t| Value::from(t.format("%Y-%m-%dT%H:%M:%SZ").to_string()))
        .unwrap_or(Value::Null)
}

fn service_json(base: &str, s: &ServiceRecord) -> Value {
    let url = format!("{base}/v1/Services/{}", s.sid);
    let c = &s.config;
    json!({
        "account_sid": s.account_sid.as_str(),
        "sid": s.sid.as_str(),
        "friendly_name": c.friendly_name,
        "date_created": iso(s.date_created),
        "date_updated": iso(s.date_updated),
        "inbound_request_url": Some(&c.inbound_request_url).filter(|u| !u.is_empty()),
        "inbound_method": c.inbound_method,
        "fallback_url": Some(&c.fallback_url).filter(|u| !u.is_empty()),
        "fallback_method": c.fallback_method,
        "status_callback": Some(&c.status_callback).filter(|u| !u.is_empty()),
        "sticky_sender": c.sticky_sender,
        "mms_converter": true,
        "smart_encoding": true,
        "scan_message_content": "inherit",
        "fallback_to_long_code": false,
        "area_code_geomatch": false,
        "synchronous_validation": false,
        "validity_period": 36000,
        "usecase": "undeclared",
        "us_app_to_person_registered": false,
        "use_inbound_webhook_on_number": c.use_inbound_webhook_on_number,
        "url": url,
        "links": {
            "phone_numbers": format!("{url}/PhoneNumbers"),
            "short_codes": format!("{url}/ShortCodes"),
            "alpha_senders": format!("{url}/AlphaSenders"),
            "messages": format!("{url}/Messages"),
            "us_app_to_person": format!("{url}/Compliance/Usa2p"),
            "us_app_to_person_usecases": format!("{url}/Compliance/Usa2p/Usecases"),
            "channel_senders": format!("{url}/ChannelSenders"),
        },
    })
}

fn number_json(base: &str, account: &str, n: &ServiceNumber) -> Value {
    json!({
        "sid": n.number_sid.as_str(),
        "account_sid": account,
        "service_sid": n.service_sid.as_str(),
        "date_created": iso(n.date_created),
        "date_updated": iso(n.date_created),
        "phone_number": n.phone_number,
        "country_code": switchboard_domain::address::region_of(&n.phone_number).unwrap_or_default(),
        "capabilities": ["SMS"],
        "url": format!("{base}/v1/Services/{}/PhoneNumbers/{}", n.service_sid, n.number_sid),
    })
}

/// The v1/v2 list envelope: one record key plus `meta` with absolute URLs.
pub(crate) fn page(
    base: &str,
    path: &str,
    key: &str,
    items: Vec<Value>,
    p: &Params,
) -> Result<Value, ApiError> {
    let size = p.uint("PageSize")?.unwrap_or(50).clamp(1, 1000);
    let page = p.uint("Page")?.unwrap_or(0);
    let at = |pg: u32| format!("{base}{path}?PageSize={size}&Page={pg}");
    let start = (page as usize).saturating_mul(size as usize);
    let more = items.len() > start + size as usize;
    let shown: Vec<Value> = items.into_iter().skip(start).take(size as usize).collect();
    Ok(json!({
        key: shown,
        "meta": {
            "page": page,
            "page_size": size,
            "first_page_url": at(0),
            "previous_page_url": (page > 0).then(|| at(page - 1)),
            "url": at(page),
            "next_page_url": more.then(|| at(page + 1)),
            "key": key,
        }
    }))
}

fn params(p: &Params) -> Result<ServiceParams, ApiError> {
    let o = |k: &str| p.get(k).map(str::to_owned);
    Ok(ServiceParams {
        friendly_name: o("FriendlyName"),
        inbound_request_url: o("InboundRequestUrl"),
        inbound_method: o("InboundMethod"),
        fallback_url: o("FallbackUrl"),
        fallback_method: o("FallbackMethod"),
        status_callback: o("StatusCallback"),
        sticky_sender: p.bool("StickySender")?,
        use_inbound_webhook_on_number: p.bool("UseInboundWebhookOnNumber")?,
    })
}

/// The service's webhook settings, for its audit entries.
fn webhooks(s: &ServiceRecord) -> Option<Value> {
    let c = &s.config;
    Some(json!({
        "friendly_name": c.friendly_name,
        "inbound_request_url": c.inbound_request_url,
        "fallback_url": c.fallback_url,
        "status_callback": c.status_callback,
        "use_inbound_webhook_on_number": c.use_inbound_webhook_on_number,
    }))
}

fn service_sid(s: &str, path: &str) -> Result<ServiceSid, ApiError> {
    ServiceSid::parse(s).map_err(|_| ApiError::not_found(path))
}

pub async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let who = authenticate_principal(&state, &headers).await?;
    let s = state
        .core
        .services
        .create(&who.account_sid, params(&p)?)
        .await?;
    audit::record(&state, &who, "service.create", s.sid.as_str(), webhooks(&s)).await?;
    Ok((
        StatusCode::CREATED,
        Json(service_json(&state.public_url, &s)),
    )
        .into_response())
}

pub async fn list(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let all = state.core.services.list(&account).await?;
    let items = all
        .iter()
        .map(|s| service_json(&state.public_url, s))
        .collect();
    Ok(Json(page(
        &state.public_url,
        "/v1/Services",
        "services",
        items,
        &p,
    )?))
}

pub async fn fetch(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let sid = service_sid(&service, uri.path())?;
    state
        .core
        .services
        .get(&account, &sid)
        .await?
        .map(|s| Json(service_json(&state.public_url, &s)))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

pub async fn update(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<Value>, ApiError> {
    let who = authenticate_principal(&state, &headers).await?;
    let sid = service_sid(&service, uri.path())?;
    let s = state
        .core
        .services
        .update(&who.account_sid, &sid, params(&p)?)
        .await?
        .ok_or_else(|| ApiError::not_found(uri.path()))?;
    audit::record(&state, &who, "service.update", sid.as_str(), webhooks(&s)).await?;
    Ok(Json(service_json(&state.public_url, &s)))
}

pub async fn delete(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let who = authenticate_principal(&state, &headers).await?;
    let sid = service_sid(&service, uri.path())?;
    if state.core.services.delete(&who.account_sid, &sid).await? {
        audit::record(&state, &who, "service.delete", sid.as_str(), None).await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(uri.path()))
    }
}

pub async fn add_number(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let sid = service_sid(&service, uri.path())?;
    let pn = p
        .get("PhoneNumberSid")
        .filter(|v| !v.is_empty())
        .ok_or_else(|| ApiError::invalid("PhoneNumberSid is required."))?;
    let added = state.core.services.add_number(&account, &sid, pn).await?;
    let n = added.ok_or_else(|| ApiError::not_found(uri.path()))?;
    let body = number_json(&state.public_url, account.as_str(), &n);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

pub async fn list_numbers(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let sid = service_sid(&service, uri.path())?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let numbers = state
        .core
        .services
        .numbers(&account, &sid)
        .await?
        .ok_or_else(|| ApiError::not_found(uri.path()))?;
    let items = numbers
        .iter()
        .map(|n| number_json(&state.public_url, account.as_str(), n))
        .collect();
    let path = format!("/v1/Services/{sid}/PhoneNumbers");
    Ok(Json(page(
        &state.public_url,
        &path,
        "phone_numbers",
        items,
        &p,
    )?))
}

pub async fn fetch_number(
    State(state): State<AppState>,
    Path((service, number)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let sid = service_sid(&service, uri.path())?;
    let numbers = state
        .core
        .services
        .numbers(&account, &sid)
        .await?
        .unwrap_or_default();
    numbers
        .iter()
        .find(|n| n.number_sid.as_str() == number)
        .map(|n| Json(number_json(&state.public_url, account.as_str(), n)))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

pub async fn remove_number(
    State(state): State<AppState>,
    Path((service, number)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let sid = service_sid(&service, uri.path())?;
    let pn = PhoneNumberSid::parse(&number).map_err(|_| ApiError::not_found(uri.path()))?;
    if state
        .core
        .services
        .remove_number(&account, &sid, &pn)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(uri.path()))
    }
}
