//! The Verify fraud guard in enforce mode: geo permissions, sequential numbers, velocity per
//! end-user network, the safe list, per-service overrides and the recorded events.

use switchboard_testkit::{spawn_app_with, TestApp};

async fn enforcing_app() -> TestApp {
    spawn_app_with(|s| {
        s.verify.fraud_mode = "enforce".into();
        s.verify.per_ip_per_hour = 3;
    })
    .await
}

async fn service(app: &TestApp, params: &[(&str, &str)]) -> String {
    let r = app.post(&format!("{}/v2/Services", app.base), params).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["sid"].as_str().expect("sid").to_owned()
}

async fn start(app: &TestApp, va: &str, to: &str, ip: Option<&str>) -> switchboard_testkit::Reply {
    let mut params = vec![("To", to), ("Channel", "sms")];
    if let Some(ip) = ip {
        params.push(("DeviceIp", ip));
    }
    app.post(
        &format!("{}/v2/Services/{va}/Verifications", app.base),
        &params,
    )
    .await
}

#[tokio::test]
async fn the_fraud_guard_blocks_pumping_patterns_with_an_explanation() {
    let app = enforcing_app().await;
    let va = service(&app, &[("FriendlyName", "Shop")]).await;

    let cn = start(&app, &va, "+8613800138000", None).await;
    assert_eq!(
        (cn.status, cn.json["code"].as_u64()),
        (403, Some(60238)),
        "{:?}",
        cn.json
    );
    assert!(cn.json["message"].as_str().expect("message").contains("CN"));

    for to in ["+447400123101", "+447400123102"] {
        let r = start(&app, &va, to, None).await;
        assert_eq!(r.status, 201, "{:?}", r.json);
    }
    let third = start(&app, &va, "+447400123103", None).await;
    assert_eq!(
        (third.status, third.json["code"].as_u64()),
        (403, Some(60410)),
        "{:?}",
        third.json
    );
    assert!(third.json["message"]
        .as_str()
        .expect("message")
        .contains("sequential"));
    // the whole prefix stays blocked, sequential or not
    let later = start(&app, &va, "+447400123999", None).await;
    assert_eq!(later.json["code"], 60410);
    assert!(later.json["message"]
        .as_str()
        .expect("message")
        .contains("blocked_prefix"));

    // a safe-listed number goes through
    let safe = app
        .post(
            &format!("{}/v2/SafeList/Numbers", app.base),
            &[("PhoneNumber", "+447400123104")],
        )
        .await;
    assert_eq!(safe.status, 201, "{:?}", safe.json);
    assert!(safe.json["sid"]
        .as_str()
        .is_some_and(|s| s.starts_with("GN")));
    let r = start(&app, &va, "+447400123104", None).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let fetched = app
        .get(&format!("{}/v2/SafeList/Numbers/%2B447400123104", app.base))
        .await;
    assert_eq!(fetched.json["phone_number"], "+447400123104");
    assert_eq!(
        app.delete(&format!("{}/v2/SafeList/Numbers/%2B447400123104", app.base))
            .await
            .status,
        204
    );

    // velocity per end-user network (3 per hour here), numbers far apart
    for (i, to) in ["+393471882345", "+393209954417", "+393512277603"]
        .iter()
        .enumerate()
    {
        let r = start(&app, &va, to, Some(&format!("203.0.113.{}", 10 + i))).await;
        assert_eq!(r.status, 201, "{:?}", r.json);
    }
    let fourth = start(&app, &va, "+393398810026", Some("203.0.113.77")).await;
    assert_eq!(fourth.json["code"], 60410, "{:?}", fourth.json);
    assert!(fourth.json["message"]
        .as_str()
        .expect("message")
        .contains("203.0.113.0/24"));
    // a safe-listed number is not held back by the velocity buckets either
    let r = app
        .post(
            &format!("{}/v2/SafeList/Numbers", app.base),
            &[("PhoneNumber", "+393398810026")],
        )
        .await;
    assert_eq!(r.status, 201);
    let safe = start(&app, &va, "+393398810026", Some("203.0.113.78")).await;
    assert_eq!(safe.status, 201, "{:?}", safe.json);
    assert_eq!(
        start(&app, &va, "+393398810026", Some("198.51.100.1"))
            .await
            .status,
        201
    );

    let events = app
        .get(&format!("{}/v2/Services/{va}/FraudEvents", app.base))
        .await;
    let kinds: Vec<&str> = events.json["fraud_events"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for k in ["geo", "sequential", "blocked_prefix", "velocity_ip"] {
        assert!(kinds.contains(&k), "{k} recorded: {kinds:?}");
    }
}

#[tokio::test]
async fn a_service_can_allow_other_countries_or_only_monitor() {
    let app = enforcing_app().await;
    let cn_ok = service(
        &app,
        &[
            ("FriendlyName", "CN shop"),
            ("FraudGuard.AllowedCountries", "cn, it"),
        ],
    )
    .await;
    let fetched = app.get(&format!("{}/v2/Services/{cn_ok}", app.base)).await;
    assert_eq!(
        fetched.json["fraud_guard"]["allowed_countries"],
        serde_json::json!(["CN", "IT"])
    );
    assert_eq!(
        start(&app, &cn_ok, "+8613800138000", None).await.status,
        201
    );
    assert_eq!(
        start(&app, &cn_ok, "+447400129555", None).await.json["code"],
        60238
    );

    let monitor = service(
        &app,
        &[("FriendlyName", "Watch"), ("FraudGuard.Mode", "monitor")],
    )
    .await;
    for to in [
        "+447400123201",
        "+447400123202",
        "+447400123203",
        "+447400123204",
    ] {
        assert_eq!(
            start(&app, &monitor, to, None).await.status,
            201,
            "monitor never blocks"
        );
    }
    let events = app
        .get(&format!("{}/v2/Services/{monitor}/FraudEvents", app.base))
        .await;
    let list = events.json["fraud_events"].as_array().expect("events");
    assert!(
        !list.is_empty() && list.iter().all(|e| e["enforced"] == false),
        "{list:?}"
    );

    let bad = app
        .post(
            &format!("{}/v2/Services", app.base),
            &[("FriendlyName", "x"), ("FraudGuard.Mode", "strict")],
        )
        .await;
    assert_eq!(bad.json["code"], 60200);
    let bad = app
        .post(
            &format!("{}/v2/Services", app.base),
            &[
                ("FriendlyName", "x"),
                ("FraudGuard.AllowedCountries", "ITA"),
            ],
        )
        .await;
    assert_eq!(bad.json["code"], 60200);
}
