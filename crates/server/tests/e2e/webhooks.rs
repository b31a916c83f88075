//! Webhooks from the real binary, checked by twilio-python's RequestValidator
//! (`sdk-tests/python/webhook_receiver.py`): status callbacks and an inbound
//! message answered with TwiML; a tampered parameter fails validation.

use crate::{exe, workspace_root};
use std::time::Duration;
use switchboard_testkit::peer::PeerProcess;
use switchboard_testkit::process::{run_cli, ServerProcess};
use switchboard_testkit::wait_until;

fn requests(peer: &PeerProcess) -> Vec<serde_json::Value> {
    peer.stdout_text()
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["ev"] == "request")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_webhook_validates_with_twilio_request_validator() {
    let root = workspace_root();
    let python = root.join(".tools/venv/bin/python");
    assert!(
        python.exists(),
        "the SDK venv is missing: run scripts/setup-sdks (scripts/test does it)"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let server = ServerProcess::start(&exe(), dir.path(), &[], &[]);
    let creds = server.credentials();
    let reply =
        "/sms=<Response><Message>Thanks, your appointment is confirmed</Message></Response>";
    let script = root.join("sdk-tests/python/webhook_receiver.py");
    let mut peer = PeerProcess::start(
        python.to_str().expect("path"),
        &[script.to_str().expect("path"), &creds.auth_token, reply],
        dir.path(),
        &dir.path().join("logs"),
        "webhook-receiver",
    );
    let port = peer.wait_line(Duration::from_secs(30), |l| {
        let v: serde_json::Value = serde_json::from_str(l).ok()?;
        v["port"].as_u64()
    });
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let api = format!("{}/2010-04-01/Accounts/{}", server.base, creds.account_sid);
    let r = http
        .post(format!("{api}/IncomingPhoneNumbers.json"))
        .basic_auth(&creds.account_sid, Some(&creds.auth_token))
        .form(&[
            ("PhoneNumber", "+15550200001"),
            ("SmsUrl", &format!("{base}/sms")),
        ])
        .send()
        .await
        .expect("number");
    assert_eq!(r.status(), 201);
    let r = http
        .post(format!("{api}/Messages.json"))
        .basic_auth(&creds.account_sid, Some(&creds.auth_token))
        .form(&[
            ("To", "+15550200099"),
            ("From", "+15550200001"),
            (
                "Body",
                "Your haircut is tomorrow at 10:00. Reply 1 to confirm, 2 to cancel.",
            ),
            ("StatusCallback", &format!("{base}/status")),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(r.status(), 201);
    let out = run_cli(
        &exe(),
        dir.path(),
        &[
            "sim",
            "reply",
            "--from",
            "+15550200099",
            "--to",
            "+15550200001",
            "1",
        ],
    );
    assert!(out.contains("Sent"), "{out}");
    let got = wait_until(
        Duration::from_secs(30),
        "3 status callbacks and the inbound webhook",
        || async {
            let got = requests(&peer);
            (got.iter().filter(|r| r["path"] == "/status").count() >= 3
                && got.iter().any(|r| r["path"] == "/sms"))
            .then_some(got)
        },
    )
    .await;
    for r in &got {
        assert_eq!(r["valid"], true, "RequestValidator rejected {r}");
        assert_eq!(r["tampered_valid"], false, "a tampered copy validated: {r}");
    }
    let statuses: Vec<&str> = got
        .iter()
        .filter(|r| r["path"] == "/status")
        .map(|r| r["params"]["MessageStatus"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(&statuses[..3], ["sending", "sent", "delivered"]);
    let delivered = got
        .iter()
        .find(|r| r["path"] == "/status" && r["params"]["MessageStatus"] == "delivered")
        .expect("delivered callback");
    let done = delivered["params"]["RawDlrDoneDate"].as_str().unwrap_or("");
    assert!(
        done.len() == 10 && done.bytes().all(|b| b.is_ascii_digit()),
        "RawDlrDoneDate is the receipt's YYMMDDhhmm: {delivered}"
    );
    let inbound = got.iter().find(|r| r["path"] == "/sms").expect("inbound");
    assert_eq!(inbound["params"]["Body"], "1");
    assert_eq!(inbound["params"]["From"], "+15550200099");
    // the TwiML reply goes back to the phone
    let url = format!("{api}/Messages.json?To=%2B15550200099");
    wait_until(Duration::from_secs(30), "the TwiML reply", || async {
        let page: serde_json::Value = http
            .get(&url)
            .basic_auth(&creds.account_sid, Some(&creds.auth_token))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        page["messages"]
            .as_array()?
            .iter()
            .find(|m| {
                m["direction"] == "outbound-reply"
                    && m["body"] == "Thanks, your appointment is confirmed"
            })
            .cloned()
    })
    .await;
}
