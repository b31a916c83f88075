//! `switchboard smsc-sim`, `switchboard sim reply` and `switchboard numbers add`.

use crate::carriers::SIM_FILE;
use crate::config::Settings;
use anyhow::{bail, Context};
use clap::{Args, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use switchboard_smsc::rules::{parse_outcome, Rule};
use switchboard_smsc::{Smsc, SmscConfig};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Args)]
pub struct SmscSimArgs {
    /// SMPP listener.
    #[arg(long, default_value = "127.0.0.1:2775")]
    pub bind: SocketAddr,
    /// HTTP control endpoint (POST /mo, GET /stats).
    #[arg(long, default_value = "127.0.0.1:2776")]
    pub control_bind: SocketAddr,
    /// Require this system_id (with --password); default: accept any bind.
    #[arg(long, requires = "password")]
    pub system_id: Option<String>,
    #[arg(long, requires = "system_id")]
    pub password: Option<String>,
    #[arg(long, default_value_t = 50)]
    pub receipt_delay_ms: u64,
    /// `PREFIX=OUTCOME`, repeatable: deliver, undeliverable:ERR, expire, reject:STATUS, throttle:TIMES.
    #[arg(long = "rule")]
    pub rules: Vec<String>,
    /// Append one line per submit_sm to this file.
    #[arg(long)]
    pub submit_log: Option<PathBuf>,
    /// Once listening, write {"smpp_addr": …, "control_url": …} here.
    #[arg(long)]
    pub ready_file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum SimCommand {
    /// Send a message "from a phone" through the SMSC simulator.
    Reply {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        text: String,
        /// The simulator's control URL (default: the one `serve` wrote to <data_dir>/smsc-sim.json,
        /// else http://127.0.0.1:2776).
        #[arg(long)]
        control: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum NumbersCommand {
    /// Register a number an account holds on its carriers.
    Add {
        #[arg(long)]
        account_sid: String,
        /// E.164, e.g. +15550001111.
        phone_number: String,
        #[arg(long, default_value = "")]
        friendly_name: String,
        /// Where inbound messages to it are POSTed (its `sms_url`).
        #[arg(long)]
        sms_url: Option<String>,
    },
}

pub async fn smsc_sim(args: SmscSimArgs) -> anyhow::Result<()> {
    let rules = args
        .rules
        .iter()
        .map(|r| {
            let (prefix, outcome) = r
                .split_once('=')
                .with_context(|| format!("--rule '{r}' must be PREFIX=OUTCOME"))?;
            let outcome =
                parse_outcome(outcome).map_err(|e| anyhow::anyhow!("--rule '{r}': {e}"))?;
            Ok(Rule {
                prefix: prefix.to_owned(),
                outcome,
            })
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    let shutdown = CancellationToken::new();
    let smsc = Smsc::start(
        SmscConfig {
            bind: args.bind,
            control_bind: Some(args.control_bind),
            credentials: args.system_id.zip(args.password),
            receipt_delay: Duration::from_millis(args.receipt_delay_ms),
            rules,
            submit_log: args.submit_log,
            submit_observer: None,
        },
        shutdown.clone(),
    )
    .await?;
    let info = serde_json::json!({
        "smpp_addr": smsc.smpp_addr.to_string(),
        "control_url": smsc.control_addr.map(|a| format!("http://{a}")),
    });
    println!("{info}");
    if let Some(path) = &args.ready_file {
        crate::secrets::write_private(path, info.to_string().as_bytes())?;
    }
    crate::cli::shutdown_signal().await;
    shutdown.cancel();
    Ok(())
}

pub async fn sim_reply(
    settings: &Settings,
    from: &str,
    to: &str,
    text: &str,
    control: Option<String>,
) -> anyhow::Result<()> {
    let control = match control {
        Some(c) => c,
        None => std::fs::read(settings.data_dir.join(SIM_FILE))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .and_then(|v| v["control_url"].as_str().map(str::to_owned))
            .unwrap_or_else(|| "http://127.0.0.1:2776".into()),
    };
    let resp = reqwest::Client::new()
        .post(format!("{}/mo", control.trim_end_matches('/')))
        .form(&[("from", from), ("to", to), ("text", text)])
        .send()
        .await
        .with_context(|| {
            format!(
                "cannot reach the SMSC simulator at {control} (is `switchboard serve` running?)"
            )
        })?;
    if !resp.status().is_success() {
        bail!(
            "the SMSC simulator answered {}: {}",
            resp.status(),
            resp.text().await.unwrap_or_default()
        );
    }
    println!("Sent from {from} to {to} through the SMSC simulator.");
    Ok(())
}

pub async fn add_number(
    settings: &Settings,
    account_sid: &str,
    phone_number: &str,
    friendly_name: &str,
    sms_url: Option<String>,
) -> anyhow::Result<()> {
    use switchboard_domain::ids::AccountSid;
    let core = crate::cli::offline_core(settings).await?;
    let account = AccountSid::parse(account_sid)
        .map_err(|_| anyhow::anyhow!("'{account_sid}' is not an account SID"))?;
    if core.store.get_account(&account).await?.is_none() {
        bail!("no account {account} in this database");
    }
    let params = switchboard_core::numbers::NumberParams {
        friendly_name: Some(friendly_name.to_owned()).filter(|f| !f.is_empty()),
        sms_url,
        ..Default::default()
    };
    let n = core
        .numbers
        .create(&account, Some(phone_number.to_owned()), params)
        .await
        .map_err(|e| anyhow::anyhow!("cannot add {phone_number}: {e}"))?;
    let event =
        switchboard_core::audit::AuditEvent::new(switchboard_core::audit::CLI, "number.create")
            .account(&account)
            .target(n.sid.as_str())
            .details(serde_json::json!({ "sms_url": n.config.sms_url }).to_string());
    core.audit.record(event).await?;
    println!("{} {}", n.sid, n.phone_number);
    Ok(())
}
