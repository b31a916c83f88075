//! The official SDKs (twilio-python 9.13.0, twilio-node 6.3.1, installed by
//! `scripts/setup-sdks`) against a spawned `switchboard serve`.

use crate::{exe, workspace_root};
use std::path::PathBuf;
use std::process::Command;
use switchboard_testkit::process::{run_cli, ServerProcess};

const CONFIG: &str = r#"
[simulator]
in_process = true
[pipeline]
poll_interval_ms = 20
[[simulator.rules]]
prefix = "+1555999"
outcome = "throttle"
retry_after_secs = 3600
"#;

fn sdk_env(server: &ServerProcess, dir: &std::path::Path) -> Vec<(String, String)> {
    let creds = server.credentials();
    let other: serde_json::Value = serde_json::from_str(&run_cli(
        &exe(),
        dir,
        &[
            "--config",
            "switchboard.toml",
            "accounts",
            "create",
            "--json",
        ],
    ))
    .expect("accounts create --json");
    vec![
        ("SWITCHBOARD_URL".into(), server.base.clone()),
        ("ACCOUNT_SID".into(), creds.account_sid),
        ("AUTH_TOKEN".into(), creds.auth_token),
        (
            "OTHER_ACCOUNT_SID".into(),
            other["account_sid"].as_str().expect("sid").into(),
        ),
        (
            "OTHER_AUTH_TOKEN".into(),
            other["auth_token"].as_str().expect("token").into(),
        ),
        ("DEFER_TO".into(), "+15559990001".into()),
        ("DELIVER_TO".into(), "+15550001234".into()),
        ("FROM".into(), "+15005550006".into()),
    ]
}

fn require(path: PathBuf, what: &str) -> PathBuf {
    assert!(
        path.exists(),
        "{what} not found at {}: run scripts/setup-sdks (scripts/test does it for you)",
        path.display()
    );
    path
}

fn run_sdk(program: PathBuf, script: PathBuf, extra_config: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        format!("{extra_config}\n{CONFIG}"),
    )
    .expect("config");
    let server = ServerProcess::start(&exe(), dir.path(), &["--config", "switchboard.toml"], &[]);
    let out = Command::new(&program)
        .arg(&script)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs(sdk_env(&server, dir.path()))
        .output()
        .expect("run sdk script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success(),
        "{} failed:\n{stdout}\nserver log:\n{}",
        script.display(),
        server.log()
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    if extra_config.contains("postgres://") {
        assert!(
            server.log().contains("PostgreSQL migration"),
            "the server must have run on PostgreSQL"
        );
    }
}

#[test]
fn twilio_python_sdk() {
    let root = workspace_root();
    let python = std::env::var_os("SWITCHBOARD_SDK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".tools/venv/bin/python"));
    run_sdk(
        require(python, "the SDK venv"),
        root.join("sdk-tests/python/messages_test.py"),
        "",
    );
}

/// The same SDK checks against a server on PostgreSQL (a fresh schema).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_python_sdk_on_postgres() {
    let Some(url) = crate::pg_url() else { return };
    let schema = switchboard_store::postgres::testing::FreshSchema::create(&url)
        .await
        .expect("schema");
    let config = format!(
        "master_key = \"{}\"\n[database]\nurl = \"{}\"\n",
        "ef".repeat(32),
        schema.url
    );
    let root = workspace_root();
    let python = require(root.join(".tools/venv/bin/python"), "the SDK venv");
    tokio::task::spawn_blocking(move || {
        run_sdk(
            python,
            root.join("sdk-tests/python/messages_test.py"),
            &config,
        )
    })
    .await
    .expect("sdk run");
}

/// Messaging Services, sticky senders and scheduling, through twilio-python.
#[test]
fn twilio_python_sdk_messaging_services() {
    let root = workspace_root();
    let python = require(root.join(".tools/venv/bin/python"), "the SDK venv");
    run_sdk(
        python,
        root.join("sdk-tests/python/services_test.py"),
        "[messaging]\nschedule_min_secs = 2\n",
    );
}

/// API keys (the Keys resource) and scopes, through twilio-python.
#[test]
fn twilio_python_sdk_keys() {
    let root = workspace_root();
    let python = require(root.join(".tools/venv/bin/python"), "the SDK venv");
    run_sdk(python, root.join("sdk-tests/python/keys_test.py"), "");
}

/// The Calls resource (create, fetch, list, cancel, delete), through twilio-python.
#[test]
fn twilio_python_sdk_calls() {
    let root = workspace_root();
    let python = std::env::var_os("SWITCHBOARD_SDK_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".tools/venv/bin/python"));
    run_sdk(
        require(python, "the SDK venv"),
        root.join("sdk-tests/python/calls_test.py"),
        // Calls stay queued: this node runs no call engine.
        "[voice]\nenabled = false",
    );
}

#[test]
fn twilio_node_sdk() {
    let root = workspace_root();
    require(
        root.join("sdk-tests/node/node_modules/twilio"),
        "twilio-node",
    );
    run_sdk(
        PathBuf::from("node"),
        root.join("sdk-tests/node/messages_test.mjs"),
        "",
    );
}
