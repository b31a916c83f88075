//! Verify's passkeys factor in a real browser: headless Debian Chromium (driven by the
//! pinned `playwright-core` in `peers/webauthn`, with a CDP virtual authenticator) uses the
//! demo in `examples/passkeys` (page + customer backend) against the real `switchboard`
//! binary. Registration and sign-in are approved; a replayed assertion and an assertion
//! made on a look-alike origin are refused. `scripts/setup-peers` installs both; a missing
//! browser or package fails the test (it is never skipped).

use crate::{exe, workspace_root};
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;
use switchboard_testkit::peer::PeerProcess;
use switchboard_testkit::process::ServerProcess;

pub(crate) fn chromium() -> PathBuf {
    let path = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
    assert!(
        path.exists(),
        "Chromium not found at {} (set CHROMIUM): run scripts/setup-peers, which installs \
         Debian's chromium (scripts/test does it)",
        path.display()
    );
    path
}

pub(crate) fn peer_dir() -> PathBuf {
    let dir = workspace_root().join("peers/webauthn");
    assert!(
        dir.join("node_modules/playwright-core").exists(),
        "playwright-core is missing in {}: run scripts/setup-peers (scripts/test does it)",
        dir.display()
    );
    dir
}

async fn post(
    http: &reqwest::Client,
    url: &str,
    auth: (&str, &str),
    form: &[(&str, &str)],
) -> serde_json::Value {
    let r = http
        .post(url)
        .basic_auth(auth.0, Some(auth.1))
        .form(form)
        .send()
        .await
        .expect("request");
    let status = r.status();
    let body: serde_json::Value = r.json().await.expect("json");
    assert!(status.is_success(), "{url}: {status} {body}");
    body
}

/// Runs the browser checks against `nodes` (one, or several sharing a database).
async fn run_browser_checks(nodes: &[&ServerProcess], dir: &std::path::Path) {
    let (chromium, peers) = (chromium(), peer_dir());
    let creds = nodes[0].credentials();
    let auth = (creds.account_sid.as_str(), creds.auth_token.as_str());
    let http = reqwest::Client::new();
    let services = format!("{}/v2/Services", nodes[0].base);
    let service = post(
        &http,
        &services,
        auth,
        &[
            ("FriendlyName", "Passkeys demo"),
            ("Passkeys.RelyingParty.Id", "localhost"),
            ("Passkeys.RelyingParty.Name", "Switchboard demo"),
        ],
    )
    .await;
    let va = service["sid"].as_str().expect("sid").to_owned();
    let bases: Vec<&str> = nodes.iter().map(|n| n.base.as_str()).collect();
    let demo_js = workspace_root().join("examples/passkeys/server.mjs");
    let mut demo = PeerProcess::start_with_env(
        "node",
        &[demo_js.to_str().expect("path")],
        dir,
        dir,
        "demo",
        &[
            ("SWITCHBOARD_URL", &bases.join(",")),
            ("ACCOUNT_SID", auth.0),
            ("AUTH_TOKEN", auth.1),
            ("VERIFY_SERVICE_SID", &va),
            ("PORT", "0"),
        ],
    );
    let demo_url = demo.wait_line(Duration::from_secs(20), |l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        v["listening"].as_str().map(str::to_owned)
    });
    // The demo's origin (and only it) may use the service's passkeys.
    let updated = post(
        &http,
        &format!("{services}/{va}"),
        auth,
        &[("Passkeys.RelyingParty.Origins", &demo_url)],
    )
    .await;
    assert_eq!(
        updated["passkeys"]["relying_party"]["origins"],
        serde_json::json!([demo_url])
    );

    let out = Command::new("node")
        .arg(peers.join("passkeys_e2e.mjs"))
        .current_dir(&peers)
        .env("DEMO_URL", &demo_url)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    let logs: Vec<String> = nodes.iter().map(|n| n.log()).collect();
    assert!(
        out.status.success() && stdout.contains("6 passed, 0 failed"),
        "browser checks failed:\n{stdout}\ndemo:\n{}{}\nserver logs:\n{}",
        demo.stdout_text(),
        demo.stderr_text(),
        logs.join("\n----\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_register_and_sign_in_from_a_real_browser() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        "[simulator]\nin_process = true\n",
    )
    .expect("config");
    let server = ServerProcess::start(&exe(), dir.path(), &["--config", "switchboard.toml"], &[]);
    run_browser_checks(&[&server], dir.path()).await;
}

/// Two nodes on one PostgreSQL: the demo alternates between them, so each ceremony is
/// started on one node and finished on the other (state and credentials are in the database).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn passkeys_across_two_nodes_on_postgres() {
    let Some(url) = crate::pg_url() else { return };
    let schema = switchboard_store::postgres::testing::FreshSchema::create(&url)
        .await
        .expect("schema");
    let config = format!(
        "master_key = \"{}\"\n[database]\nurl = \"{}\"\n[simulator]\nin_process = true\n",
        "cd".repeat(32),
        schema.url
    );
    let (a, b) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let mut nodes = Vec::new();
    for d in [&a, &b] {
        std::fs::write(d.path().join("switchboard.toml"), &config).expect("config");
        nodes.push(ServerProcess::start(
            &exe(),
            d.path(),
            &["--config", "switchboard.toml"],
            &[],
        ));
    }
    assert!(nodes[0].log().contains("PostgreSQL migration"));
    run_browser_checks(&[&nodes[0], &nodes[1]], a.path()).await;
}
