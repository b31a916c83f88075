//! `/v2/Services…`: Twilio Verify v2 (verify.twilio.com, served on the same host):
//! services, verifications and verification checks.

use crate::audit;
use crate::auth::{authenticate, authenticate_principal};
use crate::error::{at, ApiError};
use crate::form::{FormBody, Params};
use crate::services::{iso, page};
use crate::AppState;
use axum::extract::{OriginalUri, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};
use switchboard_core::passkeys::settings::PasskeysParams;
use switchboard_core::store::{VerificationRecord, VerifyServiceRecord};
use switchboard_core::verify::{CheckRequest, ServiceParams, StartRequest};
use switchboard_domain::ids::{VerificationSid, VerifyServiceSid};

fn service_json(base: &str, s: &VerifyServiceRecord) -> Value {
    let url = format!("{base}/v2/Services/{}", s.sid);
    let c = &s.config;
    json!({
        "sid": s.sid.as_str(),
        "account_sid": s.account_sid.as_str(),
        "friendly_name": c.friendly_name,
        "code_length": c.code_length,
        "lookup_enabled": c.lookup_enabled,
        "psd2_enabled": c.psd2_enabled,
        "skip_sms_to_landlines": c.skip_sms_to_landlines,
        "dtmf_input_required": c.dtmf_input_required,
        "tts_name": null,
        "do_not_share_warning_enabled": c.do_not_share_warning_enabled,
        "custom_code_enabled": c.custom_code_enabled,
        "push": {"include_date": false, "apn_credential_sid": null, "fcm_credential_sid": null},
        "totp": {"issuer": c.friendly_name, "time_step": 30, "code_length": 6, "skew": 1},
        "whatsapp": {"msg_service_sid": null, "from": null},
        "passkeys": crate::passkeys::config_json(&c.passkeys),
        "default_template_sid": null,
        "verify_event_subscription_enabled": false,
        "fraud_guard": {
            "mode": Some(&c.fraud_mode).filter(|m| !m.is_empty()),
            "allowed_countries": c.allowed_countries,
        },
        "date_created": iso(s.date_created),
        "date_updated": iso(s.date_updated),
        "url": url,
        "links": {
            "verification_checks": format!("{url}/VerificationCheck"),
            "verifications": format!("{url}/Verifications"),
            "rate_limits": format!("{url}/RateLimits"),
            "messaging_configurations": format!("{url}/MessagingConfigurations"),
            "entities": format!("{url}/Entities"),
            "webhooks": format!("{url}/Webhooks"),
            "access_tokens": format!("{url}/AccessTokens"),
        },
    })
}

fn verification_json(base: &str, v: &VerificationRecord) -> Value {
    json!({
        "sid": v.sid.as_str(),
        "service_sid": v.service_sid.as_str(),
        "account_sid": v.account_sid.as_str(),
        "to": v.to,
        "channel": v.channel,
        "status": v.status,
        "valid": v.status == "approved",
        "lookup": {"carrier": null},
        "amount": null,
        "payee": null,
        "send_code_attempts": v.sends.iter().map(|a| json!({
            "time": iso(a.at),
            "channel": a.channel,
            "attempt_sid": a.sid.as_str(),
        })).collect::<Vec<_>>(),
        "sna": null,
        "date_created": iso(v.date_created),
        "date_updated": iso(v.date_updated),
        "url": format!("{base}/v2/Services/{}/Verifications/{}", v.service_sid, v.sid),
    })
}

fn check_json(v: &VerificationRecord, valid: bool) -> Value {
    json!({
        "sid": v.sid.as_str(),
        "service_sid": v.service_sid.as_str(),
        "account_sid": v.account_sid.as_str(),
        "to": v.to,
        "channel": v.channel,
        "status": if valid { "approved" } else { v.status.as_str() },
        "valid": valid,
        "amount": null,
        "payee": null,
        "sna_attempts_error_codes": [],
        "date_created": iso(v.date_created),
        "date_updated": iso(v.date_updated),
    })
}

fn params(p: &Params) -> Result<ServiceParams, ApiError> {
    let bad = |k: &str| ApiError::new(60200, format!("Invalid parameter `{k}`"));
    let b = |k: &str| p.bool(k).map_err(|_| bad(k));
    Ok(ServiceParams {
        friendly_name: p.get("FriendlyName").map(str::to_owned),
        code_length: p.uint("CodeLength").map_err(|_| bad("CodeLength"))?,
        custom_code_enabled: b("CustomCodeEnabled")?,
        do_not_share_warning_enabled: b("DoNotShareWarningEnabled")?,
        skip_sms_to_landlines: b("SkipSmsToLandlines")?,
        lookup_enabled: b("LookupEnabled")?,
        psd2_enabled: b("Psd2Enabled")?,
        dtmf_input_required: b("DtmfInputRequired")?,
        fraud_mode: p.get("FraudGuard.Mode").map(str::to_owned),
        allowed_countries: p.get("FraudGuard.AllowedCountries").map(|l| {
            l.split(',')
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .map(str::to_owned)
                .collect()
        }),
        passkeys: PasskeysParams {
            rp_id: p.get("Passkeys.RelyingParty.Id").map(str::to_owned),
            rp_name: p.get("Passkeys.RelyingParty.Name").map(str::to_owned),
            origins: p.get("Passkeys.RelyingParty.Origins").map(str::to_owned),
            authenticator_attachment: p.get("Passkeys.AuthenticatorAttachment").map(str::to_owned),
            discoverable_credentials: p.get("Passkeys.DiscoverableCredentials").map(str::to_owned),
            user_verification: p.get("Passkeys.UserVerification").map(str::to_owned),
        },
    })
}

