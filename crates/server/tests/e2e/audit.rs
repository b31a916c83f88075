//! The audit log through the real binary: changes made over HTTP (account token and API
//! key) and from the CLI are recorded, `audit verify` passes, and an entry edited,
//! removed or swapped directly in the SQLite file makes it fail naming that entry; a
//! request whose entry cannot be written fails.

use crate::exe;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use switchboard_testkit::process::{run_cli, ServerProcess};

/// Runs `switchboard audit verify` and returns (success, stdout).
fn verify(dir: &Path) -> (bool, String) {
    let out = Command::new(exe())
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .args(["audit", "verify"])
        .output()
        .expect("run switchboard");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn db(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("switchboard-data/switchboard.db")).expect("open db")
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    (user, pass): (&str, &str),
    form: &[(&str, &str)],
) -> serde_json::Value {
    let r = http
        .post(url)
        .basic_auth(user, Some(pass))
        .form(form)
        .send()
        .await
        .expect("post");
    assert!(r.status().is_success(), "{url}: {}", r.status());
    r.json().await.expect("json")
}

#[tokio::test]
async fn changes_are_recorded_and_tampering_is_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(&exe(), dir.path(), &[], &[]);
    let creds = server.credentials();
    let (ac, token) = (creds.account_sid.as_str(), creds.auth_token.as_str());
    let key: serde_json::Value = serde_json::from_str(&run_cli(
        &exe(),
        dir.path(),
        &["api-keys", "create", "--account-sid", ac, "--json"],
    ))
    .expect("json");
    let (sk, secret) = (
        key["sid"].as_str().expect("sid"),
        key["secret"].as_str().expect("secret"),
    );
    let http = reqwest::Client::new();
    let base = &server.base;
    let numbers = format!("{base}/2010-04-01/Accounts/{ac}/IncomingPhoneNumbers");
    let n = post(
        &http,
        &format!("{numbers}.json"),
        (ac, token),
        &[
            ("PhoneNumber", "+15550007001"),
            ("SmsUrl", "https://a.example/in"),
        ],
    )
    .await;
    let pn = n["sid"].as_str().expect("sid");
    post(
        &http,
        &format!("{numbers}/{pn}.json"),
        (sk, secret),
        &[("SmsUrl", "https://evil.example/in")],
    )
    .await;
    post(
        &http,
        &format!("{base}/v1/Services"),
        (sk, secret),
        &[("FriendlyName", "pool")],
    )
    .await;
    post(
        &http,
        &format!("{base}/v1/Shield/Settings"),
        (ac, token),
        &[("ProtectedNames", "acme")],
    )
    .await;
    let va = post(
        &http,
        &format!("{base}/v2/Services"),
        (ac, token),
        &[("FriendlyName", "Acme")],
    )
    .await;
    let gone = http
        .delete(format!(
            "{base}/v2/Services/{}",
            va["sid"].as_str().expect("sid")
        ))
        .basic_auth(ac, Some(token))
        .send()
        .await
        .expect("delete");
    assert_eq!(gone.status(), 204);
    // when the entry cannot be written, the request fails (its change has committed)
    db(dir.path())
        .execute_batch("ALTER TABLE audit_log RENAME TO audit_log_away")
        .expect("rename");
    let refused = http
        .post(format!("{numbers}/{pn}.json"))
        .basic_auth(ac, Some(token))
        .form(&[("SmsUrl", "https://unaudited.example/in")])
        .send()
        .await
        .expect("post");
    assert_eq!(refused.status(), 500);
    db(dir.path())
        .execute_batch("ALTER TABLE audit_log_away RENAME TO audit_log")
        .expect("rename back");
    let status = server.terminate(Duration::from_secs(20));
    assert!(status.success());

    // what was recorded, newest first
    let listed = run_cli(&exe(), dir.path(), &["audit", "list", "--account", ac]);
    let entries: Vec<serde_json::Value> = listed
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let summary: Vec<(String, String)> = entries
        .iter()
        .rev()
        .map(|e| {
            (
                e["actor"].as_str().expect("actor").to_owned(),
                e["action"].as_str().expect("action").to_owned(),
            )
        })
        .collect();
    let (by_token, by_key) = (format!("account:{ac}"), format!("key:{sk}"));
    let expected: Vec<(String, String)> = [
        ("system", "account.create"),
        ("cli", "api_key.create"),
        (by_token.as_str(), "number.create"),
        (by_key.as_str(), "number.update"),
        (by_key.as_str(), "service.create"),
        (by_token.as_str(), "config.shield"),
        (by_token.as_str(), "verify_service.create"),
        (by_token.as_str(), "verify_service.delete"),
    ]
    .iter()
    .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
    .collect();
    assert_eq!(summary, expected);
    assert_eq!(entries[4]["target"], pn);
    assert!(entries[4]["details"]
        .as_str()
        .expect("details")
        .contains("https://evil.example/in"));
    assert!(
        !listed.contains("+15550007001"),
        "no phone numbers in the log"
    );
    assert!(
        !listed.contains(secret) && !listed.contains(token),
        "no secrets"
    );
    let one = run_cli(&exe(), dir.path(), &["audit", "list", "--limit", "1"]);
    assert_eq!(one.lines().count(), 1);

    let (ok, out) = verify(dir.path());
    assert!(ok, "{out}");
    assert!(out.starts_with("audit log intact: 8 entries\n"), "{out}");

    // an edited row
    let conn = db(dir.path());
    let original: String = conn
        .query_row("SELECT details FROM audit_log WHERE seq = 4", [], |r| {
            r.get(0)
        })
        .expect("details");
    conn.execute(
        "UPDATE audit_log SET details = replace(details, 'evil', 'good') WHERE seq = 4",
        [],
    )
    .expect("edit");
    let (ok, out) = verify(dir.path());
    assert!(!ok, "verify must fail: {out}");
    assert!(
        out.starts_with("audit log broken at entry 4: edited"),
        "{out}"
    );
    conn.execute(
        "UPDATE audit_log SET details = ?1 WHERE seq = 4",
        [&original],
    )
    .expect("restore");
    assert!(verify(dir.path()).0, "restored");

    // a removed row
    conn.execute_batch(
        "CREATE TABLE kept AS SELECT * FROM audit_log WHERE seq = 5; \
         DELETE FROM audit_log WHERE seq = 5;",
    )
    .expect("delete");
    let (ok, out) = verify(dir.path());
    assert!(!ok);
    assert!(
        out.starts_with("audit log broken at entry 5: removed"),
        "{out}"
    );
    conn.execute_batch("INSERT INTO audit_log SELECT * FROM kept; DROP TABLE kept;")
        .expect("restore");
    assert!(verify(dir.path()).0, "restored");

    // two rows' contents swapped (seq kept)
    conn.execute_batch(
        "UPDATE audit_log SET seq = -2 WHERE seq = 2; \
         UPDATE audit_log SET seq = 2 WHERE seq = 3; \
         UPDATE audit_log SET seq = 3 WHERE seq = -2;",
    )
    .expect("swap");
    let (ok, out) = verify(dir.path());
    assert!(!ok);
    assert!(
        out.starts_with("audit log broken at entry 2: reordered"),
        "{out}"
    );
}

