//! The hairdresser example (`examples/appointments/app.py`, twilio-python with
//! `MessagingResponse` and `RequestValidator`) against the real binary and its
//! built-in SMSC simulator: book, remind, then replies from simulated phones
//! with `switchboard sim reply` — `1` confirms (and the TwiML confirmation is
//! delivered), `2` cancels.

use crate::{exe, workspace_root};
use std::time::Duration;
use switchboard_testkit::peer::PeerProcess;
use switchboard_testkit::process::{run_cli, Credentials, ServerProcess};
use switchboard_testkit::wait_until;

const SALON: &str = "+15551230001";
const ANNA: &str = "+15551230099";
const BEN: &str = "+15551230098";
const WAIT: Duration = Duration::from_secs(20);

/// Messages of the account matching `query` (e.g. `To=%2B1555…`).
async fn messages(
    http: &reqwest::Client,
    api: &str,
    creds: &Credentials,
    query: &str,
) -> Option<Vec<serde_json::Value>> {
    let page: serde_json::Value = http
        .get(format!("{api}/Messages.json?{query}&PageSize=100"))
        .basic_auth(&creds.account_sid, Some(&creds.auth_token))
        .send()
        .await
        .ok()?
        .json()
        .await
        .ok()?;
    page["messages"].as_array().cloned()
}

async fn appointment(http: &reqwest::Client, app: &str, id: u64) -> serde_json::Value {
    http.get(format!("{app}/appointments/{id}"))
        .send()
        .await
        .expect("get appointment")
        .json()
        .await
        .expect("json")
}

async fn wait_status(http: &reqwest::Client, app: &str, id: u64, want: &str) -> serde_json::Value {
    wait_until(WAIT, &format!("appointment {id} {want}"), || async {
        let a = appointment(http, app, id).await;
        (a["status"] == want).then_some(a)
    })
    .await
}

/// Waits for a `delivered` message from the salon to `to` whose body starts with `prefix`.
async fn wait_delivered(
    http: &reqwest::Client,
    api: &str,
    creds: &Credentials,
    to: &str,
    prefix: &str,
) -> serde_json::Value {
    let query = format!("From=%2B{}&To=%2B{}", &SALON[1..], &to[1..]);
    wait_until(WAIT, &format!("'{prefix}…' delivered to {to}"), || async {
        messages(http, api, creds, &query)
            .await?
            .into_iter()
            .find(|m| {
                m["status"] == "delivered"
                    && m["body"].as_str().is_some_and(|b| b.starts_with(prefix))
            })
    })
    .await
}

/// On a failure, prints what the app and the server logged.
struct LogsOnPanic<'a> {
    server: &'a ServerProcess,
    app: &'a PeerProcess,
}

impl Drop for LogsOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let stderr = self.app.stderr_text();
            let log = self.server.log();
            let tail: Vec<&str> = log.lines().rev().take(80).collect();
            eprintln!("--- app stdout\n{}", self.app.stdout_text());
            eprintln!("--- app stderr (without the test's GETs)");
            stderr
                .lines()
                .filter(|l| !l.contains("\"GET /appointments"))
                .for_each(|l| eprintln!("{l}"));
            eprintln!("--- server log (last 80 lines)");
            tail.iter().rev().for_each(|l| eprintln!("{l}"));
        }
    }
}

fn reply(dir: &std::path::Path, from: &str, text: &str) {
    let out = run_cli(
        &exe(),
        dir,
        &["sim", "reply", "--from", from, "--to", SALON, text],
    );
    assert!(out.contains("Sent"), "{out}");
}

