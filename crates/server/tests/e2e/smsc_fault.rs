//! The SMSC dies with 5,000 messages in flight and comes back 10 s later: the
//! connection re-binds by itself, every message reaches a final state, none is
//! lost, and a message is submitted twice only if its first submit_sm got no
//! response (counted in the SMSC's journal).

use crate::{exe, list_all};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use switchboard_testkit::peer::PeerProcess;
use switchboard_testkit::process::ServerProcess;
use switchboard_testkit::wait_until;

const TOTAL: usize = 5000;
const WINDOW: usize = 10;

fn start_sim(dir: &Path, bind: &str, n: usize) -> (PeerProcess, String) {
    let journal = dir.join("smsc.journal");
    let journal = journal.to_str().expect("path");
    let extra = ["--receipt-delay-ms", "200", "--submit-log", journal];
    crate::start_smsc_sim(dir, &format!("smsc-{n}"), bind, &extra)
}

fn submits_by_destination(journal: &Path) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for line in std::fs::read_to_string(journal).unwrap_or_default().lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.first() == Some(&"submit") {
            *counts
                .entry(f.get(3).copied().unwrap_or("").to_owned())
                .or_insert(0) += 1;
        }
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smsc_restart_loses_nothing_and_duplicates_only_unanswered_submits() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (mut sim, addr) = start_sim(dir.path(), "127.0.0.1:0", 1);
    let port = addr
        .rsplit_once(':')
        .map(|(_, p)| p.to_owned())
        .expect("port");
    let config = format!(
        "[[carriers]]\nname = \"sim\"\nhost = \"127.0.0.1\"\nport = {port}\nsystem_id = \"sb\"\npassword = \"pw\"\n\
         window = {WINDOW}\nmax_tps = 500\nresponse_timeout_secs = 5\n\
         [pipeline]\npoll_interval_ms = 50\nretry_base_ms = 500\nretry_max_secs = 5\nmax_attempts = 100\n"
    );
    std::fs::write(dir.path().join("switchboard.toml"), config).expect("config");
    let server = ServerProcess::start(&exe(), dir.path(), &["--config", "switchboard.toml"], &[]);
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
            let to = format!("+1555{i:07}");
            let r = http
                .post(&url)
                .basic_auth(&creds.account_sid, Some(&creds.auth_token))
                .form(&[
                    ("To", to.as_str()),
                    ("From", "+15005550006"),
                    ("Body", "fault test"),
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
    // Kill the SMSC mid-stream (max_tps 500: 5,000 messages take ~10 s to submit).
    let journal = dir.path().join("smsc.journal");
    wait_until(
        Duration::from_secs(60),
        "1,000 submits at the SMSC",
        || async {
            (submits_by_destination(&journal).values().sum::<usize>() >= 1000).then_some(())
        },
    )
    .await;
    sim.kill();
    let at_kill = submits_by_destination(&journal).values().sum::<usize>();
    assert!(
        at_kill < TOTAL,
        "the SMSC must die with messages still to send"
    );
    // The outage itself: ten seconds with no SMSC.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let (_sim2, _) = start_sim(dir.path(), &addr, 2);

    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    let all = loop {
        let all = list_all(&http, &server.base, &creds.account_sid, &creds.auth_token).await;
        if all.len() == TOTAL && all.iter().all(|m| m["status"] == "delivered") {
            break all;
        }
        if std::time::Instant::now() > deadline {
            let mut by_status: HashMap<String, usize> = HashMap::new();
            for m in &all {
                *by_status
                    .entry(m["status"].as_str().unwrap_or("?").to_owned())
                    .or_insert(0) += 1;
            }
            let journal_text = std::fs::read_to_string(&journal).unwrap_or_default();
            for m in all.iter().filter(|m| m["status"] != "delivered").take(3) {
                let to = m["to"]
                    .as_str()
                    .unwrap_or("")
                    .trim_start_matches('+')
                    .to_owned();
                let lines: Vec<&str> = journal_text.lines().filter(|l| l.contains(&to)).collect();
                let ids: Vec<String> = lines
                    .iter()
                    .filter_map(|l| l.split('\t').nth(1).map(str::to_owned))
                    .collect();
                let receipts: Vec<&str> = journal_text
                    .lines()
                    .filter(|l| {
                        l.starts_with("receipt")
                            && ids.iter().any(|id| l.ends_with(&format!("\t{id}")))
                    })
                    .collect();
                eprintln!(
                    "stuck {} {}: journal {lines:?} receipts {receipts:?}",
                    m["sid"], m["status"]
                );
            }
            let log = server.log();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            panic!(
                "not all delivered: {by_status:?}; SMSC submits {}\nserver log (last lines, newest first):\n{}",
                submits_by_destination(&journal).values().sum::<usize>(),
                tail.join("\n")
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(all.len(), TOTAL);
    let counts = submits_by_destination(&journal);
    assert_eq!(counts.len(), TOTAL, "every message reached the SMSC");
    let twice = counts.values().filter(|n| **n > 1).count();
    // Only submits in flight when the SMSC died can be unanswered: at most one window.
    assert!(
        twice <= WINDOW,
        "{twice} messages were submitted more than once"
    );
    assert!(server.log().contains("SMPP bound"), "re-bound by itself");
}
