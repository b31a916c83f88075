//! `ApiError`: every API error is rendered from the one error-code table in
//! Twilio's JSON shape (`code`, `message`, `more_info`, `status`; never
//! `type`/`title`, which would make twilio-python raise a different exception).

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use switchboard_core::messages::MessageError;
use switchboard_domain::error_codes::{lookup, more_info};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub code: u32,
    pub message: String,
    /// Seconds, sent as `Retry-After` (429s).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: u32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 429 / 20429 with `Retry-After`.
    pub fn too_many_requests(retry_after_secs: u64) -> Self {
        Self {
            retry_after: Some(retry_after_secs.max(1)),
            ..Self::new(
                20429,
                "Too many requests: this account is over its API request rate; retry after the Retry-After seconds.",
            )
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(20001, message)
    }

    pub fn unauthenticated() -> Self {
        Self::new(20003, "Authenticate")
    }

    /// 403 / 20403: authenticated, but the credential may not do this.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(20403, message)
    }

    pub fn not_found(path: &str) -> Self {
        Self::new(
            20404,
            format!("The requested resource {path} was not found"),
        )
    }

    pub fn internal() -> Self {
        Self::new(20500, "Internal server error")
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(lookup(self.code).http_status).unwrap_or(StatusCode::BAD_REQUEST)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = serde_json::json!({
            "code": self.code,
            "message": self.message,
            "more_info": more_info(self.code),
            "status": status.as_u16(),
        });
        if self.code == 20003 {
            body["detail"] = "Your AccountSid or AuthToken was incorrect.".into();
        }
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = self.retry_after {
            if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        if self.code == 20003 {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"Switchboard\""),
            );
        }
        resp
    }
}

/// Maps a core error to its response, a "not found" naming the requested path (core's
/// 20404 carries none).
pub fn at(path: &str) -> impl Fn(MessageError) -> ApiError + '_ {
    move |e| match ApiError::from(e) {
        e if e.code == 20404 => ApiError::not_found(path),
        e => e,
    }
}

/// `{Sid}.json` in a resource path → the SID, or 404 naming `path` for anything else.
pub fn sid_file<T, E>(
    file: &str,
    path: &str,
    parse: impl Fn(&str) -> Result<T, E>,
) -> Result<T, ApiError> {
    file.strip_suffix(".json")
        .and_then(|s| parse(s).ok())
        .ok_or_else(|| ApiError::not_found(path))
}

impl From<MessageError> for ApiError {
    fn from(e: MessageError) -> Self {
        match e {
            MessageError::Rejected { code, message } => ApiError::new(code, message),
            MessageError::Limited {
                code,
                message,
                retry_after_secs,
            } => ApiError {
                retry_after: Some(retry_after_secs.max(1)),
                ..ApiError::new(code, message)
            },
            MessageError::Store(e) => {
                // The cause is logged, never sent to the client.
                tracing::error!(error = %e, "Store error while handling a request.");
                ApiError::internal()
            }
        }
    }
}
