//! URL extraction and per-URL signals.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use switchboard_filter::dataset::Label;
use switchboard_filter::urls::{DomainTools, ExtractedUrl};

fn tools() -> &'static DomainTools {
    DomainTools::builtin()
}

fn hosts(text: &str) -> Vec<String> {
    tools().extract(text).into_iter().map(|u| u.host).collect()
}

fn one(text: &str) -> ExtractedUrl {
    let urls = tools().extract(text);
    assert_eq!(urls.len(), 1, "{text:?} -> {urls:?}");
    urls.into_iter().next().unwrap()
}

fn tags(url: &str) -> Vec<&'static str> {
    let u = tools().parse(url).unwrap_or_else(|| panic!("parse {url}"));
    tools().findings(&u).into_iter().map(|f| f.tag).collect()
}

#[test]
fn schemes_and_www() {
    let u = one("Verify now: https://twilio-sso.com/login?x=1.");
    assert_eq!(u.text, "https://twilio-sso.com/login?x=1");
    assert_eq!(u.registrable.as_deref(), Some("twilio-sso.com"));
    assert_eq!(u.suffix.as_deref(), Some("com"));
    assert!(u.explicit && !u.defanged);
    let u = one("go to WWW.Acme-Okta.COM now");
    assert_eq!(u.host, "www.acme-okta.com");
    assert!(u.explicit);
    assert_eq!(hosts("(see http://example.org/a_(b))"), ["example.org"]);
    assert_eq!(
        one("(see http://example.org/a)").text,
        "http://example.org/a"
    );
    assert_eq!(
        one("http://a.b.example.co.uk:8080/x")
            .registrable
            .as_deref(),
        Some("example.co.uk")
    );
    assert_eq!(hosts("Visit:http://x.com,http://y.net"), ["x.com", "y.net"]);
}

#[test]
fn defanged() {
    for text in [
        "hxxps://evil[.]com/a",
        "hxxp[:]//evil[.]com",
        "h**ps://evil(.)com",
        "evil[dot]com",
        "evil{.}com/x",
        "HXXPS://EVIL[.]COM",
    ] {
        let u = one(text);
        assert_eq!(u.host, "evil.com", "{text}");
        assert!(u.defanged, "{text}");
        assert_eq!(u.text, text);
    }
    assert!(tags("hxxp://evil[.]com").contains(&"defanged"));
}

#[test]
fn scheme_less() {
    assert_eq!(
        hosts("Your schedule changed: twilio-sso.com"),
        ["twilio-sso.com"]
    );
    let u = one("re-verify at acme-okta.com/login, thanks");
    assert_eq!(u.text, "acme-okta.com/login");
    assert!(!u.explicit);
    assert_eq!(hosts("bit.ly/3xYz and t.co/abc"), ["bit.ly", "t.co"]);
    assert_eq!(hosts("foo.github.io"), ["foo.github.io"]);
    assert_eq!(
        one("foo.github.io").registrable.as_deref(),
        Some("foo.github.io")
    );
    assert_eq!(hosts("(acme-sso.com)"), ["acme-sso.com"]);
    assert_eq!(hosts("call me,acme-sso.net!"), ["acme-sso.net"]);
}

#[test]
fn idn_and_punycode() {
    let u = one("login at twіlio.com"); // Cyrillic і
    assert!(u.host.starts_with("xn--"), "{u:?}");
    assert_eq!(u.unicode_host, "twіlio.com");
    let p = one(&format!("http://{}/x", u.host));
    assert_eq!(p.unicode_host, "twіlio.com");
    assert_eq!(one("münchen.de").host, "xn--mnchen-3ya.de");
    let t = tags("https://pаypal.com"); // Cyrillic а
    assert!(t.contains(&"idn") && t.contains(&"mixed-script"), "{t:?}");
}

