//! `/v2/Services/{VA}/Entities…`: Twilio Verify TOTP — entities, factors (with the
//! binding shown only on creation) and challenges.

use crate::auth::authenticate;
use crate::error::{at, ApiError};
use crate::form::{FormBody, Params};
use crate::services::{iso, page};
use crate::verify::service_sid;
use crate::AppState;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::factors::{FactorParams, NewFactor};
use switchboard_core::store::{ChallengeRecord, EntityRecord, FactorRecord};
use switchboard_domain::ids::{ChallengeSid, FactorSid, VerifyServiceSid};

/// Identities are letters, digits and dashes; anything else is escaped in URLs.
const PATH_SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

fn entity_url(base: &str, service: &VerifyServiceSid, identity: &str) -> String {
    let id = percent_encoding::utf8_percent_encode(identity, PATH_SEGMENT);
    format!("{base}/v2/Services/{service}/Entities/{id}")
}

fn entity_json(base: &str, e: &EntityRecord) -> Value {
    let url = entity_url(base, &e.service_sid, &e.identity);
    json!({
        "sid": e.sid.as_str(),
        "identity": e.identity,
        "account_sid": e.account_sid.as_str(),
        "service_sid": e.service_sid.as_str(),
        "date_created": iso(e.date_created),
        "date_updated": iso(e.date_updated),
        "url": url,
        "links": {
            "factors": format!("{url}/Factors"),
            "challenges": format!("{url}/Challenges"),
            "new_factors": format!("{url}/Factors"),
        },
    })
}

fn factor_json(base: &str, f: &FactorRecord) -> Value {
    let c = &f.config;
    json!({
        "sid": f.sid.as_str(),
        "account_sid": f.account_sid.as_str(),
        "service_sid": f.service_sid.as_str(),
        "entity_sid": f.entity_sid.as_str(),
        "identity": f.identity,
        "date_created": iso(f.date_created),
        "date_updated": iso(f.date_updated),
        "friendly_name": f.friendly_name,
        "status": f.status,
        "factor_type": f.factor_type,
        "config": {
            "time_step": c.time_step,
            "skew": c.skew,
            "code_length": c.code_length,
            "alg": c.alg,
        },
        "metadata": null,
        "url": format!("{}/Factors/{}", entity_url(base, &f.service_sid, &f.identity), f.sid),
    })
}

fn new_factor_json(base: &str, n: &NewFactor) -> Value {
    let mut v = factor_json(base, &n.factor);
    v["binding"] = json!({"secret": n.secret, "uri": n.uri});
    v
}

fn challenge_json(base: &str, c: &ChallengeRecord) -> Value {
    let url = format!(
        "{}/Challenges/{}",
        entity_url(base, &c.service_sid, &c.identity),
        c.sid
    );
    json!({
        "sid": c.sid.as_str(),
        "account_sid": c.account_sid.as_str(),
        "service_sid": c.service_sid.as_str(),
        "entity_sid": c.entity_sid.as_str(),
        "identity": c.identity,
        "factor_sid": c.factor_sid.as_str(),
        "date_created": iso(c.date_created),
        "date_updated": iso(c.date_updated),
        "date_responded": c.date_responded.map(iso),
        "expiration_date": iso(c.expiration_date),
        "status": c.status,
        "responded_reason": if c.status == "approved" { Value::from("none") } else { Value::Null },
        "details": {"message": null, "date": null, "fields": []},
        "hidden_details": null,
        "metadata": null,
        "factor_type": "totp",
        "url": url,
        "links": {"notifications": format!("{url}/Notifications")},
    })
}

fn query(q: Option<String>) -> Result<Params, ApiError> {
    Params::parse(q.unwrap_or_default().as_bytes())
}

type P1 = Path<String>;
type P2 = Path<(String, String)>;
type P3 = Path<(String, String, String)>;

pub async fn create_entity(
    State(state): State<AppState>,
    Path(service): P1,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let (e, created) = state
        .core
        .factors
        .create_entity(&account, &sid, p.get("Identity"))
        .await
        .map_err(at(path))?;
    let code = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((code, Json(entity_json(&state.public_url, &e))).into_response())
}

pub async fn list_entities(
    State(state): State<AppState>,
    Path(service): P1,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let items = state
        .core
        .factors
        .entities(&account, &sid)
        .await
        .map_err(at(path))?;
    let items = items
        .iter()
        .map(|e| entity_json(&state.public_url, e))
        .collect();
    Ok(Json(page(
        &state.public_url,
        path,
        "entities",
        items,
        &query(q)?,
    )?))
}

pub async fn fetch_entity(
    State(state): State<AppState>,
    Path((service, identity)): P2,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let e = state
        .core
        .factors
        .entity(&account, &sid, &identity)
        .await
        .map_err(at(path))?;
    Ok(Json(entity_json(&state.public_url, &e)))
}

pub async fn delete_entity(
    State(state): State<AppState>,
    Path((service, identity)): P2,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    if state
        .core
        .factors
        .delete_entity(&account, &sid, &identity)
        .await
        .map_err(at(path))?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(path))
    }
}

