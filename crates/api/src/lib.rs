//! The HTTP edge: the Twilio-compatible REST API, health and metrics.
//!
//! Architecture invariant: this is the only crate that knows HTTP, Twilio JSON
//! and form encoding. Handlers parse, call one `core` function and render.
//!
//! Layout:
//! - [`error`]: `ApiError`, rendered from the one error-code table.
//! - [`form`]: form/query parameters with repeated keys and strict UTF-8.
//! - [`access`]: the route → required scope table and its middleware.
//! - [`auth`]: HTTP Basic authentication, account scoping and the scope check.
//! - [`keys`]: the Keys resource (API keys with scopes).
//! - [`wire`]: JSON resources and list envelopes.
//! - [`messages`]: the Messages resource handlers.
//! - [`calls`]: the Calls resource handlers.
//! - [`verify`]: Twilio Verify v2 (`/v2/Services…`).
//! - [`factors`]: Verify TOTP entities, factors and challenges (`/v2/Services/{VA}/Entities…`).
//! - [`ops`]: `/healthz`, `/metrics`, latency middleware.

pub mod access;
pub mod audit;
pub mod auth;
pub mod calls;
pub mod error;
pub mod factors;
pub mod form;
pub mod keys;
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

/// Every route, recorded with its method and pattern (see [`access`]).
fn routes() -> access::Routes {
    access::Routes::new()
        .get(
            "/2010-04-01/Accounts/{account}/Messages.json",
            messages::list,
        )
        .post(
            "/2010-04-01/Accounts/{account}/Messages.json",
            messages::create,
        )
        .get(
            "/2010-04-01/Accounts/{account}/Messages/{file}",
            messages::fetch,
        )
        .post(
            "/2010-04-01/Accounts/{account}/Messages/{file}",
            messages::update,
        )
        .delete(
            "/2010-04-01/Accounts/{account}/Messages/{file}",
            messages::delete,
        )
        .get("/2010-04-01/Accounts/{account}/Calls.json", calls::list)
        .post("/2010-04-01/Accounts/{account}/Calls.json", calls::create)
        .get("/2010-04-01/Accounts/{account}/Calls/{file}", calls::fetch)
        .post("/2010-04-01/Accounts/{account}/Calls/{file}", calls::update)
        .delete("/2010-04-01/Accounts/{account}/Calls/{file}", calls::delete)
        .get(
            "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json",
            numbers::list,
        )
        .post(
            "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json",
            numbers::create,
        )
        .get(
            "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{file}",
            numbers::fetch,
        )
        .post(
            "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{file}",
            numbers::update,
        )
        .delete(
            "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{file}",
            numbers::delete,
        )
        .get(
            "/2010-04-01/Accounts/{account}/OptOuts.json",
            numbers::opt_outs,
        )
        .get("/2010-04-01/Accounts/{account}/Keys.json", keys::list)
        .post("/2010-04-01/Accounts/{account}/Keys.json", keys::create)
        .get("/2010-04-01/Accounts/{account}/Keys/{file}", keys::fetch)
        .post("/2010-04-01/Accounts/{account}/Keys/{file}", keys::update)
        .delete("/2010-04-01/Accounts/{account}/Keys/{file}", keys::delete)
        .get("/v1/Services", services::list)
        .post("/v1/Services", services::create)
        .get("/v1/Services/{service}", services::fetch)
        .post("/v1/Services/{service}", services::update)
        .delete("/v1/Services/{service}", services::delete)
        .get(
            "/v1/Services/{service}/PhoneNumbers",
            services::list_numbers,
        )
        .post("/v1/Services/{service}/PhoneNumbers", services::add_number)
        .get(
            "/v1/Services/{service}/PhoneNumbers/{number}",
            services::fetch_number,
        )
        .delete(
            "/v1/Services/{service}/PhoneNumbers/{number}",
            services::remove_number,
        )
        .post("/v1/Shield/Analyze", shield::analyze)
        .get("/v1/Shield/Settings", shield::get_settings)
        .post("/v1/Shield/Settings", shield::update_settings)
        .get("/v2/Services", verify::list_services)
        .post("/v2/Services", verify::create_service)
        .get("/v2/Services/{service}", verify::fetch_service)
        .post("/v2/Services/{service}", verify::update_service)
        .delete("/v2/Services/{service}", verify::delete_service)
        .post("/v2/Services/{service}/Verifications", verify::start)
        .get("/v2/Services/{service}/Verifications/{sid}", verify::fetch)
        .post("/v2/Services/{service}/Verifications/{sid}", verify::update)
        .post("/v2/Services/{service}/VerificationCheck", verify::check)
        .get(
            "/v2/Services/{service}/RateLimits",
            verify_limits::list_limits,
        )
        .post(
            "/v2/Services/{service}/RateLimits",
            verify_limits::create_limit,
        )
        .get(
            "/v2/Services/{service}/RateLimits/{limit}",
            verify_limits::fetch_limit,
        )
        .post(
            "/v2/Services/{service}/RateLimits/{limit}",
            verify_limits::update_limit,
        )
        .delete(
            "/v2/Services/{service}/RateLimits/{limit}",
            verify_limits::delete_limit,
        )
        .get(
            "/v2/Services/{service}/RateLimits/{limit}/Buckets",
            verify_limits::list_buckets,
        )
        .post(
            "/v2/Services/{service}/RateLimits/{limit}/Buckets",
            verify_limits::create_bucket,
        )
        .get(
            "/v2/Services/{service}/RateLimits/{limit}/Buckets/{bucket}",
            verify_limits::fetch_bucket,
        )
        .post(
            "/v2/Services/{service}/RateLimits/{limit}/Buckets/{bucket}",
            verify_limits::update_bucket,
        )
        .delete(
            "/v2/Services/{service}/RateLimits/{limit}/Buckets/{bucket}",
            verify_limits::delete_bucket,
        )
        .post("/v2/SafeList/Numbers", verify_fraud::add)
        .get("/v2/SafeList/Numbers/{number}", verify_fraud::fetch)
        .delete("/v2/SafeList/Numbers/{number}", verify_fraud::remove)
        .get("/v2/Services/{service}/FraudEvents", verify_fraud::events)
        .get("/v2/Services/{service}/Entities", factors::list_entities)
        .post("/v2/Services/{service}/Entities", factors::create_entity)
        .get(
            "/v2/Services/{service}/Entities/{identity}",
            factors::fetch_entity,
        )
        .delete(
            "/v2/Services/{service}/Entities/{identity}",
            factors::delete_entity,
        )
        .get(
            "/v2/Services/{service}/Entities/{identity}/Factors",
            factors::list_factors,
        )
        .post(
            "/v2/Services/{service}/Entities/{identity}/Factors",
            factors::create_factor,
        )
        .get(
            "/v2/Services/{service}/Entities/{identity}/Factors/{sid}",
            factors::fetch_factor,
        )
        .post(
            "/v2/Services/{service}/Entities/{identity}/Factors/{sid}",
            factors::update_factor,
        )
        .delete(
            "/v2/Services/{service}/Entities/{identity}/Factors/{sid}",
            factors::delete_factor,
        )
        .get(
            "/v2/Services/{service}/Entities/{identity}/Challenges",
            factors::list_challenges,
        )
        .post(
            "/v2/Services/{service}/Entities/{identity}/Challenges",
            factors::create_challenge,
        )
        .get(
            "/v2/Services/{service}/Entities/{identity}/Challenges/{sid}",
            factors::fetch_challenge,
        )
        .post(
            "/v2/Services/{service}/Entities/{identity}/Challenges/{sid}",
            factors::update_challenge,
        )
        .post(
            "/v2/Services/{service}/Passkeys/Factors",
            passkeys::create_factor,
        )
        .post(
            "/v2/Services/{service}/Passkeys/VerifyFactor",
            passkeys::verify_factor,
        )
        .post(
            "/v2/Services/{service}/Passkeys/Challenges",
            passkeys::create_challenge,
        )
        .post(
            "/v2/Services/{service}/Passkeys/ApproveChallenge",
            passkeys::approve_challenge,
        )
        .get("/healthz", ops::healthz)
        .get("/metrics", ops::metrics)
}

/// Every (method, pattern) the router serves, in registration order (tests
/// compare it with [`access::ROUTES`]).
pub fn registered_routes() -> Vec<(&'static str, &'static str)> {
    routes().finish().1
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    let _ = ops::prometheus();
    let (routes, _) = routes().finish();
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn(ops::track_latency))
        .with_state(state)
}
