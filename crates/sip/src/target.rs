//! Turning a [`CallRequest`](crate::CallRequest) into the URIs and address of
//! an INVITE, after checking each field by hand.
//!
//! rsipstack parses whatever string it is given; a phone number or trunk
//! host that carries `@`, `>`, `;` or a line break could otherwise change
//! the meaning of the request line or of a header. So every caller-supplied
//! part is checked against a conservative subset of the RFC 3261 grammar
//! before any URI is built. This is the only SIP text this crate parses
//! itself (the property tests below feed it arbitrary input).

use std::net::{IpAddr, SocketAddr};

use rsipstack::sip::{HostWithPort, Transport, Uri};
use rsipstack::transport::SipAddr;

use crate::SipError;

/// Longest user part, host name or Call-ID we accept.
const MAX_LEN: usize = 128;

/// The addresses of one outbound INVITE, ready for rsipstack.
pub(crate) struct InviteTarget {
    /// Request-URI and To: `sip:<to_user>@<trunk host>:<port>`.
    pub callee: Uri,
    /// From: `sip:<from_user>@<trunk host>`.
    pub caller: Uri,
    /// Contact: `sip:<from_user>@<our advertised address>`.
    pub contact: Uri,
    /// Where the INVITE is sent (UDP).
    pub destination: SipAddr,
}

/// Build the INVITE's addresses; every string is validated first.
pub(crate) fn invite_target(
    host: &str,
    port: u16,
    to_user: &str,
    from_user: &str,
    contact_addr: SocketAddr,
) -> Result<InviteTarget, SipError> {
    let host = parse_host(host)?;
    if port == 0 {
        return Err(SipError::invalid("trunk.port", "must not be 0"));
    }
    check_user("to_user", to_user)?;
    check_user("from_user", from_user)?;
    let uri = |field: &'static str, text: String| {
        Uri::try_from(text.as_str()).map_err(|e| SipError::invalid(field, e.to_string()))
    };
    let destination = match host {
        Host::Ip(ip) => HostWithPort::from(SocketAddr::new(ip, port)),
        Host::Name(name) => HostWithPort::try_from(format!("{name}:{port}"))
            .map_err(|e| SipError::invalid("trunk.host", e.to_string()))?,
    };
    Ok(InviteTarget {
        callee: uri("to_user", format!("sip:{to_user}@{host}:{port}"))?,
        caller: uri("from_user", format!("sip:{from_user}@{host}"))?,
        contact: uri("from_user", format!("sip:{from_user}@{contact_addr}"))?,
        destination: SipAddr::new(Transport::Udp, destination),
    })
}

/// A trunk host: an IP address or a DNS name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host<'a> {
    Ip(IpAddr),
    Name(&'a str),
}

impl std::fmt::Display for Host<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Host::Ip(IpAddr::V6(ip)) => write!(f, "[{ip}]"),
            Host::Ip(ip) => write!(f, "{ip}"),
            Host::Name(name) => f.write_str(name),
        }
    }
}

/// An IPv4 address, an IPv6 address (bare or in brackets) or a host name
/// (RFC 1123 labels: letters, digits and inner hyphens, at most 63 each).
pub(crate) fn parse_host(text: &str) -> Result<Host<'_>, SipError> {
    let bare = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(Host::Ip(ip));
    }
    let bad = |reason: &str| {
        Err(SipError::invalid(
            "trunk.host",
            format!("{reason}: {text:?}"),
        ))
    };
    if text.is_empty() || text.len() > MAX_LEN {
        return bad("must be 1 to 128 characters");
    }
    let name = text.strip_suffix('.').unwrap_or(text);
    for label in name.split('.') {
        let ok = !label.is_empty()
            && label.len() <= 63
            && label
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !label.starts_with('-')
            && !label.ends_with('-');
        if !ok {
            return bad("not an IP address or host name");
        }
    }
    Ok(Host::Name(text))
}

/// A SIP user part: RFC 3261 `unreserved` and `user-unreserved` characters
/// and `%XX` escapes, except `;` and `?` (legal, but they start URI
/// parameters and headers in many parsers). Enough for E.164 numbers
/// (`+15551230000`) and account names.
pub(crate) fn check_user(field: &'static str, user: &str) -> Result<(), SipError> {
    if user.is_empty() || user.len() > MAX_LEN {
        return Err(SipError::invalid(field, "must be 1 to 128 characters"));
    }
    let bytes = user.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).unwrap_or_default();
            if hex.len() != 2 || !hex.iter().all(u8::is_ascii_hexdigit) {
                return Err(SipError::invalid(field, "'%' must start a %XX escape"));
            }
            i += 3;
            continue;
        }
        if !(b.is_ascii_alphanumeric() || b"-_.!~*'()&=+$,/".contains(&b)) {
            return Err(SipError::invalid(
                field,
                format!(
                    "character {:?} is not allowed in a SIP user part",
                    char::from(b)
                ),
            ));
        }
        i += 1;
    }
    Ok(())
}

