//! The binary with its default configuration, its subcommands and shutdown.

use crate::exe;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;
use std::time::Duration;
use switchboard_testkit::process::{run_cli, ServerProcess};
use switchboard_testkit::wait_until;

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path)
        .expect("metadata")
        .permissions()
        .mode()
        & 0o777
}

#[tokio::test]
async fn default_serve_delivers_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(&exe(), dir.path(), &[], &[]);
    let data = dir.path().join("switchboard-data");
    assert_eq!(mode(&data.join("credentials.json")), 0o600);
    assert_eq!(mode(&data.join("master.key")), 0o600);
    assert!(data.join("switchboard.db").exists());
    let creds = server.credentials();
    assert!(
        !server.log().contains(&creds.auth_token),
        "the token must never be logged"
    );

    let http = reqwest::Client::new();
    let health = http
        .get(format!("{}/healthz", server.base))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status(), 200);
    let created: serde_json::Value = http
        .post(format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            server.base, creds.account_sid
        ))
        .basic_auth(&creds.account_sid, Some(&creds.auth_token))
        .form(&[
            ("To", "+393331234567"),
            ("From", "+15005550006"),
            ("Body", "Ciao, è tutto ok?"),
        ])
        .send()
        .await
        .expect("create")
        .json()
        .await
        .expect("json");
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages/{}.json",
        server.base,
        creds.account_sid,
        created["sid"].as_str().expect("sid")
    );
    wait_until(Duration::from_secs(20), "delivery", || async {
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
    })
    .await;
    let server_base = server.base.clone();
    let status = server.terminate(Duration::from_secs(20));
    assert!(status.success(), "SIGTERM must exit 0, got {status}");

    // a restart keeps the same account and does not rewrite the credentials
    let again = ServerProcess::start(&exe(), dir.path(), &[], &[]);
    assert_eq!(again.credentials().account_sid, creds.account_sid);
    let url = url.replace(&server_base, &again.base);
    let r = reqwest::Client::new()
        .get(&url)
        .basic_auth(&creds.account_sid, Some(&creds.auth_token))
        .send()
        .await
        .expect("fetch");
    assert_eq!(r.status(), 200);
}

#[test]
fn config_check_redacts_and_unknown_keys_are_named() {
    let dir = tempfile::tempdir().expect("tempdir");
    let secret = "ab".repeat(32);
    let out = Command::new(exe())
        .current_dir(dir.path())
        .env_clear()
        .env("SWITCHBOARD_MASTER_KEY", &secret)
        .env("SWITCHBOARD_HTTP__BIND", "127.0.0.1:9999")
        .args(["config", "check"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("<redacted>") && !text.contains(&secret),
        "{text}"
    );
    assert!(text.contains("127.0.0.1:9999"));

    std::fs::write(
        dir.path().join("switchboard.toml"),
        "[http]\nbindd = \"x\"\n",
    )
    .expect("write");
    let out = Command::new(exe())
        .current_dir(dir.path())
        .env_clear()
        .args(["config", "check"])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bindd"));
}

#[test]
fn accounts_create_and_migrate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mk_key = dir.path().join("key");
    std::fs::write(&mk_key, "cd".repeat(32)).expect("key");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        format!("master_key_file = \"{}\"\n", mk_key.display()),
    )
    .expect("config");
    let out = run_cli(&exe(), dir.path(), &["migrate"]);
    assert!(out.contains("up to date"));
    let json: serde_json::Value = serde_json::from_str(&run_cli(
        &exe(),
        dir.path(),
        &["accounts", "create", "--friendly-name", "Salon", "--json"],
    ))
    .expect("json");
    let sid = json["account_sid"].as_str().expect("sid");
    assert!(sid.starts_with("AC") && sid.len() == 34);
    assert_eq!(json["auth_token"].as_str().expect("token").len(), 32);
    let key: serde_json::Value = serde_json::from_str(&run_cli(
        &exe(),
        dir.path(),
        &["api-keys", "create", "--account-sid", sid, "--json"],
    ))
    .expect("json");
    assert!(key["sid"].as_str().expect("sid").starts_with("SK"));
    assert_eq!(key["account_sid"], sid);
    assert_eq!(
        key["scopes"].as_str().map(|s| s.contains("keys:write")),
        Some(false)
    );
    let scoped: serde_json::Value = serde_json::from_str(&run_cli(
        &exe(),
        dir.path(),
        &[
            "api-keys",
            "create",
            "--account",
            sid,
            "--name",
            "sender",
            "--scopes",
            "messages:send,messages:read",
            "--json",
        ],
    ))
    .expect("json");
    assert_eq!(scoped["scopes"], "messages:send,messages:read");
    let bad = std::process::Command::new(exe())
        .current_dir(dir.path())
        .env_clear()
        .args([
            "api-keys",
            "create",
            "--account",
            sid,
            "--scopes",
            "messages:sned",
        ])
        .output()
        .expect("run");
    assert!(!bad.status.success());
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("unknown scope 'messages:sned'"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    let plain = run_cli(&exe(), dir.path(), &["accounts", "create"]);
    assert!(plain.contains("Account SID: AC"));
    assert!(
        !dir.path().join("switchboard-data/master.key").exists(),
        "master_key_file is used"
    );
}

