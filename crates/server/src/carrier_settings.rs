//! `[[carriers]]` (SMPP connections to real SMSCs) and `[smsc_sim]` (the
//! built-in SMSC simulator used when no carriers are configured).

use crate::config::Secret;
use anyhow::bail;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::time::Duration;
use switchboard_core::carrier::smpp::{BindMode, LinkConfig};

fn d_bind() -> String {
    "transceiver".into()
}
fn d_window() -> usize {
    10
}
fn d_tps() -> u32 {
    500
}
fn d_one() -> usize {
    1
}
fn d_routes() -> Vec<String> {
    vec!["*".into()]
}
fn d_priority() -> u32 {
    1
}
fn d_enquire() -> u64 {
    30
}
fn d_timeout() -> u64 {
    10
}

/// One SMSC connection group.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CarrierSettings {
    pub name: String,
    pub host: String,
    pub port: u16,
    pub system_id: String,
    #[serde(default)]
    pub password: Option<Secret>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// `transceiver` or `tx_rx`.
    #[serde(default = "d_bind")]
    pub bind: String,
    #[serde(default = "d_window")]
    pub window: usize,
    /// `submit_sm` per second per connection (0 = unlimited).
    #[serde(default = "d_tps")]
    pub max_tps: u32,
    #[serde(default = "d_one")]
    pub connections: usize,
    /// Destination prefixes; `*` = default route.
    #[serde(default = "d_routes")]
    pub routes: Vec<String>,
    /// Lower wins; equal priorities share traffic.
    #[serde(default = "d_priority")]
    pub priority: u32,
    #[serde(default = "d_enquire")]
    pub enquire_link_secs: u64,
    #[serde(default = "d_timeout")]
    pub response_timeout_secs: u64,
}

impl CarrierSettings {
    pub fn link_config(&self) -> anyhow::Result<LinkConfig> {
        let password = crate::config::secret_or_file(
            &format!("carrier '{}'", self.name),
            self.password.as_ref(),
            self.password_file.as_deref(),
        )?;
        let bind = match self.bind.as_str() {
            "transceiver" => BindMode::Transceiver,
            "tx_rx" => BindMode::TxRx,
            other => bail!(
                "carrier '{}': bind must be \"transceiver\" or \"tx_rx\", not '{other}'",
                self.name
            ),
        };
        if self.window == 0 || self.connections == 0 {
            bail!(
                "carrier '{}': window and connections must be at least 1",
                self.name
            );
        }
        Ok(LinkConfig {
            name: self.name.clone(),
            host: self.host.clone(),
            port: self.port,
            system_id: self.system_id.clone(),
            password,
            bind,
            window: self.window,
            max_tps: self.max_tps,
            connections: self.connections,
            routes: self.routes.clone(),
            priority: self.priority,
            enquire_link: Duration::from_secs(self.enquire_link_secs.max(1)),
            response_timeout: Duration::from_secs(self.response_timeout_secs.max(1)),
        })
    }
}

/// The built-in SMSC simulator `serve` starts when `carriers` is empty.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmscSimSettings {
    /// SMPP listener (loopback; port 0 picks a free one).
    pub bind: String,
    /// HTTP control endpoint for `switchboard sim reply`; empty disables it.
    pub control_bind: String,
    pub receipt_delay_ms: u64,
    /// Outcome rules: `{ prefix = "+1555999", outcome = "reject:0x0b" }`; outcomes are
    /// `deliver`, `undeliverable:ERR`, `expire`, `reject:STATUS`, `throttle:TIMES`.
    pub rules: Vec<SmscRuleSettings>,
    /// The connection `serve` makes to it.
    pub window: usize,
    pub connections: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmscRuleSettings {
    pub prefix: String,
    pub outcome: String,
}

impl Default for SmscSimSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:0".into(),
            control_bind: "127.0.0.1:0".into(),
            receipt_delay_ms: 20,
            rules: Vec::new(),
            window: 64,
            connections: 2,
        }
    }
}

impl SmscSimSettings {
    pub fn rules(&self) -> anyhow::Result<Vec<switchboard_smsc::rules::Rule>> {
        self.rules
            .iter()
            .map(|r| {
                let outcome = switchboard_smsc::rules::parse_outcome(&r.outcome)
                    .map_err(|e| anyhow::anyhow!("smsc_sim rule '{}': {e}", r.prefix))?;
                Ok(switchboard_smsc::rules::Rule {
                    prefix: r.prefix.clone(),
                    outcome,
                })
            })
            .collect()
    }
}
