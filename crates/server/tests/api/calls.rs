//! The Calls resource: create (shape and each validation code), fetch, list with
//! paging and filters, update (cancel, redirect), delete, status callbacks, scopes.
//! No call engine runs here: calls stay `queued` unless the API moves them.

use switchboard_testkit::webhook_sink::WebhookSink;
use switchboard_testkit::{spawn_app_with, Reply, TestApp};

/// An app whose calls stay `queued`: no call engine on this node (`[voice] enabled = false`).
async fn spawn_app() -> TestApp {
    spawn_app_with(|s| s.voice.enabled = false).await
}

const TWIML: &str = "<Response><Say>Hi</Say></Response>";

fn calls_url(app: &TestApp) -> String {
    format!(
        "{}/2010-04-01/Accounts/{}/Calls.json",
        app.base, app.account_sid
    )
}

fn call_url(app: &TestApp, sid: &str) -> String {
    format!(
        "{}/2010-04-01/Accounts/{}/Calls/{sid}.json",
        app.base, app.account_sid
    )
}

async fn create(app: &TestApp, params: &[(&str, &str)]) -> Reply {
    app.post(&calls_url(app), params).await
}

async fn create_ok(app: &TestApp, to: &str, extra: &[(&str, &str)]) -> serde_json::Value {
    let mut params = vec![("To", to), ("From", "+15005550006"), ("Twiml", TWIML)];
    params.extend_from_slice(extra);
    let r = create(app, &params).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json
}

async fn number(app: &TestApp, e164: &str) -> String {
    let url = format!(
        "{}/2010-04-01/Accounts/{}/IncomingPhoneNumbers.json",
        app.base, app.account_sid
    );
    let r = app.post(&url, &[("PhoneNumber", e164)]).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["sid"].as_str().expect("sid").to_owned()
}

#[tokio::test]
async fn create_answers_201_in_twilio_shape() {
    let app = spawn_app().await;
    let pn = number(&app, "+15550107000").await;
    let r = create(
        &app,
        &[
            ("To", "+1 555 010 0101"),
            ("From", "+15550107000"),
            ("Url", "https://app.example/voice"),
        ],
    )
    .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    let j = &r.json;
    let sid = j["sid"].as_str().expect("sid");
    assert!(sid.starts_with("CA") && sid.len() == 34, "{sid}");
    assert_eq!(j["account_sid"], app.account_sid.as_str());
    assert_eq!(j["to"], "+15550100101");
    assert_eq!(j["to_formatted"], "(555) 010-0101");
    assert_eq!(j["from"], "+15550107000");
    assert_eq!(j["from_formatted"], "(555) 010-7000");
    assert_eq!(j["phone_number_sid"], pn.as_str());
    assert_eq!(j["status"], "queued");
    assert_eq!(j["direction"], "outbound-api");
    assert_eq!(j["api_version"], "2010-04-01");
    assert_eq!(j["price_unit"], "USD");
    assert_eq!(j["queue_time"], "0");
    for null in [
        "duration",
        "start_time",
        "end_time",
        "price",
        "answered_by",
        "caller_name",
        "forwarded_from",
        "group_sid",
        "parent_call_sid",
        "trunk_sid",
    ] {
        assert!(j[null].is_null(), "{null} should be null: {j}");
    }
    assert!(j["date_created"]
        .as_str()
        .is_some_and(|d| d.ends_with("+0000")));
    let uri = format!("/2010-04-01/Accounts/{}/Calls/{sid}.json", app.account_sid);
    assert_eq!(j["uri"], uri.as_str());
    assert!(j["subresource_uris"]["recordings"]
        .as_str()
        .is_some_and(|u| u.ends_with(&format!("/Calls/{sid}/Recordings.json"))));
    // the test number is allowed without being held; SIP URIs are valid destinations
    let j = create_ok(&app, "sip:alice@pbx.example", &[]).await;
    assert_eq!(j["to"], "sip:alice@pbx.example");
    assert!(j["phone_number_sid"].is_null());
}

