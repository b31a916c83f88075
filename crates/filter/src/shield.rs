//! The analyser: runs every signal, adds their points into a score and decides.

use std::sync::Arc;

use crate::campaign::{CampaignConfig, CampaignTracker};
use crate::classifier::Model;
use crate::input::{Direction, FilterInput};
use crate::lookalike::{builtin_brands, Brand, LookalikeDetector};
use crate::pretext;
use crate::urls::DomainTools;
use crate::verdict::{Analysis, UrlReport, Verdict};

/// Score thresholds: `score >= flag` flags, `score >= block` blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    pub flag: u32,
    pub block: u32,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            flag: 50,
            block: 80,
        }
    }
}

impl Thresholds {
    pub fn verdict(&self, score: u32) -> Verdict {
        if score >= self.block {
            Verdict::Block
        } else if score >= self.flag {
            Verdict::Flag
        } else {
            Verdict::Allow
        }
    }
}

/// Facts about domains from outside (registration age from RDAP or a CT watcher, …).
pub trait DomainIntel: Send + Sync {
    /// Hours since `registrable_domain` was registered, if known.
    fn age_hours(&self, registrable_domain: &str) -> Option<u64>;
}

/// No outside knowledge.
pub struct NoIntel;

impl DomainIntel for NoIntel {
    fn age_hours(&self, _registrable_domain: &str) -> Option<u64> {
        None
    }
}

/// Platform-wide settings of the shield.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShieldConfig {
    pub thresholds: Thresholds,
    /// Brands protected on top of the built-in list (`[shield] protected_brands`).
    pub protected_brands: Vec<Brand>,
    pub campaign: CampaignConfig,
}

/// The text the classifier sees: the message without its links.
///
/// Both public datasets hold almost no legitimate message with a link (33 URLs in 9,000+ ham
/// texts), so a model that saw links learnt "link ⇒ spam" and flagged ordinary reminders and
/// delivery notices. Links are judged by the URL and look-alike signals instead, which look at
/// *which* domain it is. Training (`examples/shield_train.rs`, `evaluate::cross_validate`) uses
/// the same function, so the model never sees a link.
pub fn link_blind(text: &str) -> String {
    strip_urls(text, &DomainTools::builtin().extract(text))
}

fn strip_urls(text: &str, urls: &[crate::urls::ExtractedUrl]) -> String {
    let mut out = text.to_owned();
    for u in urls {
        if !u.text.is_empty() {
            out = out.replacen(&u.text, " ", 1);
        }
    }
    out
}

/// Points per signal. The classifier adds up to [`CLASSIFIER_MAX`] (its probability × 100);
/// look-alike domains alone reach the default block threshold; weaker URL signals and
/// pretexts need company.
fn points(tag: &str) -> u32 {
    match tag {
        "brand-keyword" | "homoglyph" => 90,
        "typosquat" | "brand-subdomain" => 80,
        "tld-swap" => 60,
        "campaign-domain" => 40,
        "sender-burst" => 30,
        "new-domain" => 30,
        "userinfo" | "fake-tld" | "mixed-script" => 40,
        "raw-ip" => 30,
        "suspicious-tld" => 20,
        "shortener" | "idn" | "defanged" => 15,
        "high-entropy" | "many-subdomains" | "port" => 10,
        "pretext-password" | "pretext-account" | "pretext-schedule" | "pretext-mfa"
        | "pretext-hr" | "pretext-delivery" | "pretext-prize" => 20,
        "persona" | "urgency" => 10,
        "link" => 10,
        "lure" => 15,
        "premium-rate" => 20,
        _ => 5,
    }
}

/// The most the text classifier alone contributes: enough to flag, never to block.
pub const CLASSIFIER_MAX: u32 = 70;
/// Pretext points are capped: words alone are weak evidence.
const PRETEXT_MAX: u32 = 30;

/// The smishing shield. Cheap to share (`Arc`); `screen` keeps campaign state.
pub struct Shield {
    tools: Shared<DomainTools>,
    lookalike: LookalikeDetector,
    model: Shared<Model>,
    intel: Arc<dyn DomainIntel>,
    config: ShieldConfig,
    tracker: CampaignTracker,
}

/// A built-in `'static` value or one loaded at run time.
enum Shared<T: 'static> {
    Static(&'static T),
    Owned(Arc<T>),
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            Self::Static(t) => t,
            Self::Owned(t) => t,
        }
    }
}

