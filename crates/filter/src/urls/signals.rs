//! Per-URL signals: shortener, suspicious TLD, raw IP, entropy, IDN, mixed script, fake TLD,
//! userinfo, many subdomains, port, defanged.

use unicode_security::MixedScript;

use super::{registrable_label, DomainTools, ExtractedUrl, UrlFinding};

/// TLDs over-represented in phishing: phishing_catcher's list (`.ga .gq .ml .cf .tk .xyz .pw
/// .cc .club .work .top .support`), the 0ktapus TLDs other than .com/.net/.org/.io/.co/.us
/// (`.online .icu .help`), and cheap new gTLDs common in smishing reports (`.click .link .live
/// .buzz .rest .cam .sbs .cfd .cyou .bond .monster .quest .lat .vip .win .bid .loan .men
/// .date .review .zip .mov .country .gdn .kim`). A weak signal on its own.
pub const SUSPICIOUS_TLDS: &[&str] = &[
    "xyz", "top", "icu", "support", "online", "click", "link", "live", "buzz", "tk", "ml", "ga",
    "cf", "gq", "pw", "cc", "club", "work", "rest", "cam", "sbs", "cfd", "cyou", "bond", "monster",
    "quest", "lat", "vip", "win", "bid", "loan", "men", "date", "review", "zip", "mov", "country",
    "gdn", "kim", "help",
];

/// Labels that look like a TLD when they appear before the real suffix (`paypal.com.x.xyz`).
const TLD_LIKE: &[&str] = &["com", "net", "org", "gov", "edu", "mil"];

/// `high-entropy` fires when the registrable label (hyphens removed) has at least this many
/// characters…
pub const ENTROPY_MIN_LEN: usize = 10;
/// …a Shannon entropy (bits per character) of at least this…
pub const ENTROPY_THRESHOLD: f64 = 3.0;
/// …and at most this share of vowels (`aeiou`). Entropy alone cannot separate random labels
/// from English compounds at SMS lengths (`paypalsecurelogin` scores 3.62, a random
/// 12-character `[a-z0-9]` label 3.25 on median); the vowel share can (≈ 0.14 random vs
/// ≈ 0.35 English). With these values about 58% / 74% / 83% of random 10 / 12 / 16-character
/// labels fire and no ham domain of the two datasets does.
pub const MAX_VOWEL_SHARE: f64 = 0.2;

/// `many-subdomains` fires at this many labels left of the registrable domain (`www` not
/// counted).
pub const MANY_SUBDOMAINS: usize = 3;

/// Shannon entropy in bits per character.
pub fn shannon_entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    let mut n = 0u32;
    for b in s.bytes() {
        counts[b as usize] += 1;
        n += 1;
    }
    if n == 0 {
        return 0.0;
    }
    let n = f64::from(n);
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

fn finding(tag: &'static str, reason: String) -> UrlFinding {
    UrlFinding { tag, reason }
}

/// All findings for one URL.
pub(super) fn findings(tools: &DomainTools, url: &ExtractedUrl) -> Vec<UrlFinding> {
    let mut out = Vec::new();
    let host = url.host.as_str();
    let reg = url.registrable.as_deref();
    if url.ip {
        out.push(finding(
            "raw-ip",
            format!("{host} is a raw IP address, not a domain name"),
        ));
    }
    if tools.is_shortener(host) || reg.is_some_and(|r| tools.is_shortener(r)) {
        out.push(finding(
            "shortener",
            format!("{host} is a URL shortener (the real target is hidden)"),
        ));
    }
    let tld = host.rsplit('.').next().unwrap_or("");
    if !url.ip && SUSPICIOUS_TLDS.contains(&tld) {
        out.push(finding(
            "suspicious-tld",
            format!(".{tld} is a TLD often used for phishing"),
        ));
    }
    if let Some(reg) = reg {
        let label: String = registrable_label(reg, url.suffix.as_deref()).replace('-', "");
        if label.len() >= ENTROPY_MIN_LEN && !label.starts_with("xn--") {
            let h = shannon_entropy(&label);
            let vowels = label.bytes().filter(|b| b"aeiou".contains(b)).count();
            if h >= ENTROPY_THRESHOLD && vowels as f64 <= MAX_VOWEL_SHARE * label.len() as f64 {
                out.push(finding(
                    "high-entropy",
                    format!("{reg} looks random (entropy {h:.2} bits/char)"),
                ));
            }
        }
    }
    let idn = host.split('.').any(|l| l.starts_with("xn--")) || url.unicode_host != url.host;
    if idn {
        out.push(finding(
            "idn",
            format!(
                "{} is an internationalised domain ({host})",
                url.unicode_host
            ),
        ));
        let mixed = url.unicode_host.split('.').find(|l| !l.is_single_script());
        if let Some(label) = mixed {
            out.push(finding(
                "mixed-script",
                format!("{label} mixes writing systems (look-alike letters)"),
            ));
        }
    }
    let sub = subdomain_labels(url);
    let fake = sub.iter().find(|l| {
        TLD_LIKE.contains(l)
            || TLD_LIKE.iter().any(|t| {
                l.strip_prefix(t).is_some_and(|r| r.starts_with('-'))
                    || l.strip_suffix(t).is_some_and(|r| r.ends_with('-'))
            })
    });
    let reg_label = reg.map(|r| registrable_label(r, url.suffix.as_deref()));
    let fake_reg = reg_label.is_some_and(|l| {
        TLD_LIKE
            .iter()
            .any(|t| l.strip_prefix(t).is_some_and(|r| r.starts_with('-')))
    });
    if let Some(l) = fake.copied().or(if fake_reg { reg_label } else { None }) {
        out.push(finding(
            "fake-tld",
            format!("{host} hides a fake TLD (\"{l}\") before the real one"),
        ));
    }
    if let Some(user) = &url.userinfo {
        out.push(finding(
            "userinfo",
            format!("the link goes to {host}, not to \"{user}\" written before the @"),
        ));
    }
    let counted = sub.iter().filter(|l| **l != "www").count();
    if counted >= MANY_SUBDOMAINS {
        out.push(finding(
            "many-subdomains",
            format!("{host} has {counted} subdomain levels"),
        ));
    }
    if let Some(port) = url.unusual_port {
        out.push(finding(
            "port",
            format!("the link uses the unusual port {port}"),
        ));
    }
    if url.defanged {
        out.push(finding(
            "defanged",
            format!("{} is written defanged to evade filters", url.text),
        ));
    }
    out
}

/// The labels left of the registrable domain.
fn subdomain_labels(url: &ExtractedUrl) -> Vec<&str> {
    match url.registrable.as_deref() {
        Some(reg) if url.host.len() > reg.len() + 1 => url.host[..url.host.len() - reg.len() - 1]
            .split('.')
            .collect(),
        _ => Vec::new(),
    }
}
