//! Look-alike domains of protected brands.
//!
//! A URL's registrable label (`twilio-sso` in `twilio-sso.com`) is normalised — Unicode
//! confusables to their UTS #39 skeleton, combining marks dropped, lower-cased, hyphens removed
//! — and split into a *core* plus keyword prefix/suffix (any sequence of identity/IT keywords
//! or digit runs, see `brands::KEYWORDS`). Each core is compared with every brand through a
//! deletion index: exact, equal after ASCII homoglyph folding (`rn`→`m`, `0`→`o`, `1`/`i`→`l`,
//! …, see `tables::fold`), or one edit away (optimal string alignment distance 1, classified
//! into the dnstwist families). Brands of fewer than [`matcher::TYPO_MIN_LEN`] letters get no
//! typo matches, and brands of fewer than [`matcher::TYPO_ALONE_MIN_LEN`] only inside keyword
//! compounds, so that `ups`, `apply` or `stack` do not fire. Subdomain labels are checked for
//! the brand (exact or homoglyph) and the labels left of the suffix are joined to catch
//! `twi.lio.com`. Nothing fires when the registrable domain is genuine for any brand.
//!
//! Tags: `brand-keyword`, `homoglyph`, `typosquat` (family in the reason), `tld-swap`,
//! `brand-subdomain`.

mod brands;
mod matcher;
mod permute;
mod tables;

use std::collections::HashSet;

pub use matcher::{TYPO_ALONE_MIN_LEN, TYPO_MIN_LEN};
pub use permute::{permute, Candidate, RECALL_BRANDS};

use crate::urls::ExtractedUrl;
pub(crate) use matcher::Entry;
use matcher::{Hit, Index, MatchKind};

/// A protected brand: its name(s) and its genuine registrable domains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    /// Lower-case name as it appears in domains, e.g. `twilio`.
    pub name: String,
    /// Genuine registrable domains (allow-listed), e.g. `twilio.com`.
    pub genuine: Vec<String>,
}

/// A look-alike finding for one URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookalikeFinding {
    /// The brand imitated (its [`Brand::name`]).
    pub brand: String,
    /// Stable tag: `brand-keyword`, `typosquat`, `homoglyph`, `tld-swap`, `brand-subdomain`.
    pub tag: &'static str,
    /// Human-readable, e.g. "twilio-sso.com combines the brand twilio with the keyword sso".
    pub reason: String,
}

/// Built-in brands commonly impersonated (identity, tech, finance, logistics, telecom). Several
/// names of one company are separate brands sharing the genuine domains (`amazon`/`aws`,
/// `microsoft`/`office365`/`outlook`…); hyphenated names (`t-mobile`) also match unhyphenated.
pub fn builtin_brands() -> Vec<Brand> {
    brands::BRANDS
        .iter()
        .flat_map(|(names, domains)| {
            names.iter().map(|n| Brand {
                name: (*n).to_string(),
                genuine: domains.iter().map(|d| (*d).to_string()).collect(),
            })
        })
        .collect()
}

/// Checks hosts against protected brands.
pub struct LookalikeDetector {
    entries: Vec<Entry>,
    index: Index,
    genuine: HashSet<String>,
}

impl LookalikeDetector {
    /// Prepares the brands (typically [`builtin_brands`] plus configured ones).
    pub fn new(brands: Vec<Brand>) -> Self {
        let entries = entries(&brands);
        let genuine = brands
            .iter()
            .flat_map(|b| b.genuine.iter().map(|g| g.trim().to_ascii_lowercase()))
            .collect();
        Self {
            index: Index::new(&entries),
            entries,
            genuine,
        }
    }

    /// The built-in brands.
    pub fn builtin() -> Self {
        Self::new(builtin_brands())
    }

