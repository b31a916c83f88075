//! A Verify service's `Passkeys.*` settings: parsing and validation (pure functions).

use crate::messages::MessageError;
use crate::verify::invalid;
use switchboard_store::PasskeysConfig;

/// `Passkeys.*` parameters as given (`None` = not given; an empty value clears the setting).
#[derive(Debug, Clone, Default)]
pub struct PasskeysParams {
    pub rp_id: Option<String>,
    pub rp_name: Option<String>,
    /// Comma-separated origins.
    pub origins: Option<String>,
    pub authenticator_attachment: Option<String>,
    pub discoverable_credentials: Option<String>,
    pub user_verification: Option<String>,
}

/// A DNS name of lowercase LDH labels (`localhost` counts; IP addresses do not).
pub fn valid_domain(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    !s.is_empty()
        && s.len() <= 253
        && s.parse::<std::net::IpAddr>().is_err()
        && !labels
            .last()
            .is_some_and(|l| l.bytes().all(|b| b.is_ascii_digit()))
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
}

fn is_localhost(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost")
}

/// An origin as browsers write it into `clientDataJSON`: `scheme://host[:port]`, lowercase,
/// without a default port. `https` only, except `http` for `localhost`. A bare host means
/// `https://host` (as Twilio's `login.example.com,www.example.com` examples show).
pub fn parse_origin(raw: &str) -> Result<(String, String), String> {
    let raw = raw.trim().to_ascii_lowercase();
    let (scheme, rest) = raw.split_once("://").unwrap_or(("https", raw.as_str()));
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#', '@']) {
        return Err(format!(
            "`{raw}` is not an origin (no path, query or user info)"
        ));
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => match p.parse::<u16>() {
            Ok(n) if n > 0 => (h, Some(n)),
            _ => return Err(format!("`{raw}` has an invalid port")),
        },
        None => (rest, None),
    };
    if !valid_domain(host) {
        return Err(format!("`{raw}` must have a domain name as host"));
    }
    let default = match scheme {
        "https" => 443,
        "http" if is_localhost(host) => 80,
        "http" => return Err(format!("`{raw}`: http is allowed only for localhost")),
        _ => return Err(format!("`{raw}` must be an http(s) origin")),
    };
    let origin = match port {
        Some(p) if p != default => format!("{scheme}://{host}:{p}"),
        _ => format!("{scheme}://{host}"),
    };
    Ok((origin, host.to_owned()))
}

fn one_of(key: &str, v: String, allowed: &[&str]) -> Result<Option<String>, MessageError> {
    let v = v.trim().to_owned();
    if v.is_empty() {
        return Ok(None);
    }
    if allowed.contains(&v.as_str()) {
        Ok(Some(v))
    } else {
        Err(invalid(format!(
            "Invalid parameter: {key} must be one of {}.",
            allowed.join(", ")
        )))
    }
}

