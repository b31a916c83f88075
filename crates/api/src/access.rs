//! Which scope each REST route requires, and where that is enforced.
//!
//! [`ROUTES`] is the one table: (HTTP method, route pattern) → required
//! [`Scope`] (`None`: a public route that takes no credentials). The router
//! is built with [`Routes`], which records every (method, pattern) it
//! registers; a test asserts the recorded list and the table are the same,
//! so a route cannot be added without deciding its scope.
//!
//! Enforcement is central: [`require_scope`] runs on every matched route,
//! looks the route up by its `MatchedPath` and runs the handler with the
//! requirement in a task-local; `auth::authenticate`/`authorize`, which every
//! handler calls, check the caller's scopes against it. A handler reached
//! without a table entry, or that authenticates on a public route, fails
//! closed (500).

use crate::error::ApiError;
use crate::AppState;
use axum::extract::{MatchedPath, Request};
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Router;
use switchboard_domain::scopes::Scope;

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteScope {
    /// `GET`, `POST` or `DELETE` (a `HEAD` is checked as its `GET`).
    pub method: &'static str,
    /// The route pattern exactly as registered in the router.
    pub pattern: &'static str,
    /// What the credential needs; `None` for public routes (no credentials).
    pub scope: Option<Scope>,
}

const fn r(method: &'static str, pattern: &'static str, scope: Scope) -> RouteScope {
    RouteScope {
        method,
        pattern,
        scope: Some(scope),
    }
}

use Scope::*;

const MSGS: &str = "/2010-04-01/Accounts/{account}/Messages.json";
const MSG: &str = "/2010-04-01/Accounts/{account}/Messages/{file}";
const CALLS: &str = "/2010-04-01/Accounts/{account}/Calls.json";
const CALL: &str = "/2010-04-01/Accounts/{account}/Calls/{file}";
const NUMS: &str = "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers.json";
const NUM: &str = "/2010-04-01/Accounts/{account}/IncomingPhoneNumbers/{file}";
const OPT_OUTS: &str = "/2010-04-01/Accounts/{account}/OptOuts.json";
const KEYS: &str = "/2010-04-01/Accounts/{account}/Keys.json";
const KEY: &str = "/2010-04-01/Accounts/{account}/Keys/{file}";
const SVCS: &str = "/v1/Services";
const SVC: &str = "/v1/Services/{service}";
const SVC_NUMS: &str = "/v1/Services/{service}/PhoneNumbers";
const SVC_NUM: &str = "/v1/Services/{service}/PhoneNumbers/{number}";
const V2: &str = "/v2/Services";
const V2_SVC: &str = "/v2/Services/{service}";
const V2_VERIFS: &str = "/v2/Services/{service}/Verifications";
const V2_VERIF: &str = "/v2/Services/{service}/Verifications/{sid}";
const V2_CHECK: &str = "/v2/Services/{service}/VerificationCheck";
const V2_LIMITS: &str = "/v2/Services/{service}/RateLimits";
const V2_LIMIT: &str = "/v2/Services/{service}/RateLimits/{limit}";
const V2_BUCKETS: &str = "/v2/Services/{service}/RateLimits/{limit}/Buckets";
const V2_BUCKET: &str = "/v2/Services/{service}/RateLimits/{limit}/Buckets/{bucket}";
const V2_SAFE: &str = "/v2/SafeList/Numbers";
const V2_SAFE_NUM: &str = "/v2/SafeList/Numbers/{number}";
const V2_FRAUD: &str = "/v2/Services/{service}/FraudEvents";
const V2_ENTS: &str = "/v2/Services/{service}/Entities";
const V2_ENT: &str = "/v2/Services/{service}/Entities/{identity}";
const V2_FACTORS: &str = "/v2/Services/{service}/Entities/{identity}/Factors";
const V2_FACTOR: &str = "/v2/Services/{service}/Entities/{identity}/Factors/{sid}";
const V2_CHALS: &str = "/v2/Services/{service}/Entities/{identity}/Challenges";
const V2_CHAL: &str = "/v2/Services/{service}/Entities/{identity}/Challenges/{sid}";
const V2_PK_FACTORS: &str = "/v2/Services/{service}/Passkeys/Factors";
const V2_PK_VERIFY: &str = "/v2/Services/{service}/Passkeys/VerifyFactor";
const V2_PK_CHALS: &str = "/v2/Services/{service}/Passkeys/Challenges";
const V2_PK_APPROVE: &str = "/v2/Services/{service}/Passkeys/ApproveChallenge";

