//! Roles and scoped API keys: every REST route × every kind of credential gives
//! the expected allow (anything but 403/20403) or deny (403/20403).

use switchboard_api::access::{RouteScope, ROUTES};
use switchboard_domain::scopes::{Role, Scope, ScopeSet};
use switchboard_testkit::{spawn_app, TestApp};

const HEX: &str = "00000000000000000000000000000000";

/// A concrete, well-formed path for a route pattern (ids that parse but do not exist).
fn concrete(pattern: &str, account: &str) -> String {
    let v1 = pattern.starts_with("/v1/");
    let mut out = Vec::new();
    let mut prev = "";
    for seg in pattern.split('/') {
        let s = match seg {
            "{account}" => account.to_owned(),
            "{file}" => match prev {
                "Messages" => format!("SM{HEX}.json"),
                "Calls" => format!("CA{HEX}.json"),
                "IncomingPhoneNumbers" => format!("PN{HEX}.json"),
                "Keys" => format!("SK{HEX}.json"),
                other => panic!("no sample for {{file}} after {other}"),
            },
            "{service}" if v1 => format!("MG{HEX}"),
            "{service}" => format!("VA{HEX}"),
            "{number}" if v1 => format!("PN{HEX}"),
            "{number}" => "+15005550006".to_owned(),
            "{sid}" => match prev {
                "Verifications" => format!("VE{HEX}"),
                "Factors" => format!("YF{HEX}"),
                "Challenges" => format!("YC{HEX}"),
                other => panic!("no sample for {{sid}} after {other}"),
            },
            "{limit}" => format!("RK{HEX}"),
            "{bucket}" => format!("BL{HEX}"),
            "{identity}" => "user-1".to_owned(),
            s if s.starts_with('{') => panic!("no sample for {s} in {pattern}"),
            s => s.to_owned(),
        };
        out.push(s);
        prev = seg;
    }
    out.join("/")
}

/// The scope each route should need, written from the resource names
/// independently of `ROUTES` (which the server enforces), so a wrong row fails.
fn expected_scope(method: &str, pattern: &str) -> Option<Scope> {
    let get = method == "GET";
    let pick = |read, write| Some(if get { read } else { write });
    if pattern == "/healthz" || pattern == "/metrics" {
        None
    } else if pattern.contains("/Keys") {
        Some(Scope::KeysWrite)
    } else if pattern.ends_with("/Messages.json") && method == "POST" {
        Some(Scope::MessagesSend)
    } else if pattern.contains("/Messages") || pattern.contains("/OptOuts") {
        pick(Scope::MessagesRead, Scope::MessagesWrite)
    } else if pattern.contains("/Calls") {
        pick(Scope::CallsRead, Scope::CallsWrite)
    } else if pattern.contains("/IncomingPhoneNumbers") {
        pick(Scope::NumbersRead, Scope::NumbersWrite)
    } else if pattern.starts_with("/v1/Services") {
        pick(Scope::ServicesRead, Scope::ServicesWrite)
    } else if pattern == "/v1/Shield/Analyze" {
        Some(Scope::ShieldRead)
    } else if pattern.starts_with("/v1/Shield") {
        pick(Scope::ShieldRead, Scope::ShieldWrite)
    } else if pattern.starts_with("/v2/") {
        Some(Scope::Verify)
    } else {
        panic!("no expectation for {method} {pattern}: add one here")
    }
}

#[test]
fn the_table_matches_the_independent_expectation() {
    for r in ROUTES {
        assert_eq!(
            r.scope,
            expected_scope(r.method, r.pattern),
            "{}",
            r.describe()
        );
    }
}

struct Cred {
    label: String,
    user: String,
    secret: String,
    scopes: ScopeSet,
}

async fn create_key(app: &TestApp, name: &str, scopes: &str) -> (String, String) {
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Keys.json",
        app.base, app.account_sid
    );
    let r = app
        .post(&url, &[("FriendlyName", name), ("Scopes", scopes)])
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    (
        r.json["sid"].as_str().expect("sid").to_owned(),
        r.json["secret"].as_str().expect("secret").to_owned(),
    )
}

async fn request(
    app: &TestApp,
    route: &RouteScope,
    user: &str,
    secret: &str,
) -> (u16, serde_json::Value) {
    let url = format!("{}{}", app.base, concrete(route.pattern, &app.account_sid));
    let req = match route.method {
        "GET" => app.http.get(&url),
        "POST" => app
            .http
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(""),
        "DELETE" => app.http.delete(&url),
        m => panic!("method {m}"),
    };
    let r = app.send(req.basic_auth(user, Some(secret))).await;
    (r.status, r.json)
}