/// Starts the example app on a free port against `base`; it registers the salon number's
/// SmsUrl itself. Returns the app and its `ready` event.
fn start_app(
    python: &std::path::Path,
    dir: &std::path::Path,
    base: &str,
    creds: &Credentials,
) -> (PeerProcess, serde_json::Value) {
    let script = workspace_root().join("examples/appointments/app.py");
    let db = dir.join("appointments.db");
    let mut app = PeerProcess::start(
        python.to_str().expect("path"),
        &[
            script.to_str().expect("path"),
            "--port",
            "0",
            "--switchboard-url",
            base,
            "--account-sid",
            &creds.account_sid,
            "--auth-token",
            &creds.auth_token,
            "--salon-number",
            SALON,
            "--db",
            db.to_str().expect("path"),
            // hermetic: PUBLIC_URL, HOST, SALON_* from the environment are not used
            "--host",
            "127.0.0.1",
            "--public-url",
            "",
            "--salon-name",
            "",
            "--salon-phone",
            "",
        ],
        dir,
        &dir.join("logs"),
        "appointments-app",
    );
    let ready = app.wait_line(Duration::from_secs(30), |l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        (v["ev"] == "ready").then_some(v)
    });
    (app, ready)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appointment_example_confirms_and_cancels_by_sms() {
    let root = workspace_root();
    let python = root.join(".tools/venv/bin/python");
    assert!(
        python.exists(),
        "the SDK venv is missing: run scripts/setup-sdks (scripts/test does it)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(&exe(), dir.path(), &[], &[]);
    let creds = server.credentials();
    let api = format!("{}/2010-04-01/Accounts/{}", server.base, creds.account_sid);
    let http = reqwest::Client::new();

    let (app, ready) = start_app(&python, dir.path(), &server.base, &creds);
    let _logs = LogsOnPanic {
        server: &server,
        app: &app,
    };
    let app_url = format!("http://127.0.0.1:{}", ready["port"]);
    assert_eq!(ready["sms_url"], format!("{app_url}/sms"));

    // The number is registered with the app's webhook.
    let numbers: serde_json::Value = http
        .get(format!(
            "{api}/IncomingPhoneNumbers.json?PhoneNumber=%2B{}",
            &SALON[1..]
        ))
        .basic_auth(&creds.account_sid, Some(&creds.auth_token))
        .send()
        .await
        .expect("numbers")
        .json()
        .await
        .expect("json");
    let number = &numbers["incoming_phone_numbers"][0];
    assert_eq!(number["phone_number"], SALON, "{numbers}");
    assert_eq!(number["sms_url"], format!("{app_url}/sms"));

    // Book two clients, an appointment each, and send both reminders.
    let mut ids = Vec::new();
    for (name, phone) in [("Anna", ANNA), ("Ben", BEN)] {
        let r = http
            .post(format!("{app_url}/appointments"))
            .json(&serde_json::json!({
                "name": name, "phone": phone, "time": "2099-06-12T10:00",
            }))
            .send()
            .await
            .expect("book");
        assert_eq!(r.status(), 201);
        let booked: serde_json::Value = r.json().await.expect("json");
        assert_eq!(booked["status"], "booked");
        ids.push(booked["id"].as_u64().expect("id"));
    }
    for id in &ids {
        let r = http
            .post(format!("{app_url}/appointments/{id}/remind"))
            .send()
            .await
            .expect("remind");
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let a: serde_json::Value = r.json().await.expect("json");
        assert_eq!(a["status"], "reminded");
        assert!(a["reminder_sid"]
            .as_str()
            .is_some_and(|s| s.starts_with("SM")));
    }
    let (anna, ben) = (ids[0], ids[1]);
    for (phone, name) in [(ANNA, "Anna"), (BEN, "Ben")] {
        let m = wait_delivered(&http, &api, &creds, phone, &format!("Hi {name}, ")).await;
        let body = m["body"].as_str().unwrap_or_default();
        assert!(body.contains("Reply 1 to confirm or 2 to cancel"), "{body}");
        assert_eq!(m["direction"], "outbound-api");
    }
    // The signed status callbacks reached the app too.
    wait_until(WAIT, "reminder status callbacks", || async {
        let a = appointment(&http, &app_url, anna).await;
        let b = appointment(&http, &app_url, ben).await;
        (a["reminder_status"] == "delivered" && b["reminder_status"] == "delivered").then_some(())
    })
    .await;

    // Anna replies 1: confirmed, and the TwiML answer is delivered to her phone.
    reply(dir.path(), ANNA, "1");
    let a = wait_status(&http, &app_url, anna, "confirmed").await;
    assert_eq!(a["last_reply"], "1");
    let m = wait_delivered(
        &http,
        &api,
        &creds,
        ANNA,
        "Thanks Anna, you're confirmed for",
    )
    .await;
    assert_eq!(m["direction"], "outbound-reply");
    assert_eq!(
        m["body"],
        "Thanks Anna, you're confirmed for Fri 12 Jun 2099 at 10:00."
    );
    assert_eq!(
        appointment(&http, &app_url, ben).await["status"],
        "reminded"
    );

    // Ben replies 2: cancelled, offered to rebook by phone (never asked to reply CANCEL).
    reply(dir.path(), BEN, "2");
    wait_status(&http, &app_url, ben, "cancelled").await;
    let m = wait_delivered(&http, &api, &creds, BEN, "OK Ben, your haircut").await;
    let body = m["body"].as_str().unwrap_or_default();
    assert!(
        body.contains("is cancelled") && body.contains(SALON),
        "{body}"
    );
    assert_eq!(
        appointment(&http, &app_url, anna).await["status"],
        "confirmed"
    );

    // Every webhook carried a valid signature (the app answers 403 and logs otherwise).
    let log = app.stdout_text();
    assert!(!log.contains("\"forbidden\""), "{log}");
    let sms = http
        .post(format!("{app_url}/sms"))
        .form(&[("From", ANNA), ("To", SALON), ("Body", "2")])
        .send()
        .await
        .expect("unsigned");
    assert_eq!(sms.status(), 403, "an unsigned webhook must be refused");
    assert_eq!(
        appointment(&http, &app_url, anna).await["status"],
        "confirmed"
    );
}

/// The voice path: the salon calls a client who does not read texts (`POST
/// /appointments/{id}/call`), Switchboard dials through its SIP trunk (sipp plays the client
/// and presses 1), fetches the app's `VoiceResponse` and posts the key to its `Gather`
/// action: the appointment is confirmed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn appointment_example_confirms_by_a_key_press_on_a_call() {
    use switchboard_testkit::sipp::{self, Sipp};
    if !sipp::sipp_available("appointments voice e2e") {
        return;
    }
    let python = workspace_root().join(".tools/venv/bin/python");
    assert!(python.exists(), "run scripts/setup-sdks");
    let dir = tempfile::tempdir().expect("tempdir");
    let pcap = dir.path().join("press-1.pcap");
    sipp::write_dtmf_pcap("1", &pcap, 101);
    let scenario = sipp::scenario_text("uas_dtmf.xml")
        .replace("DTMF_PCAP_FILE", pcap.to_str().expect("utf-8"));
    let client = Sipp::start_text("client", &scenario, 1).await;
    std::fs::write(
        dir.path().join("switchboard.toml"),
        format!(
            "[voice]\nsip_bind = \"127.0.0.1:0\"\n[[sip_trunks]]\nname = \"salon\"\nhost = \"127.0.0.1\"\nport = {}\n",
            client.port()
        ),
    )
    .expect("config");
    let server = ServerProcess::start(&exe(), dir.path(), &["--config", "switchboard.toml"], &[]);
    let creds = server.credentials();
    let (app, ready) = start_app(&python, dir.path(), &server.base, &creds);
    let _logs = LogsOnPanic {
        server: &server,
        app: &app,
    };
    let app_url = format!("http://127.0.0.1:{}", ready["port"]);
    let http = reqwest::Client::new();
    let booked: serde_json::Value = http
        .post(format!("{app_url}/appointments"))
        .json(&serde_json::json!({"name": "Anna", "phone": ANNA, "time": "2099-06-12T10:00"}))
        .send()
        .await
        .expect("book")
        .json()
        .await
        .expect("json");
    let id = booked["id"].as_u64().expect("id");
    let r = http
        .post(format!("{app_url}/appointments/{id}/call"))
        .send()
        .await
        .expect("call");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    let a: serde_json::Value = r.json().await.expect("json");
    assert!(
        a["reminder_sid"]
            .as_str()
            .is_some_and(|s| s.starts_with("CA")),
        "{a}"
    );
    let done = wait_status(&http, &app_url, id, "confirmed").await;
    assert_eq!(done["last_reply"], "1");
    client.assert_passed().await;
}
