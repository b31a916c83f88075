//! `voice-calls`: concurrent calls on the real `switchboard` binary, with sipp (Debian's
//! `sip-tester`) as the callee. Each call: answer, about 10 s of speech (espeak-ng), hang up.
//! All calls start together; the callee's SDP answer sends their RTP to a socket of this
//! bench, which time-stamps every packet. Reports, per level: calls completed, the most
//! calls streaming at once, RTP timing jitter (each packet's arrival against its 20 ms
//! schedule, from the first packet of its stream) p50/p99/max, and the server's CPU per
//! call. Asserts nothing. See bench/README.md.

#[allow(dead_code)]
mod prom;
#[allow(dead_code)]
mod server;
#[allow(dead_code)]
mod stats;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use clap::Parser;
use switchboard_testkit::sipp::{scenario_text, Sipp};

use crate::server::{cpu_seconds, Server};

#[derive(Parser, Debug)]
#[command(
    name = "voice-calls",
    about = "Concurrent calls over SIP/RTP, end to end"
)]
struct Args {
    /// Server binary (default: target/release/switchboard, or SWITCHBOARD_BENCH_BIN).
    #[arg(
        long,
        env = "SWITCHBOARD_BENCH_BIN",
        default_value = "target/release/switchboard"
    )]
    bin: PathBuf,
    /// Simultaneous calls per level, comma-separated.
    #[arg(long, default_value = "50,100,200,300", value_delimiter = ',')]
    levels: Vec<usize>,
}

/// About ten seconds of speech.
const SPEECH: &str = "Hello, this is a reminder from the salon. Your appointment is tomorrow \
    morning at ten o'clock with Anna. If you can no longer come, please call us back so that \
    we can give your time to another client. Thank you and see you tomorrow.";

/// Arrival times per SSRC.
type Arrivals = Arc<Mutex<HashMap<u32, Vec<Instant>>>>;

async fn tap() -> Result<(u16, Arrivals)> {
    let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
    let port = socket.local_addr()?.port();
    let arrivals: Arrivals = Arc::default();
    let a = arrivals.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 2048];
        while let Ok(n) = socket.recv(&mut buf).await {
            let now = Instant::now();
            if n >= 12 {
                let ssrc = u32::from_be_bytes([buf[8], buf[9], buf[10], buf[11]]);
                a.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .entry(ssrc)
                    .or_default()
                    .push(now);
            }
        }
    });
    Ok((port, arrivals))
}

struct LevelResult {
    calls: usize,
    completed: usize,
    max_streams: usize,
    jitter_us: Vec<u64>,
    cpu_per_call: f64,
    wall: Duration,
}