/// A digest user name or password: printable, no quote or backslash (they
/// would end the quoted-string of the `Authorization` header).
pub(crate) fn check_credential(field: &'static str, value: &str) -> Result<(), SipError> {
    if value.len() > MAX_LEN {
        return Err(SipError::invalid(field, "longer than 128 characters"));
    }
    if value
        .chars()
        .any(|c| c.is_control() || c == '"' || c == '\\')
    {
        return Err(SipError::invalid(
            field,
            "must not contain control characters, '\"' or '\\'",
        ));
    }
    Ok(())
}

/// A Call-ID chosen by the caller: RFC 3261 `word [ "@" word ]`, restricted
/// to letters, digits and `-._!%*+~'():`.
pub(crate) fn check_call_id(call_id: &str) -> Result<(), SipError> {
    let word = |w: &str| {
        !w.is_empty()
            && w.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._!%*+~'():".contains(&b))
    };
    let ok = call_id.len() <= MAX_LEN
        && match call_id.split_once('@') {
            Some((a, b)) => word(a) && word(b),
            None => word(call_id),
        };
    if ok {
        Ok(())
    } else {
        Err(SipError::invalid(
            "call_id",
            "must be word[@word] of letters, digits and -._!%*+~'():",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn contact() -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], 5080))
    }

    #[test]
    fn builds_e164_invite_to_an_ipv4_trunk() {
        let t =
            invite_target("127.0.0.1", 5070, "+15551230000", "+15550001111", contact()).unwrap();
        assert_eq!(t.callee.to_string(), "sip:+15551230000@127.0.0.1:5070");
        assert_eq!(t.caller.to_string(), "sip:+15550001111@127.0.0.1");
        assert_eq!(t.contact.to_string(), "sip:+15550001111@127.0.0.1:5080");
        assert_eq!(t.destination.addr.to_string(), "127.0.0.1:5070");
    }

    #[test]
    fn brackets_ipv6_and_accepts_names() {
        let t = invite_target("::1", 5060, "alice", "bob", contact()).unwrap();
        assert_eq!(t.callee.to_string(), "sip:alice@[::1]:5060");
        let t = invite_target("[::1]", 5060, "alice", "bob", contact()).unwrap();
        assert_eq!(t.caller.to_string(), "sip:bob@[::1]");
        let t = invite_target("sip.trunk-1.example", 5060, "a", "b", contact()).unwrap();
        assert_eq!(t.callee.to_string(), "sip:a@sip.trunk-1.example:5060");
    }

    #[test]
    fn refuses_injection_and_junk() {
        for user in [
            "",
            "a@b",
            "a b",
            "a;x=1",
            "a?h=1",
            "a>",
            "a\r\nVia: x",
            "%4",
            "%zz",
        ] {
            assert!(check_user("to_user", user).is_err(), "{user:?}");
        }
        for host in [
            "",
            "-a.example",
            "a..b",
            "a b",
            "a:5060",
            "a@b",
            "exa_mple.com",
        ] {
            assert!(parse_host(host).is_err(), "{host:?}");
        }
        assert!(invite_target("127.0.0.1", 0, "a", "b", contact()).is_err());
        assert!(check_user("to_user", "%2B1555").is_ok());
        assert!(check_credential("username", "a\"b").is_err());
        assert!(check_credential("password", "s3cret!").is_ok());
        assert!(check_call_id("abc-123@host").is_ok());
        assert!(check_call_id("a b").is_err());
        assert!(check_call_id("@x").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

        /// Arbitrary input never panics, and whatever passes our checks is
        /// accepted by rsipstack's URI parser and printed back unchanged.
        #[test]
        fn never_panics_and_valid_means_parseable(
            host in prop_oneof![any::<String>(), "[a-z0-9.:\\-\\[\\]]{0,20}"],
            to in prop_oneof![any::<String>(), "[+0-9a-zA-Z%@;?&=$,/!~*'()._\\-]{0,20}"],
            from in prop_oneof![any::<String>(), "[+0-9a-z]{1,12}"],
            port in any::<u16>(),
        ) {
            let _ = check_credential("password", &to);
            let _ = check_call_id(&to);
            if let Ok(t) = invite_target(&host, port, &to, &from, contact()) {
                let host = parse_host(&host).unwrap();
                prop_assert_eq!(t.callee.to_string(), format!("sip:{to}@{host}:{port}"));
            }
        }
    }
}
