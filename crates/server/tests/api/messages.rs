use switchboard_testkit::{spawn_app, spawn_app_with};

#[tokio::test]
async fn create_returns_a_twilio_message_and_it_gets_delivered() {
    let app = spawn_app().await;
    let m = app
        .create_ok("+1 (555) 000-1111", "Hello from Switchboard")
        .await;
    let sid = m["sid"].as_str().expect("sid");
    assert!(sid.starts_with("SM") && sid.len() == 34);
    assert_eq!(m["status"], "queued");
    assert_eq!(m["to"], "+15550001111");
    assert_eq!(m["from"], "+15005550006");
    assert_eq!(m["num_segments"], "1");
    assert_eq!(m["num_media"], "0");
    assert_eq!(m["direction"], "outbound-api");
    assert_eq!(m["api_version"], "2010-04-01");
    assert_eq!(m["account_sid"], app.account_sid.as_str());
    assert!(m["price"].is_null() && m["error_code"].is_null());
    assert!(m["date_created"].as_str().expect("date").ends_with("+0000"));
    assert_eq!(
        m["uri"],
        format!(
            "/2010-04-01/Accounts/{}/Messages/{sid}.json",
            app.account_sid
        )
    );
    let done = app.wait_for_status(sid, "delivered").await;
    assert!(done["date_sent"].is_string());
}

#[tokio::test]
async fn segments_and_encoding() {
    let app = spawn_app().await;
    let long = "a".repeat(161);
    assert_eq!(
        app.create_ok("+15550001111", &long).await["num_segments"],
        "2"
    );
    let italian = "È".repeat(71);
    assert_eq!(
        app.create_ok("+15550001111", &italian).await["num_segments"],
        "2"
    );
    let smart = app
        .create(&[
            ("To", "+15550001111"),
            ("From", "+15005550006"),
            ("Body", "“quoted” — text"),
            ("SmartEncoded", "true"),
        ])
        .await;
    assert_eq!(smart.status, 201);
    assert_eq!(smart.json["body"], "\"quoted\" - text");
}

#[tokio::test]
async fn list_pages_with_a_stable_cursor_and_filters() {
    let app = spawn_app().await;
    let mut sids = vec![];
    for i in 0..5 {
        let m = app.create_ok(&format!("+1555000200{i}"), "page me").await;
        sids.push(m["sid"].as_str().expect("sid").to_owned());
    }
    let first = app.get(&format!("{}?PageSize=2", app.messages_url())).await;
    assert_eq!(first.status, 200);
    let keys: Vec<_> = first
        .json
        .as_object()
        .expect("object")
        .keys()
        .cloned()
        .collect();
    for k in [
        "messages",
        "page",
        "page_size",
        "start",
        "end",
        "uri",
        "first_page_uri",
        "previous_page_uri",
        "next_page_uri",
    ] {
        assert!(keys.contains(&k.to_owned()), "missing {k}");
    }
    assert_eq!(keys.len(), 9, "exactly one record key: {keys:?}");
    let page1: Vec<_> = first.json["messages"]
        .as_array()
        .expect("array")
        .iter()
        .map(|m| m["sid"].clone())
        .collect();
    assert_eq!(page1, vec![sids[4].clone(), sids[3].clone()]);
    // a message created now must not shift the next page
    app.create_ok("+15550002009", "late").await;
    let next = first.json["next_page_uri"].as_str().expect("next");
    assert!(next.contains("PageToken=PA") && next.contains("Page=1"));
    let second = app.get(&format!("{}{next}", app.base)).await;
    let page2: Vec<_> = second.json["messages"]
        .as_array()
        .expect("array")
        .iter()
        .map(|m| m["sid"].clone())
        .collect();
    assert_eq!(page2, vec![sids[2].clone(), sids[1].clone()]);
    assert_eq!(second.json["page"], 1);
    assert_eq!(second.json["start"], 2);
    let third = app
        .get(&format!(
            "{}{}",
            app.base,
            second.json["next_page_uri"].as_str().expect("next")
        ))
        .await;
    assert_eq!(third.json["messages"].as_array().expect("array").len(), 1);
    assert!(third.json["next_page_uri"].is_null());

    let filtered = app
        .get(&format!("{}?To=%2B15550002001", app.messages_url()))
        .await;
    let only = filtered.json["messages"].as_array().expect("array");
    assert_eq!(only.len(), 1);
    assert_eq!(only[0]["sid"], sids[1].as_str());
}