fn factor_params(p: &Params) -> Result<FactorParams, ApiError> {
    let bad = |k: &str| ApiError::new(60200, format!("Invalid parameter `{k}`"));
    let o = |k: &str| p.get(k).map(str::to_owned);
    Ok(FactorParams {
        friendly_name: o("FriendlyName"),
        factor_type: o("FactorType"),
        binding_secret: o("Binding.Secret"),
        time_step: p
            .uint("Config.TimeStep")
            .map_err(|_| bad("Config.TimeStep"))?,
        code_length: p
            .uint("Config.CodeLength")
            .map_err(|_| bad("Config.CodeLength"))?,
        skew: p.uint("Config.Skew").map_err(|_| bad("Config.Skew"))?,
        alg: o("Config.Alg"),
    })
}

pub async fn create_factor(
    State(state): State<AppState>,
    Path((service, identity)): P2,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let n = state
        .core
        .factors
        .create_factor(&account, &sid, &identity, factor_params(&p)?)
        .await
        .map_err(at(path))?;
    Ok((
        StatusCode::CREATED,
        Json(new_factor_json(&state.public_url, &n)),
    )
        .into_response())
}

pub async fn list_factors(
    State(state): State<AppState>,
    Path((service, identity)): P2,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let items = state
        .core
        .factors
        .factors(&account, &sid, &identity)
        .await
        .map_err(at(path))?;
    let items = items
        .iter()
        .map(|f| factor_json(&state.public_url, f))
        .collect();
    Ok(Json(page(
        &state.public_url,
        path,
        "factors",
        items,
        &query(q)?,
    )?))
}

fn ids(service: &str, sid: &str, path: &str) -> Result<(VerifyServiceSid, FactorSid), ApiError> {
    let f = FactorSid::parse(sid).map_err(|_| ApiError::not_found(path))?;
    Ok((service_sid(service, path)?, f))
}

pub async fn fetch_factor(
    State(state): State<AppState>,
    Path((service, identity, sid)): P3,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, sid) = ids(&service, &sid, path)?;
    let f = state
        .core
        .factors
        .factor(&account, &service, &identity, &sid)
        .await
        .map_err(at(path))?;
    Ok(Json(factor_json(&state.public_url, &f)))
}

pub async fn update_factor(
    State(state): State<AppState>,
    Path((service, identity, sid)): P3,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, sid) = ids(&service, &sid, path)?;
    let f = state
        .core
        .factors
        .verify_factor(&account, &service, &identity, &sid, p.get("AuthPayload"))
        .await
        .map_err(at(path))?;
    Ok(Json(factor_json(&state.public_url, &f)))
}

pub async fn delete_factor(
    State(state): State<AppState>,
    Path((service, identity, sid)): P3,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, sid) = ids(&service, &sid, path)?;
    if state
        .core
        .factors
        .delete_factor(&account, &service, &identity, &sid)
        .await
        .map_err(at(path))?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(path))
    }
}

fn expiration(p: &Params) -> Result<Option<i64>, ApiError> {
    match p.get("ExpirationDate").filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::DateTime::parse_from_rfc3339(s)
            .map(|t| Some(t.timestamp_millis()))
            .map_err(|_| {
                ApiError::new(
                    60200,
                    "Invalid parameter `ExpirationDate`: ISO 8601 date-time.",
                )
            }),
    }
}

pub async fn create_challenge(
    State(state): State<AppState>,
    Path((service, identity)): P2,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let c = state
        .core
        .factors
        .create_challenge(
            &account,
            &sid,
            &identity,
            p.get("FactorSid"),
            p.get("AuthPayload"),
            expiration(&p)?,
        )
        .await
        .map_err(at(path))?;
    Ok((
        StatusCode::CREATED,
        Json(challenge_json(&state.public_url, &c)),
    )
        .into_response())
}

pub async fn list_challenges(
    State(state): State<AppState>,
    Path((service, identity)): P2,
    OriginalUri(uri): OriginalUri,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let p = query(q)?;
    let items = state
        .core
        .factors
        .challenges(
            &account,
            &sid,
            &identity,
            p.get("FactorSid"),
            p.get("Status"),
        )
        .await
        .map_err(at(path))?;
    let mut items: Vec<Value> = items
        .iter()
        .map(|c| challenge_json(&state.public_url, c))
        .collect();
    if p.get("Order") == Some("desc") {
        items.reverse();
    }
    Ok(Json(page(
        &state.public_url,
        path,
        "challenges",
        items,
        &p,
    )?))
}

fn challenge_ids(
    service: &str,
    sid: &str,
    path: &str,
) -> Result<(VerifyServiceSid, ChallengeSid), ApiError> {
    let c = ChallengeSid::parse(sid).map_err(|_| ApiError::not_found(path))?;
    Ok((service_sid(service, path)?, c))
}

pub async fn fetch_challenge(
    State(state): State<AppState>,
    Path((service, identity, sid)): P3,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, sid) = challenge_ids(&service, &sid, path)?;
    let c = state
        .core
        .factors
        .challenge(&account, &service, &identity, &sid)
        .await
        .map_err(at(path))?;
    Ok(Json(challenge_json(&state.public_url, &c)))
}

pub async fn update_challenge(
    State(state): State<AppState>,
    Path((service, identity, sid)): P3,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, sid) = challenge_ids(&service, &sid, path)?;
    let c = state
        .core
        .factors
        .answer_challenge(&account, &service, &identity, &sid, p.get("AuthPayload"))
        .await
        .map_err(at(path))?;
    Ok(Json(challenge_json(&state.public_url, &c)))
}
