//! `kill -9` with 2,000 accepted messages in flight: after a restart every one
//! of them reaches a final state, exactly once.

use crate::{exe, list_all};
use std::collections::HashSet;
use std::time::Duration;
use switchboard_testkit::process::ServerProcess;
use switchboard_testkit::wait_until;

const TOTAL: usize = 2000;

// Slow carrier: 16 submissions at a time, 40 ms each, receipts after 500 ms,
// so at the kill most messages are queued, some sending, some sent.
const CONFIG: &str = r#"
[simulator]
in_process = true
submit_latency_ms = 40
receipt_latency_ms = 500
[pipeline]
poll_interval_ms = 20
max_in_flight = 16
batch_size = 16
receipt_timeout_secs = 2
"#;

const FINAL: [&str; 4] = ["delivered", "undelivered", "failed", "canceled"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_loses_no_accepted_message() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("switchboard.toml"), CONFIG).expect("config");
    let args = ["--config", "switchboard.toml"];
    let server = ServerProcess::start(&exe(), dir.path(), &args, &[]);
    let creds = server.credentials();
    let http = reqwest::Client::new();
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        server.base, creds.account_sid
    );

    let sem = std::sync::Arc::new(tokio::sync::Semaphore::new(32));
    let mut tasks = Vec::new();
    for i in 0..TOTAL {
        let (http, url, creds, sem) = (http.clone(), url.clone(), creds.clone(), sem.clone());
        tasks.push(tokio::spawn(async move {
            let _p = sem.acquire().await.expect("permit");
            let to = format!("+1555{:07}", i);
            let resp = http
                .post(&url)
                .basic_auth(&creds.account_sid, Some(&creds.auth_token))
                .form(&[
                    ("To", to.as_str()),
                    ("From", "+15005550006"),
                    ("Body", "crash test"),
                ])
                .send()
                .await
                .expect("create");
            assert_eq!(resp.status(), 201);
            let v: serde_json::Value = resp.json().await.expect("json");
            v["sid"].as_str().expect("sid").to_owned()
        }));
    }
    let mut accepted = HashSet::new();
    for t in tasks {
        accepted.insert(t.await.expect("task"));
    }
    assert_eq!(accepted.len(), TOTAL);

    let before = list_all(&http, &server.base, &creds.account_sid, &creds.auth_token).await;
    let pending = before
        .iter()
        .filter(|m| !FINAL.contains(&m["status"].as_str().unwrap_or("")))
        .count();
    assert!(
        pending > 100,
        "the test must kill with messages in flight (pending {pending})"
    );
    server.kill9();

    let server = ServerProcess::start(&exe(), dir.path(), &args, &[]);
    let all = wait_until(
        Duration::from_secs(120),
        "every message to be final",
        || async {
            let all = list_all(&http, &server.base, &creds.account_sid, &creds.auth_token).await;
            all.iter()
                .all(|m| FINAL.contains(&m["status"].as_str().unwrap_or("")))
                .then_some(all)
        },
    )
    .await;
    let stored: Vec<String> = all
        .iter()
        .map(|m| m["sid"].as_str().expect("sid").to_owned())
        .collect();
    let unique: HashSet<String> = stored.iter().cloned().collect();
    assert_eq!(
        stored.len(),
        TOTAL,
        "each accepted message is stored exactly once"
    );
    assert_eq!(unique, accepted);
    assert!(
        all.iter().all(|m| m["status"] == "delivered"),
        "all delivered"
    );
}
