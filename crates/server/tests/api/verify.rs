//! Twilio Verify v2 (`/v2/Services…`) over the real SMPP path: codes are read where a
//! handset would get them, at the built-in SMSC simulator.

use switchboard_testkit::{spawn_app_with, TestApp};

async fn smpp_app() -> TestApp {
    spawn_app_with(|s| {
        s.simulator.in_process = false;
        s.smsc_sim.receipt_delay_ms = 5;
    })
    .await
}

async fn service(app: &TestApp, params: &[(&str, &str)]) -> String {
    let r = app.post(&format!("{}/v2/Services", app.base), params).await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json["sid"].as_str().expect("sid").to_owned()
}

fn url(app: &TestApp, va: &str, rest: &str) -> String {
    format!("{}/v2/Services/{va}{rest}", app.base)
}

async fn start(app: &TestApp, va: &str, to: &str) -> serde_json::Value {
    let r = app
        .post(
            &url(app, va, "/Verifications"),
            &[("To", to), ("Channel", "sms")],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    r.json
}

async fn check(app: &TestApp, va: &str, to: &str, code: &str) -> switchboard_testkit::Reply {
    app.post(
        &url(app, va, "/VerificationCheck"),
        &[("To", to), ("Code", code)],
    )
    .await
}

/// The code in the `n`-th text to `to` at the SMSC (1-based), and the text.
async fn code_at_smsc(app: &TestApp, to: &str, n: usize) -> (String, String) {
    let texts = app.sim_texts_to(to, n).await;
    let text = texts[n - 1].clone();
    let code: String = text
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|w| w.len() >= 4)
        .expect("a code in the text")
        .to_owned();
    (code, text)
}

fn wrong(code: &str) -> String {
    code.chars()
        .map(|c| {
            if c == '9' {
                '0'
            } else {
                char::from(c as u8 + 1)
            }
        })
        .collect()
}

