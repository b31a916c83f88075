//! Verify's passkeys factor over HTTP: service settings and their validation, the
//! endpoints' answers for bad input, unknown and foreign services, and unknown challenges.
//! (The ceremonies themselves, with a real browser, are in `tests/e2e/passkeys.rs`.)

use serde_json::json;
use switchboard_testkit::{spawn_app, TestApp};

fn url(app: &TestApp, va: &str, rest: &str) -> String {
    format!("{}/v2/Services/{va}{rest}", app.base)
}

async fn service(app: &TestApp, params: &[(&str, &str)]) -> serde_json::Value {
    let mut all = vec![("FriendlyName", "Keys")];
    all.extend_from_slice(params);
    let r = app.post(&format!("{}/v2/Services", app.base), &all).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json
}

async fn post_json(
    app: &TestApp,
    url: &str,
    auth: (&str, &str),
    body: serde_json::Value,
) -> switchboard_testkit::Reply {
    app.send(
        app.http
            .post(url)
            .basic_auth(auth.0, Some(auth.1))
            .json(&body),
    )
    .await
}

fn mine(app: &TestApp) -> (&str, &str) {
    (&app.account_sid, &app.auth_token)
}

#[tokio::test]
async fn relying_party_settings_are_validated_and_shown() {
    let app = spawn_app().await;
    let s = service(
        &app,
        &[
            ("Passkeys.RelyingParty.Id", "example.com"),
            ("Passkeys.RelyingParty.Name", "Example"),
            (
                "Passkeys.RelyingParty.Origins",
                "https://example.com,login.example.com",
            ),
            ("Passkeys.AuthenticatorAttachment", "platform"),
            ("Passkeys.DiscoverableCredentials", "preferred"),
            ("Passkeys.UserVerification", "required"),
        ],
    )
    .await;
    assert_eq!(
        s["passkeys"],
        json!({
            "relying_party": {
                "id": "example.com",
                "name": "Example",
                "origins": ["https://example.com", "https://login.example.com"],
            },
            "authenticator_attachment": "platform",
            "discoverable_credentials": "preferred",
            "user_verification": "required",
        })
    );
    let va = s["sid"].as_str().expect("sid");
    let refused = [
        ("Passkeys.RelyingParty.Id", "127.0.0.1"),
        ("Passkeys.RelyingParty.Id", "not a domain"),
        ("Passkeys.RelyingParty.Origins", "http://example.com"),
        ("Passkeys.RelyingParty.Origins", "https://example.com/login"),
        ("Passkeys.RelyingParty.Origins", "https://evil-example.com"),
        ("Passkeys.RelyingParty.Origins", "ftp://example.com"),
        ("Passkeys.AuthenticatorAttachment", "usb"),
        ("Passkeys.UserVerification", "always"),
    ];
    for (k, v) in refused {
        let r = app.post(&url(&app, va, ""), &[(k, v)]).await;
        assert_eq!(
            (r.status, r.json["code"].as_u64()),
            (400, Some(60200)),
            "{k}={v}: {:?}",
            r.json
        );
    }
    // http is fine for localhost; the settings are kept as updated.
    let r = app
        .post(
            &url(&app, va, ""),
            &[
                ("Passkeys.RelyingParty.Id", "localhost"),
                ("Passkeys.RelyingParty.Origins", "http://localhost:8080"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    let got = app.get(&url(&app, va, "")).await;
    assert_eq!(
        got.json["passkeys"]["relying_party"]["origins"],
        json!(["http://localhost:8080"])
    );
    assert_eq!(got.json["passkeys"]["authenticator_attachment"], "platform");
}

#[tokio::test]
async fn passkey_endpoints_refuse_bad_input_and_unknown_or_foreign_services() {
    let app = spawn_app().await;
    let configured = service(&app, &[("Passkeys.RelyingParty.Id", "example.com")]).await;
    let va = configured["sid"].as_str().expect("sid");
    let plain = service(&app, &[]).await;
    let plain = plain["sid"].as_str().expect("sid");
    let factors = url(&app, va, "/Passkeys/Factors");

    // A factor: the creation options name the relying party and the identity.
    let ok = post_json(
        &app,
        &factors,
        mine(&app),
        json!({"identity": "user-0001", "friendly_name": "Ann"}),
    )
    .await;
    assert_eq!(ok.status, 201, "{:?}", ok.json);
    assert_eq!(ok.json["status"], "unverified");
    assert_eq!(ok.json["factor_type"], "passkeys");
    assert!(ok.json["sid"].as_str().is_some_and(|s| s.starts_with("YF")));
    assert_eq!(ok.json["options"]["publicKey"]["rp"]["id"], "example.com");
    assert_eq!(ok.json["options"]["publicKey"]["user"]["name"], "user-0001");
    assert!(ok.json["options"]["publicKey"]["challenge"].is_string());

    for body in [
        json!({"friendly_name": "Ann"}),
        json!({"identity": "short", "friendly_name": "Ann"}),
        json!({"identity": "user 0001 x", "friendly_name": "Ann"}),
        json!({"identity": "user-0001"}),
        json!({"identity": "user-0001", "friendly_name": "Ann", "config": {"relying_party": {"id": "x.io"}}}),
        json!(["not", "an", "object"]),
    ] {
        let r = post_json(&app, &factors, mine(&app), body.clone()).await;
        assert_eq!(
            (r.status, r.json["code"].as_u64()),
            (400, Some(60200)),
            "{body}: {:?}",
            r.json
        );
    }
    // A service without a relying party does not do passkeys.
    let r = post_json(
        &app,
        &url(&app, plain, "/Passkeys/Factors"),
        mine(&app),
        json!({"identity": "user-0001", "friendly_name": "Ann"}),
    )
    .await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (400, Some(60204)),
        "{:?}",
        r.json
    );

    // Credentials that are not WebAuthn JSON.
    for rest in ["/Passkeys/VerifyFactor", "/Passkeys/ApproveChallenge"] {
        let r = post_json(&app, &url(&app, va, rest), mine(&app), json!({"id": "x"})).await;
        assert_eq!(
            (r.status, r.json["code"].as_u64()),
            (400, Some(60200)),
            "{rest}: {:?}",
            r.json
        );
    }
    // No verified passkey for this identity yet: nothing to sign in with.
    let r = post_json(
        &app,
        &url(&app, va, "/Passkeys/Challenges"),
        mine(&app),
        json!({"identity": "user-0001"}),
    )
    .await;
    assert_eq!(r.status, 404, "{:?}", r.json);
    // Without an identity: a discoverable sign-in, pending.
    let r = post_json(
        &app,
        &url(&app, va, "/Passkeys/Challenges"),
        mine(&app),
        json!({}),
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    assert_eq!(r.json["status"], "pending");
    assert!(r.json["sid"].as_str().is_some_and(|s| s.starts_with("YC")));
    assert_eq!(r.json["options"]["publicKey"]["rpId"], "example.com");

    // Unknown and malformed service SIDs, and another account's service: 404.
    let (other, token) = app.other_account().await;
    for rest in [
        "/Passkeys/Factors",
        "/Passkeys/VerifyFactor",
        "/Passkeys/Challenges",
        "/Passkeys/ApproveChallenge",
    ] {
        let body = json!({"identity": "user-0001", "friendly_name": "Ann"});
        for (svc, auth) in [
            ("VA00000000000000000000000000000000", mine(&app)),
            ("not-a-sid", mine(&app)),
            (va, (other.as_str(), token.as_str())),
        ] {
            let r = post_json(&app, &url(&app, svc, rest), auth, body.clone()).await;
            assert_eq!(
                (r.status, r.json["code"].as_u64()),
                (404, Some(20404)),
                "{svc}{rest}: {:?}",
                r.json
            );
        }
    }
    // And no credentials at all: 401.
    let r = app
        .send(
            app.http
                .post(&factors)
                .json(&json!({"identity": "user-0001", "friendly_name": "Ann"})),
        )
        .await;
    assert_eq!(r.status, 401);
}