#[tokio::test]
async fn each_invalid_request_has_its_twilio_code() {
    let app = spawn_app().await;
    let long = "x".repeat(4001);
    let cases: Vec<(Vec<(&str, &str)>, u32)> = vec![
        (vec![("From", "+15005550006"), ("Twiml", TWIML)], 21201),
        (
            vec![("To", "12"), ("From", "+15005550006"), ("Twiml", TWIML)],
            21211,
        ),
        (vec![("To", "+15550100101"), ("Twiml", TWIML)], 21213),
        (
            vec![("To", "+15550100101"), ("From", "Salon"), ("Twiml", TWIML)],
            21212,
        ),
        (
            vec![
                ("To", "+15550100101"),
                ("From", "+15550109999"),
                ("Twiml", TWIML),
            ],
            21210,
        ),
        (
            vec![("To", "+15550100101"), ("From", "+15005550006")],
            21205,
        ),
        (
            vec![
                ("To", "+15550100101"),
                ("From", "+15005550006"),
                ("Url", "ftp://x.example/a"),
            ],
            21205,
        ),
        (
            vec![
                ("To", "+15550100101"),
                ("From", "+15005550006"),
                ("Twiml", long.as_str()),
            ],
            20001,
        ),
        (
            vec![
                ("To", "+15550100101"),
                ("From", "+15005550006"),
                ("ApplicationSid", "AP00000000000000000000000000000000"),
            ],
            21218,
        ),
    ];
    let mut cases = cases;
    for (k, v) in [
        ("Timeout", "0"),
        ("Timeout", "601"),
        ("StatusCallbackEvent", "initiated bogus"),
        ("StatusCallback", "not a url"),
        ("Method", "PUT"),
        ("SendDigits", "12x"),
    ] {
        cases.push((
            vec![
                ("To", "+15550100101"),
                ("From", "+15005550006"),
                ("Twiml", TWIML),
                (k, v),
            ],
            20001,
        ));
    }
    for (params, code) in cases {
        let r = create(&app, &params).await;
        assert_eq!(r.json["code"], code, "{params:?}: {:?}", r.json);
        assert_eq!(r.status, 400, "{params:?}");
        assert!(r.json["more_info"]
            .as_str()
            .is_some_and(|u| u.ends_with(&code.to_string())));
    }
    let list = app.get(&calls_url(&app)).await;
    assert_eq!(list.json["calls"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn fetch_list_paging_and_filters() {
    let app = spawn_app().await;
    let mut sids = Vec::new();
    for to in ["+15550100201", "+15550100202", "+15550100201"] {
        sids.push(
            create_ok(&app, to, &[]).await["sid"]
                .as_str()
                .expect("sid")
                .to_owned(),
        );
    }
    let r = app.get(&call_url(&app, &sids[1])).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json["to"], "+15550100202");
    let missing = format!("CA{}", "0".repeat(32));
    let r = app.get(&call_url(&app, &missing)).await;
    assert_eq!((r.status, r.json["code"].as_u64()), (404, Some(20404)));
    // another account sees none of them
    let (other, token) = app.other_account().await;
    let r = app
        .send(
            app.http
                .get(call_url(&app, &sids[0]))
                .basic_auth(&other, Some(&token)),
        )
        .await;
    assert_eq!(r.status, 404);
    // newest first, two per page
    let r = app.get(&format!("{}?PageSize=2", calls_url(&app))).await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    let page: Vec<&str> = r.json["calls"]
        .as_array()
        .expect("calls")
        .iter()
        .map(|c| c["sid"].as_str().expect("sid"))
        .collect();
    assert_eq!(page, [sids[2].as_str(), sids[1].as_str()]);
    assert_eq!(r.json["page_size"], 2);
    assert!(r.json["previous_page_uri"].is_null());
    let next = r.json["next_page_uri"]
        .as_str()
        .expect("next page")
        .to_owned();
    let r = app.get(&format!("{}{next}", app.base)).await;
    assert_eq!(r.json["calls"][0]["sid"], sids[0].as_str());
    assert!(r.json["next_page_uri"].is_null());
    assert_eq!(r.json["page"], 1);
    let count = |r: &Reply| r.json["calls"].as_array().map_or(0, Vec::len);
    let r = app
        .get(&format!("{}?To=%2B15550100201", calls_url(&app)))
        .await;
    assert_eq!(count(&r), 2);
    let r = app.get(&format!("{}?Status=queued", calls_url(&app))).await;
    assert_eq!(count(&r), 3);
    // none has started
    let r = app
        .get(&format!("{}?StartTime%3E=2000-01-01", calls_url(&app)))
        .await;
    assert_eq!((r.status, count(&r)), (200, 0));
    let r = app
        .get(&format!("{}?EndTime=not-a-date", calls_url(&app)))
        .await;
    assert_eq!((r.status, r.json["code"].as_u64()), (400, Some(20001)));
    let r = app.get(&format!("{}?Status=bogus", calls_url(&app))).await;
    assert_eq!((r.status, r.json["code"].as_u64()), (400, Some(20001)));
    // canceled, it is listed as such and ended today
    let r = app
        .post(&call_url(&app, &sids[0]), &[("Status", "canceled")])
        .await;
    assert_eq!(r.json["status"], "canceled");
    let r = app
        .get(&format!("{}?Status=canceled", calls_url(&app)))
        .await;
    assert_eq!(count(&r), 1);
    let ended = r.json["calls"][0]["end_time"].as_str().expect("end_time");
    let today = chrono::DateTime::parse_from_rfc2822(ended)
        .expect("rfc 2822")
        .format("%Y-%m-%d")
        .to_string();
    let r = app
        .get(&format!("{}?EndTime={today}", calls_url(&app)))
        .await;
    assert_eq!(count(&r), 1, "{:?}", r.json);
}

#[tokio::test]
async fn canceling_a_queued_call_reports_a_signed_callback() {
    let app = spawn_app().await;
    let sink = WebhookSink::start().await;
    let cb = sink.url("/call-status?x=1");
    let call = create_ok(
        &app,
        "+15550100301",
        &[
            ("StatusCallback", cb.as_str()),
            ("StatusCallbackEvent", "initiated ringing"),
            ("StatusCallbackEvent", "answered completed"),
        ],
    )
    .await;
    let sid = call["sid"].as_str().expect("sid");
    let r = app
        .post(&call_url(&app, sid), &[("Status", "canceled")])
        .await;
    assert_eq!(r.status, 200, "{:?}", r.json);
    assert_eq!(r.json["status"], "canceled");
    assert_eq!(r.json["duration"], "0");
    assert!(r.json["end_time"].is_string());
    let got = sink.wait_for("/call-status", 1).await;
    let hook = &got[0];
    assert_eq!(hook.method, "POST");
    for (k, v) in [
        ("CallSid", sid),
        ("AccountSid", app.account_sid.as_str()),
        ("From", "+15005550006"),
        ("To", "+15550100301"),
        ("CallStatus", "canceled"),
        ("Direction", "outbound-api"),
        ("ApiVersion", "2010-04-01"),
        ("CallbackSource", "call-progress-events"),
        ("SequenceNumber", "0"),
        ("CallDuration", "0"),
        ("Duration", "0"),
    ] {
        assert_eq!(hook.param(k), Some(v), "{k} in {:?}", hook.params);
    }
    assert!(hook
        .param("Timestamp")
        .is_some_and(|t| t.ends_with("+0000")));
    assert!(hook.signed_with(&app.auth_token), "{:?}", hook.params);
    // a final call cannot be redirected, but can be deleted
    let r = app
        .post(&call_url(&app, sid), &[("Url", "https://app.example/next")])
        .await;
    assert_eq!((r.status, r.json["code"].as_u64()), (400, Some(21220)));
    assert_eq!(
        r.json["message"],
        "Call is not in-progress. Cannot redirect."
    );
    // canceling again changes nothing
    let r = app
        .post(&call_url(&app, sid), &[("Status", "completed")])
        .await;
    assert_eq!(
        (r.status, r.json["status"].as_str()),
        (200, Some("canceled"))
    );
    let r = app
        .send(
            app.http
                .delete(call_url(&app, sid))
                .basic_auth(&app.account_sid, Some(&app.auth_token)),
        )
        .await;
    assert_eq!(r.status, 204);
    let r = app.get(&call_url(&app, sid)).await;
    assert_eq!(r.status, 404);
}

#[tokio::test]
async fn live_calls_cannot_be_deleted_or_redirected_before_answer() {
    let app = spawn_app().await;
    let call = create_ok(&app, "+15550100401", &[]).await;
    let sid = call["sid"].as_str().expect("sid");
    let r = app.post(&call_url(&app, sid), &[("Twiml", TWIML)]).await;
    assert_eq!((r.status, r.json["code"].as_u64()), (400, Some(21220)));
    let r = app.post(&call_url(&app, sid), &[("Status", "busy")]).await;
    assert_eq!((r.status, r.json["code"].as_u64()), (400, Some(20001)));
    let r = app
        .send(
            app.http
                .delete(call_url(&app, sid))
                .basic_auth(&app.account_sid, Some(&app.auth_token)),
        )
        .await;
    assert_eq!((r.status, r.json["code"].as_u64()), (400, Some(21220)));
    // `completed` on a queued call cancels it
    let r = app
        .post(&call_url(&app, sid), &[("Status", "completed")])
        .await;
    assert_eq!(r.json["status"], "canceled");
}

#[tokio::test]
async fn calls_need_their_scopes() {
    let app = spawn_app().await;
    let keys = format!(
        "{}/2010-04-01/Accounts/{}/Keys.json",
        app.base, app.account_sid
    );
    let mut creds = Vec::new();
    for scopes in ["messages:send,messages:read", "calls:read"] {
        let r = app
            .post(&keys, &[("FriendlyName", scopes), ("Scopes", scopes)])
            .await;
        assert_eq!(r.status, 201, "{:?}", r.json);
        creds.push((
            r.json["sid"].as_str().expect("sid").to_owned(),
            r.json["secret"].as_str().expect("secret").to_owned(),
        ));
    }
    let params = [
        ("To", "+15550100501"),
        ("From", "+15005550006"),
        ("Twiml", TWIML),
    ];
    for (user, secret) in &creds {
        let r = app
            .send(
                app.http
                    .post(calls_url(&app))
                    .form(&params)
                    .basic_auth(user, Some(secret)),
            )
            .await;
        assert_eq!(
            (r.status, r.json["code"].as_u64()),
            (403, Some(20403)),
            "{:?}",
            r.json
        );
        assert!(r.json["message"]
            .as_str()
            .is_some_and(|m| m.contains("calls:write")));
    }
    let (user, secret) = &creds[1];
    let r = app
        .send(app.http.get(calls_url(&app)).basic_auth(user, Some(secret)))
        .await;
    assert_eq!(r.status, 200);
    let (user, secret) = &creds[0];
    let r = app
        .send(app.http.get(calls_url(&app)).basic_auth(user, Some(secret)))
        .await;
    assert_eq!(r.status, 403);
}