/// Every REST route and the scope it requires.
pub const ROUTES: &[RouteScope] = &[
    r("GET", MSGS, MessagesRead),
    r("POST", MSGS, MessagesSend),
    r("GET", MSG, MessagesRead),
    r("POST", MSG, MessagesWrite),
    r("DELETE", MSG, MessagesWrite),
    r("GET", CALLS, CallsRead),
    r("POST", CALLS, CallsWrite),
    r("GET", CALL, CallsRead),
    r("POST", CALL, CallsWrite),
    r("DELETE", CALL, CallsWrite),
    r("GET", NUMS, NumbersRead),
    r("POST", NUMS, NumbersWrite),
    r("GET", NUM, NumbersRead),
    r("POST", NUM, NumbersWrite),
    r("DELETE", NUM, NumbersWrite),
    r("GET", OPT_OUTS, MessagesRead),
    r("GET", KEYS, KeysWrite),
    r("POST", KEYS, KeysWrite),
    r("GET", KEY, KeysWrite),
    r("POST", KEY, KeysWrite),
    r("DELETE", KEY, KeysWrite),
    r("GET", SVCS, ServicesRead),
    r("POST", SVCS, ServicesWrite),
    r("GET", SVC, ServicesRead),
    r("POST", SVC, ServicesWrite),
    r("DELETE", SVC, ServicesWrite),
    r("GET", SVC_NUMS, ServicesRead),
    r("POST", SVC_NUMS, ServicesWrite),
    r("GET", SVC_NUM, ServicesRead),
    r("DELETE", SVC_NUM, ServicesWrite),
    r("POST", "/v1/Shield/Analyze", ShieldRead),
    r("GET", "/v1/Shield/Settings", ShieldRead),
    r("POST", "/v1/Shield/Settings", ShieldWrite),
    r("GET", V2, Verify),
    r("POST", V2, Verify),
    r("GET", V2_SVC, Verify),
    r("POST", V2_SVC, Verify),
    r("DELETE", V2_SVC, Verify),
    r("POST", V2_VERIFS, Verify),
    r("GET", V2_VERIF, Verify),
    r("POST", V2_VERIF, Verify),
    r("POST", V2_CHECK, Verify),
    r("GET", V2_LIMITS, Verify),
    r("POST", V2_LIMITS, Verify),
    r("GET", V2_LIMIT, Verify),
    r("POST", V2_LIMIT, Verify),
    r("DELETE", V2_LIMIT, Verify),
    r("GET", V2_BUCKETS, Verify),
    r("POST", V2_BUCKETS, Verify),
    r("GET", V2_BUCKET, Verify),
    r("POST", V2_BUCKET, Verify),
    r("DELETE", V2_BUCKET, Verify),
    r("POST", V2_SAFE, Verify),
    r("GET", V2_SAFE_NUM, Verify),
    r("DELETE", V2_SAFE_NUM, Verify),
    r("GET", V2_FRAUD, Verify),
    r("GET", V2_ENTS, Verify),
    r("POST", V2_ENTS, Verify),
    r("GET", V2_ENT, Verify),
    r("DELETE", V2_ENT, Verify),
    r("GET", V2_FACTORS, Verify),
    r("POST", V2_FACTORS, Verify),
    r("GET", V2_FACTOR, Verify),
    r("POST", V2_FACTOR, Verify),
    r("DELETE", V2_FACTOR, Verify),
    r("GET", V2_CHALS, Verify),
    r("POST", V2_CHALS, Verify),
    r("GET", V2_CHAL, Verify),
    r("POST", V2_CHAL, Verify),
    r("POST", V2_PK_FACTORS, Verify),
    r("POST", V2_PK_VERIFY, Verify),
    r("POST", V2_PK_CHALS, Verify),
    r("POST", V2_PK_APPROVE, Verify),
    RouteScope {
        method: "GET",
        pattern: "/healthz",
        scope: None,
    },
    RouteScope {
        method: "GET",
        pattern: "/metrics",
        scope: None,
    },
];