async fn level(args: &Args, calls: usize) -> Result<LevelResult> {
    let dir = tempfile::tempdir()?;
    let (tap_port, arrivals) = tap().await?;
    let scenario = scenario_text("uas_answer.xml")
        .replace("m=audio [media_port]", &format!("m=audio {tap_port}"));
    let callee = Sipp::start_text("bench", &scenario, u32::try_from(calls)?).await;
    let config = dir.path().join("switchboard.toml");
    std::fs::write(
        &config,
        format!(
            "[voice]\nsip_bind = \"127.0.0.1:0\"\n[[sip_trunks]]\nname = \"sipp\"\nhost = \"127.0.0.1\"\n\
             port = {}\nmax_concurrent_calls = {}\n",
            callee.port(),
            calls + 10
        ),
    )?;
    let mut server = Server::spawn(
        &args.bin,
        dir.path(),
        &[("SWITCHBOARD_CONFIG".into(), config.display().to_string())],
    )?;
    let ready = server.wait_ready(Duration::from_secs(30)).await?;
    let api = format!(
        "http://{}/2010-04-01/Accounts/{}",
        ready.addr, ready.account_sid
    );
    let http = reqwest::Client::new();
    let from = "+15551230001";
    let r = http
        .post(format!("{api}/IncomingPhoneNumbers.json"))
        .basic_auth(&ready.account_sid, Some(&ready.auth_token))
        .form(&[("PhoneNumber", from)])
        .send()
        .await?;
    if !r.status().is_success() {
        bail!("adding the number: {}", r.text().await?);
    }
    let twiml = format!("<Response><Say>{SPEECH}</Say></Response>");
    let cpu0 = cpu_seconds(server.pid);
    let started = Instant::now();
    let mut sids = Vec::with_capacity(calls);
    for i in 0..calls {
        let to = format!("+1555000{i:04}");
        let r = http
            .post(format!("{api}/Calls.json"))
            .basic_auth(&ready.account_sid, Some(&ready.auth_token))
            .form(&[
                ("To", to.as_str()),
                ("From", from),
                ("Twiml", twiml.as_str()),
            ])
            .send()
            .await?;
        let body: serde_json::Value = r.json().await?;
        let sid = body["sid"].as_str().context("no call sid")?.to_owned();
        sids.push(sid);
    }
    // Wait until every call is final.
    let deadline = Instant::now() + Duration::from_secs(120);
    let completed = loop {
        let mut done = 0;
        let mut completed = 0;
        for sid in &sids {
            let c: serde_json::Value = http
                .get(format!("{api}/Calls/{sid}.json"))
                .basic_auth(&ready.account_sid, Some(&ready.auth_token))
                .send()
                .await?
                .json()
                .await?;
            let s = c["status"].as_str().unwrap_or("");
            if ["completed", "busy", "failed", "no-answer", "canceled"].contains(&s) {
                done += 1;
                completed += usize::from(s == "completed");
            }
        }
        if done == calls || Instant::now() > deadline {
            break completed;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let wall = started.elapsed();
    let cpu = cpu_seconds(server.pid) - cpu0;
    drop(callee);
    let _ = server.shutdown(Duration::from_secs(10)).await;

    let streams = arrivals.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let mut jitter_us = Vec::new();
    let mut spans = Vec::new();
    for times in streams.values() {
        let Some(first) = times.first() else { continue };
        spans.push((*first, *times.last().unwrap_or(first)));
        for (k, t) in times.iter().enumerate() {
            let due = *first + Duration::from_millis(20 * k as u64);
            let off = if *t > due { *t - due } else { due - *t };
            jitter_us.push(u64::try_from(off.as_micros()).unwrap_or(u64::MAX));
        }
    }
    let mut max_streams = 0;
    for (s, _) in &spans {
        let n = spans.iter().filter(|(a, b)| a <= s && s <= b).count();
        max_streams = max_streams.max(n);
    }
    // Each call streams about as long as it is answered; CPU per call-second of speech.
    let call_seconds: f64 = spans.iter().map(|(a, b)| (*b - *a).as_secs_f64()).sum();
    Ok(LevelResult {
        calls,
        completed,
        max_streams,
        jitter_us,
        cpu_per_call: if call_seconds > 0.0 {
            cpu / call_seconds
        } else {
            0.0
        },
        wall,
    })
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    println!(
        "voice-calls: {} (2 cores here); callee sipp; ~10 s of speech per call",
        args.bin.display()
    );
    println!(
        "{:>6} {:>9} {:>11} {:>12} {:>12} {:>12} {:>14} {:>8}",
        "calls",
        "completed",
        "max streams",
        "jitter p50",
        "jitter p99",
        "jitter max",
        "CPU/call",
        "wall"
    );
    for &n in &args.levels {
        let r = level(&args, n).await?;
        let s = stats::summarize(r.jitter_us.clone());
        let (p50, p99, max) = s.map_or((0, 0, 0), |s| (s.p50, s.p99, s.max));
        println!(
            "{:>6} {:>9} {:>11} {:>9.2} ms {:>9.2} ms {:>9.2} ms {:>11.2} % {:>7.1?}",
            r.calls,
            r.completed,
            r.max_streams,
            stats::ms(p50),
            stats::ms(p99),
            stats::ms(max),
            r.cpu_per_call * 100.0,
            r.wall
        );
    }
    println!(
        "jitter: each RTP packet's arrival against its 20 ms slot from its stream's first packet"
    );
    println!("CPU/call: server user+system CPU over the level / call-seconds streamed (% of one core per call)");
    Ok(())
}
