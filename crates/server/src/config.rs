//! Settings, loaded in layers: built-in defaults → `switchboard.toml` (or
//! `--config FILE`) → `SWITCHBOARD_*` environment variables (`__` nests:
//! `SWITCHBOARD_HTTP__BIND`). Unknown keys are an error naming the key.
//! Secrets have a `*_file` twin and never appear in `Debug` or `config check`.

use anyhow::{bail, Context};
use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize, Serializer};
use std::path::{Path, PathBuf};

/// Environment variables with these prefixes belong to tests and tools, not to the server:
/// `SWITCHBOARD_*` names that are not settings: test and client variables (`SWITCHBOARD_URL` is
/// where scripts and examples find the API) and `--config`'s twin.
const RESERVED_ENV: &[&str] = &[
    "TEST_", "E2E_", "BENCH_", "SDK_", "REQUIRE_", "CONFIG", "URL",
];

/// A secret string: redacted in `Debug` and when serialised.
#[derive(Clone, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// A password given inline or in a file (trimmed); empty when neither is set. `what`
/// names the setting in errors (`carrier 'x'`).
pub fn secret_or_file(
    what: &str,
    inline: Option<&Secret>,
    file: Option<&std::path::Path>,
) -> anyhow::Result<String> {
    use anyhow::Context;
    match (inline, file) {
        (Some(_), Some(_)) => anyhow::bail!("{what}: set password or password_file, not both"),
        (Some(p), None) => Ok(p.expose().to_owned()),
        (None, Some(f)) => Ok(std::fs::read_to_string(f)
            .with_context(|| format!("{what}: cannot read password_file {}", f.display()))?
            .trim()
            .to_owned()),
        (None, None) => Ok(String::new()),
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str("<redacted>")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// Where the SQLite database, the master key and credentials.json live.
    pub data_dir: PathBuf,
    /// The externally visible base URL, used in absolute URLs.
    pub public_url: String,
    /// 64 hex digits. Default: generated once into `<data_dir>/master.key`.
    pub master_key: Option<Secret>,
    pub master_key_file: Option<PathBuf>,
    pub http: HttpSettings,
    pub database: DatabaseSettings,
    pub pipeline: PipelineSettings,
    pub simulator: SimulatorSettings,
    /// SMPP connections to SMSCs. Empty: `serve` starts the built-in SMSC simulator.
    pub carriers: Vec<crate::carrier_settings::CarrierSettings>,
    pub smsc_sim: crate::carrier_settings::SmscSimSettings,
    pub messaging: MessagingSettings,
    pub shaping: ShapingSettings,
    pub webhooks: WebhookSettings,
    pub shield: crate::shield_settings::ShieldSettings,
    pub verify: crate::verify_settings::VerifySettings,
    pub console: crate::console_settings::ConsoleConfig,
    /// The SIP user agent, RTP and text-to-speech (docs/voice.md).
    pub voice: crate::voice_settings::VoiceConfig,
    /// SIP trunks calls go out through. Empty: calls fail with "no SIP trunk routes".
    pub sip_trunks: Vec<crate::voice_settings::SipTrunkSettings>,
    pub security: SecuritySettings,
    pub log: LogSettings,
}

/// `[security]`: encryption at rest (docs/encryption.md).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SecuritySettings {
    /// Encrypt message bodies and phone numbers in the store under per-account keys.
    /// `false` is only for measuring what encryption costs: new rows are then written in
    /// clear (rows already encrypted still read).
    pub encrypt_at_rest: bool,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        Self {
            encrypt_at_rest: true,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MessagingSettings {
    /// A `From` every account may use without holding it (Twilio's test
    /// sender); `""` turns that off.
    pub test_sender: String,
    /// Whether alphanumeric sender IDs are allowed as `From`.
    pub alphanumeric_senders: bool,
    /// How far ahead a scheduled message's `SendAt` may be (default 15 minutes to 35 days).
    pub schedule_min_secs: u64,
    pub schedule_max_secs: u64,
}

impl Default for MessagingSettings {
    fn default() -> Self {
        Self {
            test_sender: "+15005550006".into(),
            alphanumeric_senders: true,
            schedule_min_secs: 15 * 60,
            schedule_max_secs: 35 * 24 * 3600,
        }
    }
}

/// Messages per second per sender, by sender kind (0 = unlimited), per node.
/// `messaging.test_sender` is never shaped.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShapingSettings {
    pub long_code_per_sec: f64,
    pub toll_free_per_sec: f64,
    pub short_code_per_sec: f64,
    pub alphanumeric_per_sec: f64,
    /// A sender's queue holds at most this many seconds of its rate
    /// (21611 beyond); `0` = no cap. Default 4 hours, as Twilio.
    pub max_queue_secs: u64,
}

impl Default for ShapingSettings {
    fn default() -> Self {
        Self {
            long_code_per_sec: 1.0,
            toll_free_per_sec: 3.0,
            short_code_per_sec: 100.0,
            alphanumeric_per_sec: 10.0,
            max_queue_secs: 4 * 3600,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookSettings {
    /// Networks webhooks may reach although they are private, loopback or
    /// link-local. The default (a development setup) allows only loopback;
    /// set `[]` in production unless your receivers are on such networks.
    pub allowed_networks: Vec<String>,
    pub connect_timeout_ms: u64,
    pub read_timeout_ms: u64,
    /// Attempts per webhook, the first included.
    pub max_attempts: u32,
    /// First retry delay; each retry doubles it (with jitter), up to `retry_max_secs`.
    pub retry_base_ms: u64,
    pub retry_max_secs: u64,
    pub concurrency: usize,
    pub poll_interval_ms: u64,
    pub lease_secs: u64,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            allowed_networks: vec!["127.0.0.0/8".into(), "::1/128".into()],
            connect_timeout_ms: 5_000,
            read_timeout_ms: 15_000,
            max_attempts: 8,
            retry_base_ms: 60_000,
            retry_max_secs: 1_800,
            concurrency: 64,
            poll_interval_ms: 250,
            lease_secs: 60,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpSettings {
    pub bind: String,
    /// API requests per second per account (per node); `0` = unlimited.
    /// Over it: 429 with code 20429 and `Retry-After`.
    pub account_rate_per_sec: f64,
    /// Requests an account may burst above the rate.
    pub account_burst: f64,
}

/// The storage backend chosen by `database.url`'s scheme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseSettings {
    /// `sqlite://PATH` or `postgres://…`; empty means `sqlite://<data_dir>/switchboard.db`.
    /// The URL may hold a password: it is redacted by `config check` (use `url_file` to keep it out of the config).
    #[serde(serialize_with = "redact_url")]
    pub url: String,
    /// Read the URL from this file instead (a secret's `*_file` form).
    pub url_file: Option<PathBuf>,
    /// PostgreSQL pool size per node.
    pub max_connections: u32,
    /// `full` (fsync every commit) or `normal`.
    pub synchronous: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PipelineSettings {
    pub batch_size: u32,
    pub max_in_flight: usize,
    pub lease_secs: u64,
    pub poll_interval_ms: u64,
    pub receipt_timeout_secs: u64,
    pub retry_base_ms: u64,
    pub retry_max_secs: u64,
    pub max_attempts: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimulatorSettings {
    /// Use the in-process simulated carrier (no SMPP) instead of the built-in
    /// SMSC simulator; for fast tests and Twilio's magic numbers.
    pub in_process: bool,
    pub submit_latency_ms: u64,
    pub receipt_latency_ms: u64,
    pub rules: Vec<SimRuleSettings>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimRuleSettings {
    /// Destination prefix, e.g. `+1555999`.
    pub prefix: String,
    /// Match the sender instead of the destination.
    #[serde(default)]
    pub match_from: bool,
    /// `deliver`, `undelivered`, `failed`, `reject` or `throttle`.
    pub outcome: String,
    #[serde(default)]
    pub error_code: Option<u32>,
    #[serde(default)]
    pub retry_after_secs: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// A tracing filter: `info`, `warn`, `switchboard_core=debug,info`, …
    pub level: String,
    /// `text` or `json`.
    pub format: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./switchboard-data"),
            public_url: "http://127.0.0.1:8080".into(),
            master_key: None,
            master_key_file: None,
            http: HttpSettings::default(),
            database: DatabaseSettings::default(),
            pipeline: PipelineSettings::default(),
            simulator: SimulatorSettings::default(),
            carriers: Vec::new(),
            voice: Default::default(),
            sip_trunks: Vec::new(),
            smsc_sim: Default::default(),
            messaging: MessagingSettings::default(),
            shaping: ShapingSettings::default(),
            webhooks: WebhookSettings::default(),
            shield: crate::shield_settings::ShieldSettings::default(),
            verify: crate::verify_settings::VerifySettings::default(),
            console: crate::console_settings::ConsoleConfig::default(),
            security: SecuritySettings::default(),
            log: LogSettings::default(),
        }
    }
}

impl Default for HttpSettings {
    fn default() -> Self {
        Self {
            bind: "127.0.0.1:8080".into(),
            account_rate_per_sec: 0.0,
            account_burst: 100.0,
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: String::new(),
            url_file: None,
            max_connections: 16,
            synchronous: "full".into(),
        }
    }
}

impl Default for PipelineSettings {
    fn default() -> Self {
        Self {
            batch_size: 512,
            max_in_flight: 2048,
            lease_secs: 60,
            poll_interval_ms: 250,
            receipt_timeout_secs: 600,
            retry_base_ms: 1000,
            retry_max_secs: 300,
            max_attempts: 10,
        }
    }
}

impl Default for SimulatorSettings {
    fn default() -> Self {
        Self {
            in_process: false,
            submit_latency_ms: 0,
            receipt_latency_ms: 20,
            rules: Vec::new(),
        }
    }
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "text".into(),
        }
    }
}

/// Shows a database URL without its password.
fn redact_url<S: Serializer>(url: &str, s: S) -> Result<S::Ok, S::Error> {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let shown = if userinfo.contains(':') {
                format!("{}{user}:<redacted>{}", &url[..scheme + 3], &url[at..])
            } else {
                url.to_owned()
            };
            s.serialize_str(&shown)
        }
        _ => s.serialize_str(url),
    }
}

fn env_provider() -> Env {
    Env::prefixed("SWITCHBOARD_")
        .filter(|k| {
            let upper = k.as_str().to_ascii_uppercase();
            // Secrets are read raw below: the env layer would turn an all-digit key into a number.
            upper != "MASTER_KEY" && !RESERVED_ENV.iter().any(|p| upper.starts_with(p))
        })
        .split("__")
}

impl Settings {
    /// Loads the layers. `file` is `--config`; without it `./switchboard.toml` is read if present.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut fig = Figment::from(Serialized::defaults(Settings::default()));
        match file {
            Some(f) => {
                if !f.exists() {
                    bail!("config file {} does not exist", f.display());
                }
                fig = fig.merge(Toml::file_exact(f));
            }
            None if Path::new("switchboard.toml").exists() => {
                fig = fig.merge(Toml::file_exact("switchboard.toml"));
            }
            None => {}
        }
        let mut settings: Settings = fig
            .merge(env_provider())
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))?;
        if let Ok(key) = std::env::var("SWITCHBOARD_MASTER_KEY") {
            settings.master_key = Some(Secret(key));
        }
        if let Some(file) = &settings.database.url_file {
            if !settings.database.url.is_empty() {
                bail!("set database.url or database.url_file, not both");
            }
            settings.database.url = std::fs::read_to_string(file)
                .with_context(|| format!("cannot read database.url_file {}", file.display()))?
                .trim()
                .to_owned();
        }
        settings.validate()?;
        Ok(settings)
    }

    fn validate(&self) -> anyhow::Result<()> {
        if !matches!(self.database.synchronous.as_str(), "full" | "normal") {
            bail!("database.synchronous must be \"full\" or \"normal\"");
        }
        if !matches!(self.log.format.as_str(), "text" | "json") {
            bail!("log.format must be \"text\" or \"json\"");
        }
        if self.master_key.is_some() && self.master_key_file.is_some() {
            bail!("set master_key or master_key_file, not both");
        }
        if self.pipeline.batch_size == 0 || self.pipeline.max_in_flight == 0 {
            bail!("pipeline.batch_size and pipeline.max_in_flight must be at least 1");
        }
        self.http
            .bind
            .parse::<std::net::SocketAddr>()
            .with_context(|| {
                format!(
                    "http.bind '{}' is not an address like 127.0.0.1:8080",
                    self.http.bind
                )
            })?;
        self.database()?;
        self.shield.config()?;
        self.verify.policy()?;
        for r in &self.simulator.rules {
            crate::wiring::sim_rule(r)?;
        }
        for c in &self.carriers {
            c.link_config()?;
            // A claim must outlive the carrier's answer plus time to record it (see core::delivery).
            if c.response_timeout_secs.saturating_mul(4)
                >= self.pipeline.lease_secs.saturating_mul(3)
            {
                bail!(
                    "carrier '{}': response_timeout_secs ({}) must be well under pipeline.lease_secs ({}): \
                     at most three quarters of it",
                    c.name, c.response_timeout_secs, self.pipeline.lease_secs
                );
            }
        }
        self.smsc_sim.rules()?;
        for t in &self.sip_trunks {
            t.build()?;
        }
        self.voice.sip_addr()?;
        Ok(())
    }

    /// Which backend the database URL selects.
    pub fn database(&self) -> anyhow::Result<Database> {
        let url = self.database.url.trim();
        if url.is_empty() {
            return Ok(Database::Sqlite(self.data_dir.join("switchboard.db")));
        }
        if let Some(p) = url.strip_prefix("sqlite://") {
            return Ok(Database::Sqlite(PathBuf::from(p)));
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Database::Postgres(url.to_owned()));
        }
        bail!("database.url must start with sqlite:// or postgres:// (got '{url}')")
    }

    /// The effective configuration as TOML, secrets redacted.
    pub fn to_redacted_toml(&self) -> anyhow::Result<String> {
        Ok(toml::to_string_pretty(self)?)
    }
}

