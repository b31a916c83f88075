//! Interop with third-party SMPP peers we did not write (installed by
//! `scripts/setup-peers`): npm `smpp` as the SMSC for our ESME, and PyPI
//! `smpplib` as the ESME for our SMSC simulator.

use crate::{exe, list_all, workspace_root};
use std::time::Duration;
use switchboard_testkit::peer::PeerProcess;
use switchboard_testkit::process::ServerProcess;
use switchboard_testkit::wait_until;

fn require(path: std::path::PathBuf) -> std::path::PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run scripts/setup-peers (scripts/test does it)",
        path.display()
    );
    path
}

fn submit_lines(log: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["ev"] == "submit_sm")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn our_esme_against_the_npm_smpp_smsc() {
    let root = workspace_root();
    require(root.join("peers/smpp/node_modules/smpp"));
    let dir = tempfile::tempdir().expect("tempdir");
    let log = dir.path().join("smsc.log");
    let script = root.join("peers/smpp/node_smsc.js");
    let mut smsc = PeerProcess::start(
        "node",
        &[
            script.to_str().expect("path"),
            "0",
            "--log",
            log.to_str().expect("path"),
        ],
        dir.path(),
        dir.path(),
        "node-smsc",
    );
    let port = smsc.wait_line(Duration::from_secs(20), |l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        (v["ev"] == "listening")
            .then(|| v["port"].as_u64())
            .flatten()
    });
    let config = format!(
        "[[carriers]]\nname = \"node\"\nhost = \"127.0.0.1\"\nport = {port}\nsystem_id = \"test\"\npassword = \"secret\"\n\
         window = 10\nmax_tps = 200\nroutes = [\"*\"]\n[pipeline]\npoll_interval_ms = 20\nretry_base_ms = 200\n"
    );
    std::fs::write(dir.path().join("switchboard.toml"), config).expect("config");
    let server = ServerProcess::start(&exe(), dir.path(), &["--config", "switchboard.toml"], &[]);
    let creds = server.credentials();
    let http = reqwest::Client::new();
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json",
        server.base, creds.account_sid
    );
    let long = "Questo è un messaggio lungo. ".repeat(14); // GSM-7, 3 parts
    let cases = [
        ("+393331234567", "Ciao, a domani alle 10", "delivered"),
        ("+393331234568", "È tutto confermato", "delivered"),
        ("+393331234569", long.as_str(), "delivered"),
        ("+393330000000", "no such destination", "failed"),
        ("+393330000088", "throttled, then delivered", "delivered"),
    ];
    let mut sids = Vec::new();
    for (to, body, _) in &cases {
        let m: serde_json::Value = http
            .post(&url)
            .basic_auth(&creds.account_sid, Some(&creds.auth_token))
            .form(&[("To", *to), ("From", "+15005550006"), ("Body", *body)])
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        sids.push(m["sid"].as_str().expect("sid").to_owned());
    }
    let all = wait_until(Duration::from_secs(30), "final statuses", || async {
        let all = list_all(&http, &server.base, &creds.account_sid, &creds.auth_token).await;
        all.iter()
            .all(|m| {
                ["delivered", "failed", "undelivered"].contains(&m["status"].as_str().unwrap_or(""))
            })
            .then_some(all)
    })
    .await;
    for ((to, _, want), sid) in cases.iter().zip(&sids) {
        let m = all
            .iter()
            .find(|m| m["sid"] == sid.as_str())
            .expect("message");
        assert_eq!(m["status"], *want, "{to}: {m}");
    }
    let failed = all
        .iter()
        .find(|m| m["sid"] == sids[3].as_str())
        .expect("failed message");
    assert_eq!(failed["error_code"], 30005, "ESME_RINVDSTADR maps to 30005");

    // What the peer saw on the wire.
    let submits = submit_lines(&log);
    let ucs2 = submits
        .iter()
        .find(|s| s["dst"] == "393331234568")
        .expect("UCS-2 submit");
    assert_eq!(ucs2["data_coding"], 8);
    assert_eq!(ucs2["text"], "È tutto confermato");
    let parts: Vec<_> = submits
        .iter()
        .filter(|s| s["dst"] == "393331234569")
        .collect();
    assert_eq!(parts.len(), 3, "three concatenated parts");
    assert!(parts
        .iter()
        .all(|p| p["esm_class"].as_u64().unwrap_or(0) & 0x40 != 0));
    assert_eq!(
        parts
            .iter()
            .map(|p| p["text"].as_str().unwrap_or(""))
            .collect::<String>(),
        long
    );
    let throttled = submits
        .iter()
        .filter(|s| s["dst"] == "393330000088")
        .count();
    assert!(
        throttled >= 3,
        "throttled twice, then accepted: {throttled} submits"
    );
    smsc.kill();
}

