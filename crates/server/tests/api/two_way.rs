//! Two-way messaging: numbers, sender checks, signed status callbacks,
//! inbound → webhook → TwiML replies, opt-out keywords, refused destinations.

use std::time::Duration;
use switchboard_api::signature::sign;
use switchboard_testkit::webhook_sink::WebhookSink;
use switchboard_testkit::{spawn_app, spawn_app_with, wait_until, TestApp};

fn numbers_url(app: &TestApp) -> String {
    format!(
        "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
        app.base, app.account_sid
    )
}

pub(crate) async fn add_number(
    app: &TestApp,
    number: &str,
    extra: &[(&str, &str)],
) -> serde_json::Value {
    let mut params = vec![("PhoneNumber", number)];
    params.extend_from_slice(extra);
    let r = app.post(&numbers_url(app), &params).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json
}

#[tokio::test]
async fn numbers_are_managed_and_senders_checked() {
    let app = spawn_app().await;
    let n = add_number(
        &app,
        "+15550100001",
        &[
            ("FriendlyName", "Salon"),
            ("SmsUrl", "https://salon.example/sms"),
        ],
    )
    .await;
    let sid = n["sid"].as_str().expect("sid").to_owned();
    assert!(sid.starts_with("PN"));
    assert_eq!(n["phone_number"], "+15550100001");
    assert_eq!(n["sms_url"], "https://salon.example/sms");
    assert_eq!(n["sms_method"], "POST");
    assert_eq!(n["capabilities"]["sms"], true);
    let url = format!(
        "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers/{sid}.json",
        app.base, app.account_sid
    );
    let up = app
        .post(
            &url,
            &[
                ("SmsMethod", "get"),
                ("StatusCallback", "https://salon.example/status"),
            ],
        )
        .await;
    assert_eq!(up.status, 200, "{:?}", up.json);
    assert_eq!(
        (
            up.json["sms_method"].as_str(),
            up.json["friendly_name"].as_str()
        ),
        (Some("GET"), Some("Salon"))
    );
    let bad = app.post(&url, &[("SmsUrl", "not a url")]).await;
    assert_eq!(bad.status, 400);
    let list = app
        .get(&format!("{}?PhoneNumber=%2B1555010*", numbers_url(&app)))
        .await;
    assert_eq!(
        list.json["incoming_phone_numbers"].as_array().map(Vec::len),
        Some(1)
    );
    let none = app
        .get(&format!("{}?PhoneNumber=%2B1666*", numbers_url(&app)))
        .await;
    assert_eq!(
        none.json["incoming_phone_numbers"].as_array().map(Vec::len),
        Some(0)
    );

    // a number belongs to one account
    let (other_sid, other_token) = app.other_account().await;
    let other = app
        .send(
            app.http
                .post(format!(
                    "{}/2010-04-01/Accounts/{other_sid}/IncomingPhoneNumbers.json",
                    app.base
                ))
                .basic_auth(&other_sid, Some(&other_token))
                .form(&[("PhoneNumber", "+15550100001")]),
        )
        .await;
    assert_eq!(
        (other.status, other.json["code"].as_u64()),
        (400, Some(21422))
    );

    // From must be a number the account holds (or the test sender)
    let r = app
        .create(&[
            ("To", "+15550100099"),
            ("From", "+15550100002"),
            ("Body", "hi"),
        ])
        .await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (400, Some(21606)),
        "{:?}",
        r.json
    );
    let r = app
        .create(&[
            ("To", "+15550100099"),
            ("From", "+15550100001"),
            ("Body", "hi"),
        ])
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let r = app
        .create(&[("To", "+15550100099"), ("From", "Salon"), ("Body", "hi")])
        .await;
    assert_eq!(
        r.status, 201,
        "alphanumeric senders are allowed by default: {:?}",
        r.json
    );

    assert_eq!(app.delete(&url).await.status, 204);
    assert_eq!(app.get(&url).await.status, 404);
    let r = app
        .create(&[
            ("To", "+15550100099"),
            ("From", "+15550100001"),
            ("Body", "hi"),
        ])
        .await;
    assert_eq!(
        r.json["code"].as_u64(),
        Some(21606),
        "a released number cannot be used"
    );
}