#[test]
fn userinfo_port_ip_and_fake_tld() {
    let u = one("https://twilio.com@evil.xyz/login");
    assert_eq!(u.host, "evil.xyz");
    let t = tags("https://twilio.com@evil.xyz/login");
    assert!(
        t.contains(&"userinfo") && t.contains(&"suspicious-tld"),
        "{t:?}"
    );
    let u = one("http://192.168.10.5:8080/a");
    assert!(u.ip && u.registrable.is_none());
    let t = tags("http://192.168.10.5:8080/a");
    assert!(t.contains(&"raw-ip") && t.contains(&"port"), "{t:?}");
    assert!(!tags("https://example.com:443/").contains(&"port"));
    assert!(tags("https://paypal.com.secure-login.xyz").contains(&"fake-tld"));
    assert!(tags("https://paypal.com-login.net").contains(&"fake-tld"));
    assert!(tags("http://a.b.c.d.example.com").contains(&"many-subdomains"));
    assert!(tags("https://bit.ly/x").contains(&"shortener"));
    assert!(tags("https://x7kq9zt2vb4mwp.com").contains(&"high-entropy"));
    assert!(!tags("https://paypalsecurelogin.com").contains(&"high-entropy"));
    assert!(tags("https://example.com/").is_empty());
    assert!(tags("https://www.example.co.uk").is_empty());
}

#[test]
fn emails_and_chat_text_are_not_urls() {
    for text in [
        "mail bob@acme.com or info.uk@acme.co.uk",
        "i.e. this, e.g. that",
        "Mr.Smith said hi",
        "see u.in 5",
        "at 3.30pm, ok? 1.5 litres...",
        "ok.lor... sorry",
        "I'll call later.How are you",
        "ok...how r u",
        "Hi.so what",
        "Wat r u doing now.so bored",
        "&lt;#&gt; mins",
    ] {
        assert!(
            tools().extract(text).is_empty(),
            "{text:?} -> {:?}",
            tools().extract(text)
        );
    }
}

/// Every URL extracted from ham, for inspection (`cargo test --test urls ham -- --nocapture`).
pub fn ham_urls() -> Vec<(String, ExtractedUrl)> {
    let mut out = Vec::new();
    for ex in common::public_examples() {
        if ex.label == Label::Ham {
            for u in tools().extract(&ex.text) {
                out.push((ex.text.clone(), u));
            }
        }
    }
    out
}

#[test]
fn ham_extractions_are_sensible() {
    let urls = ham_urls();
    let mut seen = std::collections::BTreeMap::new();
    for (text, u) in &urls {
        seen.entry(u.text.clone()).or_insert_with(|| text.clone());
    }
    for (u, text) in &seen {
        println!("{u:40} | {}", text.chars().take(100).collect::<String>());
    }
    println!("{} URLs ({} distinct) in ham", urls.len(), seen.len());
    for (_, u) in &urls {
        let tags: Vec<_> = tools().findings(u).into_iter().map(|f| f.tag).collect();
        assert!(
            !tags.contains(&"high-entropy") && !tags.contains(&"fake-tld"),
            "{}: {tags:?}",
            u.text
        );
    }
}

#[test]
fn malicious_links_are_found() {
    let (mut linky, mut found) = (0, 0);
    for ex in common::public_examples() {
        let lower = ex.text.to_lowercase();
        if ex.label != Label::Ham && (lower.contains("http") || lower.contains("www.")) {
            linky += 1;
            if tools().extract(&ex.text).is_empty() {
                println!("missed: {}", ex.text);
            } else {
                found += 1;
            }
        }
    }
    println!("{found}/{linky} malicious texts with http/www yield a URL");
    // The misses are OCR damage: spaces inside hosts (`img. sms. ac`), single-label hosts
    // (`http://itdo/…`, `http:owly/…`), `http:l/`.
    assert!(found * 100 >= linky * 96, "{found}/{linky}");
}

#[test]
fn non_ascii_hosts_and_bare_schemes_after_a_scheme() {
    // Each of these once panicked (a byte slice inside the host's first character).
    assert_eq!(one("https://аррle.com/id").unicode_host, "аррle.com"); // Cyrillic а, р
    assert_eq!(hosts("login at http://пример.рф/login now").len(), 1);
    assert!(hosts("see http://").is_empty());
    assert!(hosts("https://").is_empty());
    assert!(hosts("http://é").is_empty());
}
