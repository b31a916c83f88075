//! `/v2/Services/{VA}/RateLimits[/{RK}/Buckets]`: Verify's programmable rate limits.

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
use switchboard_core::store::{BucketRecord, RateLimitRecord};
use switchboard_domain::ids::{BucketSid, RateLimitSid, VerifyServiceSid};

fn limit_url(base: &str, l: &RateLimitRecord) -> String {
    format!("{base}/v2/Services/{}/RateLimits/{}", l.service_sid, l.sid)
}

fn limit_json(base: &str, l: &RateLimitRecord) -> Value {
    let url = limit_url(base, l);
    json!({
        "sid": l.sid.as_str(),
        "service_sid": l.service_sid.as_str(),
        "account_sid": l.account_sid.as_str(),
        "unique_name": l.unique_name,
        "description": l.description,
        "date_created": iso(l.date_created),
        "date_updated": iso(l.date_updated),
        "links": {"buckets": format!("{url}/Buckets")},
        "url": url,
    })
}

fn bucket_json(base: &str, b: &BucketRecord) -> Value {
    json!({
        "sid": b.sid.as_str(),
        "rate_limit_sid": b.rate_limit_sid.as_str(),
        "service_sid": b.service_sid.as_str(),
        "account_sid": b.account_sid.as_str(),
        "max": b.max,
        "interval": b.interval_secs,
        "date_created": iso(b.date_created),
        "date_updated": iso(b.date_updated),
        "url": format!("{base}/v2/Services/{}/RateLimits/{}/Buckets/{}", b.service_sid, b.rate_limit_sid, b.sid),
    })
}

fn sids(
    service: &str,
    limit: Option<&str>,
    path: &str,
) -> Result<(VerifyServiceSid, Option<RateLimitSid>), ApiError> {
    let nf = || ApiError::not_found(path);
    let service = crate::verify::service_sid(service, path)?;
    let limit = limit
        .map(RateLimitSid::parse)
        .transpose()
        .map_err(|_| nf())?;
    Ok((service, limit))
}

fn uint(p: &Params, key: &str) -> Result<Option<u32>, ApiError> {
    p.uint(key).map_err(|_| {
        ApiError::new(
            60200,
            format!("Invalid parameter `{key}`: a positive integer."),
        )
    })
}

pub async fn create_limit(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, _) = sids(&service, None, path)?;
    let l = state
        .core
        .verify
        .create_rate_limit(
            &account,
            &service,
            p.get("UniqueName"),
            p.get("Description"),
        )
        .await
        .map_err(at(path))?;
    Ok((StatusCode::CREATED, Json(limit_json(&state.public_url, &l))).into_response())
}

pub async fn list_limits(
    State(state): State<AppState>,
    Path(service): Path<String>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, _) = sids(&service, None, path)?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let base = &state.public_url;
    let items = state
        .core
        .verify
        .rate_limits(&account, &service)
        .await
        .map_err(at(path))?;
    let items = items.iter().map(|l| limit_json(base, l)).collect();
    Ok(Json(page(base, path, "rate_limits", items, &p)?))
}

pub async fn fetch_limit(
    State(state): State<AppState>,
    Path((service, limit)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, limit) = sids(&service, Some(&limit), path)?;
    let limit = limit.ok_or_else(|| ApiError::not_found(path))?;
    state
        .core
        .verify
        .rate_limit(&account, &service, &limit)
        .await
        .map_err(at(path))?
        .map(|l| Json(limit_json(&state.public_url, &l)))
        .ok_or_else(|| ApiError::not_found(path))
}

pub async fn update_limit(
    State(state): State<AppState>,
    Path((service, limit)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, limit) = sids(&service, Some(&limit), path)?;
    let limit = limit.ok_or_else(|| ApiError::not_found(path))?;
    state
        .core
        .verify
        .update_rate_limit(&account, &service, &limit, p.get("Description"))
        .await
        .map_err(at(path))?
        .map(|l| Json(limit_json(&state.public_url, &l)))
        .ok_or_else(|| ApiError::not_found(path))
}

pub async fn delete_limit(
    State(state): State<AppState>,
    Path((service, limit)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, limit) = sids(&service, Some(&limit), path)?;
    let limit = limit.ok_or_else(|| ApiError::not_found(path))?;
    if state
        .core
        .verify
        .delete_rate_limit(&account, &service, &limit)
        .await
        .map_err(at(path))?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(path))
    }
}

pub async fn create_bucket(
    State(state): State<AppState>,
    Path((service, limit)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Response, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, limit) = sids(&service, Some(&limit), path)?;
    let limit = limit.ok_or_else(|| ApiError::not_found(path))?;
    let b = state
        .core
        .verify
        .create_bucket(
            &account,
            &service,
            &limit,
            uint(&p, "Max")?,
            uint(&p, "Interval")?,
        )
        .await
        .map_err(at(path))?;
    Ok((
        StatusCode::CREATED,
        Json(bucket_json(&state.public_url, &b)),
    )
        .into_response())
}

pub async fn list_buckets(
    State(state): State<AppState>,
    Path((service, limit)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, limit) = sids(&service, Some(&limit), path)?;
    let limit = limit.ok_or_else(|| ApiError::not_found(path))?;
    let p = Params::parse(query.unwrap_or_default().as_bytes())?;
    let base = &state.public_url;
    let items = state
        .core
        .verify
        .buckets(&account, &service, &limit)
        .await
        .map_err(at(path))?;
    let items = items.iter().map(|b| bucket_json(base, b)).collect();
    Ok(Json(page(base, path, "buckets", items, &p)?))
}

fn bucket_sids(
    service: &str,
    limit: &str,
    bucket: &str,
    path: &str,
) -> Result<(VerifyServiceSid, RateLimitSid, BucketSid), ApiError> {
    let (service, limit) = sids(service, Some(limit), path)?;
    let limit = limit.ok_or_else(|| ApiError::not_found(path))?;
    let bucket = BucketSid::parse(bucket).map_err(|_| ApiError::not_found(path))?;
    Ok((service, limit, bucket))
}

pub async fn fetch_bucket(
    State(state): State<AppState>,
    Path((service, limit, bucket)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, limit, bucket) = bucket_sids(&service, &limit, &bucket, path)?;
    state
        .core
        .verify
        .bucket(&account, &service, &limit, &bucket)
        .await
        .map_err(at(path))?
        .map(|b| Json(bucket_json(&state.public_url, &b)))
        .ok_or_else(|| ApiError::not_found(path))
}

pub async fn update_bucket(
    State(state): State<AppState>,
    Path((service, limit, bucket)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    FormBody(p): FormBody,
) -> Result<Json<Value>, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, limit, bucket) = bucket_sids(&service, &limit, &bucket, path)?;
    state
        .core
        .verify
        .update_bucket(
            &account,
            &service,
            &limit,
            &bucket,
            uint(&p, "Max")?,
            uint(&p, "Interval")?,
        )
        .await
        .map_err(at(path))?
        .map(|b| Json(bucket_json(&state.public_url, &b)))
        .ok_or_else(|| ApiError::not_found(path))
}

pub async fn delete_bucket(
    State(state): State<AppState>,
    Path((service, limit, bucket)): Path<(String, String, String)>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> Result<StatusCode, ApiError> {
    let account = authenticate(&state, &headers).await?;
    let path = uri.path();
    let (service, limit, bucket) = bucket_sids(&service, &limit, &bucket, path)?;
    if state
        .core
        .verify
        .delete_bucket(&account, &service, &limit, &bucket)
        .await
        .map_err(at(path))?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::not_found(path))
    }
}