#[tokio::test]
async fn date_sent_filters() {
    let app = spawn_app().await;
    let m = app.create_ok("+15550003001", "dated").await;
    let sid = m["sid"].as_str().expect("sid");
    app.wait_for_status(sid, "delivered").await;
    let today = chrono_today();
    let hit = app
        .get(&format!("{}?DateSent={today}", app.messages_url()))
        .await;
    assert_eq!(hit.json["messages"].as_array().expect("array").len(), 1);
    let before = app
        .get(&format!("{}?DateSent%3C=2000-01-01", app.messages_url()))
        .await;
    assert!(before.json["messages"]
        .as_array()
        .expect("array")
        .is_empty());
    let after = app
        .get(&format!("{}?DateSent%3E=2000-01-01", app.messages_url()))
        .await;
    assert_eq!(after.json["messages"].as_array().expect("array").len(), 1);
    assert!(after.json["uri"]
        .as_str()
        .expect("uri")
        .contains("DateSent%3E=2000-01-01"));
}

#[allow(clippy::disallowed_methods)] // the test compares with the real date
fn chrono_today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    let days = secs.div_euclid(86_400);
    // civil-from-days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

#[tokio::test]
async fn cancel_redact_and_delete() {
    // messages to +1555999… are throttled for an hour, so they stay queued
    let app = spawn_app_with(|s| {
        s.simulator
            .rules
            .push(switchboard_server::config::SimRuleSettings {
                prefix: "+1555999".into(),
                match_from: false,
                outcome: "throttle".into(),
                error_code: None,
                retry_after_secs: Some(3600),
            });
    })
    .await;
    let held = app.create_ok("+15559990001", "hold me").await;
    let sid = held["sid"].as_str().expect("sid");
    let url = app.message_url(sid);
    let canceled =
        switchboard_testkit::wait_until(std::time::Duration::from_secs(10), "cancel", || async {
            let r = app.post(&url, &[("Status", "canceled")]).await;
            match r.status {
                200 => Some(r.json),
                400 if r.json["code"] == 30409 => None,
                other => panic!("unexpected {other}: {:?}", r.json),
            }
        })
        .await;
    assert_eq!(canceled["status"], "canceled");

    let delivered = app.create_ok("+15550004001", "deliver me").await;
    let dsid = delivered["sid"].as_str().expect("sid");
    app.wait_for_status(dsid, "delivered").await;
    let late = app
        .post(&app.message_url(dsid), &[("Status", "canceled")])
        .await;
    assert_eq!(
        (late.status, late.json["code"].clone()),
        (400, 30409.into())
    );
    let bad = app
        .post(&app.message_url(dsid), &[("Status", "sent")])
        .await;
    assert_eq!(bad.status, 400);

    let redacted = app.post(&app.message_url(dsid), &[("Body", "")]).await;
    assert_eq!(
        (redacted.status, redacted.json["body"].clone()),
        (200, "".into())
    );

    let gone = app.delete(&app.message_url(dsid)).await;
    assert_eq!(gone.status, 204);
    assert!(gone.json.is_null());
    let after = app.get(&app.message_url(dsid)).await;
    assert_eq!(
        (after.status, after.json["code"].clone()),
        (404, 20404.into())
    );
    assert_eq!(app.delete(&app.message_url(dsid)).await.status, 404);
}

#[tokio::test]
async fn magic_numbers_fail_with_their_codes() {
    let app = spawn_app().await;
    let m = app.create_ok("+15005550002", "unreachable").await;
    let failed = app
        .wait_for_status(m["sid"].as_str().expect("sid"), "failed")
        .await;
    assert_eq!(failed["error_code"], 21612);
    assert!(failed["error_message"].is_string());
}

#[tokio::test]
async fn validity_period_expiry_fails_with_30001() {
    let app = spawn_app_with(|s| {
        s.simulator
            .rules
            .push(switchboard_server::config::SimRuleSettings {
                prefix: "+1555888".into(),
                match_from: false,
                outcome: "throttle".into(),
                error_code: None,
                retry_after_secs: Some(2),
            });
    })
    .await;
    let m = app
        .create(&[
            ("To", "+15558880001"),
            ("From", "+15005550006"),
            ("Body", "x"),
            ("ValidityPeriod", "1"),
        ])
        .await;
    assert_eq!(m.status, 201);
    let failed = app
        .wait_for_status(m.json["sid"].as_str().expect("sid"), "failed")
        .await;
    assert_eq!(failed["error_code"], 30001);
}