    /// Whether `url` is a genuine domain of a protected brand (built-in or `extra`): its
    /// registrable domain (or host) is listed, or the host is a subdomain of a listed domain.
    pub fn is_genuine(&self, url: &ExtractedUrl, extra: &[Brand]) -> bool {
        let host = url.host.as_str();
        let reg = url.registrable.as_deref().unwrap_or(host);
        if url.ip {
            return false;
        }
        let listed = |g: &str| {
            g.eq_ignore_ascii_case(reg)
                || g.eq_ignore_ascii_case(host)
                || (host.len() > g.len()
                    && host.ends_with(g)
                    && host.as_bytes()[host.len() - g.len() - 1] == b'.')
        };
        self.genuine.contains(reg)
            || self.genuine.contains(host)
            || parents(host).any(|p| p.len() >= reg.len() && self.genuine.contains(p))
            || extra
                .iter()
                .any(|b| b.genuine.iter().any(|g| listed(g.trim())))
    }

    /// Look-alike findings for `url` against the built-in brands and `extra` (an account's
    /// own), at most one per brand.
    pub fn check(&self, url: &ExtractedUrl, extra: &[Brand]) -> Vec<LookalikeFinding> {
        if self.is_genuine(url, extra) {
            return Vec::new();
        }
        self.check_not_genuine(url, &entries(extra))
    }

    /// [`LookalikeDetector::check`] for a URL the caller already found not genuine
    /// ([`LookalikeDetector::is_genuine`] answered `false`), with the extra brands prepared
    /// once by [`entries`] (an account's, see [`crate::AccountContext`]).
    pub(crate) fn check_not_genuine(
        &self,
        url: &ExtractedUrl,
        extra_entries: &[Entry],
    ) -> Vec<LookalikeFinding> {
        let mut out = Vec::new();
        if url.ip {
            return out;
        }
        let Some(reg) = url.registrable.as_deref() else {
            return out;
        };
        let host_labels: Vec<&str> = url.host.split('.').collect();
        let uni: Vec<&str> = url.unicode_host.split('.').collect();
        let reg_idx = host_labels.len().saturating_sub(reg.split('.').count());
        let label_at = |i: usize| {
            if uni.len() == host_labels.len() {
                uni[i]
            } else {
                host_labels[i]
            }
        };
        let ctx = Ctx { url, reg };

        // The registrable label.
        let (norm, non_ascii) = matcher::normalise_label(label_at(reg_idx));
        let mut found: Vec<(String, u8, LookalikeFinding)> = Vec::new();
        for (entries, index) in [
            (self.entries.as_slice(), Some(&self.index)),
            (extra_entries, None),
        ] {
            let mut hits = Vec::new();
            matcher::hits(&norm, entries, index, true, &mut hits);
            for h in &hits {
                let e = &entries[h.entry];
                let (rank, f) = ctx.registrable_finding(h, e, &norm, non_ascii);
                push_best(&mut found, &e.name, rank, f);
            }
        }

        // Subdomain labels (exact or homoglyph brand, alone or with keywords).
        for i in (0..reg_idx).filter(|&i| host_labels[i] != "www") {
            let (sub, _) = matcher::normalise_label(label_at(i));
            for (entries, index) in [
                (self.entries.as_slice(), Some(&self.index)),
                (extra_entries, None),
            ] {
                let mut hits = Vec::new();
                matcher::hits(&sub, entries, index, false, &mut hits);
                for h in &hits {
                    let e = &entries[h.entry];
                    if e.key.len() < 4 && h.kind != MatchKind::Exact {
                        continue;
                    }
                    let reason = format!(
                        "{} puts the brand {} in a subdomain of the unrelated {reg}",
                        url.host, e.name
                    );
                    push_best(
                        &mut found,
                        &e.name,
                        4,
                        finding(&e.name, "brand-subdomain", reason),
                    );
                }
            }
        }

        // Labels left of the suffix joined: `twi.lio.com` (dnstwist "subdomain").
        let first = usize::from(host_labels.first() == Some(&"www"));
        if reg_idx > first {
            let joined: String = (first..=reg_idx).map(label_at).collect::<Vec<_>>().concat();
            let (joined, _) = matcher::normalise_label(&joined);
            for (entries, index) in [
                (self.entries.as_slice(), Some(&self.index)),
                (extra_entries, None),
            ] {
                let mut hits = Vec::new();
                matcher::hits(&joined, entries, index, false, &mut hits);
                for h in hits.iter().filter(|h| !h.has_keyword()) {
                    let e = &entries[h.entry];
                    let reason = format!(
                        "{} splits the brand {} with dots (subdomain)",
                        url.host, e.name
                    );
                    push_best(
                        &mut found,
                        &e.name,
                        2,
                        finding(&e.name, "typosquat", reason),
                    );
                }
            }
        }
        out.extend(found.into_iter().map(|(_, _, f)| f));
        out
    }
}

