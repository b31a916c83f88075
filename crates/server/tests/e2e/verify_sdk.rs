//! Twilio Verify through twilio-python against the real binary, the code read at the
//! built-in SMSC simulator (over SMPP), as a handset would get it.

use crate::{exe, workspace_root};
use std::process::Command;
use switchboard_testkit::process::ServerProcess;

#[test]
fn twilio_python_sdk_verify() {
    let root = workspace_root();
    let python = root.join(".tools/venv/bin/python");
    assert!(
        python.exists(),
        "the SDK venv is missing at {}: run scripts/setup-sdks (scripts/test does it for you)",
        python.display()
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        "[simulator]\nin_process = false\n[pipeline]\npoll_interval_ms = 20\n",
    )
    .expect("config");
    let server = ServerProcess::start(&exe(), dir.path(), &["--config", "switchboard.toml"], &[]);
    let sim: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.path().join("switchboard-data/smsc-sim.json")).expect("sim file"),
    )
    .expect("sim json");
    let creds = server.credentials();
    let out = Command::new(&python)
        .arg(root.join("sdk-tests/python/verify_test.py"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("SWITCHBOARD_URL", &server.base)
        .env("ACCOUNT_SID", &creds.account_sid)
        .env("AUTH_TOKEN", &creds.auth_token)
        .env(
            "SMSC_URL",
            sim["control_url"].as_str().expect("control url"),
        )
        .output()
        .expect("run the sdk script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        out.status.success() && stdout.contains(", 0 failed"),
        "verify_test.py failed:\n{stdout}\nserver log:\n{}",
        server.log()
    );
}
