//! URL and domain extraction and per-URL signals.
//!
//! [`DomainTools::extract`] finds, in order of appearance:
//! - URLs with a scheme: `http`, `https` and the defanged `hxxp`, `hxxps`, `h**p` (also
//!   `[:]//`); any host is accepted (unknown TLDs too), IP literals included;
//! - `www.` hosts (suffix must be in the Public Suffix List);
//! - bare domains such as `twilio-sso.com` or `acme-okta.com/login`, only when the TLD is an
//!   ICANN TLD and the text looks like a domain (see [`DomainTools::extract`]).
//!
//! Dots may be defanged (`[.]`, `(.)`, `{.}`, `[dot]`, `(dot)`, `{dot}`); hosts may be Unicode
//! (converted to punycode) or punycode. E-mail addresses are not URLs and are skipped.

mod host;
mod scan;
mod signals;

use std::collections::HashSet;
use std::sync::OnceLock;

use publicsuffix::{Psl, Type};

pub(crate) use host::registrable_label;

/// One URL or bare domain found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractedUrl {
    /// The text as it appeared (defanged forms kept as written).
    pub text: String,
    /// Lower-case ASCII host (IDN as punycode `xn--`), without port or trailing dot.
    pub host: String,
    /// The host in Unicode (equal to `host` when it is plain ASCII).
    pub unicode_host: String,
    /// Registrable domain (eTLD+1) through the Public Suffix List, ASCII; `None` for IPs and
    /// hosts that are themselves a public suffix.
    pub registrable: Option<String>,
    /// The public suffix of `host` (e.g. `co.uk`), ASCII.
    pub suffix: Option<String>,
    /// The host is an IPv4/IPv6 literal.
    pub ip: bool,
    /// It was written defanged (`hxxp`, `[.]`, `(.)`, …).
    pub defanged: bool,
    /// It carried a scheme (`http://`, `https://`, `hxxp://`) or `www.`.
    pub explicit: bool,
    /// The userinfo written before an `@` (`user:pw` in `http://user:pw@host`).
    pub userinfo: Option<String>,
    /// An explicit port other than the scheme's default (80 for `http`, 443 for `https`; any
    /// port without a scheme).
    pub unusual_port: Option<u16>,
}

/// A per-URL signal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlFinding {
    /// Stable tag: `shortener`, `suspicious-tld`, `raw-ip`, `high-entropy`, `idn`,
    /// `mixed-script`, `fake-tld`, `userinfo`, `many-subdomains`, `port`, `defanged`.
    pub tag: &'static str,
    /// Human-readable detail, e.g. "bit.ly is a URL shortener".
    pub reason: String,
}

/// The Public Suffix List and the shortener list.
pub struct DomainTools {
    psl: publicsuffix::List,
    shorteners: HashSet<String>,
}

/// A list could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("invalid list: {0}")]
pub struct ListError(pub String);

/// TLDs that are also everyday words or chat abbreviations: a bare domain under one of them
/// (`later.how`, `ok.so`, `drink.pa`) is accepted only with a hyphenated label, a path, when
/// defanged, or when it is a known shortener.
const WORD_TLDS: &[&str] = &[
    "am", "are", "at", "be", "by", "day", "do", "fun", "fyi", "go", "here", "hi", "how", "in",
    "is", "it", "la", "lol", "love", "me", "mom", "my", "new", "no", "now", "ok", "one", "so",
    "to", "top", "us", "win", "wtf", "you", "life", "live", "next", "call", "bye", "cool", "home",
    "men", "tv", "nu", "im", "pm", "tel", "sex", "run", "talk", "free", "pa", "ma", "na", "da",
    "de", "ne", "re", "ur", "id", "mr", "ms", "st", "sg", "la", "ya", "work", "date", "link",
];

