//! Encryption at rest, end to end: messages with distinctive bodies and numbers go through
//! the real binary's REST API and the built-in SMSC simulator; then the store's own files
//! (the SQLite database and its -wal/-shm files, or a `pg_dump` of the PostgreSQL schema)
//! are searched for those bodies and numbers. The simulator (the carrier) is not the store
//! and is not searched. With `encrypt_at_rest = false` the same search finds them, which
//! shows the search would notice a leak.

use crate::{exe, pg_url};
use std::path::Path;
use std::time::Duration;
use switchboard_testkit::process::{run_cli, ServerProcess};
use switchboard_testkit::wait_until;

const FROM: &str = "+15551230987";
const SENDS: [(&str, &str); 3] = [
    (
        "+447700912345",
        "zanzibar-plover-4471 meet at the blue door",
    ),
    ("+393331112233", "Ciao quokka-9913, è tutto ok?"),
    ("+14155550123", "vermilion-okapi-2208 your code is ready"),
];

/// What must not be found: each body (UTF-8) and each number with and without '+'.
fn needles() -> Vec<String> {
    let mut out = Vec::new();
    for (to, body) in SENDS {
        out.push(body.to_owned());
        out.push(to.to_owned());
        out.push(to.trim_start_matches('+').to_owned());
    }
    out.push(FROM.to_owned());
    out.push(FROM.trim_start_matches('+').to_owned());
    out
}

fn found_in(haystack: &[u8], needles: &[String]) -> Vec<String> {
    needles
        .iter()
        .filter(|n| haystack.windows(n.len()).any(|w| w == n.as_bytes()))
        .cloned()
        .collect()
}

/// Sends every message from `FROM`, waits until each is delivered and checks a `To`
/// filter (a blind-index lookup) finds it.
async fn send_all(base: &str, sid: &str, token: &str) {
    let http = reqwest::Client::new();
    let mut sids = Vec::new();
    for (to, body) in SENDS {
        let created: serde_json::Value = http
            .post(format!("{base}/2010-04-01/Accounts/{sid}/Messages.json"))
            .basic_auth(sid, Some(token))
            .form(&[("To", to), ("From", FROM), ("Body", body)])
            .send()
            .await
            .expect("create")
            .json()
            .await
            .expect("json");
        assert_eq!(created["body"], body, "{created}");
        sids.push(created["sid"].as_str().expect("sid").to_owned());
    }
    for msid in &sids {
        let url = format!("{base}/2010-04-01/Accounts/{sid}/Messages/{msid}.json");
        wait_until(Duration::from_secs(30), "delivery", || async {
            let m: serde_json::Value = http
                .get(&url)
                .basic_auth(sid, Some(token))
                .send()
                .await
                .ok()?
                .json()
                .await
                .ok()?;
            (m["status"] == "delivered").then_some(())
        })
        .await;
    }
    let (to, body) = SENDS[1];
    let page: serde_json::Value = http
        .get(format!("{base}/2010-04-01/Accounts/{sid}/Messages.json"))
        .query(&[("To", to)])
        .basic_auth(sid, Some(token))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    let listed = page["messages"].as_array().expect("messages");
    assert_eq!(listed.len(), 1, "{page}");
    assert_eq!(listed[0]["body"], body);
    assert_eq!(listed[0]["from"], FROM);
}

