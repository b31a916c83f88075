//! No lost callbacks: the receiver is down for two minutes while 1,000
//! messages complete, and Switchboard is killed (-9) and restarted in the
//! middle; when the receiver comes back every callback arrives, and each
//! message's callbacks arrive in order.

use crate::{exe, list_all};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use switchboard_testkit::process::ServerProcess;
use switchboard_testkit::wait_until;
use switchboard_testkit::webhook_sink::WebhookSink;

const TOTAL: usize = 1000;
const DOWN: Duration = Duration::from_secs(120);

// A fast retry schedule (0.5 s doubling to 4 s) with attempts enough for the outage.
const CONFIG: &str = r#"
[simulator]
in_process = true
[pipeline]
poll_interval_ms = 20
[webhooks]
poll_interval_ms = 50
retry_base_ms = 500
retry_max_secs = 4
max_attempts = 1000
lease_secs = 5
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn callbacks_survive_a_receiver_outage_and_a_restart() {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("switchboard.toml"), CONFIG).expect("config");
    let args = ["--config", "switchboard.toml"];
    let server = ServerProcess::start(&exe(), dir.path(), &args, &[]);
    let creds = server.credentials();
    // The receiver's port, closed for now: every attempt is refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let callback = format!("http://127.0.0.1:{port}/cb");

    let http = reqwest::Client::new();
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        server.base, creds.account_sid
    );
    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = Vec::new();
    for i in 0..TOTAL {
        let (http, url, creds, sem, cb) = (
            http.clone(),
            url.clone(),
            creds.clone(),
            sem.clone(),
            callback.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await.expect("permit");
            let to = format!("+1555{i:07}");
            let r = http
                .post(&url)
                .basic_auth(&creds.account_sid, Some(&creds.auth_token))
                .form(&[
                    ("To", to.as_str()),
                    ("From", "+15005550006"),
                    ("Body", "callback test"),
                    ("StatusCallback", &cb),
                ])
                .send()
                .await
                .expect("create");
            assert_eq!(r.status(), 201);
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    wait_until(
        Duration::from_secs(60),
        "every message delivered",
        || async {
            let all = list_all(&http, &server.base, &creds.account_sid, &creds.auth_token).await;
            (all.iter().filter(|m| m["status"] == "delivered").count() == TOTAL).then_some(())
        },
    )
    .await;

    // Kill -9 in the middle of the outage and start again on the same data.
    server.kill9();
    let server = ServerProcess::start(&exe(), dir.path(), &args, &[]);
    if let Some(rest) = DOWN.checked_sub(started.elapsed()) {
        // The outage is the scenario, not a wait for a condition.
        tokio::time::sleep(rest).await;
    }
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("receiver port");
    let sink = WebhookSink::serve(listener);
    let got = wait_until(
        Duration::from_secs(120),
        "3 callbacks per message",
        || async {
            let got = sink.received();
            let distinct: std::collections::HashSet<&str> = got
                .iter()
                .filter_map(|r| {
                    r.headers
                        .get("i-twilio-idempotency-token")
                        .map(String::as_str)
                })
                .collect();
            (distinct.len() >= 3 * TOTAL).then_some(got)
        },
    )
    .await;
    let mut per_message: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for r in &got {
        let token = r
            .headers
            .get("i-twilio-idempotency-token")
            .cloned()
            .unwrap_or_default();
        let list = per_message
            .entry(r.param("MessageSid").unwrap_or("").to_owned())
            .or_default();
        // At-least-once: a repeat of the same row (same token) may follow it.
        if list.last().map(|(t, _)| t) != Some(&token) {
            list.push((token, r.param("MessageStatus").unwrap_or("").to_owned()));
        }
    }
    assert_eq!(per_message.len(), TOTAL, "callbacks for every message");
    for (sid, list) in &per_message {
        let statuses: Vec<&str> = list.iter().map(|(_, s)| s.as_str()).collect();
        assert_eq!(statuses, ["sending", "sent", "delivered"], "{sid}");
    }
    drop(server);
}
