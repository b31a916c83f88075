use proptest::prelude::*;
use switchboard_testkit::{spawn_app, TestApp};

async fn expect_error(app: &TestApp, params: &[(&str, &str)], status: u16, code: u32) {
    let r = app.create(params).await;
    assert_eq!(
        (r.status, r.json["code"].clone()),
        (status, code.into()),
        "{params:?} → {:?}",
        r.json
    );
    assert_eq!(r.json["status"], status);
    assert_eq!(
        r.json["more_info"],
        format!("https://www.twilio.com/docs/errors/{code}")
    );
}

#[tokio::test]
async fn documented_errors_for_bad_parameters() {
    let app = spawn_app().await;
    let from = ("From", "+15005550006");
    expect_error(&app, &[from, ("Body", "x")], 400, 21604).await;
    expect_error(&app, &[("To", "123"), from, ("Body", "x")], 400, 21211).await;
    expect_error(&app, &[("To", "+15550001111"), ("Body", "x")], 400, 21603).await;
    expect_error(
        &app,
        &[("To", "+15550001111"), ("From", "!!"), ("Body", "x")],
        400,
        21212,
    )
    .await;
    expect_error(&app, &[("To", "+15550001111"), from], 400, 21602).await;
    let long = "a".repeat(1601);
    expect_error(
        &app,
        &[("To", "+15550001111"), from, ("Body", &long)],
        400,
        21617,
    )
    .await;
    let ok_1600 = "€".repeat(1600);
    assert_eq!(
        app.create(&[("To", "+15550001111"), from, ("Body", &ok_1600)])
            .await
            .status,
        201
    );
    expect_error(
        &app,
        &[
            ("To", "+15550001111"),
            from,
            ("Body", "x"),
            ("SmartEncoded", "maybe"),
        ],
        400,
        20001,
    )
    .await;
    expect_error(
        &app,
        &[
            ("To", "+15550001111"),
            from,
            ("Body", "x"),
            ("ValidityPeriod", "0"),
        ],
        400,
        20001,
    )
    .await;
    expect_error(
        &app,
        &[
            ("To", "+15550001111"),
            from,
            ("Body", "x"),
            ("ValidityPeriod", "abc"),
        ],
        400,
        20001,
    )
    .await;
    expect_error(
        &app,
        &[
            ("To", "+15550001111"),
            from,
            ("Body", "x"),
            ("StatusCallback", "not a url"),
        ],
        400,
        20001,
    )
    .await;
    expect_error(
        &app,
        &[("To", "+15550001111"), from, ("MediaUrl", "ftp://x")],
        400,
        21620,
    )
    .await;
    expect_error(
        &app,
        &[
            ("To", "+15550001111"),
            ("MessagingServiceSid", "MG00000000000000000000000000000000"),
            ("Body", "x"),
        ],
        404,
        21701,
    )
    .await;
    // unknown parameters are ignored, as Twilio does
    let r = app
        .create(&[
            ("To", "+15550001111"),
            from,
            ("Body", "x"),
            ("FutureParam", "1"),
            ("RiskCheck", "enable"),
        ])
        .await;
    assert_eq!(r.status, 201);
    // alphanumeric sender IDs are allowed as From
    let r = app
        .create(&[("To", "+15550001111"), ("From", "Salon"), ("Body", "x")])
        .await;
    assert_eq!((r.status, r.json["from"].clone()), (201, "Salon".into()));
}

#[tokio::test]
async fn malformed_bodies_and_queries_are_400_not_500() {
    let app = spawn_app().await;
    let r = app
        .create_raw(&b"To=%2B15550001111&From=%2B15005550006&Body=%FF%FE"[..])
        .await;
    assert_eq!((r.status, r.json["code"].clone()), (400, 20001.into()));
    let r = app
        .create_raw(&b"To=%2B15550001111&From=%2B15005550006&Body=\xff\xfe"[..])
        .await;
    assert_eq!(r.status, 400);
    let huge = format!(
        "To=%2B15550001111&From=%2B15005550006&Body={}",
        "a".repeat(3 << 20)
    );
    let r = app.create_raw(huge).await;
    assert_eq!((r.status, r.json["code"].clone()), (400, 20001.into()));
    for q in [
        "PageSize=0",
        "PageSize=1001",
        "PageSize=x",
        "Page=-1",
        "PageToken=zzz",
        "DateSent=yesterday",
    ] {
        let r = app.get(&format!("{}?{q}", app.messages_url())).await;
        assert_eq!(
            (r.status, r.json["code"].clone()),
            (400, 20001.into()),
            "{q}"
        );
    }
    let r = app
        .get(&format!(
            "{}/2010-04-01/Accounts/{}/Messages/nope.json",
            app.base, app.account_sid
        ))
        .await;
    assert_eq!(r.status, 404);
    let r = app
        .send(
            app.http
                .put(app.messages_url())
                .basic_auth(&app.account_sid, Some(&app.auth_token)),
        )
        .await;
    assert_eq!((r.status, r.json["code"].clone()), (405, 20004.into()));
}

fn arb_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "\\PC{0,30}",
        "[+0-9 ()-]{0,20}",
        Just(String::new()),
        Just("€".repeat(1601)),
        Just("true".to_owned()),
    ]
}

fn arb_body() -> impl Strategy<Value = Vec<u8>> {
    let keys = prop_oneof![
        Just("To"),
        Just("From"),
        Just("Body"),
        Just("MediaUrl"),
        Just("SmartEncoded"),
        Just("ValidityPeriod"),
        Just("StatusCallback"),
        Just("MessagingServiceSid"),
        Just("Other"),
    ];
    prop_oneof![
        proptest::collection::vec((keys, arb_value()), 0..8).prop_map(|pairs| {
            form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish()
                .into_bytes()
        }),
        proptest::collection::vec(any::<u8>(), 0..300),
    ]
}

#[test]
fn random_create_requests_never_produce_a_500() {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let app = rt.block_on(spawn_app());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 200,
        ..ProptestConfig::default()
    });
    runner
        .run(&arb_body(), |body| {
            let r = rt.block_on(app.create_raw(body));
            prop_assert!(
                r.status == 201 || (400..500).contains(&r.status),
                "status {} {:?}",
                r.status,
                r.json
            );
            if r.status != 201 {
                prop_assert!(r.json["code"].is_u64(), "{:?}", r.json);
            }
            Ok(())
        })
        .expect("property holds");
    drop(app);
}
