//! Test helpers: `spawn_app` (in-process, random port, fresh data dir) and
//! `ServerProcess` (the real `switchboard` binary, hermetic), plus polling with
//! a deadline instead of sleeps.
//!
//! Layout:
//! - [`spawn_app`] / [`TestApp`]: in-process app with typed request helpers.
//! - [`process`]: start, stop and kill the real binary.
//! - [`wait_until`]: poll a condition until a deadline.
//! - [`soft_authenticator`]: a software WebAuthn authenticator (ES256, attestation `none`).

// A test-only crate (dev-dependency): failing loudly is its job.
#![allow(clippy::expect_used, clippy::unwrap_used)]

pub mod peer;
pub mod process;
pub mod sipp;
pub mod soft_authenticator;
pub mod webhook_sink;

use std::future::Future;
use std::time::{Duration, Instant};
use switchboard_server::{App, Settings};
use tokio_util::sync::CancellationToken;

/// Polls `f` every 20 ms until it returns `Some`, or panics after `timeout`.
pub async fn wait_until<T, F, Fut>(timeout: Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A running in-process app with its own account.
pub struct TestApp {
    pub base: String,
    pub account_sid: String,
    pub auth_token: String,
    pub http: reqwest::Client,
    pub app_core: switchboard_core::Core,
    pub data_dir: std::path::PathBuf,
    shutdown: CancellationToken,
    _dir: tempfile::TempDir,
}

/// Default test settings: a temp data dir, port 0, a fast simulator and pipeline.
pub fn test_settings(dir: &std::path::Path) -> Settings {
    let mut s = Settings {
        data_dir: dir.join("data"),
        ..Settings::default()
    };
    s.http.bind = "127.0.0.1:0".into();
    s.pipeline.poll_interval_ms = 20;
    // In-process carrier by default (fast, magic numbers); SMPP tests switch it off.
    s.simulator.in_process = true;
    s.simulator.receipt_latency_ms = 5;
    s.webhooks.poll_interval_ms = 20;
    // Sender shaping off unless a test turns it on (it paces a long code at 1/s).
    s.shaping.long_code_per_sec = 0.0;
    s.shaping.toll_free_per_sec = 0.0;
    s.shaping.short_code_per_sec = 0.0;
    s.shaping.alphanumeric_per_sec = 0.0;
    s.webhooks.retry_base_ms = 50;
    s.webhooks.retry_max_secs = 1;
    s.log.level = "warn".into();
    // Tests number their recipients sequentially: the Verify fraud guard only records
    // unless a test turns it on.
    s.verify.fraud_mode = "monitor".into();
    s
}

/// Starts an app; `configure` may adjust the settings first.
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = test_settings(dir.path());
    configure(&mut settings);
    let app = App::build(settings).await.expect("app builds");
    let creds_path = app.settings.data_dir.join("credentials.json");
    let creds: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&creds_path).expect("credentials.json"))
            .expect("json");
    let base = format!("http://{}", app.http_addr);
    let data_dir = app.settings.data_dir.clone();
    let app_core = app.core.clone();
    let shutdown = app.shutdown_token();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        account_sid: creds["account_sid"].as_str().expect("sid").to_owned(),
        auth_token: creds["auth_token"].as_str().expect("token").to_owned(),
        http: reqwest::Client::new(),
        app_core,
        data_dir,
        shutdown,
        _dir: dir,
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

/// A raw response: status and parsed JSON (Null for an empty body).
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    pub json: serde_json::Value,
}

