//! Lexical pieces of URL extraction: schemes (also defanged), URL ends, defanged dots, host
//! scanning and splitting a URL into scheme, userinfo, host, port and path.

/// Defanged forms of a dot (matched case-insensitively).
const DEFANGED_DOTS: [&str; 6] = ["[.]", "(.)", "{.}", "[dot]", "(dot)", "{dot}"];

/// Unicode full stops that IDNA maps to `.`.
const WIDE_DOTS: [char; 3] = ['\u{3002}', '\u{FF0E}', '\u{FF61}'];

/// Characters trimmed from the end of a URL (sentence punctuation, closing quotes).
const TRAILING: &[char] = &[
    '.', ',', ';', ':', '!', '?', '\'', '"', ']', '}', '>', '*', '…', '»', '”', '’', '\u{3002}',
];

/// Characters that end a URL.
fn ends_url(c: char) -> bool {
    c.is_whitespace() || matches!(c, '<' | '>' | '"' | '“' | '”' | '«' | '»' | '\u{FFFD}')
}

/// A character that can be part of a host label (Unicode letters/digits for IDN, `-`).
pub(crate) fn is_label_char(c: char) -> bool {
    c.is_alphanumeric() || c == '-'
}

/// Length in bytes of a defanged or plain dot at the start of `s`.
fn dot_len(s: &str) -> Option<(usize, bool)> {
    let mut chars = s.chars();
    match chars.next()? {
        '.' => return Some((1, false)),
        c if WIDE_DOTS.contains(&c) => return Some((c.len_utf8(), false)),
        '[' | '(' | '{' => {}
        _ => return None,
    }
    DEFANGED_DOTS
        .iter()
        .find(|d| s.get(..d.len()).is_some_and(|p| p.eq_ignore_ascii_case(d)))
        .map(|d| (d.len(), true))
}

/// A scheme (`http`, `https`, `hxxp`, `hxxps`, `h**p`, `h**ps`) plus its separator at the start
/// of `s`: its length in bytes and whether it was defanged. Separators: `://`, the defanged
/// `[:]//` and `[://]`, and the OCR/typing slips seen in the datasets (`http:/`, `http//`,
/// `http/`, `http:///`).
pub(crate) fn scheme_len(s: &str) -> Option<(usize, bool)> {
    let b = s.as_bytes();
    if b.len() < 6 || !b[0].eq_ignore_ascii_case(&b'h') || !b[3].eq_ignore_ascii_case(&b'p') {
        return None;
    }
    let mid = [b[1].to_ascii_lowercase(), b[2].to_ascii_lowercase()];
    let defanged = match &mid {
        b"tt" => false,
        b"xx" | b"**" => true,
        _ => return None,
    };
    let mut i = 4;
    if b[i].eq_ignore_ascii_case(&b's') {
        i += 1;
    }
    for sep in ["[:]//", "[://]"] {
        if s.get(i..i + sep.len()) == Some(sep) {
            return Some((i + sep.len(), true));
        }
    }
    let colon = b.get(i) == Some(&b':');
    let mut j = i + usize::from(colon);
    while j < b.len() && j < i + 4 && b[j] == b'/' {
        j += 1;
    }
    let slashes = j - i - usize::from(colon);
    let next_ok = s[j..].starts_with(|c: char| c.is_alphanumeric() || c == '[');
    (slashes >= 1 && (colon || next_ok)).then_some((j, defanged))
}

/// `www.` (or `www[.]`) at the start of `s`.
pub(crate) fn starts_with_www(s: &str) -> bool {
    s.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("www"))
        && s.get(3..).and_then(dot_len).is_some()
}

/// Where a URL that starts `s` ends: at whitespace or a delimiter, minus trailing punctuation
/// (a closing parenthesis is kept only when it balances one inside the URL).
pub(crate) fn url_end(s: &str) -> usize {
    let mut end = s.find(ends_url).unwrap_or(s.len());
    loop {
        let t = &s[..end];
        let Some(c) = t.chars().next_back() else {
            return 0;
        };
        let keep_paren = c == ')' && t.matches('(').count() >= t.matches(')').count();
        if (TRAILING.contains(&c) || c == ')') && !keep_paren {
            end -= c.len_utf8();
        } else {
            return end;
        }
    }
}