/// `RateLimits` is a JSON object of unique names to values (strings; numbers are taken as text).
fn rate_limit_values(raw: Option<&str>) -> Result<Vec<(String, String)>, ApiError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(Vec::new());
    };
    let bad = || {
        ApiError::new(
            60200,
            "Invalid parameter `RateLimits`: a JSON object of rate limit unique names to string values.",
        )
    };
    let map: serde_json::Map<String, Value> = serde_json::from_str(raw).map_err(|_| bad())?;
    map.into_iter()
        .map(|(k, v)| match v {
            Value::String(s) => Ok((k, s)),
            Value::Number(n) => Ok((k, n.to_string())),
            _ => Err(bad()),
        })
        .collect()
}

fn start_request(p: &Params) -> Result<StartRequest, ApiError> {
    let o = |k: &str| p.get(k).map(str::to_owned);
    Ok(StartRequest {
        to: o("To"),
        channel: o("Channel"),
        custom_code: o("CustomCode"),
        rate_limits: rate_limit_values(p.get("RateLimits"))?,
        device_ip: o("DeviceIp"),
        locale: o("Locale"),
    })
}

/// The names of the parameters a create or update gave (their values may be long texts).
fn fields(p: &Params) -> Option<Value> {
    Some(serde_json::json!({ "fields": p.keys() }))
}

/// A Verify service SID from the path (malformed: 404 naming the path).
pub(crate) fn service_sid(s: &str, path: &str) -> Result<VerifyServiceSid, ApiError> {
    VerifyServiceSid::parse(s).map_err(|_| ApiError::not_found(path))
}

pub async fn create_service(
    State(state): State<AppState>,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let who = authenticate_principal(&state, &headers).await?;
    let s = state
        .core
        .verify
        .create_service(&who.account_sid, params(&p)?)
        .await?;
    audit::record(
        &state,
        &who,
        "verify_service.create",
        s.sid.as_str(),
        fields(&p),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(service_json(&state.public_url, &s)),
    )
        .into_response())
}

pub async fn list_services(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let items = state
        .core
        .verify
        .services(&account)
        .await?
        .iter()
        .map(|s| service_json(&state.public_url, s))
        .collect();
    Ok(Json(page(
        &state.public_url,
        "/v2/Services",
        "services",
        items,
        &p,
    )?))
}

pub async fn fetch_service(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let sid = service_sid(&service, uri.path())?;
    state
        .core
        .verify
        .service(&account, &sid)
        .await?
        .map(|s| Json(service_json(&state.public_url, &s)))
        .ok_or_else(|| ApiError::not_found(uri.path()))
}

pub async fn update_service(
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
        .verify
        .update_service(&who.account_sid, &sid, params(&p)?)
        .await?
        .ok_or_else(|| ApiError::not_found(uri.path()))?;
    audit::record(
        &state,
        &who,
        "verify_service.update",
        sid.as_str(),
        fields(&p),
    )
    .await?;
    Ok(Json(service_json(&state.public_url, &s)))
}

pub async fn delete_service(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let who = authenticate_principal(&state, &headers).await?;
    let sid = service_sid(&service, uri.path())?;
    if state
        .core
        .verify
        .delete_service(&who.account_sid, &sid)
        .await?
    {
        audit::record(&state, &who, "verify_service.delete", sid.as_str(), None).await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(uri.path()))
    }
}

pub async fn start(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let v = state
        .core
        .verify
        .start(&account, &sid, start_request(&p)?)
        .await
        .map_err(at(path))?;
    Ok((
        StatusCode::CREATED,
        Json(verification_json(&state.public_url, &v)),
    )
        .into_response())
}

pub async fn fetch(
    State(state): State<AppState>,
    Path((service, sid)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let service = service_sid(&service, path)?;
    let sid = VerificationSid::parse(&sid).map_err(|_| ApiError::not_found(path))?;
    state
        .core
        .verify
        .fetch(&account, &service, &sid)
        .await?
        .map(|v| Json(verification_json(&state.public_url, &v)))
        .ok_or_else(|| ApiError::not_found(path))
}

pub async fn update(
    State(state): State<AppState>,
    Path((service, sid)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let service = service_sid(&service, path)?;
    let sid = VerificationSid::parse(&sid).map_err(|_| ApiError::not_found(path))?;
    state
        .core
        .verify
        .update(&account, &service, &sid, p.get("Status"))
        .await?
        .map(|v| Json(verification_json(&state.public_url, &v)))
        .ok_or_else(|| ApiError::not_found(path))
}

pub async fn check(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let sid = service_sid(&service, path)?;
    let req = CheckRequest {
        code: p.get("Code").map(str::to_owned),
        to: p.get("To").map(str::to_owned),
        verification_sid: p.get("VerificationSid").map(str::to_owned),
    };
    let r = state
        .core
        .verify
        .check(&account, &sid, req)
        .await
        .map_err(at(path))?;
    Ok((
        StatusCode::CREATED,
        Json(check_json(&r.verification, r.valid)),
    )
        .into_response())
}
