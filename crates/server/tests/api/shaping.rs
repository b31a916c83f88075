//! Throughput shaping: a sender is paced at its kind's rate, without using up
//! attempts, and other senders are not held back.

use switchboard_testkit::{spawn_app_with, TestApp};

async fn number(app: &TestApp, e164: &str) {
    let r = app
        .post(
            &format!(
                "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
                app.base, app.account_sid
            ),
            &[("PhoneNumber", e164)],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
}

fn millis(rfc2822: &serde_json::Value) -> i64 {
    chrono::DateTime::parse_from_rfc2822(rfc2822.as_str().expect("date"))
        .expect("rfc 2822")
        .timestamp_millis()
}

#[tokio::test]
async fn a_long_code_is_paced_and_others_are_not_held_back() {
    let app = spawn_app_with(|s| {
        s.shaping.long_code_per_sec = 2.0;
        s.pipeline.max_attempts = 2;
    })
    .await;
    number(&app, "+15550800001").await;
    let mut paced = Vec::new();
    for i in 0..5 {
        let r = app
            .create(&[
                ("To", &format!("+1555080010{i}")),
                ("From", "+15550800001"),
                ("Body", "paced"),
            ])
            .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
        paced.push(r.json["sid"].as_str().expect("sid").to_owned());
    }
    // the test sender is exempt, so it is not queued behind the long code
    let quick = app.create_ok("+15550800199", "not shaped").await;
    let quick = app
        .wait_for_status(quick["sid"].as_str().expect("sid"), "delivered")
        .await;
    let mut sent = Vec::new();
    for s in &paced {
        let m = app.wait_for_status(s, "delivered").await;
        assert!(m["error_code"].is_null(), "{m}");
        sent.push(millis(&m["date_sent"]));
    }
    sent.sort_unstable();
    // Five messages at 2/s: slots 0, 0.5, 1, 1.5, 2 s (dates have whole seconds).
    let spread = sent[4] - sent[0];
    assert!(
        spread >= 1_000,
        "paced over about 2 s, got {spread} ms: {sent:?}"
    );
    assert!(
        millis(&quick["date_sent"]) <= sent[4],
        "the exempt sender was not held back"
    );
}

#[tokio::test]
async fn an_account_over_its_request_rate_gets_429_with_retry_after() {
    let app = spawn_app_with(|s| {
        s.http.account_rate_per_sec = 1.0;
        s.http.account_burst = 5.0;
    })
    .await;
    for _ in 0..5 {
        assert_eq!(app.get(&app.messages_url()).await.status, 200);
    }
    let r = app
        .http
        .get(app.messages_url())
        .basic_auth(&app.account_sid, Some(&app.auth_token))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 429);
    let retry = r
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body: serde_json::Value = r.json().await.expect("json");
    assert_eq!(body["code"], 20429);
    assert_eq!(retry.as_deref(), Some("1"));
    // another account has its own budget
    let (other, token) = app.other_account().await;
    let r = app
        .http
        .get(format!(
            "{}/2010-04-01/Accounts/{other}/Messages.json",
            app.base
        ))
        .basic_auth(&other, Some(&token))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 200);
}

#[tokio::test]
async fn a_sender_queue_holds_at_most_its_cap() {
    // 1 message/s and 3 s of queue: at most 3 waiting.
    let app = spawn_app_with(|s| {
        s.shaping.long_code_per_sec = 1.0;
        s.shaping.max_queue_secs = 3;
    })
    .await;
    number(&app, "+15550800201").await;
    let mut codes = Vec::new();
    for i in 0..6 {
        let r = app
            .create(&[
                ("To", &format!("+1555080030{i}")),
                ("From", "+15550800201"),
                ("Body", "burst"),
            ])
            .await;
        codes.push((r.status, r.json["code"].as_u64()));
    }
    assert_eq!(
        codes[..3],
        [(201, None), (201, None), (201, None)],
        "{codes:?}"
    );
    assert!(
        codes.contains(&(400, Some(21611))),
        "the queue is capped: {codes:?}"
    );
    // the test sender is not capped
    for _ in 0..6 {
        app.create_ok("+15550800399", "exempt").await;
    }
}
