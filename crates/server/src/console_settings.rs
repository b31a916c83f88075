//! `[console]`: the web console and the operator plane.

use serde::{Deserialize, Serialize};
use switchboard_core::console::ConsoleSettings;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// Serve `/console` and `/operator`.
    pub enabled: bool,
    /// The origin browsers use for the console (`https://sb.example.com`); it is the WebAuthn
    /// relying party, so passkeys work only there. Empty: `http://localhost:<http port>`.
    pub public_url: String,
    /// Session ceiling in hours (at most 8).
    pub session_hours: u32,
    /// Minutes a passkey confirmation counts for sensitive actions.
    pub fresh_minutes: u32,
    /// Hours an invite link works.
    pub invite_hours: u32,
}

impl Default for ConsoleConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            public_url: String::new(),
            session_hours: 8,
            fresh_minutes: 5,
            invite_hours: 72,
        }
    }
}

impl ConsoleConfig {
    /// The core settings for a server listening on `port`.
    pub fn build(&self, port: u16) -> anyhow::Result<ConsoleSettings> {
        let url = if self.public_url.trim().is_empty() {
            format!("http://localhost:{port}")
        } else {
            self.public_url.clone()
        };
        let mut s = ConsoleSettings::for_origin(&url)
            .map_err(|e| anyhow::anyhow!("console.public_url: {e}"))?;
        if !(1..=8).contains(&self.session_hours) {
            anyhow::bail!("console.session_hours must be 1 to 8");
        }
        if !(1..=60).contains(&self.fresh_minutes) {
            anyhow::bail!("console.fresh_minutes must be 1 to 60");
        }
        if !(1..=720).contains(&self.invite_hours) {
            anyhow::bail!("console.invite_hours must be 1 to 720");
        }
        s.session_ttl_ms = i64::from(self.session_hours) * 3_600_000;
        s.fresh_ttl_ms = i64::from(self.fresh_minutes) * 60_000;
        s.invite_ttl_ms = i64::from(self.invite_hours) * 3_600_000;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_origin_is_localhost_with_the_port() {
        let s = ConsoleConfig::default().build(8123).expect("ok");
        assert_eq!(s.origin, "http://localhost:8123");
        assert_eq!(s.rp_id, "localhost");
        assert_eq!(s.session_ttl_ms, 8 * 3_600_000);
    }

    #[test]
    fn bad_values_are_refused() {
        let c = ConsoleConfig {
            public_url: "http://example.com".into(),
            ..Default::default()
        };
        assert!(c.build(1).is_err(), "http only for localhost");
        let c = ConsoleConfig {
            session_hours: 9,
            ..Default::default()
        };
        assert!(c.build(1).is_err());
        let c = ConsoleConfig {
            public_url: "https://sb.example.com".into(),
            ..Default::default()
        };
        assert_eq!(c.build(1).expect("ok").rp_id, "sb.example.com");
    }
}
