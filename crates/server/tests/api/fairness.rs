//! Fairness between accounts: one account's 100,000-message backlog does not
//! hold back another account's message (claims give each account a share).

use std::time::{Duration, Instant};
use switchboard_core::messages::SendRequest;
use switchboard_domain::ids::AccountSid;
use switchboard_testkit::spawn_app_with;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_does_not_delay_another_accounts_message() {
    // A carrier that takes 50 ms per submit, 32 at a time (640/s): the
    // backlog outlives the test.
    let app = spawn_app_with(|s| {
        s.simulator.submit_latency_ms = 50;
        s.pipeline.max_in_flight = 32;
        s.pipeline.batch_size = 32;
    })
    .await;
    let a = AccountSid::parse(&app.account_sid).expect("sid");
    let mut writers = tokio::task::JoinSet::new();
    for w in 0..64 {
        let (core, a) = (app.app_core.clone(), a.clone());
        writers.spawn(async move {
            for i in (w..100_000).step_by(64) {
                let req = SendRequest {
                    to: Some(format!("+1555{i:07}")),
                    from: Some("+15005550006".into()),
                    body: Some("campaign".into()),
                    ..Default::default()
                };
                core.messages.send(&a, req).await.expect("queued");
            }
        });
    }
    while let Some(r) = writers.join_next().await {
        r.expect("writer");
    }
    let backlog = app.app_core.store.queue_depth().await.expect("depth");
    assert!(backlog > 50_000, "a real backlog is queued: {backlog}");

    let (b_sid, b_token) = app.other_account().await;
    let started = Instant::now();
    let r = app
        .send(
            app.http
                .post(format!(
                    "{}/2010-04-01/Accounts/{b_sid}/Messages.json",
                    app.base
                ))
                .basic_auth(&b_sid, Some(&b_token))
                .form(&[
                    ("To", "+15550500001"),
                    ("From", "+15005550006"),
                    ("Body", "Your code is 123456"),
                ]),
        )
        .await;
    assert_eq!(r.status, 201);
    let url = format!(
        "{}/2010-04-01/Accounts/{b_sid}/Messages/{}.json",
        app.base,
        r.json["sid"].as_str().expect("sid")
    );
    let submitted = switchboard_testkit::wait_until(
        Duration::from_secs(30),
        "B's message submitted",
        || async {
            let m: serde_json::Value = app
                .http
                .get(&url)
                .basic_auth(&b_sid, Some(&b_token))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            matches!(m["status"].as_str(), Some("sent" | "delivered")).then(|| started.elapsed())
        },
    )
    .await;
    let still = app.app_core.store.queue_depth().await.expect("depth");
    assert!(still > 10_000, "the backlog was still there: {still}");
    assert!(
        submitted < Duration::from_secs(1),
        "B waited {submitted:?} behind A's backlog"
    );
    eprintln!("B's message was submitted {submitted:?} after its 201, with {still} of A's queued");
}