/// Generic TLDs accepted for bare domains without further evidence (besides two-letter country
/// codes not in `WORD_TLDS` and the suspicious TLDs). Other gTLDs (brand TLDs such as `.hsbc`,
/// words such as `.like`, `.ice`, `.xxx`) need a path, defanging or a shortener.
const COMMON_TLDS: &[&str] = &[
    "com",
    "net",
    "org",
    "info",
    "biz",
    "edu",
    "gov",
    "mil",
    "int",
    "mobi",
    "name",
    "pro",
    "asia",
    "app",
    "dev",
    "site",
    "website",
    "store",
    "shop",
    "tech",
    "cloud",
    "services",
    "digital",
    "network",
    "systems",
    "solutions",
    "company",
    "agency",
    "email",
    "page",
    "web",
    "host",
    "space",
    "today",
    "world",
    "center",
    "bank",
    "finance",
    "money",
    "pay",
    "security",
    "secure",
    "login",
    "account",
    "tools",
    "team",
];

/// What kind of match a candidate came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `scheme://…`
    Scheme,
    /// `www.…`
    Www,
    /// A bare domain in running text.
    Bare,
    /// A single URL or host given to [`DomainTools::parse`].
    Single,
}

impl DomainTools {
    /// The vendored lists (`data/public_suffix_list.dat`, `data/link-shorteners.txt`), parsed
    /// once.
    pub fn builtin() -> &'static DomainTools {
        static TOOLS: OnceLock<DomainTools> = OnceLock::new();
        TOOLS.get_or_init(|| {
            let psl = crate::PUBLIC_SUFFIX_LIST;
            let short = crate::SHORTENERS;
            // The vendored lists parse (tested); an empty PSL (implicit `*` rule) is the
            // fallback that keeps this infallible without a panic.
            Self::from_lists(psl, short).unwrap_or_else(|_| DomainTools {
                psl: publicsuffix::List::new(),
                shorteners: HashSet::new(),
            })
        })
    }

    /// Builds from list texts (a newer PSL can be loaded at run time). Shortener entries are
    /// lower-cased and IDNA-normalised; blank lines and `#` comments are skipped.
    pub fn from_lists(psl: &str, shorteners: &str) -> Result<Self, ListError> {
        let psl: publicsuffix::List = psl.parse().map_err(|e| ListError(format!("PSL: {e}")))?;
        let shorteners = shorteners
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .filter_map(|l| idna::domain_to_ascii(l).ok())
            .collect();
        Ok(Self { psl, shorteners })
    }

    /// Whether an ASCII host or registrable domain is a listed URL shortener.
    pub fn is_shortener(&self, host: &str) -> bool {
        self.shorteners.contains(host)
    }

    /// Every URL and bare domain in `text`, in order of appearance.
    ///
    /// Bare domains (no scheme, no `www.`) must: start a word (not after `@`, `.`, `/`, `-`
    /// or a letter/digit) and not be followed by `@` (e-mail) or a letter; end in an ICANN
    /// TLD written all lower- or all upper-case (`later.How` is a sentence, not a domain);
    /// have a registrable label that is not all digits and has ≥ 2 characters (unless the host
    /// is a listed shortener, e.g. `t.co`); and either carry a path, be defanged or be a
    /// shortener, or end in a common TLD (`COMMON_TLDS`, the suspicious TLDs, two-letter country
    /// codes) — under a word-like TLD (`WORD_TLDS`: `.how`, `.so`, `.us`…) a hyphenated label
    /// (`acme-sso.us`) also counts.
    pub fn extract(&self, text: &str) -> Vec<ExtractedUrl> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut prev: Option<char> = None;
        while let Some(c) = text[i..].chars().next() {
            if let Some((n, _)) = scan::scheme_len(&text[i..]) {
                // A scheme starts a URL even when glued to a word (`experiencehttp://…`).
                // OCR damage: one space after the scheme (`http:// 103.208.86.96`).
                let gap = usize::from(
                    text[i + n..].starts_with(' ')
                        && text[i + n + 1..].starts_with(|c: char| c.is_ascii_alphanumeric()),
                );
                let end = n + gap + explicit_end(&text[i + n + gap..], 0);
                out.extend(self.build(&text[i..i + end], Kind::Scheme));
                i += end.max(1);
                prev = text[..i].chars().next_back();
                continue;
            }
            if !prev.is_some_and(|p| p.is_alphanumeric() || p == '_') {
                if let Some((n, url)) = self.candidate_at(&text[i..], prev) {
                    out.extend(url);
                    if n > 0 {
                        i += n;
                        prev = text[..i].chars().next_back();
                        continue;
                    }
                }
            }
            prev = Some(c);
            i += c.len_utf8();
        }
        out
    }

    /// Parses one URL or host (`https://x.com/a`, `x.com`, `xn--…`, `1.2.3.4`) without the
    /// running-text heuristics; `None` if it is not a valid host.
    pub fn parse(&self, url: &str) -> Option<ExtractedUrl> {
        let url = url.trim();
        let kind = if scan::scheme_len(url).is_some() {
            Kind::Scheme
        } else {
            Kind::Single
        };
        self.build(url, kind)
    }

    /// Per-URL signals (shortener, suspicious TLD, raw IP, entropy, IDN, …).
    pub fn findings(&self, url: &ExtractedUrl) -> Vec<UrlFinding> {
        signals::findings(self, url)
    }

    /// A candidate starting at `s`: bytes consumed (0 = none) and the URL if valid.
    fn candidate_at(&self, s: &str, prev: Option<char>) -> Option<(usize, Option<ExtractedUrl>)> {
        if matches!(
            prev,
            Some('@' | '.' | '/' | '-' | '\\' | '=' | '&' | '#' | '%')
        ) {
            return None;
        }
        if scan::starts_with_www(s) {
            let end = explicit_end(s, 0);
            return Some((end, self.build(&s[..end], Kind::Www)));
        }
        if !s.starts_with(scan::is_label_char) {
            return None;
        }
        let (n, raw_host, _) = scan::scan_host(s);
        let next = s[n..].chars().next();
        let end = match next {
            Some('/') => scan::url_end(s).max(n),
            Some(':') if s[n + 1..].starts_with(|c: char| c.is_ascii_digit()) => {
                scan::url_end(s).max(n)
            }
            Some('@') | Some('_') => return Some((n, None)),
            _ => n,
        };
        if !raw_host.contains('.') {
            return None; // not consumed: a scheme may follow (`experiencehttp://…`)
        }
        let url = self
            .build(&s[..end], Kind::Bare)
            .filter(|u| self.bare_plausible(u, &raw_host, end > n));
        Some((end, url))
    }

    /// The running-text heuristics for a bare domain (see [`DomainTools::extract`]).
    fn bare_plausible(&self, url: &ExtractedUrl, raw_host: &str, has_path: bool) -> bool {
        let tld_raw = raw_host.rsplit('.').next().unwrap_or("");
        let mixed_case =
            tld_raw.chars().any(char::is_lowercase) && tld_raw.chars().any(char::is_uppercase);
        let Some(reg) = url.registrable.as_deref() else {
            return false;
        };
        let label = registrable_label(reg, url.suffix.as_deref());
        let short = self.is_shortener(&url.host) || self.is_shortener(reg);
        let tld = url.host.rsplit('.').next().unwrap_or("");
        if mixed_case || label.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return false;
        }
        if label.chars().count() < 2 && !short {
            return false;
        }
        let strong = has_path || url.defanged || short;
        if WORD_TLDS.contains(&tld) {
            strong || label.contains('-')
        } else {
            strong
                || COMMON_TLDS.contains(&tld)
                || signals::SUSPICIOUS_TLDS.contains(&tld)
                || tld.len() == 2
        }
    }

    /// The longest prefix of a damaged explicit host that ends in an ICANN TLD: junk glued to
    /// the end is dropped (`www.ldew.com1win150` → `www.ldew.com`, `www.x.com.T$C` → `www.x.com`).
    fn salvage_host(&self, raw: &str) -> Option<String> {
        let (_, clean, _) = scan::scan_host(raw);
        let labels: Vec<String> = clean.split('.').map(str::to_lowercase).collect();
        for k in (1..labels.len()).rev() {
            let alpha: String = labels[k]
                .chars()
                .take_while(char::is_ascii_alphabetic)
                .collect();
            let is_tld = |t: &str| {
                !t.is_empty()
                    && self
                        .psl
                        .suffix(t.as_bytes())
                        .is_some_and(|s| s.typ() == Some(Type::Icann))
            };
            if is_tld(&alpha) {
                return Some(format!("{}.{alpha}", labels[..k].join(".")));
            }
        }
        None
    }

    /// Refangs, splits and normalises a candidate; applies the per-kind host requirements.
    fn build(&self, text: &str, kind: Kind) -> Option<ExtractedUrl> {
        let (refanged, defanged) = scan::refang(text);
        let parts = scan::split_url(&refanged)?;
        if parts.userinfo.is_some() && parts.scheme.is_none() {
            return None; // e-mail address, not a URL
        }
        if parts.host.contains("..") {
            return None;
        }
        let ok = |i: &host::HostInfo| match kind {
            Kind::Scheme | Kind::Single => i.ip || i.host.contains('.'),
            Kind::Www => i.known_suffix && i.registrable.is_some(),
            Kind::Bare => i.icann_tld && i.registrable.is_some(),
        };
        let info = match host::normalise(&self.psl, parts.host).filter(ok) {
            Some(info) => info,
            None if matches!(kind, Kind::Scheme | Kind::Www) => {
                let salvaged = self.salvage_host(parts.host)?;
                host::normalise(&self.psl, &salvaged).filter(|i| ok(i) && i.icann_tld)?
            }
            None => return None,
        };
        Some(ExtractedUrl {
            text: text.to_string(),
            host: info.host,
            unicode_host: info.unicode_host,
            registrable: info.registrable,
            suffix: info.suffix,
            ip: info.ip,
            defanged,
            explicit: matches!(kind, Kind::Scheme | Kind::Www)
                || (kind == Kind::Single && parts.scheme.is_some()),
            userinfo: parts.userinfo.map(str::to_owned),
            unusual_port: parts.port.filter(|&port| {
                !matches!(
                    (parts.scheme.as_deref(), port),
                    (Some("http"), 80) | (Some("https"), 443)
                )
            }),
        })
    }
}