#[tokio::test]
async fn status_callbacks_are_signed_and_in_order() {
    let app = spawn_app().await;
    let sink = WebhookSink::start().await;
    let r = app
        .create(&[
            ("To", "+15550100101"),
            ("From", "+15005550006"),
            ("Body", "hello"),
            ("StatusCallback", &sink.url("/status?x=1")),
        ])
        .await;
    assert_eq!(r.status, 201);
    let sid = r.json["sid"].as_str().expect("sid").to_owned();
    let got = sink.wait_for("/status", 3).await;
    let statuses: Vec<&str> = got
        .iter()
        .map(|r| r.param("MessageStatus").unwrap_or(""))
        .collect();
    assert_eq!(statuses, ["sending", "sent", "delivered"]);
    for r in &got {
        assert_eq!(r.param("MessageSid"), Some(sid.as_str()));
        assert_eq!(r.param("SmsStatus"), r.param("MessageStatus"));
        assert_eq!(r.param("AccountSid"), Some(app.account_sid.as_str()));
        assert!(r.headers.contains_key("i-twilio-idempotency-token"));
        assert!(
            r.signed_with(&app.auth_token),
            "signature of {:?}",
            r.params
        );
        let mut tampered = r.clone();
        tampered.params[0].1.push('x');
        assert!(
            !tampered.signed_with(&app.auth_token),
            "a tampered parameter fails validation"
        );
    }
    // failures carry ErrorCode
    let r = app
        .create(&[
            ("To", "+15005550002"),
            ("From", "+15005550006"),
            ("Body", "x"),
            ("StatusCallback", &sink.url("/failed")),
        ])
        .await;
    assert_eq!(r.status, 201);
    let got = sink.wait_for("/failed", 2).await;
    let last = got.last().expect("one");
    assert_eq!(last.param("MessageStatus"), Some("failed"));
    assert!(last.param("ErrorCode").is_some(), "{:?}", last.params);
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_every_callback_later_in_order() {
    let app = spawn_app().await;
    // reserve a port, then close it: connections are refused until the sink comes up
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let mut sids = Vec::new();
    for i in 0..20 {
        let r = app
            .create(&[
                ("To", &format!("+155501002{i:02}")),
                ("From", "+15005550006"),
                ("Body", "x"),
                ("StatusCallback", &format!("http://{addr}/cb")),
            ])
            .await;
        sids.push(r.json["sid"].as_str().expect("sid").to_owned());
    }
    for s in &sids {
        app.wait_for_status(s, "delivered").await;
    }
    let listener = tokio::net::TcpListener::bind(addr).await.expect("rebind");
    let sink = WebhookSink::serve(listener);
    let got = sink.wait_for("/cb", 60).await;
    for s in &sids {
        let order: Vec<&str> = got
            .iter()
            .filter(|r| r.param("MessageSid") == Some(s.as_str()))
            .map(|r| r.param("MessageStatus").unwrap_or(""))
            .collect();
        assert_eq!(order, ["sending", "sent", "delivered"], "{s}");
    }
}

#[tokio::test]
async fn private_and_metadata_destinations_are_refused_and_recorded() {
    let sink = WebhookSink::start().await;
    let port = sink.base.rsplit(':').next().expect("port").to_owned();
    let app = spawn_app_with(|s| s.webhooks.allowed_networks = Vec::new()).await;
    let mut sids = Vec::new();
    for cb in [
        "http://10.0.0.1/cb",
        "http://169.254.169.254/latest/meta-data",
        &format!("http://localhost:{port}/cb"),
    ] {
        let r = app
            .create(&[
                ("To", "+15550100301"),
                ("From", "+15005550006"),
                ("Body", "x"),
                ("StatusCallback", cb),
            ])
            .await;
        assert_eq!(r.status, 201);
        sids.push(r.json["sid"].as_str().expect("sid").to_owned());
    }
    let account = switchboard_domain::ids::AccountSid::parse(&app.account_sid).expect("sid");
    for s in &sids {
        let sid = switchboard_domain::ids::MessageSid::parse(s).expect("sid");
        let rows = wait_until(Duration::from_secs(20), "refused callbacks", || async {
            let rows = app
                .app_core
                .store
                .list_webhooks(&account, &sid)
                .await
                .expect("list");
            (rows.len() == 3
                && rows
                    .iter()
                    .all(|r| r.state == switchboard_core::store::WebhookState::Refused))
            .then_some(rows)
        })
        .await;
        assert!(rows[0].last_error.as_deref().is_some_and(|e| !e.is_empty()));
    }
    assert!(
        sink.received().is_empty(),
        "nothing reached the loopback receiver"
    );
}

async fn smpp_app() -> TestApp {
    spawn_app_with(|s| {
        s.simulator.in_process = false;
        s.smsc_sim.receipt_delay_ms = 5;
    })
    .await
}

#[tokio::test]
async fn inbound_goes_to_the_webhook_and_twiml_replies_are_sent() {
    let app = smpp_app().await;
    let sink = WebhookSink::start().await;
    sink.answer(
        "/sms",
        200,
        "<Response><Message>Confirmed, see you at 10</Message></Response>",
    );
    sink.answer("/broken", 500, "");
    sink.answer(
        "/fallback",
        200,
        "<?xml version=\"1.0\"?><Response><Redirect method=\"GET\">/more</Redirect></Response>",
    );
    sink.answer(
        "/more",
        200,
        "<Response><Message to=\"+15550100499\">Forwarded</Message></Response>",
    );
    add_number(&app, "+15550100401", &[("SmsUrl", &sink.url("/sms"))]).await;
    add_number(
        &app,
        "+15550100402",
        &[
            ("SmsUrl", &sink.url("/broken")),
            ("SmsFallbackUrl", &sink.url("/fallback")),
        ],
    )
    .await;

    app.inject_mo("+15550100488", "+15550100401", "1").await;
    let hook = sink.wait_for("/sms", 1).await.remove(0);
    assert!(hook.signed_with(&app.auth_token));
    for (k, v) in [
        ("Body", "1"),
        ("From", "+15550100488"),
        ("To", "+15550100401"),
        ("SmsStatus", "received"),
        ("NumMedia", "0"),
        ("ApiVersion", "2010-04-01"),
    ] {
        assert_eq!(hook.param(k), Some(v), "{k}");
    }
    let replies = app.messages_to("+15550100488", 1).await;
    assert_eq!(replies[0]["body"], "Confirmed, see you at 10");
    assert_eq!(replies[0]["direction"], "outbound-reply");
    assert_eq!(replies[0]["from"], "+15550100401");
    app.wait_for_status(replies[0]["sid"].as_str().expect("sid"), "delivered")
        .await;

    // 5xx → fallback → <Redirect method=GET> → reply to another number
    app.inject_mo("+15550100488", "+15550100402", "hello").await;
    let more = sink.wait_for("/more", 1).await.remove(0);
    assert_eq!(more.method, "GET");
    assert_eq!(
        more.headers.get("x-twilio-signature").map(String::as_str),
        Some(sign(&app.auth_token, &more.url, &[]).as_str())
    );
    let fwd = app.messages_to("+15550100499", 1).await;
    assert_eq!(fwd[0]["body"], "Forwarded");
}

#[tokio::test]
async fn invalid_twiml_is_recorded_not_fatal() {
    let app = smpp_app().await;
    let sink = WebhookSink::start().await;
    sink.answer(
        "/sms",
        200,
        "<!DOCTYPE r [<!ENTITY a \"aaaa\">]><Response><Message>&a;</Message></Response>",
    );
    add_number(&app, "+15550100501", &[("SmsUrl", &sink.url("/sms"))]).await;
    app.inject_mo("+15550100588", "+15550100501", "hi").await;
    let inbound = app.messages_to("+15550100501", 1).await;
    let account = switchboard_domain::ids::AccountSid::parse(&app.account_sid).expect("sid");
    let sid = switchboard_domain::ids::MessageSid::parse(inbound[0]["sid"].as_str().expect("sid"))
        .expect("sid");
    let row = wait_until(Duration::from_secs(20), "the webhook recorded", || async {
        let rows = app
            .app_core
            .store
            .list_webhooks(&account, &sid)
            .await
            .expect("list");
        rows.into_iter()
            .find(|r| r.state != switchboard_core::store::WebhookState::Pending)
    })
    .await;
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("12100")),
        "{:?}",
        row.last_error
    );
    let m = app
        .get(&app.message_url(inbound[0]["sid"].as_str().expect("sid")))
        .await;
    assert_eq!(
        m.json["error_code"], 12100,
        "recorded on the inbound message: {:?}",
        m.json
    );
    assert!(
        m.json["error_message"]
            .as_str()
            .is_some_and(|e| e.contains("DOCTYPE") || e.contains("doctype")),
        "{:?}",
        m.json
    );
    let after = app
        .get(&format!("{}?To=%2B15550100588", app.messages_url()))
        .await;
    assert_eq!(
        after.json["messages"].as_array().map(Vec::len),
        Some(0),
        "no reply was sent"
    );
}

