//! The web console in a real browser: headless Debian Chromium (driven by the pinned
//! `playwright-core` in `peers/webauthn`, with a CDP virtual authenticator) against the real
//! `switchboard` binary. An owner invite made with `switchboard console invite` is accepted
//! with a new passkey; the owner signs in, sends a message, finds it delivered in the log and
//! creates an API key after a fresh assertion; a replayed assertion and an assertion made on
//! a look-alike origin are refused. An operator's synced passkey is refused, a device-bound
//! key accepted; the operator sees no message text or number until the owner grants access. Screenshots of the main pages are kept under
//! `target/console-screenshots/` (a CI artefact). `scripts/setup-peers` installs the browser
//! and the package; a missing one fails the test (it is never skipped).

use crate::passkeys::{chromium, peer_dir};
use crate::{exe, workspace_root};
use std::process::Command;
use switchboard_testkit::process::ServerProcess;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_invite_sign_in_send_and_create_a_key_in_a_real_browser() {
    let (chromium, peers) = (chromium(), peer_dir());
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("switchboard.toml"), "").expect("config");
    let server = ServerProcess::start(&exe(), dir.path(), &["--config", "switchboard.toml"], &[]);
    let creds = server.credentials();
    let port = server.base.rsplit(':').next().expect("port").to_owned();
    let invite = Command::new(exe())
        .args(["--config", "switchboard.toml", "console", "invite"])
        .args([
            "--account",
            &creds.account_sid,
            "--role",
            "owner",
            "--name",
            "Ann Owner",
            "--json",
        ])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .expect("run switchboard console invite");
    assert!(
        invite.status.success(),
        "{}",
        String::from_utf8_lossy(&invite.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&invite.stdout).expect("json");
    let path = v["path"].as_str().expect("path").to_owned();
    assert!(path.starts_with("/console/invite/"), "{v}");

    let op_invite = Command::new(exe())
        .args([
            "--config",
            "switchboard.toml",
            "operator",
            "invite",
            "--name",
            "Olga Operator",
            "--json",
        ])
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .output()
        .expect("run switchboard operator invite");
    assert!(
        op_invite.status.success(),
        "{}",
        String::from_utf8_lossy(&op_invite.stderr)
    );
    let ov: serde_json::Value = serde_json::from_slice(&op_invite.stdout).expect("json");
    let op_path = ov["path"].as_str().expect("path").to_owned();
    assert!(op_path.starts_with("/operator/invite/"), "{ov}");

    // A number whose webhooks the owner will change in the console.
    let number = reqwest::Client::new()
        .post(format!(
            "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
            server.base, creds.account_sid
        ))
        .basic_auth(&creds.account_sid, Some(&creds.auth_token))
        .form(&[
            ("PhoneNumber", "+15005550199"),
            ("FriendlyName", "Front desk"),
        ])
        .send()
        .await
        .expect("create number");
    assert!(number.status().is_success(), "{:?}", number.text().await);

    let shots = workspace_root().join("target/console-screenshots");
    let out = Command::new("node")
        .arg(peers.join("console_e2e.mjs"))
        .current_dir(&peers)
        .env("CONSOLE_URL", format!("http://localhost:{port}"))
        .env("INVITE_PATH", &path)
        .env("OPERATOR_INVITE_PATH", &op_path)
        .env("ACCOUNT_SID", &creds.account_sid)
        .env("SHOTS", &shots)
        .env("CHROMIUM", &chromium)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() && stdout.contains("17 passed, 0 failed"),
        "browser checks failed:\n{stdout}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log()
    );
    assert!(
        shots.join("05-dashboard.png").exists(),
        "screenshots are kept"
    );
}
