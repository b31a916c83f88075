//! Chooses and starts the carrier: SMPP to `[[carriers]]`; or, with none, the
//! built-in SMSC simulator on loopback reached over real SMPP; or, with
//! `simulator.in_process`, the in-process simulated carrier.

use crate::config::Settings;
use crate::{secrets, wiring};
use anyhow::Context;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use switchboard_core::carrier::simulated::SimulatedCarrier;
use switchboard_core::carrier::smpp::{BindMode, LinkConfig, SmppCarrier};
use switchboard_core::carrier::{Carrier, CarrierEvent};
use switchboard_smsc::{Smsc, SmscConfig};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Where the in-process simulator listens; written to `<data_dir>/smsc-sim.json`
/// for `switchboard sim reply`.
pub const SIM_FILE: &str = "smsc-sim.json";

pub async fn start(
    settings: &Settings,
    events: mpsc::Sender<CarrierEvent>,
    shutdown: CancellationToken,
) -> anyhow::Result<Arc<dyn Carrier>> {
    if !settings.carriers.is_empty() {
        let links = settings
            .carriers
            .iter()
            .map(|c| c.link_config())
            .collect::<anyhow::Result<Vec<_>>>()?;
        tracing::info!(carriers = links.len(), "Connecting to SMPP carriers.");
        return Ok(Arc::new(SmppCarrier::start(links, events, shutdown)));
    }
    if settings.simulator.in_process {
        let sim = SimulatedCarrier::new(wiring::simulator(&settings.simulator)?, events);
        return Ok(Arc::new(sim));
    }
    let sim_settings = &settings.smsc_sim;
    let parse = |what: &str, s: &str| -> anyhow::Result<SocketAddr> {
        s.parse()
            .with_context(|| format!("smsc_sim.{what} '{s}' is not an address like 127.0.0.1:2775"))
    };
    let password = switchboard_domain::ids::new_secret();
    let cfg = SmscConfig {
        bind: parse("bind", &sim_settings.bind)?,
        control_bind: match sim_settings.control_bind.as_str() {
            "" => None,
            s => Some(parse("control_bind", s)?),
        },
        credentials: Some(("switchboard".into(), password.clone())),
        receipt_delay: Duration::from_millis(sim_settings.receipt_delay_ms),
        rules: sim_settings.rules()?,
        submit_log: None,
        submit_observer: None,
    };
    let smsc = Smsc::start(cfg, shutdown.clone()).await?;
    let info = serde_json::json!({
        "smpp_addr": smsc.smpp_addr.to_string(),
        "control_url": smsc.control_addr.map(|a| format!("http://{a}")),
    });
    secrets::write_private(
        &settings.data_dir.join(SIM_FILE),
        info.to_string().as_bytes(),
    )?;
    tracing::info!(smpp = %smsc.smpp_addr, control = ?smsc.control_addr, "Built-in SMSC simulator started (no [[carriers]] configured).");
    let link = LinkConfig {
        name: "smsc-sim".into(),
        host: smsc.smpp_addr.ip().to_string(),
        port: smsc.smpp_addr.port(),
        system_id: "switchboard".into(),
        password,
        bind: BindMode::Transceiver,
        window: sim_settings.window.max(1),
        max_tps: 0,
        connections: sim_settings.connections.max(1),
        routes: vec!["*".into()],
        priority: 1,
        enquire_link: Duration::from_secs(30),
        response_timeout: Duration::from_secs(5),
    };
    // Its tasks keep serving until `shutdown`; the handle is not needed.
    drop(smsc);
    Ok(Arc::new(SmppCarrier::start(vec![link], events, shutdown)))
}
