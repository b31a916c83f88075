//! Programmable Voice end to end: the real binary places calls through `[[sip_trunks]]` to
//! sipp (Debian's `sip-tester`) playing the callee, speaks TwiML with espeak-ng over RTP,
//! collects RFC 4733 key presses and reports signed status callbacks.
//!
//! Each sipp is one trunk (a destination prefix of its own), so one server covers every
//! SIP outcome. RTP is checked where the callee's SDP sends it: the answer of the
//! `answer`/`dtmf` scenarios points at a UDP socket of the test, which counts packets by
//! payload type.

use crate::{exe, workspace_root};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_testkit::process::{Credentials, ServerProcess};
use switchboard_testkit::sipp::{self, sipp_available, Sipp};
use switchboard_testkit::wait_until;
use switchboard_testkit::webhook_sink::WebhookSink;

const FROM: &str = "+15551230001";
const WAIT: Duration = Duration::from_secs(40);

/// RTP packets received by the test's socket: (payload type, payload length, non-silent),
/// and the keys of telephone events (PT 101), one per press (its first packet's timestamp).
#[derive(Clone, Default)]
struct RtpTap {
    packets: Arc<Mutex<Vec<(u8, usize, bool)>>>,
    keys: Arc<Mutex<Vec<(u32, u8)>>>,
    port: u16,
}

impl RtpTap {
    async fn start() -> Self {
        let socket = tokio::net::UdpSocket::bind("127.0.0.1:0")
            .await
            .expect("bind tap");
        let tap = RtpTap {
            port: socket.local_addr().expect("addr").port(),
            ..Default::default()
        };
        let (packets, keys) = (tap.packets.clone(), tap.keys.clone());
        tokio::spawn(async move {
            let mut buf = vec![0u8; 2048];
            while let Ok(n) = socket.recv(&mut buf).await {
                if n >= 12 {
                    let pt = buf[1] & 0x7F;
                    let payload = &buf[12..n];
                    if pt == 101 && payload.len() >= 4 {
                        let ts = u32::from_be_bytes([buf[4], buf[5], buf[6], buf[7]]);
                        let mut k = keys.lock().unwrap();
                        if !k.iter().any(|(t, _)| *t == ts) {
                            k.push((ts, payload[0]));
                        }
                    }
                    let silent = payload.iter().all(|&b| b == 0xFF || b == 0xD5);
                    packets.lock().unwrap().push((pt, payload.len(), !silent));
                }
            }
        });
        tap
    }

    fn snapshot(&self) -> Vec<(u8, usize, bool)> {
        self.packets.lock().unwrap().clone()
    }

    /// The keys sent so far, in order (event codes: 10 = `*`, 11 = `#`).
    fn keys(&self) -> Vec<u8> {
        self.keys.lock().unwrap().iter().map(|k| k.1).collect()
    }
}

/// A scenario of `peers/voice/` whose SDP answer sends RTP to `tap`.
fn towards(name: &str, tap: &RtpTap) -> String {
    sipp::scenario_text(name).replace("m=audio [media_port]", &format!("m=audio {}", tap.port))
}

/// One trunk per (prefix, sipp port, password); SIP on `sip_port` (0: any).
fn config(trunks: &[(&str, u16, Option<&str>)], sip_port: u16) -> String {
    let mut c = format!(
        "[voice]\nsip_bind = \"127.0.0.1:{sip_port}\"\n[pipeline]\npoll_interval_ms = 20\n[simulator]\nin_process = true\n",
    );
    for (i, (prefix, port, password)) in trunks.iter().enumerate() {
        c.push_str(&format!(
            "[[sip_trunks]]\nname = \"t{i}\"\nhost = \"127.0.0.1\"\nport = {port}\nroutes = [\"{prefix}\"]\n"
        ));
        if let Some(p) = password {
            c.push_str(&format!("username = \"switchboard\"\npassword = \"{p}\"\n"));
        }
    }
    c
}

struct Voice {
    _dir: tempfile::TempDir,
    server: ServerProcess,
    creds: Credentials,
    api: String,
    http: reqwest::Client,
}

async fn start(trunks: &[(&str, u16, Option<&str>)]) -> Voice {
    start_on(trunks, 0, None).await
}

