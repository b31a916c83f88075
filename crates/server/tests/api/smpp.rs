//! Over real SMPP: the app's default carrier, the built-in SMSC simulator on loopback.

use switchboard_server::carrier_settings::SmscRuleSettings;
use switchboard_testkit::{spawn_app_with, wait_until, TestApp};

async fn smpp_app() -> TestApp {
    spawn_app_with(|s| {
        s.simulator.in_process = false;
        s.smsc_sim.receipt_delay_ms = 5;
        for (prefix, outcome) in [
            ("+1555100", "reject:0x0b"),
            ("+1555200", "throttle:2"),
            ("+1555300", "undeliverable:5"),
        ] {
            s.smsc_sim.rules.push(SmscRuleSettings {
                prefix: prefix.into(),
                outcome: outcome.into(),
            });
        }
    })
    .await
}

#[tokio::test]
async fn gsm7_ucs2_and_concatenated_messages_are_delivered_over_smpp() {
    let app = smpp_app().await;
    let gsm = app
        .create_ok("+393331234567", "Ciao, è tutto ok? Costa 5€")
        .await;
    let ucs2 = app.create_ok("+393331234567", "È già lì").await;
    let long = app
        .create_ok("+393331234567", &"Segmented message. ".repeat(20))
        .await;
    assert_eq!(long["num_segments"], "3");
    for m in [&gsm, &ucs2, &long] {
        app.wait_for_status(m["sid"].as_str().expect("sid"), "delivered")
            .await;
    }
}

#[tokio::test]
async fn smsc_refusals_throttles_and_failed_receipts() {
    let app = smpp_app().await;
    let rejected = app.create_ok("+15551000001", "bad destination").await;
    let failed = app
        .wait_for_status(rejected["sid"].as_str().expect("sid"), "failed")
        .await;
    assert_eq!(failed["error_code"], 30005);
    let throttled = app.create_ok("+15552000001", "slow down").await;
    app.wait_for_status(throttled["sid"].as_str().expect("sid"), "delivered")
        .await;
    let undeliv = app.create_ok("+15553000001", "phone off").await;
    let m = app
        .wait_for_status(undeliv["sid"].as_str().expect("sid"), "undelivered")
        .await;
    assert_eq!(m["error_code"], 30003);
}

#[tokio::test]
async fn a_reply_from_a_phone_becomes_an_inbound_message() {
    let app = smpp_app().await;
    let account = switchboard_domain::ids::AccountSid::parse(&app.account_sid).expect("sid");
    app.app_core
        .store
        .add_number(switchboard_core::store::NewNumber {
            sid: switchboard_domain::ids::PhoneNumberSid::generate(),
            account_sid: account,
            phone_number: "+15550001111".into(),
            friendly_name: "salon".into(),
            config: Default::default(),
            now: 0,
        })
        .await
        .expect("number");
    let control = app.sim_control_url();
    let long_reply = "Sì, confermo l'appuntamento di domani alle 10. ".repeat(4);
    for text in ["1", long_reply.as_str()] {
        let r = app
            .http
            .post(format!("{control}/mo"))
            .form(&[
                ("from", "+393331234567"),
                ("to", "+15550001111"),
                ("text", text),
            ])
            .send()
            .await
            .expect("inject");
        assert_eq!(r.status(), 200);
    }
    let inbound = wait_until(
        std::time::Duration::from_secs(20),
        "two inbound messages",
        || async {
            let r = app
                .get(&format!("{}?To=%2B15550001111", app.messages_url()))
                .await;
            let list = r.json["messages"].as_array().cloned().unwrap_or_default();
            (list.len() == 2).then_some(list)
        },
    )
    .await;
    for m in &inbound {
        assert_eq!(m["direction"], "inbound");
        assert_eq!(m["status"], "received");
        assert_eq!(m["from"], "+393331234567");
    }
    let bodies: Vec<&str> = inbound
        .iter()
        .map(|m| m["body"].as_str().unwrap_or(""))
        .collect();
    assert!(bodies.contains(&"1"));
    assert!(
        bodies.contains(&long_reply.as_str()),
        "the multi-part reply is reassembled: {bodies:?}"
    );
}

#[tokio::test]
async fn a_message_whose_validity_ends_while_the_carrier_is_down_is_failed_never_sent() {
    use std::sync::atomic::Ordering;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("port")
        .port();
    let carrier: switchboard_server::carrier_settings::CarrierSettings = toml::from_str(&format!(
        "name = \"down\"\nhost = \"127.0.0.1\"\nport = {port}\nsystem_id = \"sb\"\npassword = \"pw\"\n"
    ))
    .expect("carrier");
    let app = spawn_app_with(|s| {
        s.simulator.in_process = false;
        s.carriers = vec![carrier];
        s.pipeline.retry_base_ms = 100;
        s.pipeline.retry_max_secs = 1;
    })
    .await;
    let m = app
        .create(&[
            ("To", "+15550009001"),
            ("From", "+15005550006"),
            ("Body", "only within 2 s"),
            ("ValidityPeriod", "2"),
        ])
        .await;
    assert_eq!(m.status, 201);
    let failed = app
        .wait_for_status(m.json["sid"].as_str().expect("sid"), "failed")
        .await;
    assert_eq!(failed["error_code"], 30001);
    // The carrier comes back: it binds, and the expired message is not sent.
    let stop = tokio_util::sync::CancellationToken::new();
    let smsc = switchboard_smsc::Smsc::start(
        switchboard_smsc::SmscConfig {
            bind: format!("127.0.0.1:{port}").parse().expect("addr"),
            control_bind: None,
            ..Default::default()
        },
        stop.clone(),
    )
    .await
    .expect("smsc");
    wait_until(
        std::time::Duration::from_secs(30),
        "the link binds",
        || async { (smsc.stats().binds.load(Ordering::Relaxed) > 0).then_some(()) },
    )
    .await;
    let again = app
        .get(&app.message_url(m.json["sid"].as_str().expect("sid")))
        .await;
    assert_eq!(again.json["status"], "failed");
    assert_eq!(
        smsc.stats().submit_sm.load(Ordering::Relaxed),
        0,
        "never sent late"
    );
    stop.cancel();
}