#[test]
fn smpplib_esme_against_our_smsc_simulator() {
    let root = workspace_root();
    let python = require(root.join(".tools/venv/bin/python"));
    let dir = tempfile::tempdir().expect("tempdir");
    let ready = dir.path().join("sim.json");
    let ready = ready.to_str().expect("path").to_owned();
    let (sim, addr) = crate::start_smsc_sim(
        dir.path(),
        "smsc-sim",
        "127.0.0.1:0",
        &["--ready-file", &ready],
    );
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    let script = require(root.join("peers/smpp/smpplib_esme.py"));
    let out = std::process::Command::new(python)
        .args([script.to_str().expect("path"), host, port])
        .output()
        .expect("run smpplib");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed, 0 failed"),
        "smpplib:\n{stdout}\n{}\nsimulator:\n{}",
        String::from_utf8_lossy(&out.stderr),
        sim.stderr_text()
    );
}

/// A destination whose first-priority carrier is down goes to the next priority;
/// that carrier binds as a transmitter + receiver pair, and receipts come back
/// on the receiver.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failover_to_the_next_priority_over_a_tx_rx_pair() {
    let dir = tempfile::tempdir().expect("tempdir");
    let exe = exe();
    let (mut sim, addr) = crate::start_smsc_sim(
        dir.path(),
        "smsc-sim",
        "127.0.0.1:0",
        &["--receipt-delay-ms", "10"],
    );
    let port = addr
        .rsplit_once(':')
        .map(|(_, p)| p.to_owned())
        .expect("port");
    let config = format!(
        "[[carriers]]\nname = \"down\"\nhost = \"127.0.0.1\"\nport = 1\nsystem_id = \"x\"\npriority = 1\n\
         [[carriers]]\nname = \"backup\"\nhost = \"127.0.0.1\"\nport = {port}\nsystem_id = \"sb\"\npassword = \"pw\"\n\
         bind = \"tx_rx\"\npriority = 2\nroutes = [\"+39\"]\n[pipeline]\npoll_interval_ms = 20\nretry_base_ms = 100\n"
    );
    std::fs::write(dir.path().join("switchboard.toml"), config).expect("config");
    let server = ServerProcess::start(&exe, dir.path(), &["--config", "switchboard.toml"], &[]);
    let creds = server.credentials();
    let http = reqwest::Client::new();
    let m: serde_json::Value = http
        .post(format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            server.base, creds.account_sid
        ))
        .basic_auth(&creds.account_sid, Some(&creds.auth_token))
        .form(&[
            ("To", "+393331234567"),
            ("From", "+15005550006"),
            ("Body", "via the backup"),
        ])
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let url = format!("{}{}", server.base, m["uri"].as_str().expect("uri"));
    wait_until(
        Duration::from_secs(30),
        "delivery over the backup carrier",
        || async {
            let m: serde_json::Value = http
                .get(&url)
                .basic_auth(&creds.account_sid, Some(&creds.auth_token))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (m["status"] == "delivered").then_some(())
        },
    )
    .await;
    let log = server.log();
    assert!(
        log.contains("link=backup#0rx"),
        "a receiver link bound:\n{log}"
    );
    sim.kill();
}
