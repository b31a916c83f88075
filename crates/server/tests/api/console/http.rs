//! The console and the operator plane over HTTP (`spawn_app`, the system clock): invite
//! ceremonies with the software authenticator, the session cookie's attributes, sign-in
//! redirects, CSRF and Origin checks, roles, API keys, and what an operator sees of an
//! account with and without the owner's support grant. Time-dependent rules (fresh window,
//! 8-hour sessions, grant expiry) are covered at the core level in `sign_in` and `sessions`.

use crate::two_way::add_number;
use reqwest::header::{HeaderMap, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::redirect::Policy;
use switchboard_domain::ids::AccountSid;
use switchboard_store::realm;
use switchboard_testkit::soft_authenticator::SoftAuthenticator;
use switchboard_testkit::{spawn_app, TestApp};

/// A browser on the console's origin (`http://localhost:<port>`): no redirects followed,
/// cookies kept by hand (the session cookie is `Secure`, which cookie jars keep off http).
struct Browser {
    http: reqwest::Client,
    origin: String,
    cookies: Vec<(String, String)>,
    key: SoftAuthenticator,
}

/// A response as a test reads it.
struct Page {
    status: u16,
    headers: HeaderMap,
    text: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        let port = app.base.rsplit(':').next().expect("port");
        let origin = format!("http://localhost:{port}");
        Self {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            key: SoftAuthenticator::new(&origin),
            origin,
            cookies: Vec::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, req: reqwest::RequestBuilder) -> Page {
        let req = if self.cookies.is_empty() {
            req
        } else {
            req.header(COOKIE, self.cookie_header())
        };
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        for v in headers.get_all(SET_COOKIE) {
            let v = v.to_str().expect("ascii cookie");
            let (name, value) = v
                .split(';')
                .next()
                .and_then(|kv| kv.split_once('='))
                .expect("name=value");
            self.cookies.retain(|(k, _)| k != name);
            if !value.is_empty() {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let text = resp.text().await.expect("body");
        Page {
            status,
            headers,
            text,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let req = self.http.get(format!("{}{path}", self.origin));
        self.send(req).await
    }

    /// A POST as the page's script or a form sends it: our own `Origin`.
    async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_from(&self.origin.clone(), path, form).await
    }

    async fn post_from(&mut self, origin: &str, path: &str, form: &[(&str, &str)]) -> Page {
        let req = self
            .http
            .post(format!("{}{path}", self.origin))
            .header(ORIGIN, origin)
            .form(form);
        self.send(req).await
    }

    async fn post_json(&mut self, path: &str, body: &serde_json::Value) -> Page {
        let req = self
            .http
            .post(format!("{}{path}", self.origin))
            .header(ORIGIN, self.origin.clone())
            .json(body);
        self.send(req).await
    }

    /// Runs a start/finish ceremony pair with the authenticator.
    async fn ceremony(&mut self, start: &str, finish: &str, register: bool) -> Page {
        let options = self.post_json(start, &serde_json::json!({})).await;
        assert_eq!(options.status, 200, "{start}: {}", options.text);
        let credential = if register {
            self.key.create(&options.text)
        } else {
            self.key.get(&options.text)
        };
        self.post_json(finish, &credential).await
    }

    /// The CSRF token of the signed-in session, as the pages carry it.
    async fn csrf(&mut self, page: &str) -> String {
        let p = self.get(page).await;
        assert_eq!(p.status, 200, "{page}: {}", p.text);
        let at = p.text.find(r#"name="csrf" content=""#).expect("csrf meta") + 21;
        p.text[at..].split('"').next().expect("token").to_owned()
    }
}

/// A console user of the app's account with `role`, signed in over HTTP.
async fn console_user(app: &TestApp, role: &str) -> Browser {
    let account = AccountSid::parse(&app.account_sid).expect("sid");
    let (token, _) = app
        .app_core
        .console
        .create_invite(realm::CONSOLE, Some(account), role, role, "test")
        .await
        .expect("invite");
    let mut b = Browser::new(app);
    let done = b
        .ceremony(
            &format!("/console/invite/{token}/start"),
            &format!("/console/invite/{token}/finish"),
            true,
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    b
}

#[tokio::test]
async fn an_invite_over_http_sets_a_strict_session_cookie() {
    let app = spawn_app().await;
    let account = AccountSid::parse(&app.account_sid).expect("sid");
    let (token, _) = app
        .app_core
        .console
        .create_invite(realm::CONSOLE, Some(account), "owner", "Ann", "test")
        .await
        .expect("invite");
    let mut b = Browser::new(&app);
    let page = b.get(&format!("/console/invite/{token}")).await;
    assert_eq!(page.status, 200);
    let done = b
        .ceremony(
            &format!("/console/invite/{token}/start"),
            &format!("/console/invite/{token}/finish"),
            true,
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json()["redirect"], "/console");
    let cookie = done
        .headers
        .get(SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .expect("Set-Cookie")
        .to_owned();
    for attr in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/console"] {
        assert!(cookie.split("; ").any(|a| a == attr), "{attr} in {cookie}");
    }
    let max_age: i64 = cookie
        .split("; ")
        .find_map(|a| a.strip_prefix("Max-Age="))
        .expect("Max-Age")
        .parse()
        .expect("number");
    assert!((1..=28_800).contains(&max_age), "{cookie}");
    assert_eq!(b.get("/console").await.status, 200);

    // The invite is used up; the key signs in again by itself.
    let again = b
        .post_json(
            &format!("/console/invite/{token}/start"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(again.status, 404, "{}", again.text);
    b.cookies.clear();
    let login = b
        .ceremony("/console/login/start", "/console/login/finish", false)
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    assert_eq!(b.get("/console").await.status, 200);
}

#[tokio::test]
async fn a_look_alike_origin_is_refused_over_http() {
    let app = spawn_app().await;
    let mut b = console_user(&app, "owner").await;
    b.cookies.clear();
    // A relay page on a look-alike origin gets our options and asks the real key.
    b.key.origin = "http://switchboard-sso.localhost".into();
    let login = b
        .ceremony("/console/login/start", "/console/login/finish", false)
        .await;
    assert_eq!(login.status, 403, "{}", login.text);
    assert!(login.text.contains("OriginMismatch"), "{}", login.text);
    assert!(b.cookies.is_empty());
    // The start endpoint itself refuses a foreign Origin header.
    let start = b
        .post_from(
            "http://switchboard-sso.localhost",
            "/console/login/start",
            &[],
        )
        .await;
    assert_eq!(start.status, 403, "{}", start.text);
}

#[tokio::test]
async fn pages_need_a_session_and_posts_need_csrf_and_our_origin() {
    let app = spawn_app().await;
    let mut anon = Browser::new(&app);
    let p = anon.get("/console").await;
    assert!(matches!(p.status, 302 | 303 | 307), "{}", p.status);
    assert_eq!(p.location(), "/console/login");
    assert_eq!(
        anon.get("/console/messages").await.location(),
        "/console/login"
    );

    let mut b = console_user(&app, "developer").await;
    let csrf = b.csrf("/console/messages").await;
    let send = [
        ("from", "+15005550006"),
        ("to", "+15005550101"),
        ("body", "console hello"),
    ];
    let p = b.post("/console/messages", &send).await;
    assert_eq!(p.status, 403, "no CSRF: {}", p.text);
    let mut with_csrf = send.to_vec();
    with_csrf.push(("csrf", csrf.as_str()));
    let p = b
        .post("/console/messages", &[("csrf", "0".repeat(64).as_str())])
        .await;
    assert_eq!(p.status, 403, "wrong CSRF: {}", p.text);
    let p = b
        .post_from("https://evil.example", "/console/messages", &with_csrf)
        .await;
    assert_eq!(p.status, 403, "foreign Origin: {}", p.text);
    let p = b.post("/console/messages", &with_csrf).await;
    assert_eq!(p.status, 303, "{}", p.text);
    let sid = p
        .location()
        .strip_prefix("/console/messages/")
        .expect("detail page")
        .to_owned();
    assert!(sid.starts_with("SM"), "{sid}");
    let m = app.get(&app.message_url(&sid)).await;
    assert_eq!(m.json["body"], "console hello");
    let detail = b.get(&format!("/console/messages/{sid}")).await;
    assert_eq!(detail.status, 200);
    assert!(detail.text.contains("console hello"));

    // Signing out ends the session server-side too.
    let old = b.cookies.clone();
    let out = b.post("/console/logout", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303, "{}", out.text);
    assert!(b.cookies.is_empty(), "cookie cleared");
    b.cookies = old;
    assert_eq!(b.get("/console").await.location(), "/console/login");
}

#[tokio::test]
async fn roles_decide_who_sends_and_who_creates_api_keys() {
    let app = spawn_app().await;
    let mut viewer = console_user(&app, "viewer").await;
    let csrf = viewer.csrf("/console/messages").await;
    let p = viewer
        .post(
            "/console/messages",
            &[
                ("csrf", &csrf),
                ("from", "+15005550006"),
                ("to", "+15005550102"),
                ("body", "viewer"),
            ],
        )
        .await;
    assert_eq!(p.status, 403, "{}", p.text);
    let p = viewer
        .post("/console/api-keys", &[("csrf", &csrf), ("name", "ci")])
        .await;
    assert_eq!(p.status, 403, "{}", p.text);
    assert!(!viewer
        .get("/console/api-keys")
        .await
        .text
        .contains("create-key-button"));

    let mut dev = console_user(&app, "developer").await;
    let csrf = dev.csrf("/console/messages").await;
    let p = dev
        .post(
            "/console/messages",
            &[
                ("csrf", &csrf),
                ("from", "+15005550006"),
                ("to", "+15005550102"),
                ("body", "developer"),
            ],
        )
        .await;
    assert_eq!(p.status, 303, "{}", p.text);
    // A developer's role has no `keys:write` (like a standard API key).
    let p = dev
        .post("/console/api-keys", &[("csrf", &csrf), ("name", "ci")])
        .await;
    assert_eq!(p.status, 403, "{}", p.text);
    // An admin's session is fresh right after sign-in: the key is created and works.
    let mut admin = console_user(&app, "admin").await;
    let admin_csrf = admin.csrf("/console/api-keys").await;
    let p = admin
        .post(
            "/console/api-keys",
            &[("csrf", &admin_csrf), ("name", "ci")],
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.text);
    let field = |id: &str| {
        let at = p.text.find(&format!(r#"id="{id}">"#)).expect(id) + id.len() + 6;
        p.text[at..].split('<').next().expect("value").to_owned()
    };
    let (key_sid, secret) = (field("new-key-sid"), field("new-key-secret"));
    assert!(key_sid.starts_with("SK"), "{key_sid}");
    let r = app
        .send(
            app.http
                .get(app.messages_url())
                .basic_auth(&key_sid, Some(&secret)),
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["messages"].as_array().map(Vec::len), Some(1));

    // A fresh confirmation works over HTTP too (the header carries the CSRF token).
    let options = dev
        .send(
            dev.http
                .post(format!("{}/console/fresh/start", dev.origin))
                .header(ORIGIN, dev.origin.clone())
                .header("x-csrf-token", csrf.clone()),
        )
        .await;
    assert_eq!(options.status, 200, "{}", options.text);
    let assertion = dev.key.get(&options.text);
    let done = dev
        .send(
            dev.http
                .post(format!("{}/console/fresh/finish", dev.origin))
                .header(ORIGIN, dev.origin.clone())
                .header("x-csrf-token", csrf.clone())
                .json(&assertion),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
}

#[tokio::test]
async fn operators_see_no_customer_data_without_a_grant() {
    let app = spawn_app().await;
    let number = "+15550177321";
    add_number(&app, number, &[("FriendlyName", "Front desk")]).await;
    let texts = [
        ("+15005550131", "zebra-quartz-0131 appointment"),
        ("+15005550132", "zebra-quartz-0132 invoice"),
        ("+15005550133", "zebra-quartz-0133 reminder"),
    ];
    for (to, body) in texts {
        let r = app
            .create(&[("To", to), ("From", number), ("Body", body)])
            .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
    }

    // An operator registers a device-bound key over HTTP and signs in.
    let (token, _) = app
        .app_core
        .console
        .create_invite(realm::OPERATOR, None, "operator", "Oscar", "cli")
        .await
        .expect("invite");
    let mut op = Browser::new(&app);
    let done = op
        .ceremony(
            &format!("/operator/invite/{token}/start"),
            &format!("/operator/invite/{token}/finish"),
            true,
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json()["redirect"], "/operator");
    op.cookies.clear();
    let login = op
        .ceremony("/operator/login/start", "/operator/login/finish", false)
        .await;
    assert_eq!(login.status, 200, "{}", login.text);
    // The operator cookie opens no console page.
    assert_eq!(op.get("/console").await.location(), "/console/login");

    let secrets: Vec<&str> = texts
        .iter()
        .flat_map(|(to, body)| [*to, *body, &to[2..], &body[..16]])
        .chain([number, &number[2..], "Front desk"])
        .collect();
    let hidden = |page: &Page| {
        for s in &secrets {
            assert!(!page.text.contains(s), "operator page shows {s}");
        }
    };
    let account_page = format!("/operator/accounts/{}", app.account_sid);
    let home = op.get("/operator").await;
    assert_eq!(home.status, 200);
    assert!(home.text.contains(&app.account_sid));
    hidden(&home);
    let p = op.get(&account_page).await;
    assert_eq!(p.status, 200);
    assert!(p.text.contains("no-grant"), "{}", p.text);
    hidden(&p);

    // The owner grants support access from the console.
    let mut owner = console_user(&app, "owner").await;
    let csrf = owner.csrf("/console/team").await;
    let g = owner
        .post(
            "/console/support",
            &[("csrf", &csrf), ("hours", "1"), ("reason", "ticket 7")],
        )
        .await;
    assert_eq!(g.status, 303, "{}", g.text);
    let p = op.get(&account_page).await;
    assert_eq!(p.status, 200);
    for (to, body) in texts {
        assert!(p.text.contains(body), "granted page shows {body}");
        assert!(p.text.contains(to), "granted page shows {to}");
    }
    assert!(p.text.contains(number));
    hidden(&op.get("/operator").await);

    // Revoked: hidden again.
    let account = AccountSid::parse(&app.account_sid).expect("sid");
    let grant = app
        .app_core
        .console
        .active_grant(&account)
        .await
        .expect("grant")
        .expect("active");
    let r = owner
        .post(
            "/console/support/revoke",
            &[("csrf", &csrf), ("id", &grant.id.to_string())],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    hidden(&op.get(&account_page).await);
}

#[tokio::test]
async fn operators_refuse_synced_keys_over_http() {
    let app = spawn_app().await;
    let (token, _) = app
        .app_core
        .console
        .create_invite(realm::OPERATOR, None, "operator", "Oscar", "cli")
        .await
        .expect("invite");
    let mut op = Browser::new(&app);
    op.key = SoftAuthenticator::synced(&op.origin);
    let done = op
        .ceremony(
            &format!("/operator/invite/{token}/start"),
            &format!("/operator/invite/{token}/finish"),
            true,
        )
        .await;
    assert_eq!(done.status, 403, "{}", done.text);
    assert!(done.text.contains("device-bound"), "{}", done.text);
    assert!(op.cookies.is_empty());
    // An operator invite is not redeemed on the console's finish endpoint either.
    op.key = SoftAuthenticator::new(&op.origin);
    let wrong = op
        .ceremony(
            &format!("/operator/invite/{token}/start"),
            &format!("/console/invite/{token}/finish"),
            true,
        )
        .await;
    assert_eq!(wrong.status, 403, "{}", wrong.text);
    assert!(op.cookies.is_empty(), "no session from the wrong place");
    // ... and the invite is still there for the right place.
    let done = op
        .ceremony(
            &format!("/operator/invite/{token}/start"),
            &format!("/operator/invite/{token}/finish"),
            true,
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert!(op.cookies.iter().any(|(k, _)| k == "sb_operator"));
}
