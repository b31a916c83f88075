//! The HTTP edge: the Twilio-compatible REST API, health and metrics.
//!
//! Architecture invariant: this is the only crate that knows HTTP, Twilio JSON
//! and form encoding. Handlers parse, call one `core` function and render.
//!
//! Layout:
//! - [`error`]: `ApiError`, rendered from the one error-code table.
//! - [`form`]: form/query parameters with repeated keys and strict UTF-8.
//! - [`auth`]: HTTP Basic authentication and account scoping.
//! - [`wire`]: JSON resources and list envelopes.
//! - [`messages`]: the Messages resource handlers.
//! - [`verify`]: Twilio Verify v2 (`/v2/Services…`).
//! - [`factors`]: Verify TOTP entities, factors and challenges (`/v2/Services/{VA}/Entities…`).
//! - [`ops`]: `/healthz`, `/metrics`, latency middleware.

pub mod audit;
pub mod auth;
pub mod error;
pub mod factors;
pub mod form;
pub mod messages;
pub mod numbers;
pub mod ops;
pub mod passkeys;
pub mod rate_limit;
pub mod services;
pub mod shield;
pub mod signature;
pub mod verify;
pub mod verify_fraud;
pub mod verify_limits;
pub mod webhook_client;
pub mod wire;

use axum::routing::get;
use axum::Router;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};
use std::time::Instant;
use switchboard_core::Core;

/// State shared by every handler.
#[derive(Clone)]
pub struct AppState {
    pub core: Core,
    /// Set once migrations ran and listeners are up.
    pub ready: Arc<AtomicBool>,
    /// The externally visible base URL (absolute URLs in v1/v2 resources).
    pub public_url: String,
    /// Per-account request rate.
    pub limits: Arc<rate_limit::AccountLimits>,
    status_counted: Arc<Mutex<Option<Instant>>>,
}

impl AppState {
    pub fn new(core: Core, ready: Arc<AtomicBool>) -> Self {
        Self {
            core,
            ready,
            public_url: "http://127.0.0.1:8080".into(),
            limits: Arc::new(rate_limit::AccountLimits::unlimited()),
            status_counted: Arc::new(Mutex::new(None)),
        }
    }

    /// Limits each account to `per_sec` requests per second (bursts of `burst`).
    pub fn with_account_rate(mut self, per_sec: f64, burst: f64) -> Self {
        self.limits = Arc::new(rate_limit::AccountLimits::new(per_sec, burst));
        self
    }

    /// Sets the base of absolute URLs (`public_url` in the config).
    pub fn with_public_url(mut self, url: &str) -> Self {
        self.public_url = url.trim_end_matches('/').to_owned();
        self
    }
}

async fn not_found(uri: axum::http::Uri) -> error::ApiError {
    error::ApiError::not_found(uri.path())
}

async fn method_not_allowed() -> error::ApiError {
    error::ApiError::new(20004, "Method not allowed")
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    let _ = ops::prometheus();
    let accounts = Router::new()
        .route(
            "/Accounts/{account}/Messages.json",
            get(messages::list).post(messages::create),
        )
        .route(
            "/Accounts/{account}/Messages/{file}",
            get(messages::fetch)
                .post(messages::update)
                .delete(messages::delete),
        )
        .route(
            "/Accounts/{account}/IncomingPhoneNumbers.json",
            get(numbers::list).post(numbers::create),
        )
        .route(
            "/Accounts/{account}/IncomingPhoneNumbers/{file}",
            get(numbers::fetch)
                .post(numbers::update)
                .delete(numbers::delete),
        )
        .route("/Accounts/{account}/OptOuts.json", get(numbers::opt_outs));
    Router::new()
        .nest("/2010-04-01", accounts)
        .route("/v1/Services", get(services::list).post(services::create))
        .route(
            "/v1/Services/{service}",
            get(services::fetch)
                .post(services::update)
                .delete(services::delete),
        )
        .route(
            "/v1/Services/{service}/PhoneNumbers",
            get(services::list_numbers).post(services::add_number),
        )
        .route(
            "/v1/Services/{service}/PhoneNumbers/{number}",
            get(services::fetch_number).delete(services::remove_number),
        )
        .route("/v1/Shield/Analyze", axum::routing::post(shield::analyze))
        .route(
            "/v1/Shield/Settings",
            get(shield::get_settings).post(shield::update_settings),
        )
        .route(
            "/v2/Services",
            get(verify::list_services).post(verify::create_service),
        )
        .route(
            "/v2/Services/{service}",
            get(verify::fetch_service)
                .post(verify::update_service)
                .delete(verify::delete_service),
        )
        .route(
            "/v2/Services/{service}/Verifications",
            axum::routing::post(verify::start),
        )
        .route(
            "/v2/Services/{service}/Verifications/{sid}",
            get(verify::fetch).post(verify::update),
        )
        .route(
            "/v2/Services/{service}/VerificationCheck",
            axum::routing::post(verify::check),
        )
        .route(
            "/v2/Services/{service}/RateLimits",
            get(verify_limits::list_limits).post(verify_limits::create_limit),
        )
        .route(
            "/v2/Services/{service}/RateLimits/{limit}",
            get(verify_limits::fetch_limit)
                .post(verify_limits::update_limit)
                .delete(verify_limits::delete_limit),
        )
        .route(
            "/v2/Services/{service}/RateLimits/{limit}/Buckets",
            get(verify_limits::list_buckets).post(verify_limits::create_bucket),
        )
        .route(
            "/v2/Services/{service}/RateLimits/{limit}/Buckets/{bucket}",
            get(verify_limits::fetch_bucket)
                .post(verify_limits::update_bucket)
                .delete(verify_limits::delete_bucket),
        )
        .route(
            "/v2/SafeList/Numbers",
            axum::routing::post(verify_fraud::add),
        )
        .route(
            "/v2/SafeList/Numbers/{number}",
            get(verify_fraud::fetch).delete(verify_fraud::remove),
        )
        .route(
            "/v2/Services/{service}/FraudEvents",
            get(verify_fraud::events),
        )
        .route(
            "/v2/Services/{service}/Entities",
            get(factors::list_entities).post(factors::create_entity),
        )
        .route(
            "/v2/Services/{service}/Entities/{identity}",
            get(factors::fetch_entity).delete(factors::delete_entity),
        )
        .route(
            "/v2/Services/{service}/Entities/{identity}/Factors",
            get(factors::list_factors).post(factors::create_factor),
        )
        .route(
            "/v2/Services/{service}/Entities/{identity}/Factors/{sid}",
            get(factors::fetch_factor)
                .post(factors::update_factor)
                .delete(factors::delete_factor),
        )
        .route(
            "/v2/Services/{service}/Entities/{identity}/Challenges",
            get(factors::list_challenges).post(factors::create_challenge),
        )
        .route(
            "/v2/Services/{service}/Entities/{identity}/Challenges/{sid}",
            get(factors::fetch_challenge).post(factors::update_challenge),
        )
        .route(
            "/v2/Services/{service}/Passkeys/Factors",
            axum::routing::post(passkeys::create_factor),
        )
        .route(
            "/v2/Services/{service}/Passkeys/VerifyFactor",
            axum::routing::post(passkeys::verify_factor),
        )
        .route(
            "/v2/Services/{service}/Passkeys/Challenges",
            axum::routing::post(passkeys::create_challenge),
        )
        .route(
            "/v2/Services/{service}/Passkeys/ApproveChallenge",
            axum::routing::post(passkeys::approve_challenge),
        )
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::metrics))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(ops::track_latency))
        .with_state(state)
}