/// The end of an explicit URL whose host starts at byte `host_start` of `s`: [`scan::url_end`],
/// cut before a second scheme (`http://a.com,http://b.com`) and at a `,` or `;` inside the
/// authority.
fn explicit_end(s: &str, host_start: usize) -> usize {
    let mut end = scan::url_end(s);
    // A second scheme anywhere after the first character (which may be non-ASCII, or absent).
    let first = s.chars().next().map_or(0, char::len_utf8);
    let next_scheme = s.get(first..end).and_then(|rest| {
        rest.char_indices()
            .find(|&(i, _)| scan::scheme_len(&rest[i..]).is_some())
            .map(|(i, _)| first + i)
    });
    if let Some(i) = next_scheme {
        end = scan::url_end(&s[..i]);
    }
    let auth = &s[host_start..end];
    let auth_len = auth.find(['/', '?', '#', '\\']).unwrap_or(auth.len());
    if let Some(i) = auth[..auth_len].find([',', ';']) {
        end = host_start + i;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendored_lists_parse() {
        let psl = crate::PUBLIC_SUFFIX_LIST;
        let short = crate::SHORTENERS;
        let tools = DomainTools::from_lists(psl, short).unwrap();
        assert!(tools.shorteners.len() > 2000);
        assert!(tools.is_shortener("bit.ly") && tools.is_shortener("buff.ly"));
    }
}