/// [`start`] with SIP on `sip_port` and `FROM`'s `VoiceUrl`.
async fn start_on(
    trunks: &[(&str, u16, Option<&str>)],
    sip_port: u16,
    voice_url: Option<&str>,
) -> Voice {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("switchboard.toml"),
        config(trunks, sip_port),
    )
    .expect("config");
    let server = ServerProcess::start(&exe(), dir.path(), &["--config", "switchboard.toml"], &[]);
    let creds = server.credentials();
    let api = format!("{}/2010-04-01/Accounts/{}", server.base, creds.account_sid);
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{api}/IncomingPhoneNumbers.json"))
        .basic_auth(&creds.account_sid, Some(&creds.auth_token))
        .form(&[
            ("PhoneNumber", FROM),
            ("VoiceUrl", voice_url.unwrap_or("")),
            (
                "StatusCallback",
                &voice_url
                    .map(|u| u.replace("/voice", "/status"))
                    .unwrap_or_default(),
            ),
        ])
        .send()
        .await
        .expect("add number");
    assert!(
        r.status().is_success(),
        "{}",
        r.text().await.unwrap_or_default()
    );
    Voice {
        _dir: dir,
        server,
        creds,
        api,
        http,
    }
}

impl Voice {
    async fn create(&self, params: &[(&str, &str)]) -> serde_json::Value {
        let mut form = vec![("From", FROM)];
        form.extend_from_slice(params);
        let r = self
            .http
            .post(format!("{}/Calls.json", self.api))
            .basic_auth(&self.creds.account_sid, Some(&self.creds.auth_token))
            .form(&form)
            .send()
            .await
            .expect("create call");
        let status = r.status();
        let body: serde_json::Value = r.json().await.expect("json");
        assert_eq!(status.as_u16(), 201, "{body}\n{}", self.server.log());
        body
    }

    async fn fetch(&self, sid: &str) -> serde_json::Value {
        self.http
            .get(format!("{}/Calls/{sid}.json", self.api))
            .basic_auth(&self.creds.account_sid, Some(&self.creds.auth_token))
            .send()
            .await
            .expect("fetch call")
            .json()
            .await
            .expect("json")
    }

    /// Waits until the call is final; returns it.
    async fn final_call(&self, sid: &str) -> serde_json::Value {
        let finals = ["completed", "busy", "failed", "no-answer", "canceled"];
        wait_until(WAIT, &format!("call {sid} final"), || async {
            let c = self.fetch(sid).await;
            finals
                .contains(&c["status"].as_str().unwrap_or(""))
                .then_some(c)
        })
        .await
    }
}