impl TestApp {
    pub fn messages_url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.base, self.account_sid
        )
    }

    pub fn message_url(&self, sid: &str) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages/{sid}.json",
            self.base, self.account_sid
        )
    }

    /// A second account with its own credentials.
    pub async fn other_account(&self) -> (String, String) {
        let c = self
            .app_core
            .accounts
            .create_account("other")
            .await
            .expect("create account");
        (c.sid.to_string(), c.secret)
    }

    pub async fn send(&self, req: reqwest::RequestBuilder) -> Reply {
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.expect("body");
        let json = if bytes.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_slice(&bytes).unwrap_or_else(|_| {
                serde_json::Value::String(String::from_utf8_lossy(&bytes).into_owned())
            })
        };
        Reply { status, json }
    }

    fn authed(&self, req: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        req.basic_auth(&self.account_sid, Some(&self.auth_token))
    }

    /// POST a raw form body to the Messages list.
    pub async fn create_raw(&self, body: impl Into<reqwest::Body>) -> Reply {
        let req = self
            .authed(self.http.post(self.messages_url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(req).await
    }

    pub async fn create(&self, params: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        self.create_raw(body).await
    }

    pub async fn create_ok(&self, to: &str, body: &str) -> serde_json::Value {
        let r = self
            .create(&[("To", to), ("From", "+15005550006"), ("Body", body)])
            .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
        r.json
    }

    pub async fn get(&self, url: &str) -> Reply {
        let req = self.authed(self.http.get(url));
        self.send(req).await
    }

    pub async fn post(&self, url: &str, params: &[(&str, &str)]) -> Reply {
        let req = self.authed(self.http.post(url)).form(params);
        self.send(req).await
    }

    pub async fn delete(&self, url: &str) -> Reply {
        let req = self.authed(self.http.delete(url));
        self.send(req).await
    }

    /// The built-in SMSC simulator's control URL, as `serve` wrote it to
    /// `<data_dir>/smsc-sim.json` (SMPP apps only: `simulator.in_process = false`).
    pub fn sim_control_url(&self) -> String {
        let sim: serde_json::Value = serde_json::from_slice(
            &std::fs::read(self.data_dir.join("smsc-sim.json")).expect("sim file"),
        )
        .expect("json");
        sim["control_url"].as_str().expect("control url").to_owned()
    }

    /// The texts the built-in SMSC simulator accepted for `to`, oldest first, once there
    /// are at least `n` (SMPP apps only: `simulator.in_process = false`).
    pub async fn sim_texts_to(&self, to: &str, n: usize) -> Vec<String> {
        let url = format!("{}/messages", self.sim_control_url());
        wait_until(
            Duration::from_secs(20),
            &format!("{n} texts to {to} at the SMSC"),
            || async {
                let r = self.send(self.http.get(&url).query(&[("to", to)])).await;
                let texts: Vec<String> = r.json["messages"]
                    .as_array()
                    .map(|l| {
                        l.iter()
                            .filter_map(|m| m["text"].as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
                (texts.len() >= n).then_some(texts)
            },
        )
        .await
    }

    /// A phone sends `text` to `to` through the built-in SMSC simulator (SMPP
    /// apps only: `simulator.in_process = false`).
    pub async fn inject_mo(&self, from: &str, to: &str, text: &str) {
        let control = self.sim_control_url();
        let r = self
            .http
            .post(format!("{control}/mo"))
            .form(&[("from", from), ("to", to), ("text", text)])
            .send()
            .await
            .expect("mo");
        assert_eq!(r.status(), 200);
    }

    /// Waits until at least `n` messages to `to` are listed; returns them.
    pub async fn messages_to(&self, to: &str, n: usize) -> Vec<serde_json::Value> {
        wait_until(
            Duration::from_secs(20),
            &format!("{n} messages to {to}"),
            || async {
                let r = self
                    .get(&format!(
                        "{}?To={}",
                        self.messages_url(),
                        to.replace('+', "%2B")
                    ))
                    .await;
                let list = r.json["messages"].as_array().cloned().unwrap_or_default();
                (list.len() >= n).then_some(list)
            },
        )
        .await
    }

    pub async fn wait_for_status(&self, sid: &str, status: &str) -> serde_json::Value {
        let url = self.message_url(sid);
        wait_until(
            Duration::from_secs(20),
            &format!("{sid} to be {status}"),
            || async {
                let r = self.get(&url).await;
                (r.json["status"] == status).then_some(r.json)
            },
        )
        .await
    }
}
