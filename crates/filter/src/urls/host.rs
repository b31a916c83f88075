//! Host normalisation: IP literals, IDNA to ASCII, registrable domain and suffix through the
//! Public Suffix List.

use std::net::{Ipv4Addr, Ipv6Addr};

use publicsuffix::{List, Psl, Type};

/// A normalised host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostInfo {
    /// Lower-case ASCII (punycode for IDN), no trailing dot.
    pub host: String,
    /// Unicode form (equal to `host` when it has no `xn--` label).
    pub unicode_host: String,
    /// eTLD+1 through the PSL (ICANN and PRIVATE sections).
    pub registrable: Option<String>,
    /// The public suffix (PSL algorithm, so an unknown TLD is its own suffix).
    pub suffix: Option<String>,
    /// IPv4/IPv6 literal.
    pub ip: bool,
    /// The last label is a TLD listed in the ICANN section.
    pub icann_tld: bool,
    /// The suffix is listed in the PSL (either section), not only the implicit `*` rule.
    pub known_suffix: bool,
}

impl HostInfo {
    fn ip(host: String) -> Self {
        Self {
            unicode_host: host.clone(),
            host,
            registrable: None,
            suffix: None,
            ip: true,
            icann_tld: false,
            known_suffix: false,
        }
    }
}

/// Normalises a raw (already refanged) host: strips one trailing dot, recognises IP literals
/// (`[v6]` too), lower-cases and converts IDN to punycode, validates the labels
/// (`[a-z0-9-]`, 1–63 bytes, no leading/trailing hyphen, ≤ 253 bytes) and looks up the PSL.
pub(crate) fn normalise(list: &List, raw: &str) -> Option<HostInfo> {
    let raw = raw.strip_suffix('.').unwrap_or(raw);
    if raw.is_empty() {
        return None;
    }
    if let Some(inner) = raw.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        let v6: Ipv6Addr = inner.parse().ok()?;
        return Some(HostInfo::ip(format!("[{v6}]")));
    }
    let mut ascii = idna::domain_to_ascii(raw).ok()?;
    if ascii.ends_with('.') {
        ascii.pop();
    }
    if let Ok(v4) = ascii.parse::<Ipv4Addr>() {
        return Some(HostInfo::ip(v4.to_string()));
    }
    if !valid_ascii_host(&ascii) {
        return None;
    }
    let unicode_host = if ascii.contains("xn--") {
        let (u, res) = idna::domain_to_unicode(&ascii);
        if res.is_err() {
            return None;
        }
        u
    } else {
        ascii.clone()
    };
    let bytes = ascii.as_bytes();
    // One walk of the list: the registrable domain carries its suffix; a host without one
    // (itself a suffix) is looked up alone.
    let domain = list.domain(bytes);
    let suffix = match &domain {
        Some(d) => Some(d.suffix()),
        None => list.suffix(bytes),
    };
    let known_suffix = suffix.map(|s| s.is_known()).unwrap_or(false);
    let suffix_str = suffix.and_then(|s| std::str::from_utf8(s.trim().as_bytes()).ok());
    let registrable = domain.and_then(|d| {
        std::str::from_utf8(d.trim().as_bytes())
            .ok()
            .map(str::to_string)
    });
    let tld = ascii.rsplit('.').next().unwrap_or("");
    let icann_tld = list
        .suffix(tld.as_bytes())
        .map(|s| s.typ() == Some(Type::Icann))
        .unwrap_or(false);
    Some(HostInfo {
        suffix: suffix_str.map(str::to_string),
        registrable,
        unicode_host,
        ip: false,
        icann_tld,
        known_suffix,
        host: ascii,
    })
}

/// Whether an ASCII host is syntactically a DNS name we accept.
fn valid_ascii_host(host: &str) -> bool {
    if host.is_empty() || host.len() > 253 {
        return false;
    }
    host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    })
}

/// The registrable label: the registrable domain without its suffix (`twilio-sso` for
/// `twilio-sso.com`, `foo` for `foo.github.io`).
pub(crate) fn registrable_label<'a>(registrable: &'a str, suffix: Option<&str>) -> &'a str {
    match suffix {
        Some(s) if registrable.len() > s.len() + 1 && registrable.ends_with(s) => {
            &registrable[..registrable.len() - s.len() - 1]
        }
        _ => registrable.split('.').next().unwrap_or(registrable),
    }
}