#[cfg(test)]
#[allow(clippy::result_large_err)]
mod tests {
    use super::*;
    use figment::Jail;

    #[test]
    fn layers_and_unknown_keys() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "switchboard.toml",
                "public_url = \"https://sms.example\"\n[http]\nbind = \"0.0.0.0:9000\"\n",
            )?;
            jail.set_env("SWITCHBOARD_HTTP__BIND", "127.0.0.1:0");
            jail.set_env("SWITCHBOARD_TEST_PG_URL", "ignored");
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(s.public_url, "https://sms.example");
            assert_eq!(s.http.bind, "127.0.0.1:0");
            jail.set_env("SWITCHBOARD_HTTP__NOPE", "1");
            let err = Settings::load(None)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("nope"), "{err}");
            Ok(())
        });
    }

    #[test]
    fn secrets_are_redacted() {
        Jail::expect_with(|jail| {
            jail.set_env("SWITCHBOARD_MASTER_KEY", "00".repeat(32));
            let s = Settings::load(None).map_err(|e| e.to_string())?;
            assert_eq!(
                s.master_key.as_ref().map(Secret::expose),
                Some("00".repeat(32).as_str())
            );
            let shown = s.to_redacted_toml().map_err(|e| e.to_string())?;
            assert!(shown.contains("<redacted>") && !shown.contains(&"00".repeat(32)));
            assert!(!format!("{s:?}").contains(&"00".repeat(32)));
            Ok(())
        });
    }
}