/// Runs one server on SQLite in `dir` and returns the store files' bytes afterwards.
async fn sqlite_run(dir: &Path, env: &[(&str, &str)]) -> (Vec<u8>, String) {
    let created = run_cli(&exe(), dir, &["accounts", "create", "--json"]);
    let v: serde_json::Value = serde_json::from_str(created.trim()).expect("json");
    let sid = v["account_sid"].as_str().expect("sid").to_owned();
    let token = v["auth_token"].as_str().expect("token").to_owned();
    run_cli(
        &exe(),
        dir,
        &["numbers", "add", "--account-sid", &sid, FROM],
    );
    let server = ServerProcess::start(&exe(), dir, &[], env);
    send_all(&server.base, &sid, &token).await;
    let status = server.terminate(Duration::from_secs(20));
    assert!(status.success());
    let mut bytes = Vec::new();
    for name in ["switchboard.db", "switchboard.db-wal", "switchboard.db-shm"] {
        if let Ok(b) = std::fs::read(dir.join("switchboard-data").join(name)) {
            bytes.extend(b);
        }
    }
    assert!(!bytes.is_empty(), "no store files");
    (bytes, sid)
}

#[tokio::test]
async fn sqlite_files_hold_no_body_or_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (bytes, sid) = sqlite_run(dir.path(), &[]).await;
    let leaks = found_in(&bytes, &needles());
    assert!(leaks.is_empty(), "found in the SQLite files: {leaks:?}");

    // Deleting the account destroys its key; its credentials stop working.
    let out = run_cli(&exe(), dir.path(), &["accounts", "delete", &sid]);
    assert!(out.contains("deleted"), "{out}");
    let server = ServerProcess::start(&exe(), dir.path(), &[], &[]);
    let list = reqwest::Client::new()
        .get(format!(
            "{}/2010-04-01/Accounts/{sid}/Messages.json",
            server.base
        ))
        .basic_auth(&sid, Some("whatever"))
        .send()
        .await
        .expect("list");
    assert_eq!(list.status(), 401);
}

#[tokio::test]
async fn with_encryption_off_the_same_search_finds_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = [("SWITCHBOARD_SECURITY__ENCRYPT_AT_REST", "false")];
    let (bytes, _) = sqlite_run(dir.path(), &env).await;
    let leaks = found_in(&bytes, &needles());
    assert!(
        leaks.iter().any(|l| l.contains("zanzibar")),
        "plaintext expected with encryption off: {leaks:?}"
    );
}

#[tokio::test]
async fn postgres_dump_holds_no_body_or_number() {
    let Some(url) = pg_url() else { return };
    let pg_dump_ok = std::process::Command::new("pg_dump")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !pg_dump_ok {
        eprintln!("skipped: pg_dump is not installed (the store tests read every column instead)");
        return;
    }
    let schema = switchboard_store::postgres::testing::FreshSchema::create(&url)
        .await
        .expect("schema");
    let name = schema
        .url
        .rsplit_once("%3D")
        .map(|(_, n)| n.to_owned())
        .expect("schema name");
    let dir = tempfile::tempdir().expect("tempdir");
    let config = format!(
        "master_key = \"{}\"\n[database]\nurl = \"{}\"\n",
        "cd".repeat(32),
        schema.url
    );
    std::fs::write(dir.path().join("switchboard.toml"), config).expect("config");
    let server = ServerProcess::start(&exe(), dir.path(), &["--config", "switchboard.toml"], &[]);
    let creds = server.credentials();
    run_cli(
        &exe(),
        dir.path(),
        &[
            "--config",
            "switchboard.toml",
            "numbers",
            "add",
            "--account-sid",
            &creds.account_sid,
            FROM,
        ],
    );
    send_all(&server.base, &creds.account_sid, &creds.auth_token).await;
    let status = server.terminate(Duration::from_secs(20));
    assert!(status.success());
    let dump = std::process::Command::new("pg_dump")
        .arg("--data-only")
        .arg("--schema")
        .arg(&name)
        .arg(&url)
        .output()
        .expect("pg_dump");
    assert!(
        dump.status.success(),
        "pg_dump: {}",
        String::from_utf8_lossy(&dump.stderr)
    );
    assert!(
        String::from_utf8_lossy(&dump.stdout).contains("account_keys"),
        "the dump has the tables"
    );
    let leaks = found_in(&dump.stdout, &needles());
    assert!(leaks.is_empty(), "found in pg_dump: {leaks:?}");
}
