//! `/v2/SafeList/Numbers` (Twilio's safe list: numbers the fraud guard never blocks) and
//! `/v2/Services/{VA}/FraudEvents` (extension: what the fraud guard flagged, and why).

use crate::auth::authenticate;
use crate::error::{at, ApiError};
use crate::form::{FormBody, Params};
use crate::services::{iso, page};
use crate::AppState;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::store::SafeNumber;

fn safe_json(base: &str, s: &SafeNumber) -> Value {
    json!({
        "sid": s.sid,
        "phone_number": s.phone_number,
        "url": format!("{base}/v2/SafeList/Numbers/{}", s.phone_number),
    })
}

pub async fn add(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let s = state
        .core
        .verify
        .add_safe_number(&account, p.get("PhoneNumber"))
        .await?;
    Ok((StatusCode::CREATED, Json(safe_json(&state.public_url, &s))).into_response())
}

pub async fn fetch(
    State(state): State<AppState>,
    Path(number): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    state
        .core
        .verify
        .safe_number(&account, &number)
        .await?
        .map(|s| Json(safe_json(&state.public_url, &s)))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

pub async fn remove(
    State(state): State<AppState>,
    Path(number): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let account = authenticate(&state, &headers).await?;
    if state
        .core
        .verify
        .remove_safe_number(&account, &number)
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(uri.path()))
    }
}

pub async fn events(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = crate::verify::service_sid(&service, path)?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let list = state
        .core
        .verify
        .fraud_events(&account, &sid, 1000)
        .await
        .map_err(at(path))?;
    let items = list
        .iter()
        .map(|e| {
            json!({
                "service_sid": e.service_sid.as_str(),
                "to": e.to,
                "kind": e.kind,
                "reason": e.reason,
                "enforced": e.enforced,
                "date_created": iso(e.at),
            })
        })
        .collect();
    Ok(Json(page(
        &state.public_url,
        path,
        "fraud_events",
        items,
        &p,
    )?))
}
