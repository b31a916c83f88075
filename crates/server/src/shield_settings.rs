//! `[shield]`: the smishing shield's platform settings.

use serde::{Deserialize, Serialize};
use switchboard_filter::AccountContext;

/// One protected brand in `[shield] protected_brands`: a name, or a table with its domains.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(untagged)]
pub enum BrandSetting {
    /// `"acme"`: the name only.
    Name(String),
    /// `{ name = "acme", domains = ["acme.com"] }`: with its genuine domains.
    Full { name: String, domains: Vec<String> },
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ShieldSettings {
    /// Screen messages at all.
    pub enabled: bool,
    /// Screen outbound messages (a `block` fails them with 30007).
    pub outbound: bool,
    /// Screen inbound messages (the verdict goes to the webhook and the alert URL).
    pub inbound: bool,
    /// Score at or above which a message is flagged (0–100).
    pub flag_threshold: u32,
    /// Score at or above which a message is blocked.
    pub block_threshold: u32,
    /// Brands protected on top of the built-in list.
    pub protected_brands: Vec<BrandSetting>,
    /// Campaign window: distinct recipients of one suspicious domain within
    /// `campaign_window_secs` that block it.
    pub campaign_window_secs: u64,
    pub campaign_domain_recipients: usize,
    /// Distinct numbers of one account one sender may text within the window before it counts as a burst.
    pub campaign_sender_recipients: usize,
    /// A newer Public Suffix List to load instead of the built-in copy.
    pub public_suffix_list: Option<std::path::PathBuf>,
}

impl Default for ShieldSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            outbound: true,
            inbound: true,
            flag_threshold: 50,
            block_threshold: 80,
            protected_brands: Vec::new(),
            campaign_window_secs: 60,
            campaign_domain_recipients: 5,
            campaign_sender_recipients: 10,
            public_suffix_list: None,
        }
    }
}

impl ShieldSettings {
    /// The analyser's configuration.
    pub fn config(&self) -> anyhow::Result<switchboard_filter::ShieldConfig> {
        if self.flag_threshold > self.block_threshold || self.block_threshold > 100 {
            anyhow::bail!(
                "shield.flag_threshold ({}) must be <= shield.block_threshold ({}) <= 100",
                self.flag_threshold,
                self.block_threshold
            );
        }
        let mut brands = Vec::new();
        for b in &self.protected_brands {
            let (name, domains) = match b {
                BrandSetting::Name(n) => (n.clone(), Vec::new()),
                BrandSetting::Full { name, domains } => (name.clone(), domains.clone()),
            };
            let name = AccountContext::parse_name(&name).ok_or_else(|| {
                anyhow::anyhow!(
                    "shield.protected_brands: '{name}' must be 3 to 63 letters, digits or hyphens"
                )
            })?;
            let genuine = domains
                .iter()
                .map(|d| {
                    AccountContext::parse_domain(d).ok_or_else(|| {
                        anyhow::anyhow!("shield.protected_brands: '{d}' is not a domain name")
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            brands.push(switchboard_filter::lookalike::Brand { name, genuine });
        }
        Ok(switchboard_filter::ShieldConfig {
            thresholds: switchboard_filter::Thresholds {
                flag: self.flag_threshold,
                block: self.block_threshold,
            },
            protected_brands: brands,
            campaign: switchboard_filter::CampaignConfig {
                window_ms: self.campaign_window_secs.saturating_mul(1000),
                domain_recipients: self.campaign_domain_recipients.max(1),
                sender_recipients: self.campaign_sender_recipients.max(1),
                ..switchboard_filter::CampaignConfig::default()
            },
        })
    }

    /// The analyser, with a newer Public Suffix List when one is configured.
    pub fn build(&self) -> anyhow::Result<switchboard_filter::Shield> {
        let mut shield = switchboard_filter::Shield::new(self.config()?);
        if let Some(path) = &self.public_suffix_list {
            let psl = std::fs::read_to_string(path).map_err(|e| {
                anyhow::anyhow!(
                    "cannot read shield.public_suffix_list {}: {e}",
                    path.display()
                )
            })?;
            let tools = switchboard_filter::urls::DomainTools::from_lists(
                &psl,
                switchboard_filter::SHORTENERS,
            )
            .map_err(|e| anyhow::anyhow!("shield.public_suffix_list {}: {e}", path.display()))?;
            shield = shield.with_tools(tools);
        }
        Ok(shield)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used, clippy::unwrap_used)]
    use super::*;
    use switchboard_filter::FilterInput;

    #[test]
    fn brands_thresholds_and_a_newer_public_suffix_list() {
        let dir = tempfile::tempdir().unwrap();
        let psl = dir.path().join("psl.dat");
        // A list where `example` is a public suffix: `acme-login.example` is then registrable.
        std::fs::write(
            &psl,
            "// ===BEGIN ICANN DOMAINS===\ncom\nexample\n// ===END ICANN DOMAINS===\n",
        )
        .unwrap();
        let s = ShieldSettings {
            protected_brands: vec![
                BrandSetting::Name("globex".into()),
                BrandSetting::Full {
                    name: "Acme".into(),
                    domains: vec!["acme.com".into()],
                },
            ],
            public_suffix_list: Some(psl),
            ..ShieldSettings::default()
        };
        let shield = s.build().unwrap();
        let a = shield.analyze(&FilterInput::text(
            "log in at https://acme-login.example/now",
        ));
        assert_eq!(
            a.urls.first().and_then(|u| u.registrable_domain.as_deref()),
            Some("acme-login.example"),
            "{a:?}"
        );
        assert!(a.has_tag("brand-keyword"), "{a:?}");
        let g = shield.analyze(&FilterInput::text("see globex-sso.com"));
        assert!(g.has_tag("brand-keyword"), "{g:?}");

        let bad = ShieldSettings {
            flag_threshold: 90,
            block_threshold: 80,
            ..ShieldSettings::default()
        };
        assert!(bad.config().is_err());
        let bad = ShieldSettings {
            protected_brands: vec![BrandSetting::Name("a b".into())],
            ..ShieldSettings::default()
        };
        assert!(bad.config().is_err());
        let missing = ShieldSettings {
            public_suffix_list: Some("/nonexistent/psl.dat".into()),
            ..ShieldSettings::default()
        };
        assert!(missing.build().is_err());
    }
}