#[tokio::test]
async fn a_code_sent_by_sms_approves_once_and_the_verification_is_then_gone() {
    let app = smpp_app().await;
    let va = service(
        &app,
        &[
            ("FriendlyName", "Salon Bella"),
            ("DoNotShareWarningEnabled", "true"),
        ],
    )
    .await;
    assert!(va.starts_with("VA") && va.len() == 34);
    let svc = app.get(&url(&app, &va, "")).await;
    assert_eq!(svc.json["friendly_name"], "Salon Bella");
    assert_eq!(svc.json["code_length"], 6);
    assert_eq!(svc.json["do_not_share_warning_enabled"], true);
    let created = svc.json["date_created"].as_str().expect("date");
    assert!(created.len() == 20 && created.ends_with('Z'), "{created}");
    let list = app.get(&format!("{}/v2/Services", app.base)).await;
    assert_eq!(list.json["meta"]["key"], "services");
    assert_eq!(list.json["services"].as_array().map(Vec::len), Some(1));
    assert!(list.json["meta"]["first_page_url"]
        .as_str()
        .expect("url")
        .ends_with("/v2/Services?PageSize=50&Page=0"));

    let to = "+393331230001";
    let v = start(&app, &va, to).await;
    assert!(v["sid"].as_str().is_some_and(|s| s.starts_with("VE")));
    assert_eq!(
        (v["status"].as_str(), v["valid"].as_bool()),
        (Some("pending"), Some(false))
    );
    assert_eq!(v["channel"], "sms");
    assert_eq!(v["send_code_attempts"].as_array().map(Vec::len), Some(1));
    let (code, text) = code_at_smsc(&app, to, 1).await;
    assert_eq!(code.len(), 6, "{text}");
    assert!(
        text.contains("Salon Bella") && text.contains("share"),
        "{text}"
    );
    assert!(
        !text.contains("http") && !text.contains("www"),
        "no link: {text}"
    );

    let bad = check(&app, &va, to, &wrong(&code)).await;
    assert_eq!(bad.status, 201, "{:?}", bad.json);
    assert_eq!(
        (bad.json["status"].as_str(), bad.json["valid"].as_bool()),
        (Some("pending"), Some(false))
    );
    let fetched = app
        .get(&url(
            &app,
            &va,
            &format!("/Verifications/{}", v["sid"].as_str().expect("sid")),
        ))
        .await;
    assert_eq!(fetched.json["status"], "pending");

    let good = check(&app, &va, to, &code).await;
    assert_eq!(good.status, 201, "{:?}", good.json);
    assert_eq!(
        (good.json["status"].as_str(), good.json["valid"].as_bool()),
        (Some("approved"), Some(true))
    );
    assert_eq!(good.json["sid"], v["sid"]);

    let again = check(&app, &va, to, &code).await;
    assert_eq!(
        (again.status, again.json["code"].as_u64()),
        (404, Some(20404)),
        "{:?}",
        again.json
    );
    assert!(again.json["message"]
        .as_str()
        .expect("message")
        .contains("/VerificationCheck"));
    let gone = app
        .get(&url(
            &app,
            &va,
            &format!("/Verifications/{}", v["sid"].as_str().expect("sid")),
        ))
        .await;
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn a_resend_sends_the_same_code_and_the_sixth_send_is_refused() {
    let app = smpp_app().await;
    let va = service(&app, &[("FriendlyName", "Acme"), ("CodeLength", "8")]).await;
    let to = "+393331230002";
    let first = start(&app, &va, to).await;
    for n in 2..=5 {
        let again = start(&app, &va, to).await;
        assert_eq!(again["sid"], first["sid"]);
        assert_eq!(
            again["send_code_attempts"].as_array().map(Vec::len),
            Some(n)
        );
    }
    let texts = app.sim_texts_to(to, 5).await;
    let (code, _) = code_at_smsc(&app, to, 1).await;
    assert_eq!(code.len(), 8);
    assert!(
        texts.iter().all(|t| t.ends_with(&code)),
        "same code every time: {texts:?}"
    );
    let sixth = app
        .post(
            &url(&app, &va, "/Verifications"),
            &[("To", to), ("Channel", "sms")],
        )
        .await;
    assert_eq!(
        (sixth.status, sixth.json["code"].as_u64()),
        (429, Some(60203)),
        "{:?}",
        sixth.json
    );
    // the code still works
    assert_eq!(check(&app, &va, to, &code).await.json["status"], "approved");
}

#[tokio::test]
async fn five_wrong_checks_use_up_the_verification() {
    let app = smpp_app().await;
    let va = service(&app, &[("FriendlyName", "Acme")]).await;
    let to = "+393331230003";
    let v = start(&app, &va, to).await;
    let (code, _) = code_at_smsc(&app, to, 1).await;
    for _ in 0..5 {
        let r = check(&app, &va, to, &wrong(&code)).await;
        assert_eq!(
            (r.status, r.json["status"].as_str()),
            (201, Some("pending")),
            "{:?}",
            r.json
        );
    }
    let sixth = check(&app, &va, to, &wrong(&code)).await;
    assert_eq!(
        (sixth.status, sixth.json["code"].as_u64()),
        (429, Some(60202)),
        "{:?}",
        sixth.json
    );
    let right_too_late = check(&app, &va, to, &code).await;
    assert_eq!(right_too_late.json["code"], 60202);
    let by_sid = app
        .post(
            &url(&app, &va, "/VerificationCheck"),
            &[
                ("VerificationSid", v["sid"].as_str().expect("sid")),
                ("Code", code.as_str()),
            ],
        )
        .await;
    assert_eq!(by_sid.json["code"], 60202);
    let gone = app
        .get(&url(
            &app,
            &va,
            &format!("/Verifications/{}", v["sid"].as_str().expect("sid")),
        ))
        .await;
    assert_eq!(gone.status, 404);
    // a new verification can start
    assert_eq!(start(&app, &va, to).await["status"], "pending");
}

#[tokio::test]
async fn a_thousand_concurrent_guesses_get_five_comparisons_and_never_succeed() {
    let app = smpp_app().await;
    let va = service(&app, &[("FriendlyName", "Bank")]).await;
    let to = "+393331230004";
    start(&app, &va, to).await;
    let (code, _) = code_at_smsc(&app, to, 1).await;
    let mut rng = 0x9e37_79b9_7f4a_7c15u64;
    let guesses: Vec<String> = (0..1000)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            format!("{:06}", rng % 1_000_000)
        })
        .filter(|g| *g != code)
        .collect();
    let check_url = url(&app, &va, "/VerificationCheck");
    let mut replies: Vec<(u16, serde_json::Value)> = Vec::new();
    for chunk in guesses.chunks(50) {
        let mut set = tokio::task::JoinSet::new();
        for g in chunk {
            let req = app
                .http
                .post(&check_url)
                .basic_auth(&app.account_sid, Some(&app.auth_token))
                .form(&[("To", to), ("Code", g.as_str())]);
            set.spawn(async move {
                let r = req.send().await.expect("request");
                let status = r.status().as_u16();
                (status, r.json::<serde_json::Value>().await.expect("json"))
            });
        }
        while let Some(r) = set.join_next().await {
            replies.push(r.expect("task"));
        }
    }
    let compared = replies.iter().filter(|(s, _)| *s == 201).count();
    assert_eq!(compared, 5, "exactly five guesses were compared");
    assert!(replies.iter().all(|(_, j)| j["status"] != "approved"));
    assert!(replies
        .iter()
        .filter(|(s, _)| *s != 201)
        .all(|(s, j)| *s == 429 && j["code"] == 60202));
}