impl Shield {
    /// The built-in lists and model.
    pub fn new(config: ShieldConfig) -> Self {
        let mut brands = builtin_brands();
        brands.extend(config.protected_brands.iter().cloned());
        Self {
            tools: Shared::Static(DomainTools::builtin()),
            lookalike: LookalikeDetector::new(brands),
            model: Shared::Static(Model::builtin()),
            intel: Arc::new(NoIntel),
            tracker: CampaignTracker::new(config.campaign.clone()),
            config,
        }
    }

    /// Replaces the text model (cross-validation trains one per fold).
    pub fn with_model(mut self, model: Model) -> Self {
        self.model = Shared::Owned(Arc::new(model));
        self
    }

    /// Replaces the lists (a newer Public Suffix List loaded at run time).
    pub fn with_tools(mut self, tools: DomainTools) -> Self {
        self.tools = Shared::Owned(Arc::new(tools));
        self
    }

    pub fn with_intel(mut self, intel: Arc<dyn DomainIntel>) -> Self {
        self.intel = intel;
        self
    }

    pub fn config(&self) -> &ShieldConfig {
        &self.config
    }

    /// Everything except campaign state: a dry run (`/v1/Shield/Analyze`, `shield check`).
    pub fn analyze(&self, input: &FilterInput<'_>) -> Analysis {
        self.analyze_with(input, self.thresholds(input))
    }

    /// [`Shield::analyze`] with the input's thresholds already looked up.
    fn analyze_with(&self, input: &FilterInput<'_>, thresholds: Thresholds) -> Analysis {
        let mut analysis = Analysis::default();
        let account_brands: &[Brand] = input.account.map(|a| a.brands()).unwrap_or_default();
        let account_entries = input.account.map(|a| a.brand_entries()).unwrap_or_default();

        // URLs and domains; the lower-cased words once for the message-level signals.
        let urls = self.tools.extract(input.body);
        let words = pretext::words(input.body);
        let mut all_genuine = !urls.is_empty();
        let mut reports = Vec::with_capacity(urls.len());
        for url in &urls {
            let mut findings = Vec::new();
            let own = url
                .registrable
                .as_ref()
                .is_some_and(|r| input.account.is_some_and(|a| a.owns(r)));
            let genuine = own || self.lookalike.is_genuine(url, account_brands);
            if genuine {
                findings.push("genuine-domain".to_owned());
            } else {
                all_genuine = false;
                for f in self.lookalike.check_not_genuine(url, account_entries) {
                    add(&mut analysis, f.tag, f.reason);
                    findings.push(f.tag.to_owned());
                }
                if let Some(age) = url
                    .registrable
                    .as_deref()
                    .and_then(|d| self.intel.age_hours(d))
                {
                    if age < 24 {
                        let domain = url.registrable.as_deref().unwrap_or(&url.host);
                        add(
                            &mut analysis,
                            "new-domain",
                            format!("{domain} was registered {age} h ago"),
                        );
                        findings.push("new-domain".to_owned());
                    }
                }
            }
            for f in self.tools.findings(url) {
                if genuine && f.tag != "userinfo" {
                    continue;
                }
                add(&mut analysis, f.tag, f.reason);
                findings.push(f.tag.to_owned());
            }
            reports.push(UrlReport {
                url: url.text.clone(),
                registrable_domain: url.registrable.clone(),
                findings,
            });
        }

        // Message-level lures count only when the message carries a link that is not genuine.
        let has_link = !urls.is_empty() && !all_genuine;
        if has_link {
            add(
                &mut analysis,
                "link",
                "links to a domain that is not a protected brand's".to_owned(),
            );
            let scan = pretext::scan(&words);
            let mut pretext_points = 0;
            if !scan.pretexts.is_empty() {
                add(
                    &mut analysis,
                    "lure",
                    "a pretext with a link: the shape of the 2022 campaigns".to_owned(),
                );
            }
            for p in scan.pretexts {
                let granted = points(p.tag).min(PRETEXT_MAX.saturating_sub(pretext_points));
                pretext_points += granted;
                add_signal(&mut analysis, p.tag, granted, p.reason.to_owned());
            }
            if scan.persona {
                add(
                    &mut analysis,
                    "persona",
                    "poses as IT, HR or a help desk".to_owned(),
                );
            }
            if scan.urgency {
                add(&mut analysis, "urgency", "urgent call to action".to_owned());
            }
        }

        if let Some(what) = pretext::premium_rate(input.body, &words) {
            add(
                &mut analysis,
                "premium-rate",
                format!("asks for {what} (premium-rate billing)"),
            );
        }

        // The text classifier, blind to links (see `link_blind`).
        let probability = if urls.is_empty() {
            self.model.probability(input.body)
        } else {
            self.model.probability(&strip_urls(input.body, &urls))
        };
        let mut clf = (probability * 100.0).round().clamp(0.0, 100.0) as u32;
        clf = clf.min(CLASSIFIER_MAX);
        let flag = thresholds.flag;
        // Every link goes to a protected brand's genuine domain, or this is a one-time code
        // without a link (the public data has no legitimate OTPs): the words alone do not flag.
        // (The code check only runs when the words would flag.)
        if clf >= flag
            && (all_genuine || urls.is_empty() && pretext::one_time_code(input.body, &words))
        {
            clf = flag.saturating_sub(1);
        }
        // Every contribution that matters is explained; a small one only counts.
        if clf >= 20 {
            add_signal(
                &mut analysis,
                "classifier",
                clf,
                format!("text resembles known spam/smishing (p = {probability:.2})"),
            );
        } else {
            analysis.score += clf;
        }

        analysis.score = analysis.score.min(100);
        analysis.verdict = thresholds.verdict(analysis.score);
        analysis.urls = reports;
        analysis.classifier = probability;
        analysis
    }