/// Two nodes on one PostgreSQL database record changes concurrently into one chain that
/// `audit verify` accepts; an edited row is named.
#[tokio::test]
async fn two_postgres_nodes_build_one_chain() {
    use switchboard_store::postgres::testing::FreshSchema;
    let Some(url) = crate::pg_url() else { return };
    let schema = FreshSchema::create(&url).await.expect("schema");
    let config = format!(
        "master_key = \"{}\"\n[database]\nurl = \"{}\"\nmax_connections = 4\n",
        "ef".repeat(32),
        schema.url
    );
    let mut dirs = Vec::new();
    let mut nodes = Vec::new();
    for _ in 0..2 {
        let d = tempfile::tempdir().expect("tempdir");
        std::fs::write(d.path().join("switchboard.toml"), &config).expect("config");
        nodes.push(ServerProcess::start(
            &exe(),
            d.path(),
            &["--config", "switchboard.toml"],
            &[],
        ));
        dirs.push(d);
    }
    let creds = nodes
        .iter()
        .find_map(|n| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| n.credentials())).ok()
        })
        .expect("one node wrote credentials.json");
    let (ac, token) = (creds.account_sid.clone(), creds.auth_token.clone());
    let http = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let url = format!(
            "{}/2010-04-01/Accounts/{ac}/IncomingPhoneNumbers.json",
            nodes[i % 2].base
        );
        let (http, ac, token) = (http.clone(), ac.clone(), token.clone());
        tasks.push(tokio::spawn(async move {
            let phone = format!("+1555000{i:04}");
            post(&http, &url, (&ac, &token), &[("PhoneNumber", &phone)]).await;
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let verify_in = |dir: &Path| {
        let out = Command::new(exe())
            .current_dir(dir)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .args(["--config", "switchboard.toml", "audit", "verify"])
            .output()
            .expect("run switchboard");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (ok, out) = verify_in(dirs[1].path());
    assert!(ok, "{out}");
    assert!(out.starts_with("audit log intact: 21 entries\n"), "{out}");
    schema
        .strings("UPDATE audit_log SET target = 'PNforged' WHERE seq = 7 RETURNING action")
        .await
        .expect("edit");
    let (ok, out) = verify_in(dirs[0].path());
    assert!(!ok);
    assert!(
        out.starts_with("audit log broken at entry 7: edited"),
        "{out}"
    );
}
