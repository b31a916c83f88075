//! `[voice]` (the SIP user agent, RTP and text-to-speech) and `[[sip_trunks]]` (where calls
//! go). Without trunks, calls created through the API fail with "no SIP trunk routes …".

use crate::config::Secret;
use anyhow::bail;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use switchboard_core::voice::trunks::TrunkConfig;
use switchboard_core::voice::VoiceSettings as EngineSettings;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VoiceConfig {
    /// Run the call engine on this node. `false`: calls are accepted through the API and
    /// stay `queued` until a node with the engine dials them (an API-only node).
    pub enabled: bool,
    /// UDP address of the SIP user agent (port 0 picks a free one).
    pub sip_bind: String,
    /// Address advertised in Via/Contact when `sip_bind` is not reachable as such (NAT).
    pub sip_public_addr: Option<String>,
    /// The address RTP sockets bind and our SDP offers advertise.
    pub media_ip: IpAddr,
    /// The espeak-ng binary (Debian package `espeak-ng`).
    pub espeak_ng: PathBuf,
    /// Synthesised phrases kept in memory.
    pub tts_cache_entries: usize,
}

impl Default for VoiceConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            sip_bind: "0.0.0.0:5060".into(),
            sip_public_addr: None,
            media_ip: IpAddr::from([127, 0, 0, 1]),
            espeak_ng: PathBuf::from("espeak-ng"),
            tts_cache_entries: 256,
        }
    }
}

impl VoiceConfig {
    /// `sip_bind` and `sip_public_addr`, parsed.
    pub fn sip_addr(&self) -> anyhow::Result<(SocketAddr, Option<SocketAddr>)> {
        let bind = self.sip_bind.parse().map_err(|_| {
            anyhow::anyhow!(
                "voice.sip_bind '{}' is not an address like 0.0.0.0:5060",
                self.sip_bind
            )
        })?;
        let public = match &self.sip_public_addr {
            Some(a) => Some(a.parse().map_err(|_| {
                anyhow::anyhow!(
                    "voice.sip_public_addr '{a}' is not an address like 203.0.113.5:5060"
                )
            })?),
            None => None,
        };
        Ok((bind, public))
    }

    pub fn engine(&self) -> EngineSettings {
        EngineSettings {
            media_ip: self.media_ip,
            ..EngineSettings::default()
        }
    }
}

fn d_port() -> u16 {
    5060
}
fn d_udp() -> String {
    "udp".into()
}
fn d_routes() -> Vec<String> {
    vec!["*".into()]
}
fn d_priority() -> u32 {
    1
}
fn d_max_calls() -> usize {
    100
}

/// One SIP trunk.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SipTrunkSettings {
    pub name: String,
    pub host: String,
    #[serde(default = "d_port")]
    pub port: u16,
    /// Only `udp` for now.
    #[serde(default = "d_udp")]
    pub transport: String,
    /// Digest credentials, used when the trunk challenges (401/407).
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub password: Option<Secret>,
    #[serde(default)]
    pub password_file: Option<PathBuf>,
    /// Destination prefixes; `*` = default route.
    #[serde(default = "d_routes")]
    pub routes: Vec<String>,
    /// Lower wins; equal priorities share calls.
    #[serde(default = "d_priority")]
    pub priority: u32,
    #[serde(default = "d_max_calls")]
    pub max_concurrent_calls: usize,
    /// Caller ID presented instead of the call's `From`.
    #[serde(default)]
    pub caller_id: Option<String>,
    /// Dial and present numbers without the leading `+`.
    #[serde(default)]
    pub strip_plus: bool,
}

impl SipTrunkSettings {
    pub fn build(&self) -> anyhow::Result<TrunkConfig> {
        let what = format!("sip_trunks '{}'", self.name);
        if !self.transport.eq_ignore_ascii_case("udp") {
            bail!("{what}: transport must be \"udp\" (TCP and TLS are not supported yet)");
        }
        if self.max_concurrent_calls == 0 {
            bail!("{what}: max_concurrent_calls must be at least 1");
        }
        if self.host.trim().is_empty() {
            bail!("{what}: host is required");
        }
        let password = crate::config::secret_or_file(
            &what,
            self.password.as_ref(),
            self.password_file.as_deref(),
        )?;
        Ok(TrunkConfig {
            name: self.name.clone(),
            target: switchboard_sip::TrunkTarget {
                host: self.host.clone(),
                port: self.port,
                username: self.username.clone(),
                password: Some(password).filter(|p| !p.is_empty()),
            },
            routes: self.routes.clone(),
            priority: self.priority,
            max_concurrent_calls: self.max_concurrent_calls,
            caller_id: self.caller_id.clone(),
            strip_plus: self.strip_plus,
        })
    }
}
