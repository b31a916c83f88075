use switchboard_testkit::spawn_app;

#[tokio::test]
async fn healthz_and_metrics() {
    let app = spawn_app().await;
    let h = app
        .http
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .expect("healthz");
    assert_eq!(h.status(), 200);
    let m = app.create_ok("+15550006001", "count me").await;
    app.wait_for_status(m["sid"].as_str().expect("sid"), "delivered")
        .await;
    let text = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for needle in [
        "switchboard_queue_depth",
        "switchboard_messages{status=\"delivered\"}",
        "switchboard_http_request_duration_seconds_bucket",
        "switchboard_messages_accepted_total",
    ] {
        assert!(text.contains(needle), "metrics lack {needle}:\n{text}");
    }
}
