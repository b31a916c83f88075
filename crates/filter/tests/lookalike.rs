//! Look-alike brand domains: hand-written 0ktapus cases, a generated dnstwist-style set
//! (recall) and genuine/ham domains (false positives).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may panic

mod common;

use std::collections::{BTreeMap, HashSet};

use switchboard_filter::dataset::Label;
use switchboard_filter::lookalike::{
    builtin_brands, permute, Brand, LookalikeDetector, LookalikeFinding,
};
use switchboard_filter::urls::DomainTools;

/// Brands of the recall set (`permute::RECALL_BRANDS`, shared with the example).
const RECALL_BRANDS: &[&str] = switchboard_filter::lookalike::RECALL_BRANDS;

fn detector() -> &'static LookalikeDetector {
    static D: std::sync::OnceLock<LookalikeDetector> = std::sync::OnceLock::new();
    D.get_or_init(LookalikeDetector::builtin)
}

fn check(domain: &str, extra: &[Brand]) -> Vec<LookalikeFinding> {
    let url = DomainTools::builtin()
        .parse(domain)
        .unwrap_or_else(|| panic!("parse {domain}"));
    detector().check(&url, extra)
}

fn assert_hit(domain: &str, brand: &str, tag: &str, extra: &[Brand]) {
    let f = check(domain, extra);
    assert!(
        f.iter().any(|f| f.brand == brand && f.tag == tag),
        "{domain}: want {brand}/{tag}, got {f:?}"
    );
}

#[test]
fn okta_campaign_domains() {
    for d in [
        "twilio-sso.com",
        "twilio-okta.com",
        "twilio-okta.net",
        "twilio-help.com",
    ] {
        assert_hit(d, "twilio", "brand-keyword", &[]);
    }
    assert_hit("sendgrid-okta.org", "sendgrid", "brand-keyword", &[]);
    assert_hit("cloudflare-okta.com", "cloudflare", "brand-keyword", &[]);
    assert_hit("ssotwilio.net", "twilio", "brand-keyword", &[]);
    for d in [
        "twiiio.net",
        "twiiio.org",
        "twiiio-sso.com",
        "twiiio-okta.net",
    ] {
        assert!(
            check(d, &[])
                .iter()
                .any(|f| f.brand == "twilio" && f.tag == "homoglyph"),
            "{d}"
        );
    }
    // twlilo folds to the same skeleton as twilio (i/l look-alikes): homoglyph or typosquat.
    assert!(check("twlilo.net", &[])
        .iter()
        .any(|f| f.brand == "twilio" && (f.tag == "typosquat" || f.tag == "homoglyph")));
    assert!(check("tmoblle.com", &[])
        .iter()
        .any(|f| f.brand == "t-mobile" && (f.tag == "typosquat" || f.tag == "homoglyph")));
    assert_hit("mlcrosoft.com", "microsoft", "homoglyph", &[]);
    let f = check("twilio-sso.com", &[]);
    assert_eq!(
        f[0].reason,
        "twilio-sso.com combines the brand twilio with the keyword sso"
    );
}

#[test]
fn account_brand() {
    let acme = [Brand {
        name: "acme".into(),
        genuine: vec!["acme.com".into()],
    }];
    for d in [
        "okta-acme.com",
        "acme-okta-login.com",
        "acme-sso.net",
        "acmevpn.com",
        "acme-okta.com",
    ] {
        assert_hit(d, "acme", "brand-keyword", &acme);
    }
    assert_hit("acme.net", "acme", "tld-swap", &acme);
    assert_hit("acme.secure-login.com", "acme", "brand-subdomain", &acme);
    for d in [
        "acme.com",
        "login.acme.com",
        "acme.okta.com",
        "acme.oktapreview.com",
    ] {
        assert!(check(d, &acme).is_empty(), "{d}: {:?}", check(d, &acme));
    }
}