/// Applies the given parameters to `c`, then checks the whole: every origin's host must be
/// the relying party id or a subdomain of it (the browser refuses anything else).
pub fn apply(p: PasskeysParams, c: &mut PasskeysConfig) -> Result<(), MessageError> {
    if let Some(id) = p.rp_id {
        let id = id.trim().to_ascii_lowercase();
        if !id.is_empty() && !valid_domain(&id) {
            return Err(invalid(
                "Invalid parameter: Passkeys.RelyingParty.Id must be a domain name (not an IP address).",
            ));
        }
        c.rp_id = (!id.is_empty()).then_some(id);
    }
    if let Some(name) = p.rp_name {
        let name = name.trim().to_owned();
        if name.chars().count() > 64 || name.chars().any(char::is_control) {
            return Err(invalid(
                "Invalid parameter: Passkeys.RelyingParty.Name must be up to 64 printable characters.",
            ));
        }
        c.rp_name = (!name.is_empty()).then_some(name);
    }
    if let Some(list) = p.origins {
        let mut origins = Vec::new();
        for o in list.split(',').map(str::trim).filter(|o| !o.is_empty()) {
            let (origin, _) = parse_origin(o).map_err(|e| {
                invalid(format!(
                    "Invalid parameter: Passkeys.RelyingParty.Origins: {e}."
                ))
            })?;
            if !origins.contains(&origin) {
                origins.push(origin);
            }
        }
        c.origins = origins;
    }
    const LEVELS: &[&str] = &["required", "preferred", "discouraged"];
    if let Some(v) = p.authenticator_attachment {
        c.authenticator_attachment = one_of(
            "Passkeys.AuthenticatorAttachment",
            v,
            &["platform", "cross-platform", "any"],
        )?;
    }
    if let Some(v) = p.discoverable_credentials {
        c.discoverable_credentials = one_of("Passkeys.DiscoverableCredentials", v, LEVELS)?;
    }
    if let Some(v) = p.user_verification {
        c.user_verification = one_of("Passkeys.UserVerification", v, LEVELS)?;
    }
    if let Some(id) = &c.rp_id {
        for o in &c.origins {
            let host = parse_origin(o).map(|(_, h)| h).unwrap_or_default();
            if host != *id && !host.ends_with(&format!(".{id}")) {
                return Err(invalid(format!(
                    "Invalid parameter: origin `{o}` is not on the relying party `{id}` or a subdomain of it."
                )));
            }
        }
    } else if !c.origins.is_empty() {
        return Err(invalid(
            "Invalid parameter: Passkeys.RelyingParty.Origins needs Passkeys.RelyingParty.Id.",
        ));
    }
    Ok(())
}

/// The origins a ceremony accepts: the configured ones, else `https://<rp id>`.
pub fn allowed_origins(c: &PasskeysConfig, rp_id: &str) -> Vec<String> {
    if c.origins.is_empty() {
        vec![format!("https://{rp_id}")]
    } else {
        c.origins.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains() {
        for ok in ["example.com", "localhost", "a-b.example.co.uk", "x1.io"] {
            assert!(valid_domain(ok), "{ok}");
        }
        for bad in [
            "",
            "127.0.0.1",
            "::1",
            "Example.com",
            "-a.com",
            "a..com",
            "a_b.com",
            "1.2.3.4",
        ] {
            assert!(!valid_domain(bad), "{bad}");
        }
    }

    #[test]
    fn origins_are_normalised_and_http_is_only_for_localhost() {
        let o = |s: &str| parse_origin(s).map(|(o, _)| o);
        assert_eq!(
            o("https://Example.com:443/"),
            Ok("https://example.com".into())
        );
        assert_eq!(
            o("login.example.com"),
            Ok("https://login.example.com".into())
        );
        assert_eq!(
            o("http://localhost:8080"),
            Ok("http://localhost:8080".into())
        );
        assert_eq!(o("http://app.localhost"), Ok("http://app.localhost".into()));
        for bad in [
            "http://example.com",
            "ftp://example.com",
            "https://example.com/login",
            "https://user@example.com",
            "https://127.0.0.1",
            "https://example.com:0",
            "https://example.com:99999",
        ] {
            assert!(o(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn origins_must_sit_on_the_rp_id() {
        let mut c = PasskeysConfig::default();
        let p = PasskeysParams {
            rp_id: Some("example.com".into()),
            origins: Some("https://example.com, https://login.example.com".into()),
            user_verification: Some("preferred".into()),
            ..Default::default()
        };
        apply(p, &mut c).expect("valid");
        assert_eq!(c.origins.len(), 2);
        assert_eq!(c.user_verification.as_deref(), Some("preferred"));
        let evil = PasskeysParams {
            origins: Some("https://example.com.evil.io".into()),
            ..Default::default()
        };
        assert!(apply(evil, &mut c.clone()).is_err());
        let bad_level = PasskeysParams {
            discoverable_credentials: Some("always".into()),
            ..Default::default()
        };
        assert!(apply(bad_level, &mut c.clone()).is_err());
        // Clearing the rp id while origins remain is refused.
        let clear = PasskeysParams {
            rp_id: Some(String::new()),
            ..Default::default()
        };
        assert!(apply(clear, &mut c.clone()).is_err());
        assert_eq!(
            allowed_origins(&PasskeysConfig::default(), "a.io"),
            vec!["https://a.io"]
        );
    }
}