#[tokio::test]
async fn status_updates_and_bad_input_get_twilio_errors() {
    let app = smpp_app().await;
    let va = service(&app, &[("FriendlyName", "Acme")]).await;
    let to = "+393331230005";
    let v = start(&app, &va, to).await;
    let ve = url(
        &app,
        &va,
        &format!("/Verifications/{}", v["sid"].as_str().expect("sid")),
    );
    let illegal = app.post(&ve, &[("Status", "pending")]).await;
    assert_eq!(
        (illegal.status, illegal.json["code"].as_u64()),
        (400, Some(60441))
    );
    let canceled = app.post(&ve, &[("Status", "canceled")]).await;
    assert_eq!(
        (canceled.status, canceled.json["status"].as_str()),
        (200, Some("canceled"))
    );
    let (code, _) = code_at_smsc(&app, to, 1).await;
    assert_eq!(check(&app, &va, to, &code).await.status, 404);

    for (params, code) in [
        (vec![("To", to), ("Channel", "email")], 60200),
        (vec![("To", "12"), ("Channel", "sms")], 60200),
        (vec![("Channel", "sms")], 60200),
        (vec![("To", to)], 60200),
    ] {
        let r = app.post(&url(&app, &va, "/Verifications"), &params).await;
        assert_eq!(
            (r.status, r.json["code"].as_u64()),
            (400, Some(code)),
            "{params:?}: {:?}",
            r.json
        );
    }
    for params in [
        vec![("FriendlyName", "x"), ("CodeLength", "3")],
        vec![("CodeLength", "6")],
        vec![("FriendlyName", "a name far longer than thirty characters")],
    ] {
        let r = app
            .post(&format!("{}/v2/Services", app.base), &params)
            .await;
        assert_eq!(
            (r.status, r.json["code"].as_u64()),
            (400, Some(60200)),
            "{params:?}"
        );
    }
    let unknown = app
        .post(
            &url(&app, "VA00000000000000000000000000000000", "/Verifications"),
            &[("To", to), ("Channel", "sms")],
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.json["code"].as_u64()),
        (404, Some(20404))
    );

    // another account sees nothing of this service
    let (other, token) = app.other_account().await;
    let r = app
        .send(
            app.http
                .get(url(&app, &va, ""))
                .basic_auth(&other, Some(&token)),
        )
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .send(
            app.http
                .post(url(&app, &va, "/Verifications"))
                .basic_auth(&other, Some(&token))
                .form(&[("To", to), ("Channel", "sms")]),
        )
        .await;
    assert_eq!(r.status, 404);

    let updated = app.post(&url(&app, &va, ""), &[("CodeLength", "4")]).await;
    assert_eq!(
        (updated.status, updated.json["code_length"].as_u64()),
        (200, Some(4))
    );
    assert_eq!(app.delete(&url(&app, &va, "")).await.status, 204);
    assert_eq!(app.get(&url(&app, &va, "")).await.status, 404);
}