/// Scans a host at the start of `s`: labels of [`is_label_char`] joined by plain or
/// defanged dots. Returns the bytes consumed, the refanged host and whether a dot was
/// defanged. A dot not followed by a label character is not consumed.
pub(crate) fn scan_host(s: &str) -> (usize, String, bool) {
    let mut host = String::new();
    let mut defanged = false;
    let mut i = 0;
    loop {
        let label_len = s[i..]
            .find(|c: char| !is_label_char(c))
            .unwrap_or(s.len() - i);
        if label_len == 0 {
            break;
        }
        host.push_str(&s[i..i + label_len]);
        i += label_len;
        let Some((dl, df)) = dot_len(&s[i..]) else {
            break;
        };
        if !s[i + dl..].starts_with(is_label_char) {
            break;
        }
        host.push('.');
        defanged |= df;
        i += dl;
    }
    (i, host, defanged)
}

/// Replaces defanged forms (`hxxp`, `h**p`, `[.]`, `(dot)`, `[:]`, …) by the real ones.
pub(crate) fn refang(s: &str) -> (String, bool) {
    let mut out = String::with_capacity(s.len());
    let mut defanged = false;
    let mut rest = s;
    if let Some((n, df)) = scheme_len(s) {
        let https = s
            .as_bytes()
            .get(4)
            .is_some_and(|b| b.eq_ignore_ascii_case(&b's'));
        out.push_str(if https { "https://" } else { "http://" });
        defanged |= df;
        rest = &s[n..];
    }
    while let Some(c) = rest.chars().next() {
        if let Some((n, df)) = dot_len(rest) {
            out.push('.');
            defanged |= df;
            rest = &rest[n..];
        } else if rest.starts_with("[:]") {
            out.push(':');
            defanged = true;
            rest = &rest[3..];
        } else {
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    (out, defanged)
}

/// The parts of a (refanged) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Parts<'a> {
    /// Lower-case scheme, if any.
    pub scheme: Option<String>,
    /// `user@` or `user:pass@` before the host.
    pub userinfo: Option<&'a str>,
    /// The raw host (IPv6 with its brackets).
    pub host: &'a str,
    /// An explicit port.
    pub port: Option<u16>,
    /// Anything after the authority (`/path`, `?q`, `#f`).
    pub rest: &'a str,
}

/// Splits a refanged URL (`[scheme://][userinfo@]host[:port][/path]`).
pub(crate) fn split_url(url: &str) -> Option<Parts<'_>> {
    let (scheme, after) = match url.find("://") {
        Some(i) if i > 0 && url[..i].bytes().all(|b| b.is_ascii_alphabetic()) => {
            (Some(url[..i].to_ascii_lowercase()), &url[i + 3..])
        }
        _ => (None, url),
    };
    let after = after.trim_start();
    let auth_end = after.find(['/', '?', '#', '\\']).unwrap_or(after.len());
    let (authority, rest) = after.split_at(auth_end);
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (Some(&authority[..i]), &authority[i + 1..]),
        None => (None, authority),
    };
    let (host, port) = if hostport.starts_with('[') {
        let close = hostport.find(']')?;
        let port = hostport[close + 1..].strip_prefix(':');
        (&hostport[..=close], port)
    } else {
        match hostport.rfind(':') {
            Some(i) => (&hostport[..i], Some(&hostport[i + 1..])),
            None => (hostport, None),
        }
    };
    let port = match port {
        Some("") | None => None,
        Some(p) => Some(p.parse::<u16>().ok()?),
    };
    if host.is_empty() {
        return None;
    }
    Some(Parts {
        scheme,
        userinfo,
        host,
        port,
        rest,
    })
}
