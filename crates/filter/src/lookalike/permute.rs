//! A look-alike generator for test sets: the dnstwist permutation families, reimplemented from
//! their description (addition, bitsquatting, homoglyph, hyphenation, insertion, omission,
//! plural, repetition, replacement, subdomain, transposition, vowel-swap, tld-swap) plus the
//! 0ktapus brand+keyword compounds (`brand-kw`, `kw-brand`, `brandkw`, `kwbrand`).

use std::collections::HashSet;

use super::tables::{ascii_homoglyphs, keyboard_neighbours, unicode_homoglyphs};

/// One generated look-alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// ASCII domain (IDN as punycode).
    pub domain: String,
    /// The family that produced it (`omission`, `homoglyph`, `brand-kw`, …).
    pub family: &'static str,
}

/// Keywords of the compound families: those of the 0ktapus and later Scattered Spider domains
/// (reference §3.2) and a few account-phishing words.
const GENERATOR_KEYWORDS: &[&str] = &[
    "okta",
    "sso",
    "vpn",
    "help",
    "uid",
    "citrix",
    "hr",
    "mfa",
    "rsa",
    "id",
    "duo",
    "helpdesk",
    "portal",
    "support",
    "corp",
    "edge",
    "pin",
    "login",
    "servicenow",
    "internal",
    "2fa",
    "signin",
    "secure",
    "verify",
    "account",
];

/// TLDs of the compound families.
const GENERATOR_TLDS: &[&str] = &["com", "net", "org", "io", "co", "support", "online", "xyz"];

/// TLDs of the tld-swap family.
const SWAP_TLDS: &[&str] = &[
    "com", "net", "org", "io", "co", "us", "info", "biz", "app", "xyz", "online", "support",
    "help", "site", "top", "icu", "co.uk", "de",
];

/// Every look-alike of `domain` (`label.tld`, split at the first dot), each labelled with its
/// family, without duplicates, invalid labels or `domain` itself.
pub fn permute(domain: &str) -> Vec<Candidate> {
    let domain = domain.trim().to_ascii_lowercase();
    let (label, tld) = domain.split_once('.').unwrap_or((domain.as_str(), "com"));
    let chars: Vec<char> = label.chars().collect();
    let mut gen = Gen {
        seen: HashSet::from([domain.clone()]),
        out: Vec::new(),
        tld,
    };
    let n = chars.len();
    let with = |i: usize, j: usize, mid: &str| -> String {
        let mut s: String = chars[..i].iter().collect();
        s.push_str(mid);
        s.extend(&chars[j..]);
        s
    };
    for c in ('a'..='z').chain('0'..='9') {
        gen.label("addition", format!("{label}{c}"));
        for (i, _) in chars.iter().enumerate().filter(|(_, &h)| h == '-') {
            gen.label("addition", with(i, i, &c.to_string()));
        }
    }
    for i in 0..n {
        let c = chars[i];
        for bit in 0..8 {
            let flipped = char::from((c as u8) ^ (1 << bit));
            if c.is_ascii()
                && (flipped.is_ascii_lowercase() || flipped.is_ascii_digit() || flipped == '-')
            {
                gen.label("bitsquatting", with(i, i + 1, &flipped.to_string()));
            }
        }
        for h in ascii_homoglyphs(c) {
            gen.label("homoglyph", with(i, i + 1, h));
        }
        for u in unicode_homoglyphs(c) {
            gen.unicode("homoglyph", with(i, i + 1, &u.to_string()));
        }
        if i > 0 && c != '-' && chars[i - 1] != '-' {
            gen.label("hyphenation", with(i, i, "-"));
            gen.label("subdomain", with(i, i, "."));
        }
        for k in keyboard_neighbours(c) {
            gen.label("insertion", with(i, i, &k.to_string()));
            gen.label("insertion", with(i + 1, i + 1, &k.to_string()));
            gen.label("replacement", with(i, i + 1, &k.to_string()));
        }
        gen.label("omission", with(i, i + 1, ""));
        if c.is_ascii_alphanumeric() {
            gen.label("repetition", with(i, i, &c.to_string()));
        }
        if i + 1 < n && chars[i] != chars[i + 1] {
            gen.label(
                "transposition",
                with(i, i + 2, &format!("{}{}", chars[i + 1], c)),
            );
        }
        if "aeiou".contains(c) {
            for v in "aeiou".chars().filter(|v| *v != c) {
                gen.label("vowel-swap", with(i, i + 1, &v.to_string()));
            }
        }
    }
    gen.label("plural", format!("{label}s"));
    gen.label("plural", format!("{label}es"));
    for t in SWAP_TLDS {
        gen.full("tld-swap", format!("{label}.{t}"));
    }
    for kw in GENERATOR_KEYWORDS {
        for t in GENERATOR_TLDS {
            gen.full("brand-kw", format!("{label}-{kw}.{t}"));
            gen.full("kw-brand", format!("{kw}-{label}.{t}"));
            gen.full("brandkw", format!("{label}{kw}.{t}"));
            gen.full("kwbrand", format!("{kw}{label}.{t}"));
        }
    }
    gen.out
}

/// Collects valid, new candidates.
struct Gen<'a> {
    seen: HashSet<String>,
    out: Vec<Candidate>,
    tld: &'a str,
}

impl Gen<'_> {
    fn label(&mut self, family: &'static str, label: String) {
        let domain = format!("{label}.{}", self.tld);
        self.full(family, domain);
    }

    fn unicode(&mut self, family: &'static str, label: String) {
        if let Ok(ascii) = idna::domain_to_ascii(&format!("{label}.{}", self.tld)) {
            self.full(family, ascii);
        }
    }

    fn full(&mut self, family: &'static str, domain: String) {
        let valid = domain.split('.').all(|l| {
            !l.is_empty()
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
        if valid && self.seen.insert(domain.clone()) {
            self.out.push(Candidate { domain, family });
        }
    }
}

/// The brands of the look-alike recall set (`tests/lookalike.rs`, `examples/lookalike_eval.rs`):
/// 24 brands of ≥ 6 letters (typo families apply from 6 letters; shorter brands get exact,
/// homoglyph and compound matches only, tested separately).
pub const RECALL_BRANDS: &[&str] = &[
    "twilio.com",
    "sendgrid.com",
    "cloudflare.com",
    "microsoft.com",
    "google.com",
    "paypal.com",
    "amazon.com",
    "github.com",
    "dropbox.com",
    "docusign.com",
    "linkedin.com",
    "facebook.com",
    "netflix.com",
    "coinbase.com",
    "binance.com",
    "salesforce.com",
    "servicenow.com",
    "atlassian.com",
    "mailchimp.com",
    "instagram.com",
    "whatsapp.com",
    "t-mobile.com",
    "verizon.com",
    "onelogin.com",
];