#[tokio::test]
async fn rate_limit_buckets_meter_starts_per_value() {
    let app = smpp_app().await;
    let va = service(&app, &[("FriendlyName", "Acme")]).await;
    let limits = url(&app, &va, "/RateLimits");
    let rk = app
        .post(
            &limits,
            &[("UniqueName", "end_user_ip"), ("Description", "per IP")],
        )
        .await;
    assert_eq!(rk.status, 201, "{:?}", rk.json);
    assert!(rk.json["sid"].as_str().is_some_and(|s| s.starts_with("RK")));
    let rk_sid = rk.json["sid"].as_str().expect("sid").to_owned();
    let dup = app.post(&limits, &[("UniqueName", "end_user_ip")]).await;
    assert_eq!((dup.status, dup.json["code"].as_u64()), (400, Some(60208)));
    let bad = app.post(&limits, &[("UniqueName", "+39 333 123")]).await;
    assert_eq!(bad.json["code"], 60209);
    let buckets = format!("{limits}/{rk_sid}/Buckets");
    let bl = app
        .post(&buckets, &[("Max", "2"), ("Interval", "60")])
        .await;
    assert_eq!(bl.status, 201, "{:?}", bl.json);
    assert_eq!(
        (bl.json["max"].as_u64(), bl.json["interval"].as_u64()),
        (Some(2), Some(60))
    );
    let same = app
        .post(&buckets, &[("Max", "5"), ("Interval", "60")])
        .await;
    assert_eq!(same.json["code"], 60211);
    let listed = app.get(&buckets).await;
    assert_eq!(listed.json["buckets"].as_array().map(Vec::len), Some(1));
    assert_eq!(listed.json["meta"]["key"], "buckets");

    let start_from = |to: &'static str, ip: &'static str| {
        app.http
            .post(url(&app, &va, "/Verifications"))
            .basic_auth(&app.account_sid, Some(&app.auth_token))
            .form(&[
                ("To", to),
                ("Channel", "sms"),
                ("RateLimits", &format!("{{\"end_user_ip\":\"{ip}\"}}")),
            ])
            .send()
    };
    for to in ["+393331230011", "+393331230012"] {
        let r = start_from(to, "192.0.2.1").await.expect("request");
        assert_eq!(r.status(), 201);
    }
    let third = start_from("+393331230013", "192.0.2.1")
        .await
        .expect("request");
    assert_eq!(third.status(), 429);
    let retry: u64 = third.headers()["retry-after"]
        .to_str()
        .expect("header")
        .parse()
        .expect("secs");
    assert!((1..=30).contains(&retry), "{retry}");
    let body: serde_json::Value = third.json().await.expect("json");
    assert_eq!(body["code"], 20429);
    let other_ip = start_from("+393331230013", "192.0.2.2")
        .await
        .expect("request");
    assert_eq!(other_ip.status(), 201);
    // the refused start sent nothing
    assert_eq!(app.sim_texts_to("+393331230013", 1).await.len(), 1);

    let unknown = app
        .post(
            &url(&app, &va, "/Verifications"),
            &[
                ("To", "+393331230014"),
                ("Channel", "sms"),
                ("RateLimits", "{\"nope\":\"x\"}"),
            ],
        )
        .await;
    assert_eq!(
        (unknown.status, unknown.json["code"].as_u64()),
        (400, Some(60200))
    );

    let updated = app
        .post(&format!("{limits}/{rk_sid}"), &[("Description", "IP v2")])
        .await;
    assert_eq!(updated.json["description"], "IP v2");
    assert_eq!(app.delete(&format!("{limits}/{rk_sid}")).await.status, 204);
    assert_eq!(app.get(&format!("{limits}/{rk_sid}")).await.status, 404);
}

/// `Channel=call`: a call reads the code digit by digit, twice, in the `Locale`'s language
/// (the TwiML is stored with the call; this app has no SIP trunk, so the call itself fails
/// with 32011 — the voice end-to-end tests dial real SIP).
#[tokio::test]
async fn the_call_channel_reads_the_code_twice_in_the_locale() {
    let app = smpp_app().await;
    let va = service(&app, &[("FriendlyName", "Salon Bella")]).await;
    let to = "+15550007001";
    let r = app
        .post(
            &url(&app, &va, "/Verifications"),
            &[("To", to), ("Channel", "call"), ("Locale", "it")],
        )
        .await;
    assert_eq!(r.status, 201, "{:?}", r.json);
    assert_eq!(r.json["channel"], "call");
    let account = switchboard_domain::ids::AccountSid::parse(&app.account_sid).expect("sid");
    let calls = app
        .app_core
        .store
        .list_calls(&account, &Default::default(), 10)
        .await
        .expect("calls");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].to, to);
    let twiml = calls[0].twiml.clone().expect("inline TwiML");
    assert!(
        twiml.contains("language=\"it-IT\"") && twiml.contains("loop=\"2\""),
        "{twiml}"
    );
    assert!(
        twiml.contains("Il suo codice di verifica Salon Bella"),
        "{twiml}"
    );
    // The spoken digits are the code: checking them approves the verification.
    let spoken = twiml.split("è: ").nth(1).expect("the code");
    let code: String = spoken
        .chars()
        .take_while(|c| *c != '.')
        .filter(char::is_ascii_digit)
        .collect();
    assert_eq!(code.len(), 6, "{twiml}");
    let ok = check(&app, &va, to, &code).await;
    assert_eq!(ok.json["status"], "approved", "{:?}", ok.json);

    let bad = app
        .post(
            &url(&app, &va, "/Verifications"),
            &[
                ("To", "+15550007002"),
                ("Channel", "call"),
                ("Locale", "xx"),
            ],
        )
        .await;
    assert_eq!((bad.status, bad.json["code"].as_u64()), (400, Some(60200)));
}