#[tokio::test]
async fn stop_blocks_sends_and_start_lifts_the_block() {
    let app = smpp_app().await;
    let sink = WebhookSink::start().await;
    add_number(&app, "+15550100601", &[("SmsUrl", &sink.url("/sms"))]).await;
    let phone = "+15550100688";
    let params = [
        ("To", phone),
        ("From", "+15550100601"),
        ("Body", "Reminder"),
    ];
    let send = || app.create(&params);
    assert_eq!(send().await.status, 201);

    app.inject_mo(phone, "+15550100601", "STOP please").await;
    let hook = sink.wait_for("/sms", 1).await.remove(0);
    assert_eq!(hook.param("OptOutType"), None, "not a keyword");
    assert_eq!(send().await.status, 201, "'STOP please' does not opt out");

    app.inject_mo(phone, "+15550100601", "stop").await;
    let hooks = sink.wait_for("/sms", 2).await;
    assert_eq!(
        hooks[1].param("OptOutType"),
        Some("STOP"),
        "still forwarded, marked"
    );
    let to_phone = app.messages_to(phone, 3).await;
    assert!(to_phone.iter().any(|m| m["body"]
        .as_str()
        .is_some_and(|b| b.starts_with("You have successfully been unsubscribed"))));
    let r = send().await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (400, Some(21610)),
        "{:?}",
        r.json
    );
    let outs = app
        .get(&format!(
            "{}/2010-04-01/Accounts/{}/OptOuts.json",
            app.base, app.account_sid
        ))
        .await;
    assert_eq!(outs.json["opt_outs"][0]["recipient"], phone);

    app.inject_mo(phone, "+15550100601", "START").await;
    sink.wait_for("/sms", 3).await;
    wait_until(Duration::from_secs(20), "sends work again", || async {
        (send().await.status == 201).then_some(())
    })
    .await;
}

