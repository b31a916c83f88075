//! `Idempotency-Key` on message creation (a Switchboard extension).

use switchboard_testkit::spawn_app;

#[tokio::test]
async fn fifty_concurrent_posts_with_one_key_create_one_message() {
    let app = spawn_app().await;
    let params = [
        ("To", "+15550400001"),
        ("From", "+15005550006"),
        ("Body", "Your code is 123456"),
    ];
    let mut tasks = Vec::new();
    for _ in 0..50 {
        let req = app
            .http
            .post(app.messages_url())
            .basic_auth(&app.account_sid, Some(&app.auth_token))
            .header("Idempotency-Key", "order-42")
            .form(&params);
        tasks.push(tokio::spawn(async move {
            let r = req.send().await.expect("send");
            let status = r.status().as_u16();
            let v: serde_json::Value = r.json().await.expect("json");
            (status, v["sid"].as_str().unwrap_or("").to_owned())
        }));
    }
    let mut sids = std::collections::HashSet::new();
    for t in tasks {
        let (status, sid) = t.await.expect("task");
        assert_eq!(
            status, 201,
            "a replay answers as the first request was answered"
        );
        sids.insert(sid);
    }
    assert_eq!(sids.len(), 1, "one SID for every answer: {sids:?}");
    let list = app
        .get(&format!("{}?To=%2B15550400001", app.messages_url()))
        .await;
    assert_eq!(
        list.json["messages"].as_array().map(Vec::len),
        Some(1),
        "one message stored"
    );

    // The same key with other parameters: 422, nothing created.
    let r = app
        .send(
            app.http
                .post(app.messages_url())
                .basic_auth(&app.account_sid, Some(&app.auth_token))
                .header("Idempotency-Key", "order-42")
                .form(&[
                    ("To", "+15550400001"),
                    ("From", "+15005550006"),
                    ("Body", "another text"),
                ]),
        )
        .await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (422, Some(20422)),
        "{:?}",
        r.json
    );
    // Parameter order does not matter; another key is another message.
    let reordered = app
        .send(
            app.http
                .post(app.messages_url())
                .basic_auth(&app.account_sid, Some(&app.auth_token))
                .header("Idempotency-Key", "order-42")
                .form(&[
                    ("Body", "Your code is 123456"),
                    ("From", "+15005550006"),
                    ("To", "+15550400001"),
                ]),
        )
        .await;
    assert_eq!(
        reordered.json["sid"].as_str(),
        sids.iter().next().map(String::as_str)
    );
    let other = app
        .send(
            app.http
                .post(app.messages_url())
                .basic_auth(&app.account_sid, Some(&app.auth_token))
                .header("Idempotency-Key", "order-43")
                .form(&params),
        )
        .await;
    assert_eq!(other.status, 201);
    assert!(!sids.contains(other.json["sid"].as_str().unwrap_or("")));
    let list = app
        .get(&format!("{}?To=%2B15550400001", app.messages_url()))
        .await;
    assert_eq!(list.json["messages"].as_array().map(Vec::len), Some(2));
}
