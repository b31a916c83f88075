//! Messaging Services (`/v1/Services`): the sender pool with sticky senders,
//! `accepted` sends, and scheduled messages.

use std::collections::HashMap;
use std::time::Duration;
use switchboard_testkit::{spawn_app_with, wait_until, TestApp};

async fn number(app: &TestApp, e164: &str) -> String {
    let r = app
        .post(
            &format!(
                "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
                app.base, app.account_sid
            ),
            &[("PhoneNumber", e164)],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["sid"].as_str().expect("sid").to_owned()
}

async fn service(app: &TestApp, name: &str) -> String {
    let r = app
        .post(
            &format!("{}/v1/Services", app.base),
            &[("FriendlyName", name)],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["sid"].as_str().expect("sid").to_owned()
}

fn iso(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis)
        .expect("time")
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}

#[allow(clippy::disallowed_methods)] // the scheduled time is wall-clock time
fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

#[tokio::test]
async fn a_service_sends_from_its_pool_with_sticky_senders() {
    let app = spawn_app_with(|_| {}).await;
    let mg = service(&app, "Salon reminders").await;
    assert!(mg.starts_with("MG"));
    let got = app.get(&format!("{}/v1/Services/{mg}", app.base)).await;
    assert_eq!(got.json["friendly_name"], "Salon reminders");
    assert_eq!(got.json["sticky_sender"], true);
    assert!(got.json["date_created"]
        .as_str()
        .is_some_and(|d| d.ends_with('Z') && d.len() == 20));
    let list = app.get(&format!("{}/v1/Services", app.base)).await;
    assert_eq!(list.json["meta"]["key"], "services");
    assert_eq!(list.json["services"].as_array().map(Vec::len), Some(1));
    assert!(list.json["meta"]["url"]
        .as_str()
        .is_some_and(|u| u.starts_with("http")));

    // empty pool
    let r = app
        .create(&[
            ("To", "+15550600001"),
            ("MessagingServiceSid", &mg),
            ("Body", "x"),
        ])
        .await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (400, Some(21703)),
        "{:?}",
        r.json
    );
    for n in ["+15550600101", "+15550600102"] {
        let pn = number(&app, n).await;
        let r = app
            .post(
                &format!("{}/v1/Services/{mg}/PhoneNumbers", app.base),
                &[("PhoneNumberSid", &pn)],
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
        assert_eq!(r.json["phone_number"], n);
    }
    let pool = app
        .get(&format!("{}/v1/Services/{mg}/PhoneNumbers", app.base))
        .await;
    assert_eq!(pool.json["phone_numbers"].as_array().map(Vec::len), Some(2));

    let mut sender_of: HashMap<String, String> = HashMap::new();
    let mut sids = Vec::new();
    for i in 0..20 {
        let to = format!("+1555060020{}", i % 5);
        let r = app
            .create(&[
                ("To", &to),
                ("MessagingServiceSid", &mg),
                ("Body", "Reminder"),
            ])
            .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
        assert_eq!(r.json["status"], "accepted");
        assert_eq!(r.json["messaging_service_sid"], mg.as_str());
        let from = r.json["from"].as_str().expect("from").to_owned();
        assert!(from == "+15550600101" || from == "+15550600102", "{from}");
        let first = sender_of.entry(to.clone()).or_insert_with(|| from.clone());
        assert_eq!(*first, from, "{to} always gets the same sender");
        sids.push(r.json["sid"].as_str().expect("sid").to_owned());
    }
    for s in &sids {
        app.wait_for_status(s, "delivered").await;
    }
    // unknown service
    let r = app
        .create(&[
            ("To", "+15550600001"),
            ("MessagingServiceSid", "MG00000000000000000000000000000000"),
            ("Body", "x"),
        ])
        .await;
    assert_eq!(r.json["code"].as_u64(), Some(21701));
}

#[tokio::test]
async fn scheduled_messages_go_out_at_their_time_and_can_be_canceled() {
    let app = spawn_app_with(|s| s.messaging.schedule_min_secs = 1).await;
    let mg = service(&app, "Scheduled").await;
    let pn = number(&app, "+15550600301").await;
    app.post(
        &format!("{}/v1/Services/{mg}/PhoneNumbers", app.base),
        &[("PhoneNumberSid", &pn)],
    )
    .await;
    // SendAt has whole seconds.
    let at = (now_millis() + 3_000) / 1000 * 1000;
    let mut sids = Vec::new();
    for to in ["+15550600401", "+15550600402"] {
        let r = app
            .create(&[
                ("To", to),
                ("MessagingServiceSid", &mg),
                ("Body", "Your appointment is in one hour"),
                ("ScheduleType", "fixed"),
                ("SendAt", &iso(at)),
            ])
            .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
        assert_eq!(r.json["status"], "scheduled");
        sids.push(r.json["sid"].as_str().expect("sid").to_owned());
    }
    let canceled = app
        .post(&app.message_url(&sids[1]), &[("Status", "canceled")])
        .await;
    assert_eq!(canceled.json["status"], "canceled");
    let still = app.get(&app.message_url(&sids[0])).await;
    assert_eq!(still.json["status"], "scheduled", "not before its time");
    let sent = app.wait_for_status(&sids[0], "delivered").await;
    assert!(now_millis() >= at, "delivered at or after SendAt");
    assert_eq!(sent["from"], "+15550600301");
    wait_until(
        Duration::from_millis(300),
        "the canceled one stays canceled",
        || async {
            let m = app.get(&app.message_url(&sids[1])).await;
            (m.json["status"] == "canceled").then_some(())
        },
    )
    .await;

    // outside the window, an unknown ScheduleType
    let too_soon = app
        .create(&[
            ("To", "+15550600401"),
            ("MessagingServiceSid", &mg),
            ("Body", "x"),
            ("ScheduleType", "fixed"),
            ("SendAt", &iso(now_millis())),
        ])
        .await;
    assert_eq!(
        too_soon.json["code"].as_u64(),
        Some(35114),
        "{:?}",
        too_soon.json
    );
    let weird = app
        .create(&[
            ("To", "+15550600401"),
            ("MessagingServiceSid", &mg),
            ("Body", "x"),
            ("ScheduleType", "daily"),
            ("SendAt", &iso(at + 60_000)),
        ])
        .await;
    assert_eq!(weird.json["code"].as_u64(), Some(35111), "{:?}", weird.json);
}

#[tokio::test]
async fn inbound_to_a_service_number_uses_the_service_webhook_and_opt_outs_cover_the_service() {
    use switchboard_testkit::webhook_sink::WebhookSink;
    let app = spawn_app_with(|s| {
        s.simulator.in_process = false;
        s.smsc_sim.receipt_delay_ms = 5;
    })
    .await;
    let sink = WebhookSink::start().await;
    let mg = {
        let r = app
            .post(
                &format!("{}/v1/Services", app.base),
                &[
                    ("FriendlyName", "Clinic"),
                    ("InboundRequestUrl", &sink.url("/service")),
                ],
            )
            .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
        r.json["sid"].as_str().expect("sid").to_owned()
    };
    let r = app
        .post(
            &format!(
                "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
                app.base, app.account_sid
            ),
            &[
                ("PhoneNumber", "+15550600501"),
                ("SmsUrl", &sink.url("/number")),
            ],
        )
        .await;
    let pn = r.json["sid"].as_str().expect("sid").to_owned();
    app.post(
        &format!("{}/v1/Services/{mg}/PhoneNumbers", app.base),
        &[("PhoneNumberSid", &pn)],
    )
    .await;

    app.inject_mo("+15550600588", "+15550600501", "hello").await;
    wait_until(Duration::from_secs(20), "the service webhook", || async {
        sink.received()
            .iter()
            .any(|r| r.path == "/service")
            .then_some(())
    })
    .await;
    assert!(
        sink.received().iter().all(|r| r.path != "/number"),
        "the service's URL wins"
    );

    // STOP to one number of the service: the whole service is blocked.
    app.inject_mo("+15550600588", "+15550600501", "STOP").await;
    app.messages_to("+15550600588", 1).await; // the auto-reply
    let r = app
        .create(&[
            ("To", "+15550600588"),
            ("MessagingServiceSid", &mg),
            ("Body", "Reminder"),
        ])
        .await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (400, Some(21610)),
        "{:?}",
        r.json
    );
}
