//! The smishing shield in the message paths and its `/v1/Shield` API.

use crate::two_way::add_number;
use switchboard_testkit::webhook_sink::WebhookSink;
use switchboard_testkit::{spawn_app, spawn_app_with, TestApp};

const PHISH: &str =
    "ACME IT: your password expires today. Re-verify now at https://acme-okta.com/login";
const LEGIT: &str =
    "Reminder: your appointment with Anna is tomorrow at 10:00. Reply C to confirm.";

fn url(app: &TestApp, path: &str) -> String {
    format!("{}{path}", app.base)
}

async fn protect_acme(app: &TestApp, alert: Option<&str>) {
    let mut params = vec![("ProtectedNames", "acme"), ("ProtectedDomains", "acme.com")];
    if let Some(a) = alert {
        params.push(("AlertUrl", a));
    }
    let r = app.post(&url(app, "/v1/Shield/Settings"), &params).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
}

async fn smsc_submits(app: &TestApp) -> u64 {
    let control = app.sim_control_url();
    let stats: serde_json::Value = app
        .http
        .get(format!("{control}/stats"))
        .send()
        .await
        .expect("stats")
        .json()
        .await
        .expect("json");
    stats["submit_sm"].as_u64().expect("submit_sm")
}

#[tokio::test]
async fn outbound_phishing_fails_with_30007_and_is_never_sent() {
    let app = spawn_app_with(|s| {
        s.simulator.in_process = false;
        s.smsc_sim.receipt_delay_ms = 5;
    })
    .await;
    let sink = WebhookSink::start().await;
    protect_acme(&app, None).await;
    let cb = sink.url("/status");
    let r = app
        .create(&[
            ("To", "+15550101001"),
            ("From", "+15005550006"),
            ("Body", PHISH),
            ("StatusCallback", &cb),
        ])
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    assert_eq!(r.json["status"], "failed");
    assert_eq!(r.json["error_code"], 30007);
    assert_eq!(r.json["shield"]["verdict"], "block");
    assert!(r.json["shield"]["score"].as_u64().expect("score") >= 80);
    let reasons = r.json["shield"]["reasons"].as_array().expect("reasons");
    assert!(
        reasons
            .iter()
            .any(|x| x.as_str().is_some_and(|s| s.contains("acme"))),
        "{reasons:?}"
    );
    let blocked = r.json["sid"].as_str().expect("sid").to_owned();

    // The callback reports the failure, signed like any other.
    let hooks = sink.wait_for("/status", 1).await;
    assert_eq!(hooks[0].param("MessageStatus"), Some("failed"));
    assert_eq!(hooks[0].param("ErrorCode"), Some("30007"));
    assert_eq!(hooks[0].param("MessageSid"), Some(blocked.as_str()));
    assert!(hooks[0].signed_with(&app.auth_token));

    // A legitimate message goes through; the blocked one never reached the SMSC.
    let ok = app.create_ok("+15550101002", LEGIT).await;
    assert_eq!(ok["shield"]["verdict"], "allow", "{ok:?}");
    app.wait_for_status(ok["sid"].as_str().expect("sid"), "delivered")
        .await;
    assert_eq!(smsc_submits(&app).await, 1);
    let again = app.get(&app.message_url(&blocked)).await;
    assert_eq!(again.json["status"], "failed");
    assert_eq!(again.json["shield"]["verdict"], "block");
}