/// `brands` prepared for matching, in order.
pub(crate) fn entries(brands: &[Brand]) -> Vec<Entry> {
    brands.iter().map(|b| Entry::new(&b.name)).collect()
}

/// `a.b.c` → `b.c`, `c`.
fn parents(host: &str) -> impl Iterator<Item = &str> {
    host.match_indices('.').map(move |(i, _)| &host[i + 1..])
}

fn finding(brand: &str, tag: &'static str, reason: String) -> LookalikeFinding {
    LookalikeFinding {
        brand: brand.to_string(),
        tag,
        reason,
    }
}

/// Keeps the best-ranked (lowest) finding per brand, in first-seen order.
fn push_best(
    found: &mut Vec<(String, u8, LookalikeFinding)>,
    brand: &str,
    rank: u8,
    f: LookalikeFinding,
) {
    match found.iter_mut().find(|(b, _, _)| b == brand) {
        Some(slot) if rank < slot.1 => *slot = (brand.to_string(), rank, f),
        Some(_) => {}
        None => found.push((brand.to_string(), rank, f)),
    }
}

/// What the reasons need about the URL.
struct Ctx<'a> {
    url: &'a ExtractedUrl,
    reg: &'a str,
}

impl Ctx<'_> {
    /// The finding (and its rank) for a hit in the registrable label.
    fn registrable_finding(
        &self,
        h: &Hit,
        e: &Entry,
        norm: &str,
        non_ascii: bool,
    ) -> (u8, LookalikeFinding) {
        let reg = self.reg;
        let shown = if non_ascii {
            format!("{} ({reg})", self.url.unicode_host)
        } else {
            reg.to_string()
        };
        let kw = keywords_text(h);
        let b = &e.name;
        let (rank, tag, reason) = match h.kind {
            MatchKind::Exact | MatchKind::Homoglyph
                if non_ascii || h.kind == MatchKind::Homoglyph =>
            {
                let with = if kw.is_empty() {
                    String::new()
                } else {
                    format!(" (with the keyword{kw})")
                };
                (
                    1,
                    "homoglyph",
                    format!("{shown} imitates the brand {b} with look-alike characters{with}"),
                )
            }
            MatchKind::Exact if h.has_keyword() => (
                0,
                "brand-keyword",
                format!("{shown} combines the brand {b} with the keyword{kw}"),
            ),
            MatchKind::Exact if norm != e.name => (
                2,
                "typosquat",
                format!("{shown} is a typo-squat of {b} (hyphenation)"),
            ),
            MatchKind::Exact => {
                let suffix = self.url.suffix.as_deref().unwrap_or("?");
                (
                    3,
                    "tld-swap",
                    format!("{shown} uses the brand {b} under .{suffix}, not one of its domains"),
                )
            }
            MatchKind::Typo(family) => (
                2,
                "typosquat",
                format!(
                    "{shown} is a typo-squat of {b} ({family}){}",
                    if kw.is_empty() {
                        String::new()
                    } else {
                        format!(" with the keyword{kw}")
                    }
                ),
            ),
            MatchKind::Homoglyph => (1, "homoglyph", format!("{shown} imitates {b}")),
        };
        (rank, finding(b, tag, reason))
    }
}

/// ` sso` / ` okta and login` style text of the keyword parts of a hit (empty when none).
fn keywords_text(h: &Hit) -> String {
    let parts: Vec<&str> = [h.before.as_str(), h.after.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" {}", parts.join(" and "))
    }
}
