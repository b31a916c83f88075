//! Verify TOTP (`/v2/Services/{VA}/Entities…`): codes are computed here from the secret
//! the factor's creation returned, at the app's own (real) clock (30-second steps, skew
//! 1, so a code of the current or next step is accepted however the steps fall).

use switchboard_domain::totp::{self, Alg};
use switchboard_testkit::{spawn_app, TestApp};

const IDENTITY: &str = "ff483d1f-f591-4a1b";

/// Now, by the clock the app's core reads.
fn now_ms(app: &TestApp) -> i64 {
    app.app_core.clock.now_millis()
}

fn code(secret: &[u8], step: i64) -> String {
    totp::code_for_step(secret, Alg::Sha1, 6, step)
}

/// A 6-digit code that is no code of any step near `step`.
fn wrong(secret: &[u8], step: i64) -> String {
    let near: Vec<String> = (step - 3..=step + 3).map(|s| code(secret, s)).collect();
    (0..)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .expect("a wrong code")
}

fn url(app: &TestApp, va: &str, rest: &str) -> String {
    format!("{}/v2/Services/{va}/Entities{rest}", app.base)
}

async fn service(app: &TestApp) -> String {
    let r = app
        .post(
            &format!("{}/v2/Services", app.base),
            &[("FriendlyName", "Salon Bella")],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["sid"].as_str().expect("sid").to_owned()
}

/// Creates a TOTP factor; returns its sid and decoded secret.
async fn factor(app: &TestApp, va: &str, name: &str) -> (String, Vec<u8>, serde_json::Value) {
    let r = app
        .post(
            &url(app, va, &format!("/{IDENTITY}/Factors")),
            &[("FriendlyName", name), ("FactorType", "totp")],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let secret_b32 = r.json["binding"]["secret"].as_str().expect("secret");
    let secret = totp::base32_decode(secret_b32).expect("base32 secret");
    let sid = r.json["sid"].as_str().expect("sid").to_owned();
    (sid, secret, r.json)
}

#[tokio::test]
async fn a_totp_factor_is_verified_then_each_code_approves_one_challenge() {
    let app = spawn_app().await;
    let va = service(&app).await;

    let e = app
        .post(&url(&app, &va, ""), &[("Identity", IDENTITY)])
        .await;
    assert_eq!(e.status, 201, "{:?}", e.json);
    let ye = e.json["sid"].as_str().expect("sid").to_owned();
    assert!(ye.starts_with("YE") && ye.len() == 34);
    assert_eq!(e.json["identity"], IDENTITY);
    assert!(e.json["url"]
        .as_str()
        .expect("url")
        .ends_with(&format!("/Entities/{IDENTITY}")));
    let again = app
        .post(&url(&app, &va, ""), &[("Identity", IDENTITY)])
        .await;
    assert_eq!(
        (again.status, again.json["sid"].as_str()),
        (200, Some(ye.as_str()))
    );
    let bad = app
        .post(&url(&app, &va, ""), &[("Identity", "short")])
        .await;
    assert_eq!((bad.status, bad.json["code"].as_u64()), (400, Some(60200)));
    let list = app.get(&url(&app, &va, "")).await;
    assert_eq!(list.json["meta"]["key"], "entities");
    assert_eq!(list.json["entities"].as_array().map(Vec::len), Some(1));

    let (yf, secret, created) = factor(&app, &va, "Ada phone").await;
    assert!(yf.starts_with("YF") && yf.len() == 34);
    assert_eq!(secret.len(), 20, "160-bit secret");
    assert_eq!(
        (created["status"].as_str(), created["factor_type"].as_str()),
        (Some("unverified"), Some("totp"))
    );
    assert_eq!(created["entity_sid"], ye.as_str());
    assert_eq!(created["config"]["time_step"], 30);
    assert_eq!(created["config"]["code_length"], 6);
    assert_eq!(created["config"]["skew"], 1);
    assert_eq!(created["config"]["alg"], "sha1");
    let uri = created["binding"]["uri"].as_str().expect("uri");
    let (head, q) = uri.split_once('?').expect("query");
    assert_eq!(head, "otpauth://totp/Salon%20Bella:Ada%20phone");
    let q: std::collections::HashMap<String, String> =
        form_urlencoded::parse(q.as_bytes()).into_owned().collect();
    assert_eq!(
        q["secret"],
        created["binding"]["secret"].as_str().expect("secret")
    );
    assert_eq!(
        (
            q["issuer"].as_str(),
            q["algorithm"].as_str(),
            q["digits"].as_str(),
            q["period"].as_str()
        ),
        ("Salon Bella", "SHA1", "6", "30")
    );
    let factor_url = url(&app, &va, &format!("/{IDENTITY}/Factors/{yf}"));
    let fetched = app.get(&factor_url).await;
    assert_eq!(fetched.status, 200);
    assert!(
        fetched.json.get("binding").is_none(),
        "the secret is shown only once"
    );
    let challenges = url(&app, &va, &format!("/{IDENTITY}/Challenges"));

    // an unverified factor cannot be challenged
    let step = totp::step_of(now_ms(&app), 30);
    let r = app
        .post(
            &challenges,
            &[("FactorSid", &yf), ("AuthPayload", &code(&secret, step))],
        )
        .await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (403, Some(60318)),
        "{:?}",
        r.json
    );

    // verification: a wrong code leaves it unverified (200), the right one verifies it
    let r = app
        .post(&factor_url, &[("AuthPayload", &wrong(&secret, step))])
        .await;
    assert_eq!(
        (r.status, r.json["status"].as_str()),
        (200, Some("unverified")),
        "{:?}",
        r.json
    );
    let first = code(&secret, step);
    let r = app.post(&factor_url, &[("AuthPayload", &first)]).await;
    assert_eq!(
        (r.status, r.json["status"].as_str()),
        (200, Some("verified")),
        "{:?}",
        r.json
    );

    // the code that verified the factor cannot approve a challenge: it was used
    let r = app
        .post(&challenges, &[("FactorSid", &yf), ("AuthPayload", &first)])
        .await;
    assert_eq!(
        (r.status, r.json["status"].as_str()),
        (201, Some("pending")),
        "{:?}",
        r.json
    );
    // the next step's code approves one challenge, and only one
    let next = code(&secret, step + 1);
    let r = app
        .post(&challenges, &[("FactorSid", &yf), ("AuthPayload", &next)])
        .await;
    assert_eq!(
        (r.status, r.json["status"].as_str()),
        (201, Some("approved")),
        "{:?}",
        r.json
    );
    let yc = r.json["sid"].as_str().expect("sid").to_owned();
    assert!(yc.starts_with("YC") && r.json["date_responded"].is_string());
    assert_eq!(r.json["factor_sid"], yf.as_str());
    let replay = app
        .post(&challenges, &[("FactorSid", &yf), ("AuthPayload", &next)])
        .await;
    assert_eq!(
        (replay.status, replay.json["status"].as_str()),
        (201, Some("pending")),
        "{:?}",
        replay.json
    );
    let got = app.get(&format!("{challenges}/{yc}")).await;
    assert_eq!(
        (got.status, got.json["status"].as_str()),
        (200, Some("approved"))
    );
    let all = app.get(&challenges).await;
    assert_eq!(all.json["challenges"].as_array().map(Vec::len), Some(3));
    let approved = app.get(&format!("{challenges}?Status=approved")).await;
    assert_eq!(
        approved.json["challenges"].as_array().map(Vec::len),
        Some(1)
    );

    // five wrong codes for a challenge, then it is locked (60308), even for a right code
    let pending = replay.json["sid"].as_str().expect("sid").to_owned();
    let pending_url = format!("{challenges}/{pending}");
    for _ in 0..4 {
        let r = app
            .post(&pending_url, &[("AuthPayload", &wrong(&secret, step))])
            .await;
        assert_eq!(
            (r.status, r.json["status"].as_str()),
            (200, Some("pending")),
            "{:?}",
            r.json
        );
    }
    for c in [wrong(&secret, step), code(&secret, step + 2)] {
        let r = app.post(&pending_url, &[("AuthPayload", &c)]).await;
        assert_eq!(
            (r.status, r.json["code"].as_u64()),
            (429, Some(60308)),
            "{:?}",
            r.json
        );
    }

    // five wrong codes while verifying a factor, then it is locked (60310)
    let (yf2, secret2, _) = factor(&app, &va, "Ada tablet").await;
    let url2 = url(&app, &va, &format!("/{IDENTITY}/Factors/{yf2}"));
    let step = totp::step_of(now_ms(&app), 30);
    for _ in 0..5 {
        let r = app
            .post(&url2, &[("AuthPayload", &wrong(&secret2, step))])
            .await;
        assert_eq!(
            (r.status, r.json["status"].as_str()),
            (200, Some("unverified")),
            "{:?}",
            r.json
        );
    }
    let r = app
        .post(&url2, &[("AuthPayload", &code(&secret2, step))])
        .await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (429, Some(60310)),
        "{:?}",
        r.json
    );

    // another account sees none of it
    let (other, token) = app.other_account().await;
    for u in [
        url(&app, &va, &format!("/{IDENTITY}")),
        factor_url.clone(),
        challenges.clone(),
        url(&app, &va, ""),
    ] {
        let r = app
            .send(app.http.get(&u).basic_auth(&other, Some(&token)))
            .await;
        assert_eq!(
            (r.status, r.json["code"].as_u64()),
            (404, Some(20404)),
            "{u}: {:?}",
            r.json
        );
    }
    let r = app
        .send(
            app.http
                .post(url(&app, &va, &format!("/{IDENTITY}/Factors")))
                .basic_auth(&other, Some(&token))
                .form(&[("FriendlyName", "x"), ("FactorType", "totp")]),
        )
        .await;
    assert_eq!(r.status, 404);

    // deleting the factor, then the entity
    let factors = app
        .get(&url(&app, &va, &format!("/{IDENTITY}/Factors")))
        .await;
    assert_eq!(factors.json["factors"].as_array().map(Vec::len), Some(2));
    assert_eq!(app.delete(&factor_url).await.status, 204);
    assert_eq!(app.get(&factor_url).await.status, 404);
    assert_eq!(app.get(&format!("{challenges}/{yc}")).await.status, 404);
    assert_eq!(
        app.delete(&url(&app, &va, &format!("/{IDENTITY}")))
            .await
            .status,
        204
    );
    assert_eq!(
        app.get(&url(&app, &va, &format!("/{IDENTITY}")))
            .await
            .status,
        404
    );
    assert_eq!(app.get(&url2).await.status, 404);
}