/// The table row for a request's method and matched pattern.
pub fn lookup(method: &Method, pattern: &str) -> Option<&'static RouteScope> {
    let method = if method == Method::HEAD {
        "GET"
    } else {
        method.as_str()
    };
    ROUTES
        .iter()
        .find(|r| r.method == method && r.pattern == pattern)
}

impl RouteScope {
    /// `POST /2010-04-01/Accounts/{AccountSid}/Messages.json`, for error messages.
    pub fn describe(&self) -> String {
        format!(
            "{} {}",
            self.method,
            self.pattern
                .replace("{account}", "{AccountSid}")
                .replace("{file}", "{Sid}.json")
                .replace("{service}", "{ServiceSid}")
        )
    }
}

tokio::task_local! {
    static CURRENT: &'static RouteScope;
}

/// The requirement of the route being served, if the request came through
/// [`require_scope`].
pub(crate) fn current() -> Option<&'static RouteScope> {
    CURRENT.try_with(|r| *r).ok()
}

/// Middleware (a route layer): finds the route's row and serves the request
/// with it in scope. A route missing from the table fails closed.
pub async fn require_scope(matched: Option<MatchedPath>, req: Request, next: Next) -> Response {
    let row = matched.and_then(|m| lookup(req.method(), m.as_str()));
    match row {
        Some(row) => CURRENT.scope(row, next.run(req)).await,
        None => {
            tracing::error!(method = %req.method(), path = %req.uri().path(), "A route has no entry in the scope table.");
            ApiError::internal().into_response()
        }
    }
}

/// Builds the router and records every (method, pattern) it registers.
pub(crate) struct Routes {
    router: Router<AppState>,
    registered: Vec<(&'static str, &'static str)>,
}

macro_rules! method {
    ($name:ident, $route:path, $verb:literal) => {
        pub(crate) fn $name<H, T>(mut self, pattern: &'static str, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.router = self.router.route(pattern, $route(handler));
            self.registered.push(($verb, pattern));
            self
        }
    };
}

impl Routes {
    pub(crate) fn new() -> Self {
        Self {
            router: Router::new(),
            registered: Vec::new(),
        }
    }

    method!(get, axum::routing::get, "GET");
    method!(post, axum::routing::post, "POST");
    method!(delete, axum::routing::delete, "DELETE");

    /// The router, with [`require_scope`] on every route, and what it registered.
    pub(crate) fn finish(self) -> (Router<AppState>, Vec<(&'static str, &'static str)>) {
        let router = self
            .router
            .route_layer(axum::middleware::from_fn(require_scope));
        (router, self.registered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_registered_route_has_exactly_one_table_row_and_back() {
        let registered = crate::registered_routes();
        let reg: BTreeSet<_> = registered.iter().copied().collect();
        assert_eq!(reg.len(), registered.len(), "a route is registered twice");
        let table: BTreeSet<_> = ROUTES.iter().map(|r| (r.method, r.pattern)).collect();
        assert_eq!(table.len(), ROUTES.len(), "a route has two rows in ROUTES");
        let missing: Vec<_> = reg.difference(&table).collect();
        assert!(
            missing.is_empty(),
            "routes without a scope in ROUTES: {missing:?}"
        );
        let stale: Vec<_> = table.difference(&reg).collect();
        assert!(
            stale.is_empty(),
            "ROUTES rows for routes the router lacks: {stale:?}"
        );
    }

    #[test]
    fn only_health_and_metrics_are_public() {
        let public: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.scope.is_none())
            .map(|r| r.pattern)
            .collect();
        assert_eq!(public, ["/healthz", "/metrics"]);
    }

    #[test]
    fn reads_need_no_write_scope_and_head_is_get() {
        // A GET never requires a write scope, so read-only credentials can read everything they may see.
        for r in ROUTES.iter().filter(|r| r.method == "GET") {
            if let Some(s) = r.scope {
                assert!(
                    s.is_read() || matches!(s, Scope::Verify | Scope::KeysWrite),
                    "{} requires {s}",
                    r.describe()
                );
            }
        }
        let row = lookup(&Method::HEAD, MSGS).expect("row");
        assert_eq!(row.scope, Some(Scope::MessagesRead));
        assert_eq!(
            lookup(&Method::POST, MSGS).map(RouteScope::describe),
            Some("POST /2010-04-01/Accounts/{AccountSid}/Messages.json".to_owned())
        );
    }
}