#[test]
fn families_by_hand() {
    assert_hit("okta.net", "okta", "tld-swap", &[]);
    assert_hit("paypal.support", "paypal", "tld-swap", &[]);
    assert_hit(
        "twilio.com.account-verify.xyz",
        "twilio",
        "brand-subdomain",
        &[],
    );
    assert_hit("twilio.secure-login.com", "twilio", "brand-subdomain", &[]);
    assert_hit("paypa1.com", "paypal", "homoglyph", &[]);
    assert_hit("rnicrosoft.com", "microsoft", "homoglyph", &[]);
    assert_hit("g00gle-login.com", "google", "homoglyph", &[]);
    assert_hit("0kta-sso.com", "okta", "homoglyph", &[]);
    assert_hit("okta-sso.com", "okta", "brand-keyword", &[]);
    let cyr = idna::domain_to_ascii("twіlio.com").unwrap(); // Cyrillic і
    assert!(cyr.starts_with("xn--"));
    assert_hit(&cyr, "twilio", "homoglyph", &[]);
    assert_hit("paypall.com", "paypal", "typosquat", &[]);
    assert_hit("paypals.com", "paypal", "typosquat", &[]);
    assert_hit("twi-lio.com", "twilio", "typosquat", &[]);
    assert_hit("twi.lio.com", "twilio", "typosquat", &[]);
    assert_hit("gogle.com", "google", "typosquat", &[]);
    assert_hit("goolge.com", "google", "typosquat", &[]);
    assert_hit("netfllx-billing.com", "netflix", "homoglyph", &[]);
    assert_hit("appie-id.com", "apple", "homoglyph", &[]); // i/l fold
    assert_hit("apqle-id.com", "apple", "typosquat", &[]); // 5 letters: typos only with a keyword
    assert_hit("ups-delivery.com", "ups", "brand-keyword", &[]);
    // Short brands: no typo findings on ordinary words.
    for d in [
        "apply.com",
        "stack.com",
        "upsy.com",
        "chose.com",
        "duos.com",
        "zooms.com",
        "finance.com",
        "example.com",
    ] {
        assert!(check(d, &[]).is_empty(), "{d}: {:?}", check(d, &[]));
    }
}

#[test]
fn genuine_domains_never_fire() {
    let tools = DomainTools::builtin();
    let mut n = 0;
    for b in builtin_brands() {
        for g in &b.genuine {
            for d in [g.clone(), format!("www.{g}"), format!("login.{g}")] {
                let url = tools.parse(&d).unwrap();
                // Under a PSL private suffix (`github.io`, `azurewebsites.net`) a subdomain is
                // someone else's registrable domain: not genuine, but no finding either.
                if url.registrable.as_deref() == Some(g.as_str()) {
                    assert!(detector().is_genuine(&url, &[]), "{d}");
                }
                assert!(detector().check(&url, &[]).is_empty(), "{d}");
                n += 1;
            }
        }
    }
    for d in [
        "acme.okta.com",
        "login.microsoftonline.com",
        "www.paypal.com",
        "mail.google.com",
        "foo.github.io",
        "s3.amazonaws.com",
    ] {
        assert!(check(d, &[]).is_empty(), "{d}");
    }
    println!("{n} genuine hosts: 0 findings");
}

fn ham_texts() -> Vec<String> {
    common::public_examples()
        .into_iter()
        .filter(|r| r.label == Label::Ham)
        .map(|r| r.text)
        .collect()
}

#[test]
fn ham_domains_never_fire() {
    let tools = DomainTools::builtin();
    let mut domains = HashSet::new();
    for text in ham_texts() {
        for url in tools.extract(&text) {
            let f = detector().check(&url, &[]);
            assert!(f.is_empty(), "{}: {f:?}", url.host);
            domains.extend(url.registrable);
        }
    }
    println!(
        "{} distinct registrable domains in ham: 0 findings",
        domains.len()
    );
}

#[test]
fn generated_recall() {
    let tools = DomainTools::builtin();
    let genuine: HashSet<String> = builtin_brands()
        .into_iter()
        .flat_map(|b| b.genuine)
        .collect();
    let (mut dropped, mut suffixes, mut total, mut hit) = (0, 0, 0, 0);
    let mut per_family: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut misses = Vec::new();
    for d in RECALL_BRANDS {
        let brand = d.split('.').next().unwrap();
        for c in permute(d) {
            let url = tools
                .parse(&c.domain)
                .unwrap_or_else(|| panic!("parse {}", c.domain));
            // Drop genuine domains (`tmobile.com`, `sales.force.com`) and PSL entries, which
            // cannot be registered (`cloudflare.app` is Cloudflare's own private suffix).
            if genuine.contains(&c.domain)
                || url
                    .registrable
                    .as_ref()
                    .is_some_and(|r| genuine.contains(r))
            {
                dropped += 1;
                continue;
            }
            if url.registrable.is_none() {
                suffixes += 1;
                continue;
            }
            let ok = detector().check(&url, &[]).iter().any(|f| f.brand == brand);
            let e = per_family.entry(c.family).or_default();
            e.0 += 1;
            total += 1;
            if ok {
                e.1 += 1;
                hit += 1;
            } else {
                misses.push(format!("{} ({})", c.domain, c.family));
            }
        }
    }
    for (fam, (n, k)) in &per_family {
        println!("{fam:14} {k:6}/{n:6} = {:.4}", *k as f64 / *n as f64);
    }
    let recall = hit as f64 / total as f64;
    println!("overall {hit}/{total} = {recall:.4}; dropped: {dropped} genuine, {suffixes} public suffixes");
    println!("misses (first 40): {:?}", &misses[..misses.len().min(40)]);
    assert!(recall >= 0.99, "recall {recall}");
}