fn say_twiml(text: &str) -> String {
    format!("<Response><Say>{text}</Say></Response>")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twilio_python_call_speaks_over_rtp_and_reports_signed_callbacks() {
    if !sipp_available("voice e2e") {
        return;
    }
    let root = workspace_root();
    let python = root.join(".tools/venv/bin/python");
    assert!(python.exists(), "run scripts/setup-sdks first");
    let tap = RtpTap::start().await;
    let callee = Sipp::start_text("answer", &towards("uas_answer.xml", &tap), 1).await;
    let v = start(&[("+1555", callee.port(), None)]).await;
    let sink = WebhookSink::start().await;
    let text = "Hello from Switchboard. Your appointment is tomorrow at ten.";
    let out = std::process::Command::new(&python)
        .arg(root.join("sdk-tests/python/voice_call.py"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .envs([
            ("SWITCHBOARD_URL", v.server.base.as_str()),
            ("ACCOUNT_SID", v.creds.account_sid.as_str()),
            ("AUTH_TOKEN", v.creds.auth_token.as_str()),
            ("TO", "+15550001234"),
            ("FROM", FROM),
            ("TWIML", say_twiml(text).as_str()),
            ("STATUS_CALLBACK", sink.url("/status").as_str()),
        ])
        .output()
        .expect("run voice_call.py");
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        v.server.log()
    );
    let last: serde_json::Value =
        serde_json::from_str(stdout.lines().last().unwrap_or("")).expect("final JSON");
    assert_eq!(last["status"], "completed", "{stdout}\n{}", v.server.log());
    assert!(
        last["duration"].as_str().is_some(),
        "duration is a string: {last}"
    );
    callee.assert_passed().await;

    // RTP: G.711 (PCMU, offered first) in 20 ms frames, speech and not only silence.
    let packets = tap.snapshot();
    let speech = packets
        .iter()
        .filter(|p| p.0 == 0 && p.1 == 160 && p.2)
        .count();
    assert!(
        packets.iter().all(|p| p.0 == 0 && p.1 == 160),
        "{:?}",
        &packets[..5.min(packets.len())]
    );
    assert!(speech >= 50, "{speech} speech packets of {}", packets.len());

    // One signed callback per event, in order.
    let got = sink.wait_for("/status", 4).await;
    let statuses: Vec<&str> = got
        .iter()
        .map(|r| r.param("CallStatus").unwrap_or(""))
        .collect();
    assert_eq!(
        statuses,
        ["initiated", "ringing", "in-progress", "completed"],
        "{got:?}"
    );
    for r in &got {
        assert!(
            r.signed_with(&v.creds.auth_token),
            "unsigned callback {r:?}"
        );
        assert_eq!(r.param("CallSid"), last["sid"].as_str());
    }
}

/// `<Gather>` with the callee's key presses: the action receives `Digits`, and the TwiML it
/// returns runs (here a `<Redirect>` to a second document that hangs up).
async fn gather(keys: &str, num_digits: u32) {
    if !sipp_available("voice gather e2e") {
        return;
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let pcap = dir.path().join("keys.pcap");
    sipp::write_dtmf_pcap(keys, &pcap, 101);
    let tap = RtpTap::start().await;
    let scenario =
        towards("uas_dtmf.xml", &tap).replace("DTMF_PCAP_FILE", pcap.to_str().expect("utf-8"));
    let callee = Sipp::start_text("dtmf", &scenario, 1).await;
    let v = start(&[("+1555", callee.port(), None)]).await;
    let sink = WebhookSink::start().await;
    sink.answer(
        "/reply",
        200,
        &format!(
            "<Response><Redirect>{}</Redirect></Response>",
            sink.url("/done")
        ),
    );
    sink.answer(
        "/done",
        200,
        "<Response><Say>Thank you.</Say><Hangup/></Response>",
    );
    let twiml = format!(
        "<Response><Gather numDigits=\"{num_digits}\" timeout=\"8\" action=\"{}\"><Say>Your appointment is tomorrow at ten. Press 1 to confirm or 2 to cancel.</Say></Gather><Say>We did not get your answer.</Say></Response>",
        sink.url("/reply")
    );
    let call = v.create(&[("To", "+15550001234"), ("Twiml", &twiml)]).await;
    let sid = call["sid"].as_str().expect("sid").to_owned();
    let reply = sink.wait_for("/reply", 1).await;
    assert_eq!(
        reply[0].param("Digits"),
        Some(keys),
        "{reply:?}\n{}",
        v.server.log()
    );
    assert_eq!(reply[0].param("CallSid"), Some(sid.as_str()));
    assert!(reply[0].signed_with(&v.creds.auth_token));
    sink.wait_for("/done", 1).await;
    let done = v.final_call(&sid).await;
    assert_eq!(done["status"], "completed", "{done}\n{}", v.server.log());
    callee.assert_passed().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gather_one_key_reaches_the_action_and_its_twiml_runs() {
    gather("1", 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gather_counts_each_key_press_once() {
    gather("1123", 4).await;
}

/// Every SIP outcome through the Calls resource: digest 401 and 407, a wrong password,
/// busy, no answer within `Timeout` (sipp passes only if our CANCEL arrives), a callee's
/// re-INVITE, and a callee that hangs up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sip_outcomes_map_to_call_statuses() {
    if !sipp_available("voice outcomes e2e") {
        return;
    }
    let auth = Sipp::start(&sipp::scenario("uas_auth.xml"), 1).await;
    let wrong = Sipp::start(&sipp::scenario("uas_auth.xml"), 1).await;
    let proxy = Sipp::start(&sipp::scenario("uas_auth407.xml"), 1).await;
    let busy = Sipp::start(&sipp::scenario("uas_busy.xml"), 1).await;
    let silent = Sipp::start(&sipp::scenario("uas_noanswer.xml"), 1).await;
    let reinvite = Sipp::start(&sipp::scenario("uas_reinvite.xml"), 1).await;
    let v = start(&[
        ("+1555101", auth.port(), Some("s3cret")),
        ("+1555102", wrong.port(), Some("wrong")),
        ("+1555103", proxy.port(), Some("s3cret")),
        ("+1555104", busy.port(), None),
        ("+1555105", silent.port(), None),
        ("+1555106", reinvite.port(), None),
    ])
    .await;
    let long = say_twiml("This call goes on for a few seconds so that the callee can refresh the session. Thank you for waiting.");
    let short = say_twiml("Hello.");
    // (case, To, extra parameters, final status)
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 6] = [
        ("auth 401", "+15551010000", &[], "completed"),
        ("wrong password", "+15551020000", &[], "failed"),
        ("auth 407", "+15551030000", &[], "completed"),
        ("busy", "+15551040000", &[], "busy"),
        (
            "no answer",
            "+15551050000",
            &[("Timeout", "2")],
            "no-answer",
        ),
        ("re-INVITE", "+15551060000", &[], "completed"),
    ];
    let mut sids = HashMap::new();
    for (name, to, extra, _) in &cases {
        let twiml = if *name == "re-INVITE" { &long } else { &short };
        let mut params = vec![("To", *to), ("Twiml", twiml.as_str())];
        params.extend_from_slice(extra);
        let c = v.create(&params).await;
        sids.insert(*name, c["sid"].as_str().expect("sid").to_owned());
    }
    for (name, _, _, want) in &cases {
        let c = v.final_call(&sids[name]).await;
        assert_eq!(c["status"], *want, "{name}: {c}\n{}", v.server.log());
        if *want == "failed" {
            assert_eq!(c["error_code"], 32011, "{name}: {c}");
            assert_eq!(c["sip_response_code"], 403, "{name}: {c}");
        }
    }
    for sipp in [auth, proxy, busy, silent, reinvite] {
        sipp.assert_passed().await;
    }
    drop(wrong);
}

fn free_udp_port() -> u16 {
    std::net::UdpSocket::bind("127.0.0.1:0")
        .and_then(|s| s.local_addr())
        .expect("free port")
        .port()
}

/// An inbound call (sipp calls our number) for which the number's `VoiceUrl` answers `twiml`.
async fn inbound(scenario: &str, twiml: &str) -> (Voice, WebhookSink, Sipp) {
    let sink = WebhookSink::start().await;
    sink.answer("/voice", 200, twiml);
    let sip_port = free_udp_port();
    // A trunk on 127.0.0.1 (nothing listens): it enables SIP and admits 127.0.0.1's INVITEs.
    let v = start_on(&[("+1999", 9, None)], sip_port, Some(&sink.url("/voice"))).await;
    let target = std::net::SocketAddr::from(([127, 0, 0, 1], sip_port));
    // The scenarios dial +15551230000; here they dial our number.
    let text = sipp::scenario_text(scenario).replace("+15551230000", FROM);
    let caller = sipp::start_caller_text(scenario, &text, target, 1).await;
    (v, sink, caller)
}

async fn only_call(v: &Voice) -> serde_json::Value {
    wait_until(WAIT, "the inbound call is final", || async {
        let page: serde_json::Value = v
            .http
            .get(format!("{}/Calls.json", v.api))
            .basic_auth(&v.creds.account_sid, Some(&v.creds.auth_token))
            .send()
            .await
            .ok()?
            .json()
            .await
            .ok()?;
        let c = page["calls"].get(0)?.clone();
        let s = c["status"].as_str()?;
        (!["queued", "ringing", "in-progress"].contains(&s)).then_some(c)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbound_call_runs_the_numbers_voice_url() {
    if !sipp_available("voice inbound e2e") {
        return;
    }
    let (v, sink, caller) = inbound(
        "uac_wait_bye.xml",
        "<Response><Say>Thank you for calling the salon.</Say><Hangup/></Response>",
    )
    .await;
    let got = sink.wait_for("/voice", 1).await;
    assert_eq!(got[0].param("Direction"), Some("inbound"), "{got:?}");
    assert_eq!(got[0].param("CallStatus"), Some("ringing"));
    assert_eq!(got[0].param("To"), Some(FROM));
    assert!(got[0].signed_with(&v.creds.auth_token));
    caller.assert_passed().await;
    let call = only_call(&v).await;
    assert_eq!(call["status"], "completed", "{call}\n{}", v.server.log());
    assert_eq!(call["direction"], "inbound");
    // The number's StatusCallback hears the end of the call, signed.
    let status = sink.wait_for("/status", 1).await;
    assert_eq!(
        status[0].param("CallStatus"),
        Some("completed"),
        "{status:?}"
    );
    assert_eq!(status[0].param("Direction"), Some("inbound"));
    assert_eq!(status[0].param("CallSid"), call["sid"].as_str());
    assert!(status[0].signed_with(&v.creds.auth_token));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reject_busy_refuses_an_inbound_call_unanswered() {
    if !sipp_available("voice inbound reject e2e") {
        return;
    }
    let (v, _sink, caller) = inbound(
        "uac_reject.xml",
        "<Response><Reject reason=\"busy\"/></Response>",
    )
    .await;
    caller.assert_passed().await;
    let call = only_call(&v).await;
    assert_eq!(call["status"], "busy", "{call}\n{}", v.server.log());
}

/// A WAV file server (the webhook sink answers text only): `/hello.wav` is one second of a
/// 440 Hz tone, 16-bit mono at 16 kHz.
async fn wav_server() -> String {
    let mut pcm = Vec::new();
    for i in 0..16_000u32 {
        let v = (f64::from(i) * 440.0 * std::f64::consts::TAU / 16_000.0).sin() * 8_000.0;
        pcm.extend_from_slice(&(v as i16).to_le_bytes());
    }
    let mut wav = Vec::new();
    wav.extend_from_slice(b"RIFF");
    wav.extend_from_slice(&(36 + pcm.len() as u32).to_le_bytes());
    wav.extend_from_slice(b"WAVEfmt ");
    wav.extend_from_slice(&16u32.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&1u16.to_le_bytes());
    wav.extend_from_slice(&16_000u32.to_le_bytes());
    wav.extend_from_slice(&32_000u32.to_le_bytes());
    wav.extend_from_slice(&2u16.to_le_bytes());
    wav.extend_from_slice(&16u16.to_le_bytes());
    wav.extend_from_slice(b"data");
    wav.extend_from_slice(&(pcm.len() as u32).to_le_bytes());
    wav.extend_from_slice(&pcm);
    let app = axum::Router::new().route(
        "/hello.wav",
        axum::routing::get(move || {
            let wav = wav.clone();
            async move { ([("content-type", "audio/wav")], wav) }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

/// `Url` TwiML with `<Play>` of a WAV, an unknown verb (skipped, recorded as a warning) and
/// a long pause during which the API redirects the live call to new TwiML; and a call whose
/// TwiML does not parse, which ends with 12100 on the call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn play_unknown_verbs_live_redirect_and_invalid_twiml() {
    if !sipp_available("voice play/redirect e2e") {
        return;
    }
    let tap = RtpTap::start().await;
    let callee = Sipp::start_text("answer", &towards("uas_answer.xml", &tap), 2).await;
    let v = start(&[("+1555", callee.port(), None)]).await;
    let sink = WebhookSink::start().await;
    let files = wav_server().await;
    sink.answer(
        "/first",
        200,
        &format!(
            "<Response><Play digits=\"12#\"/><Play>{files}/hello.wav</Play><Dial>+15550009999</Dial><Pause length=\"30\"/><Say>never</Say></Response>"
        ),
    );
    sink.answer("/next", 200, "<Response><Say>Goodbye.</Say></Response>");
    sink.answer("/broken", 200, "<Response><Say>unclosed");
    let call = v
        .create(&[
            ("To", "+15550001234"),
            ("Url", &sink.url("/first")),
            ("SendDigits", "9"),
        ])
        .await;
    let sid = call["sid"].as_str().expect("sid").to_owned();
    sink.wait_for("/first", 1).await;
    // The 1 s tone has played (50 audio packets) before the pause: redirect the live call.
    wait_until(WAIT, "the tone's RTP", || async {
        (tap.snapshot().iter().filter(|p| p.0 == 0 && p.2).count() >= 50).then_some(())
    })
    .await;
    let r = v
        .http
        .post(format!("{}/Calls/{sid}.json", v.api))
        .basic_auth(&v.creds.account_sid, Some(&v.creds.auth_token))
        .form(&[("Url", sink.url("/next"))])
        .send()
        .await
        .expect("redirect");
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
    sink.wait_for("/next", 1).await;
    // SendDigits on answer, then <Play digits>: RFC 4733 events, each press once.
    assert_eq!(tap.keys(), [9, 1, 2, 11]);
    let done = v.final_call(&sid).await;
    assert_eq!(done["status"], "completed", "{done}\n{}", v.server.log());
    let warnings = done["warnings"].to_string();
    assert!(warnings.contains("Dial"), "{done}");
    assert!(done["error_code"].is_null(), "{done}");

    let broken = v
        .create(&[("To", "+15550001235"), ("Url", &sink.url("/broken"))])
        .await;
    let bsid = broken["sid"].as_str().expect("sid").to_owned();
    let done = v.final_call(&bsid).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(done["error_code"], 12100, "{done}");
    callee.assert_passed().await;
}