/// Denied by the route's scope gate. (A key that may manage keys still gets a
/// 403/20403 of another kind when it asks for a key broader than itself: the
/// matrix's empty POST to Keys.json asks for a standard key.)
fn denied(status: u16, json: &serde_json::Value) -> bool {
    status == 403
        && json["code"] == 20403
        && json["message"]
            .as_str()
            .is_some_and(|m| m.contains("lacks the scope"))
}

#[tokio::test]
async fn every_route_times_every_credential_allows_or_denies_as_the_table_says() {
    let app = spawn_app().await;
    let mut creds = vec![Cred {
        label: "auth token".into(),
        user: app.account_sid.clone(),
        secret: app.auth_token.clone(),
        scopes: ScopeSet::all(),
    }];
    let mut specs: Vec<(String, ScopeSet)> = Role::ALL
        .iter()
        .map(|r| (format!("role {r}"), r.scopes()))
        .collect();
    specs.extend(
        Scope::ALL
            .iter()
            .map(|s| (format!("scope {s}"), ScopeSet::of(*s))),
    );
    specs.push(("no scope".into(), ScopeSet::empty()));
    for (label, scopes) in specs {
        let list = if scopes.is_empty() {
            "none".to_owned()
        } else {
            scopes.render()
        };
        let (user, secret) = create_key(&app, &label, &list).await;
        creds.push(Cred {
            label,
            user,
            secret,
            scopes,
        });
    }
    let mut failures = Vec::new();
    let mut checked = 0;
    for route in ROUTES.iter() {
        let Some(scope) = expected_scope(route.method, route.pattern) else {
            continue;
        };
        for c in &creds {
            let (status, json) = request(&app, route, &c.user, &c.secret).await;
            let allow = c.scopes.contains(scope);
            checked += 1;
            if allow == denied(status, &json) {
                failures.push(format!(
                    "{} as {}: expected {}, got {status} {json}",
                    route.describe(),
                    c.label,
                    if allow { "allow" } else { "deny" }
                ));
            }
            if !allow {
                let msg = json["message"].as_str().unwrap_or_default();
                let want = format!(
                    "lacks the scope '{scope}' required for {}",
                    route.describe()
                );
                if !msg.contains(&want) || !msg.contains(&c.user) {
                    failures.push(format!(
                        "{} as {}: message {msg:?}",
                        route.describe(),
                        c.label
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 60 * creds.len(), "only {checked} checks");
}

#[tokio::test]
async fn hand_written_expectations_hold() {
    let app = spawn_app().await;
    let msgs = app.messages_url();
    let (viewer, vs) = create_key(&app, "viewer", &Role::Viewer.scopes().render()).await;
    let send = |u: &str, s: &str| {
        app.http.post(&msgs).basic_auth(u, Some(s)).form(&[
            ("To", "+15005550009"),
            ("From", "+15005550006"),
            ("Body", "hi"),
        ])
    };
    // A viewer can read but not send.
    let r = app.send(send(&viewer, &vs)).await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (403, Some(20403)),
        "{:?}",
        r.json
    );
    let msg = r.json["message"].as_str().expect("message");
    assert_eq!(
        msg,
        format!("API key {viewer} lacks the scope 'messages:send' required for POST /2010-04-01/Accounts/{{AccountSid}}/Messages.json")
    );
    assert_eq!(
        app.send(app.http.get(&msgs).basic_auth(&viewer, Some(&vs)))
            .await
            .status,
        200
    );
    // A send-only key sends but cannot list.
    let (sender, ss) = create_key(&app, "sender", "messages:send").await;
    assert_eq!(app.send(send(&sender, &ss)).await.status, 201);
    assert_eq!(
        app.send(app.http.get(&msgs).basic_auth(&sender, Some(&ss)))
            .await
            .status,
        403
    );
    // A developer sends; a key without scopes can do nothing, not even read.
    let (dev, ds) = create_key(&app, "dev", &Role::Developer.scopes().render()).await;
    assert_eq!(app.send(send(&dev, &ds)).await.status, 201);
    let (none, ns) = create_key(&app, "none", "none").await;
    assert_eq!(
        app.send(app.http.get(&msgs).basic_auth(&none, Some(&ns)))
            .await
            .status,
        403
    );
    // Unauthenticated stays 401; another account's path stays 404 even without the scope.
    assert_eq!(app.send(app.http.get(&msgs)).await.status, 401);
    let (other, _) = app.other_account().await;
    let theirs = msgs.replace(&app.account_sid, &other);
    let r = app
        .send(app.http.get(&theirs).basic_auth(&none, Some(&ns)))
        .await;
    assert_eq!((r.status, r.json["code"].as_u64()), (404, Some(20404)));
    // Health and metrics need nothing.
    assert_eq!(
        app.send(app.http.get(format!("{}/healthz", app.base)))
            .await
            .status,
        200
    );
}
