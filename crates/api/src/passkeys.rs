//! `/v2/Services/{VA}/Passkeys/…`: Verify's passkeys factor. Request bodies are JSON, as
//! in Twilio's spec (`Factors` and `Challenges` also take a form); the credential bodies of
//! `VerifyFactor` and `ApproveChallenge` are the browser's `PublicKeyCredential.toJSON()`,
//! handed to core unchanged.

use crate::auth::authenticate;
use crate::error::{at, ApiError};
use crate::form::Params;
use crate::services::iso;
use crate::verify::service_sid;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::passkeys::{Challenge, NewFactor};
use switchboard_core::store::{PasskeyFactorRecord, PasskeysConfig};

/// The service's passkeys settings as Twilio shows them (`passkeys` / factor `config`).
pub fn config_json(c: &PasskeysConfig) -> Value {
    json!({
        "relying_party": c.rp_id.as_ref().map(|id| json!({
            "id": id,
            "name": c.rp_name.clone().unwrap_or_else(|| id.clone()),
            "origins": c.origins,
        })),
        "authenticator_attachment": c.authenticator_attachment,
        "discoverable_credentials": c.discoverable_credentials,
        "user_verification": c.user_verification,
    })
}

fn factor_json(base: &str, f: &PasskeyFactorRecord, c: &PasskeysConfig) -> Value {
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
        "factor_type": "passkeys",
        "config": config_json(c),
        "metadata": null,
        "url": format!("{base}/v2/Services/{}/Entities/{}/Factors/{}", f.service_sid, f.identity, f.sid),
    })
}

fn challenge_json(base: &str, c: &Challenge) -> Result<Value, ApiError> {
    let options = match &c.options {
        Some(o) => serde_json::from_str::<Value>(o).map_err(|_| ApiError::internal())?,
        None => Value::Null,
    };
    Ok(json!({
        "sid": c.sid,
        "account_sid": c.account_sid.as_str(),
        "service_sid": c.service_sid.as_str(),
        "entity_sid": c.entity_sid.as_ref().map(|e| e.as_str()),
        "identity": c.identity,
        "factor_sid": c.factor_sid.as_ref().map(|f| f.as_str()),
        "factor_type": "passkeys",
        "status": if c.date_responded.is_some() { "approved" } else { "pending" },
        "responded_reason": "none",
        "date_created": iso(c.date_created),
        "date_updated": iso(c.date_updated),
        "date_responded": c.date_responded.map(iso),
        "expiration_date": iso(c.expires_at),
        "details": null,
        "hidden_details": null,
        "metadata": null,
        "links": null,
        "options": options,
        "url": format!("{base}/v2/Services/{}/Passkeys/Challenges", c.service_sid),
    }))
}

/// Top-level string fields of a JSON object body, or a form body's parameters.
fn fields(headers: &HeaderMap, body: &[u8]) -> Result<Vec<(String, String)>, ApiError> {
    let form = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if form {
        let p = Params::parse(body)?;
        let keys = [
            "identity",
            "Identity",
            "friendly_name",
            "FriendlyName",
            "factor_sid",
            "FactorSid",
        ];
        return Ok(keys
            .iter()
            .filter_map(|k| p.get(k).map(|v| (k.to_string(), v.to_owned())))
            .collect());
    }
    let v: Value = if body.is_empty() {
        json!({})
    } else {
        serde_json::from_slice(body).map_err(|_| {
            ApiError::new(60200, "Invalid parameter: the body must be a JSON object")
        })?
    };
    let obj = v
        .as_object()
        .ok_or_else(|| ApiError::new(60200, "Invalid parameter: the body must be a JSON object"))?;
    if obj.get("config").is_some_and(|c| !c.is_null()) {
        return Err(ApiError::new(
            60200,
            "Invalid parameter: config is not supported per factor; set Passkeys.* on the Service",
        ));
    }
    Ok(obj
        .iter()
        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned())))
        .collect())
}

/// `snake` or its Twilio form name.
fn field<'a>(f: &'a [(String, String)], snake: &str, pascal: &str) -> Option<&'a str> {
    f.iter()
        .find(|(k, _)| k == snake || k == pascal)
        .map(|(_, v)| v.as_str())
}

pub async fn create_factor(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let f = fields(&headers, &body)?;
    let NewFactor {
        factor,
        config,
        options,
    } = state
        .core
        .passkeys
        .create_factor(
            &account,
            &sid,
            field(&f, "identity", "Identity"),
            field(&f, "friendly_name", "FriendlyName"),
        )
        .await
        .map_err(at(path))?;
    let mut out = factor_json(&state.public_url, &factor, &config);
    out["binding"] = Value::Null;
    out["options"] = serde_json::from_str(&options).map_err(|_| ApiError::internal())?;
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub async fn verify_factor(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let (factor, config) = state
        .core
        .passkeys
        .verify_factor(&account, &sid, &body)
        .await
        .map_err(at(path))?;
    Ok(Json(factor_json(&state.public_url, &factor, &config)))
}

pub async fn create_challenge(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let f = fields(&headers, &body)?;
    let c = state
        .core
        .passkeys
        .create_challenge(
            &account,
            &sid,
            field(&f, "identity", "Identity"),
            field(&f, "factor_sid", "FactorSid"),
        )
        .await
        .map_err(at(path))?;
    Ok((
        StatusCode::CREATED,
        Json(challenge_json(&state.public_url, &c)?),
    )
        .into_response())
}

pub async fn approve_challenge(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let c = state
        .core
        .passkeys
        .approve_challenge(&account, &sid, &body)
        .await
        .map_err(at(path))?;
    Ok(Json(challenge_json(&state.public_url, &c)?))
}
