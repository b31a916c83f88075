//! `[verify]`: Verify's sender and its fraud guard (see `docs/verify.md`).

use serde::{Deserialize, Serialize};
use switchboard_core::verify::fraud::{is_country_code, FraudPolicy, Mode};
use switchboard_core::verify::VerifyPolicy;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct VerifySettings {
    /// The sender of one-time-code texts (a number or short code of the platform; shaped like
    /// any sender unless it is `messaging.test_sender`).
    pub sender: String,
    /// Fraud guard mode for services that do not set their own: `enforce`, `monitor` or `off`.
    pub fraud_mode: String,
    /// ISO 3166 alpha-2 codes services may send codes to unless they set their own list.
    pub allowed_countries: Vec<String>,
    /// Starts allowed per destination number per hour.
    pub per_number_per_hour: u32,
    /// Starts allowed per end-user network (`DeviceIp`, /24 or /64) per hour.
    pub per_ip_per_hour: u32,
    /// Starts allowed per destination prefix per 10 minutes.
    pub per_prefix_per_10min: u32,
    /// Digits of the E.164 number (country code included) that make a destination prefix, 6–8.
    pub prefix_digits: usize,
    /// How long a prefix stays blocked after a sequential run or a conversion collapse.
    pub block_secs: u64,
}

impl Default for VerifySettings {
    fn default() -> Self {
        let p = FraudPolicy::default();
        Self {
            sender: "+15005550006".into(),
            fraud_mode: p.mode.as_str().into(),
            allowed_countries: p.allowed_countries,
            per_number_per_hour: p.per_number.0,
            per_ip_per_hour: p.per_ip.0,
            per_prefix_per_10min: p.per_prefix.0,
            prefix_digits: p.prefix_digits,
            block_secs: p.block_secs,
        }
    }
}

impl VerifySettings {
    /// The validated policy.
    pub fn policy(&self) -> anyhow::Result<VerifyPolicy> {
        let mode = Mode::parse(&self.fraud_mode).ok_or_else(|| {
            anyhow::anyhow!(
                "verify.fraud_mode must be enforce, monitor or off, not {:?}",
                self.fraud_mode
            )
        })?;
        if !(6..=8).contains(&self.prefix_digits) {
            anyhow::bail!("verify.prefix_digits must be 6, 7 or 8");
        }
        for c in &self.allowed_countries {
            if !is_country_code(c) {
                anyhow::bail!("verify.allowed_countries: {c:?} is not an ISO 3166 alpha-2 code");
            }
        }
        if [
            self.per_number_per_hour,
            self.per_ip_per_hour,
            self.per_prefix_per_10min,
        ]
        .contains(&0)
        {
            anyhow::bail!("verify.per_*: limits must be at least 1 (set fraud_mode = \"off\" to turn the guard off)");
        }
        Ok(VerifyPolicy {
            sms_from: self.sender.clone(),
            fraud: FraudPolicy {
                mode,
                allowed_countries: self
                    .allowed_countries
                    .iter()
                    .map(|c| c.to_ascii_uppercase())
                    .collect(),
                per_number: (self.per_number_per_hour, 3600),
                per_ip: (self.per_ip_per_hour, 3600),
                per_prefix: (self.per_prefix_per_10min, 600),
                prefix_digits: self.prefix_digits,
                block_secs: self.block_secs,
                ..FraudPolicy::default()
            },
        })
    }
}
