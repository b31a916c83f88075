//! The Keys resource: create (secret once, scopes), list, fetch, rename, delete
//! (revokes at once), and who may manage keys.

use switchboard_testkit::spawn_app;

#[tokio::test]
async fn keys_are_created_listed_renamed_and_revoked() {
    let app = spawn_app().await;
    let keys = format!(
        "{}/2010-04-01/Accounts/{}/Keys.json",
        app.base, app.account_sid
    );
    let r = app
        .post(
            &keys,
            &[("FriendlyName", "ci"), ("Scopes", "messages:read verify")],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let sid = r.json["sid"].as_str().expect("sid").to_owned();
    let secret = r.json["secret"].as_str().expect("secret").to_owned();
    assert!(sid.starts_with("SK"));
    assert_eq!(r.json["friendly_name"], "ci");
    assert_eq!(
        r.json["scopes"],
        serde_json::json!(["messages:read", "verify"])
    );
    assert!(r.json["date_created"]
        .as_str()
        .expect("date")
        .ends_with("+0000"));

    // A standard key (no Scopes) has every scope but keys:write.
    let std = app.post(&keys, &[("FriendlyName", "std")]).await;
    assert_eq!(std.status, 201);
    assert_eq!(std.json["scopes"].as_array().expect("scopes").len(), 13);

    let list = app.get(&format!("{keys}?PageSize=1")).await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json["keys"].as_array().expect("keys").len(), 1);
    assert_eq!(list.json["page_size"], 1);
    assert!(list.json["next_page_uri"].as_str().is_some());
    assert!(
        list.json["keys"][0].get("secret").is_none(),
        "the secret is shown once"
    );

    let one = format!(
        "{}/2010-04-01/Accounts/{}/Keys/{sid}.json",
        app.base, app.account_sid
    );
    let got = app.get(&one).await;
    assert_eq!(
        (got.status, got.json["sid"].as_str()),
        (200, Some(sid.as_str()))
    );
    assert!(got.json.get("secret").is_none());
    let renamed = app.post(&one, &[("FriendlyName", "renamed")]).await;
    assert_eq!(renamed.json["friendly_name"], "renamed");
    let change = app.post(&one, &[("Scopes", "keys:write")]).await;
    assert_eq!(change.status, 400, "scopes are fixed at creation");

    // The key works, and stops working the moment it is deleted (cache dropped).
    let msgs = app.messages_url();
    let use_key = || app.http.get(&msgs).basic_auth(&sid, Some(&secret));
    assert_eq!(app.send(use_key()).await.status, 200);
    assert_eq!(app.delete(&one).await.status, 204);
    assert_eq!(app.send(use_key()).await.status, 401);
    assert_eq!(app.delete(&one).await.status, 404);
    assert_eq!(app.get(&one).await.status, 404);
}

#[tokio::test]
async fn only_keys_write_manages_keys_and_never_beyond_its_own_scopes() {
    let app = spawn_app().await;
    let keys = format!(
        "{}/2010-04-01/Accounts/{}/Keys.json",
        app.base, app.account_sid
    );
    let std = app.post(&keys, &[("FriendlyName", "std")]).await;
    let (s, ss) = (
        std.json["sid"].as_str().expect("sid"),
        std.json["secret"].as_str().expect("s"),
    );
    let r = app.send(app.http.get(&keys).basic_auth(s, Some(ss))).await;
    assert_eq!(
        (r.status, r.json["code"].as_u64()),
        (403, Some(20403)),
        "standard keys cannot manage keys"
    );

    let admin = app
        .post(
            &keys,
            &[
                ("FriendlyName", "km"),
                ("Scopes", "keys:write,messages:read"),
            ],
        )
        .await;
    let (a, as_) = (
        admin.json["sid"].as_str().expect("sid"),
        admin.json["secret"].as_str().expect("s"),
    );
    let post = |scopes: &'static str| {
        app.http
            .post(&keys)
            .basic_auth(a, Some(as_))
            .form(&[("FriendlyName", "child"), ("Scopes", scopes)])
    };
    assert_eq!(app.send(post("messages:read")).await.status, 201);
    let r = app.send(post("messages:read,messages:send")).await;
    assert_eq!(r.status, 403, "{:?}", r.json);
    assert!(r.json["message"]
        .as_str()
        .expect("m")
        .contains("messages:send"));
    let bad = app.post(&keys, &[("Scopes", "messages:sned")]).await;
    assert_eq!(bad.status, 400);
    assert!(
        bad.json["message"]
            .as_str()
            .expect("m")
            .contains("'messages:sned'"),
        "{:?}",
        bad.json
    );
    let long = "x".repeat(65);
    assert_eq!(
        app.post(&keys, &[("FriendlyName", long.as_str())])
            .await
            .status,
        400
    );

    // Another account's key is not found, not forbidden.
    let (other, token) = app.other_account().await;
    let theirs = format!("{}/2010-04-01/Accounts/{other}/Keys.json", app.base);
    let r = app
        .send(
            app.http
                .post(&theirs)
                .basic_auth(&other, Some(&token))
                .form(&[("FriendlyName", "o")]),
        )
        .await;
    let osid = r.json["sid"].as_str().expect("sid").to_owned();
    let mine = format!(
        "{}/2010-04-01/Accounts/{}/Keys/{osid}.json",
        app.base, app.account_sid
    );
    assert_eq!(app.get(&mine).await.status, 404);
    assert_eq!(app.delete(&mine).await.status, 404);
}
