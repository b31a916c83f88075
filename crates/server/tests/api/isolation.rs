use switchboard_testkit::spawn_app;

#[tokio::test]
async fn one_account_never_reaches_another_accounts_messages() {
    let app = spawn_app().await;
    let (b_sid, b_token) = app.other_account().await;
    let m = app.create_ok("+15550005001", "private").await;
    let sid = m["sid"].as_str().expect("sid");
    let url = app.message_url(sid);
    let as_b = |req: reqwest::RequestBuilder| req.basic_auth(&b_sid, Some(&b_token));

    // B's credentials on A's paths: 404, no data, same as a SID that does not exist.
    let fetch = app.send(as_b(app.http.get(&url))).await;
    let missing = app
        .send(as_b(
            app.http
                .get(app.message_url("SM00000000000000000000000000000000")),
        ))
        .await;
    assert_eq!(
        (fetch.status, fetch.json["code"].clone()),
        (404, 20404.into())
    );
    assert_eq!(missing.status, 404);
    assert!(!fetch.json.to_string().contains("private"));
    let list = app.send(as_b(app.http.get(app.messages_url()))).await;
    assert_eq!(list.status, 404);
    let update = app
        .send(as_b(app.http.post(&url).form(&[("Body", "")])))
        .await;
    assert_eq!(update.status, 404);
    let delete = app.send(as_b(app.http.delete(&url))).await;
    assert_eq!(delete.status, 404);
    let create = app
        .send(as_b(app.http.post(app.messages_url()).form(&[
            ("To", "+15550005002"),
            ("From", "+15005550006"),
            ("Body", "x"),
        ])))
        .await;
    assert_eq!(create.status, 404);

    // B's own path, A's message SID: not found either.
    let own_path = format!(
        "{}/2010-04-01/Accounts/{b_sid}/Messages/{sid}.json",
        app.base
    );
    assert_eq!(app.send(as_b(app.http.get(own_path))).await.status, 404);

    // and A still sees its message, untouched
    let still = app.get(&url).await;
    assert_eq!(
        (still.status, still.json["body"].clone()),
        (200, "private".into())
    );
}

#[tokio::test]
async fn wrong_or_missing_credentials_get_20003() {
    let app = spawn_app().await;
    let wrong = app
        .send(
            app.http
                .get(app.messages_url())
                .basic_auth(&app.account_sid, Some("0".repeat(32))),
        )
        .await;
    assert_eq!(
        (wrong.status, wrong.json["code"].clone()),
        (401, 20003.into())
    );
    assert_eq!(
        wrong.json["more_info"],
        "https://www.twilio.com/docs/errors/20003"
    );
    assert!(wrong.json.get("type").is_none() && wrong.json.get("title").is_none());
    let none = app.send(app.http.get(app.messages_url())).await;
    assert_eq!(none.status, 401);
    let garbage = app
        .send(
            app.http
                .get(app.messages_url())
                .header("authorization", "Basic !!!"),
        )
        .await;
    assert_eq!(garbage.status, 401);
}

#[tokio::test]
async fn api_keys_authenticate_for_their_account() {
    let app = spawn_app().await;
    let account = switchboard_domain::ids::AccountSid::parse(&app.account_sid).expect("sid");
    let key = app
        .app_core
        .accounts
        .create_api_key(
            &account,
            "ci",
            switchboard_domain::scopes::ScopeSet::standard(),
        )
        .await
        .expect("key");
    let key = switchboard_core::accounts::Created {
        sid: key.key.sid,
        secret: key.secret,
    };
    let ok = app
        .send(
            app.http
                .get(app.messages_url())
                .basic_auth(key.sid.as_str(), Some(&key.secret)),
        )
        .await;
    assert_eq!(ok.status, 200);
    let bad = app
        .send(
            app.http
                .get(app.messages_url())
                .basic_auth(key.sid.as_str(), Some("nope")),
        )
        .await;
    assert_eq!(bad.status, 401);
}
