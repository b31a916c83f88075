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
