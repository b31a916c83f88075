//! End-to-end tests: the real `switchboard` binary (or `SWITCHBOARD_E2E_EXE`)
//! driven over HTTP, by the official Twilio SDKs, and through crashes.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod appointments;
mod audit;
mod callbacks;
mod cli;
mod console;
mod crash;
mod encryption;
mod multinode;
mod passkeys;
mod sdk;
mod smpp_peers;
mod smsc_fault;
mod verify_sdk;
mod voice;
mod webhooks;

use std::path::PathBuf;

pub fn exe() -> PathBuf {
    std::env::var_os("SWITCHBOARD_E2E_EXE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_switchboard")))
}

/// `SWITCHBOARD_TEST_PG_URL`, or `None` (the test is skipped) unless
/// `SWITCHBOARD_REQUIRE_PG` is set, as CI does.
pub fn pg_url() -> Option<String> {
    let url = std::env::var("SWITCHBOARD_TEST_PG_URL")
        .ok()
        .filter(|u| !u.is_empty());
    if url.is_none() {
        assert!(
            std::env::var_os("SWITCHBOARD_REQUIRE_PG").is_none(),
            "SWITCHBOARD_REQUIRE_PG is set but SWITCHBOARD_TEST_PG_URL is not"
        );
        eprintln!("skipped: SWITCHBOARD_TEST_PG_URL is not set");
    }
    url
}

/// Starts `switchboard smsc-sim` (SMPP on `bind`, control on any port) with
/// `extra` arguments; returns the process and its SMPP address.
pub fn start_smsc_sim(
    dir: &std::path::Path,
    name: &str,
    bind: &str,
    extra: &[&str],
) -> (switchboard_testkit::peer::PeerProcess, String) {
    let exe = exe();
    let mut args = vec!["smsc-sim", "--bind", bind, "--control-bind", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    let mut sim = switchboard_testkit::peer::PeerProcess::start(
        exe.to_str().expect("exe"),
        &args,
        dir,
        dir,
        name,
    );
    let addr = sim.wait_line(std::time::Duration::from_secs(20), |l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        v["smpp_addr"].as_str().map(str::to_owned)
    });
    (sim, addr)
}

pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Fetches every message of the account, following `next_page_uri`.
pub async fn list_all(
    http: &reqwest::Client,
    base: &str,
    sid: &str,
    token: &str,
) -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    let mut next = Some(format!(
        "/2010-04-01/Accounts/{sid}/Messages.json?PageSize=1000"
    ));
    while let Some(path) = next {
        let page: serde_json::Value = http
            .get(format!("{base}{path}"))
            .basic_auth(sid, Some(token))
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json");
        out.extend(page["messages"].as_array().cloned().unwrap_or_default());
        next = page["next_page_uri"].as_str().map(str::to_owned);
    }
    out
}