#[tokio::test]
async fn inbound_verdicts_reach_the_webhook_signed_and_the_alert_url() {
    let app = spawn_app_with(|s| {
        s.simulator.in_process = false;
        s.smsc_sim.receipt_delay_ms = 5;
    })
    .await;
    let sink = WebhookSink::start().await;
    sink.answer("/sms", 200, "<Response/>");
    sink.answer("/alert", 200, "");
    protect_acme(&app, Some(&sink.url("/alert"))).await;
    add_number(&app, "+15550101101", &[("SmsUrl", &sink.url("/sms"))]).await;

    app.inject_mo("+15550109999", "+15550101101", LEGIT).await;
    app.inject_mo("+15550109998", "+15550101101", PHISH).await;
    let hooks = sink.wait_for("/sms", 2).await;
    let legit = hooks
        .iter()
        .find(|h| h.param("Body") == Some(LEGIT))
        .expect("legit");
    assert_eq!(
        legit.param("ShieldVerdict"),
        None,
        "allowed messages carry no verdict"
    );
    let phish = hooks
        .iter()
        .find(|h| h.param("Body") == Some(PHISH))
        .expect("phish");
    assert_eq!(phish.param("ShieldVerdict"), Some("block"));
    let score: u32 = phish
        .param("ShieldScore")
        .expect("score")
        .parse()
        .expect("number");
    assert!(score >= 80);
    assert!(phish
        .param("ShieldReasons")
        .is_some_and(|r| r.contains("acme")));
    assert!(
        phish.signed_with(&app.auth_token),
        "the shield parameters are signed"
    );

    // Only the flagged message alerts; it is still stored, with its verdict.
    let alerts = sink.wait_for("/alert", 1).await;
    assert_eq!(alerts[0].param("Body"), Some(PHISH));
    assert_eq!(alerts[0].param("ShieldVerdict"), Some("block"));
    assert!(alerts[0].signed_with(&app.auth_token));
    let stored = app.messages_to("+15550101101", 2).await;
    let m = stored.iter().find(|m| m["body"] == PHISH).expect("stored");
    assert_eq!(m["status"], "received");
    assert_eq!(m["shield"]["verdict"], "block");
    assert_eq!(
        sink.received()
            .iter()
            .filter(|r| r.path == "/alert")
            .count(),
        1
    );
}

#[tokio::test]
async fn a_phishing_twiml_reply_fails_with_30007_and_is_never_sent() {
    let app = spawn_app_with(|s| {
        s.simulator.in_process = false;
        s.smsc_sim.receipt_delay_ms = 5;
    })
    .await;
    let sink = WebhookSink::start().await;
    sink.answer(
        "/sms",
        200,
        &format!("<Response><Message>{PHISH}</Message></Response>"),
    );
    protect_acme(&app, None).await;
    add_number(&app, "+15550101201", &[("SmsUrl", &sink.url("/sms"))]).await;

    app.inject_mo("+15550109997", "+15550101201", LEGIT).await;
    let replies = app.messages_to("+15550109997", 1).await;
    assert_eq!(replies[0]["body"], PHISH);
    assert_eq!(replies[0]["status"], "failed");
    assert_eq!(replies[0]["error_code"], 30007);
    assert_eq!(replies[0]["shield"]["verdict"], "block");
    assert_eq!(
        smsc_submits(&app).await,
        0,
        "the reply never reached the SMSC"
    );
}