#[tokio::test]
async fn sim_reply_from_a_phone_reaches_the_account_over_smpp() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(&exe(), dir.path(), &[], &[]);
    let creds = server.credentials();
    let added = run_cli(
        &exe(),
        dir.path(),
        &[
            "numbers",
            "add",
            "--account-sid",
            &creds.account_sid,
            "+1 555 000 1111",
        ],
    );
    assert!(
        added.starts_with("PN") && added.contains("+15550001111"),
        "{added}"
    );
    let out = run_cli(
        &exe(),
        dir.path(),
        &[
            "sim",
            "reply",
            "--from",
            "+393331234567",
            "--to",
            "+15550001111",
            "1",
        ],
    );
    assert!(out.contains("Sent"), "{out}");
    let http = reqwest::Client::new();
    let url = format!(
        "{}/2010-04-01/Accounts/{}/Messages.json?From=%2B393331234567",
        server.base, creds.account_sid
    );
    let m = wait_until(Duration::from_secs(20), "the inbound reply", || async {
        let page: serde_json::Value = http
            .get(&url)
            .basic_auth(&creds.account_sid, Some(&creds.auth_token))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        page["messages"].as_array()?.first().cloned()
    })
    .await;
    assert_eq!(
        (
            m["direction"].as_str(),
            m["status"].as_str(),
            m["body"].as_str()
        ),
        (Some("inbound"), Some("received"), Some("1"))
    );
}

#[test]
fn shield_check_and_eval_report_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run_cli(
        &exe(),
        dir.path(),
        &[
            "shield",
            "check",
            "Your schedule has been updated. View changes: acme-sso.com",
            "--protect",
            "acme",
            "--domain",
            "acme.com",
        ],
    );
    let a: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(a["verdict"], "block", "{a}");
    assert_eq!(a["urls"][0]["registrable_domain"], "acme-sso.com");
    assert!(a["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .any(|t| t == "brand-keyword"));

    // eval over a small labelled file: metrics and latency are printed.
    let texts = dir.path().join("phish.txt");
    std::fs::write(
        &texts,
        "Twilio IT: your password expires today, re-verify at twilio-sso.com\n\
         Okta: re-enroll your MFA device now at https://okta-verify-device.xyz\n\
         Your parcel is held, pay the fee at hxxps://usps-redelivery[.]top\n",
    )
    .expect("write");
    let path = texts.to_string_lossy().into_owned();
    let out = run_cli(
        &exe(),
        dir.path(),
        &[
            "shield",
            "eval",
            "--dataset",
            &path,
            "--format",
            "lines",
            "--label",
            "smishing",
        ],
    );
    assert!(out.contains("3 messages, 3 positive"), "{out}");
    assert!(out.contains("recall 1.0000"), "{out}");
    assert!(out.contains("p99"), "{out}");
}