/// Sends a message whose StatusCallback is `callback` and waits until its
/// three callbacks (sending, sent, delivered) are all in `state`.
async fn callbacks_settled(
    app: &TestApp,
    to: &str,
    callback: &str,
    state: switchboard_core::store::WebhookState,
) -> Vec<switchboard_core::store::WebhookRecord> {
    let r = app
        .create(&[
            ("To", to),
            ("From", "+15005550006"),
            ("Body", "x"),
            ("StatusCallback", callback),
        ])
        .await;
    let sid = switchboard_domain::ids::MessageSid::parse(r.json["sid"].as_str().expect("sid"))
        .expect("sid");
    let account = switchboard_domain::ids::AccountSid::parse(&app.account_sid).expect("sid");
    wait_until(Duration::from_secs(20), "the callbacks settled", || async {
        let rows = app
            .app_core
            .store
            .list_webhooks(&account, &sid)
            .await
            .expect("list");
        (rows.len() == 3 && rows.iter().all(|r| r.state == state)).then_some(rows)
    })
    .await
}

#[tokio::test]
async fn url_fragment_overrides_bound_the_retries() {
    use switchboard_core::store::WebhookState;
    let app = spawn_app().await;
    let sink = WebhookSink::start().await;
    sink.answer("/down", 503, "");
    // rc=1: one retry after the first attempt; rp=all: a 503 is retried too.
    let all = format!("{}#rc=1&rp=all", sink.url("/down"));
    let rows = callbacks_settled(&app, "+15550100701", &all, WebhookState::Failed).await;
    assert!(
        rows.iter()
            .all(|r| r.attempts == 2 && r.response_code == Some(503)),
        "{rows:?}"
    );
    assert_eq!(sink.received().len(), 6, "two attempts per callback");
    // rp=ct (Twilio's default policy when given): an HTTP error is not retried.
    let ct = format!("{}#rp=ct", sink.url("/down"));
    let rows = callbacks_settled(&app, "+15550100702", &ct, WebhookState::Failed).await;
    assert!(rows.iter().all(|r| r.attempts == 1), "{rows:?}");
}