    /// [`Shield::analyze`] plus the campaign signals; records this message in the windows.
    /// `now_ms` is any monotonic millisecond clock shared by the callers.
    pub fn screen(&self, input: &FilterInput<'_>, now_ms: u64) -> Analysis {
        let thresholds = self.thresholds(input);
        let mut analysis = self.analyze_with(input, thresholds);
        let recipient = input.to.unwrap_or("");
        let cfg = self.tracker.config();
        if analysis.score >= thresholds.flag {
            // Only domains suspicious in themselves (a look-alike, a shortener, a suspicious TLD,
            // …): a business's own link in a bulk send never makes a campaign because a few of
            // its messages scored high on their words.
            let mut domains: Vec<String> = analysis
                .urls
                .iter()
                .filter(|u| !u.findings.is_empty())
                .filter(|u| !u.findings.iter().any(|f| f == "genuine-domain"))
                .filter_map(|u| u.registrable_domain.clone())
                .collect();
            domains.dedup();
            for domain in domains {
                let n = self.tracker.observe_domain(&domain, recipient, now_ms);
                if n >= cfg.domain_recipients && !analysis.has_tag("campaign-domain") {
                    let secs = cfg.window_ms / 1000;
                    add(
                        &mut analysis,
                        "campaign-domain",
                        format!("{domain} went to {n} recipients within {secs} s in suspicious messages"),
                    );
                }
            }
        }
        if input.direction == Direction::Inbound {
            if let (Some(from), Some(account)) = (input.from, input.account) {
                let n = self
                    .tracker
                    .observe_sender(from, &account.account_sid, recipient, now_ms);
                if n >= cfg.sender_recipients {
                    let secs = cfg.window_ms / 1000;
                    add(
                        &mut analysis,
                        "sender-burst",
                        format!("{from} texted {n} of this account's numbers within {secs} s"),
                    );
                }
            }
        }
        analysis.score = analysis.score.min(100);
        analysis.verdict = thresholds.verdict(analysis.score);
        analysis
    }

    fn thresholds(&self, input: &FilterInput<'_>) -> Thresholds {
        input
            .account
            .and_then(|a| a.thresholds)
            .unwrap_or(self.config.thresholds)
    }
}

/// [`add_signal`] with the tag's [`points`].
fn add(analysis: &mut Analysis, tag: &str, reason: String) {
    add_signal(analysis, tag, points(tag), reason);
}

/// The one way a signal enters an analysis: every signal adds its reason; only a tag's first
/// signal adds the tag and its points (the same tag on two URLs counts once). The score is not
/// capped here: callers cap it at 100 once every signal is in.
fn add_signal(analysis: &mut Analysis, tag: &str, points: u32, reason: String) {
    if !analysis.has_tag(tag) {
        analysis.score += points;
        analysis.tags.push(tag.to_owned());
    }
    analysis.reasons.push(reason);
}