#[tokio::test]
async fn analyze_takes_forms_and_json_and_explains() {
    let app = spawn_app().await;
    let analyze = url(&app, "/v1/Shield/Analyze");
    let r = app
        .post(
            &analyze,
            &[(
                "Body",
                "Your Twilio SSO session expired, sign in at twilio-sso.com",
            )],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["verdict"], "block");
    assert!(r.json["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .any(|t| t == "brand-keyword"));
    assert_eq!(r.json["urls"][0]["registrable_domain"], "twilio-sso.com");
    assert!(!r.json["urls"][0]["findings"]
        .as_array()
        .expect("findings")
        .is_empty());
    assert!(!r.json["reasons"].as_array().expect("reasons").is_empty());

    let j = app
        .send(app.http.post(&analyze).basic_auth(&app.account_sid, Some(&app.auth_token)).json(&serde_json::json!({
            "Body": LEGIT, "Direction": "inbound", "From": "+15550100000", "To": "+15550100001",
        })))
        .await;
    assert_eq!(j.status, 200, "{:?}", j.json);
    assert_eq!(j.json["verdict"], "allow");
    assert!(j.json["score"].as_u64().expect("score") < 50);

    // Clear errors, nothing half-done.
    let missing = app.post(&analyze, &[("To", "+15550100001")]).await;
    assert_eq!(
        (missing.status, missing.json["code"].as_u64()),
        (400, Some(21602))
    );
    let bad = app
        .post(&analyze, &[("Body", "x"), ("Direction", "sideways")])
        .await;
    assert_eq!((bad.status, bad.json["code"].as_u64()), (400, Some(20001)));
    let other = app
        .post(
            &analyze,
            &[
                ("Body", "x"),
                ("AccountSid", "ACffffffffffffffffffffffffffffffff"),
            ],
        )
        .await;
    assert_eq!(other.status, 404);
    let unauth = app
        .http
        .post(&analyze)
        .form(&[("Body", "x")])
        .send()
        .await
        .expect("send");
    assert_eq!(unauth.status(), 401);
    let broken = app
        .send(
            app.http
                .post(&analyze)
                .basic_auth(&app.account_sid, Some(&app.auth_token))
                .header("content-type", "application/json")
                .body("{nope"),
        )
        .await;
    assert_eq!(broken.status, 400);
}

#[tokio::test]
async fn account_names_are_protected_and_settings_validated() {
    let app = spawn_app().await;
    let analyze = url(&app, "/v1/Shield/Analyze");
    let settings = url(&app, "/v1/Shield/Settings");
    let text = "Your shift schedule changed, view it at acme-portal.com";
    let before = app.post(&analyze, &[("Body", text)]).await;
    assert!(!before.json["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .any(|t| t == "brand-keyword"));

    let s = app.get(&settings).await;
    assert_eq!(s.status, 200);
    assert_eq!(s.json["protected_names"], serde_json::json!([]));
    assert_eq!(
        (
            s.json["flag_threshold"].as_u64(),
            s.json["block_threshold"].as_u64()
        ),
        (Some(50), Some(80))
    );
    protect_acme(&app, None).await;
    let s = app.get(&settings).await;
    assert_eq!(s.json["protected_names"], serde_json::json!(["acme"]));
    assert_eq!(s.json["protected_domains"], serde_json::json!(["acme.com"]));

    let after = app.post(&analyze, &[("Body", text)]).await;
    assert_eq!(after.json["verdict"], "block", "{:?}", after.json);
    assert!(after.json["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .any(|t| t == "brand-keyword"));
    // The enterprise's genuine domain and its Okta tenant pass.
    let genuine = app
        .post(&analyze, &[("Body", "IT: your password expires Friday. Change it at https://acme.okta.com or https://www.acme.com/it")])
        .await;
    assert_eq!(genuine.json["verdict"], "allow", "{:?}", genuine.json);

    for (k, v) in [
        ("ProtectedNames", "a"),
        ("ProtectedDomains", "not a domain"),
        ("AlertUrl", "ftp://x"),
        ("FlagThreshold", "90"),
        ("BlockThreshold", "abc"),
    ] {
        let r = app.post(&settings, &[(k, v)]).await;
        assert_eq!(
            (r.status, r.json["code"].as_u64()),
            (400, Some(20001)),
            "{k}={v}: {:?}",
            r.json
        );
    }
    // Nothing half-applied.
    let s = app.get(&settings).await;
    assert_eq!(s.json["protected_names"], serde_json::json!(["acme"]));
    assert_eq!(s.json["flag_threshold"], 50);

    // Per-account thresholds apply.
    let r = app
        .post(
            &settings,
            &[("FlagThreshold", "10"), ("BlockThreshold", "20")],
        )
        .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    let strict = app
        .post(
            &analyze,
            &[("Body", "Sale! 20% off today at shop.example.co.uk")],
        )
        .await;
    assert_ne!(strict.json["verdict"], "allow", "{:?}", strict.json);
}

#[tokio::test]
async fn a_disabled_shield_screens_nothing() {
    let app = spawn_app_with(|s| s.shield.enabled = false).await;
    let m = app.create_ok("+15550101201", PHISH).await;
    assert_eq!(m["status"], "queued");
    assert!(m["shield"].is_null());
    let r = app
        .post(&url(&app, "/v1/Shield/Analyze"), &[("Body", "x")])
        .await;
    assert_eq!(r.status, 400);
}
