//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), base32 (RFC 4648)
//! and the `otpauth://` key URI authenticator apps scan. Pure functions: the caller
//! supplies the time and compares codes (in constant time).

use hmac::{Hmac, Mac};
use std::ops::RangeInclusive;

/// The HMAC hash a factor's codes use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Alg {
    Sha1,
    Sha256,
    Sha512,
}

impl Alg {
    /// `sha1`, `sha256` or `sha512` (any case).
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "sha1" => Some(Self::Sha1),
            "sha256" => Some(Self::Sha256),
            "sha512" => Some(Self::Sha512),
            _ => None,
        }
    }

    /// The name Twilio's API uses (`sha1`…).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sha1 => "sha1",
            Self::Sha256 => "sha256",
            Self::Sha512 => "sha512",
        }
    }

    /// The name in a key URI (`SHA1`…).
    pub fn uri_name(self) -> &'static str {
        match self {
            Self::Sha1 => "SHA1",
            Self::Sha256 => "SHA256",
            Self::Sha512 => "SHA512",
        }
    }
}

fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], msg: &[u8]) -> Vec<u8> {
    match <M as Mac>::new_from_slice(key) {
        Ok(mut m) => {
            m.update(msg);
            m.finalize().into_bytes().to_vec()
        }
        // HMAC takes keys of any length; unreachable in practice.
        Err(_) => Vec::new(),
    }
}

/// RFC 4226 HOTP: the `digits`-digit code (1–9 digits, zero-padded) for `counter`.
pub fn hotp(secret: &[u8], alg: Alg, counter: u64, digits: u32) -> String {
    let msg = counter.to_be_bytes();
    let h = match alg {
        Alg::Sha1 => mac::<Hmac<sha1::Sha1>>(secret, &msg),
        Alg::Sha256 => mac::<Hmac<sha2::Sha256>>(secret, &msg),
        Alg::Sha512 => mac::<Hmac<sha2::Sha512>>(secret, &msg),
    };
    let offset = h.last().map_or(0, |b| usize::from(b & 0x0f));
    let mut word = [0u8; 4];
    if let Some(w) = h.get(offset..offset + 4) {
        word.copy_from_slice(w);
    }
    let bin = u32::from_be_bytes(word) & 0x7fff_ffff;
    let digits = digits.clamp(1, 9);
    let n = bin % 10u32.pow(digits);
    format!("{n:0width$}", width = digits as usize)
}

/// The time step (RFC 6238 `T`) that `unix_millis` falls in, for steps of `time_step` seconds.
pub fn step_of(unix_millis: i64, time_step: u32) -> i64 {
    unix_millis
        .div_euclid(1000)
        .div_euclid(i64::from(time_step.max(1)))
}

/// The TOTP code for time step `step` (negative steps have no code: they map to 0).
pub fn code_for_step(secret: &[u8], alg: Alg, digits: u32, step: i64) -> String {
    hotp(secret, alg, u64::try_from(step).unwrap_or(0), digits)
}

/// The TOTP code at `unix_secs` with steps of `time_step` seconds.
pub fn code_at(secret: &[u8], alg: Alg, digits: u32, time_step: u32, unix_secs: i64) -> String {
    code_for_step(
        secret,
        alg,
        digits,
        step_of(unix_secs.saturating_mul(1000), time_step),
    )
}

/// The steps a code may come from: `step` ± `skew`.
pub fn window(step: i64, skew: u32) -> RangeInclusive<i64> {
    step.saturating_sub(i64::from(skew))..=step.saturating_add(i64::from(skew))
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32, upper case, without padding (as authenticator apps expect).
pub fn base32_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for &b in bytes {
        buf = (buf << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(B32[((buf >> bits) & 31) as usize]));
        }
        buf &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(B32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (any case; `=` padding, spaces and dashes ignored). `None` if invalid.
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(s.len() * 5 / 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| !matches!(c, '=' | ' ' | '-')) {
        let c = c.to_ascii_uppercase();
        let v = B32.iter().position(|&x| char::from(x) == c)?;
        buf = (buf << 5) | v as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(((buf >> bits) & 0xff) as u8);
        }
        buf &= (1 << bits) - 1;
    }
    Some(out)
}

/// Percent-encodes all but RFC 3986 unreserved characters.
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The key URI (Google Authenticator format) for a TOTP secret:
/// `otpauth://totp/<issuer>:<account>?secret=…&issuer=…&algorithm=…&digits=…&period=…`.
pub fn key_uri(
    issuer: &str,
    account: &str,
    secret_b32: &str,
    alg: Alg,
    digits: u32,
    period: u32,
) -> String {
    format!(
        "otpauth://totp/{}:{}?secret={secret_b32}&issuer={}&algorithm={}&digits={digits}&period={period}",
        pct(issuer),
        pct(account),
        pct(issuer),
        alg.uri_name(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 Appendix B: the seeds per hash and the 8-digit codes at each time.
    #[test]
    fn rfc6238_appendix_b_vectors() {
        let sha1 = b"12345678901234567890".to_vec();
        let sha256 = b"12345678901234567890123456789012".to_vec();
        let sha512 = b"1234567890123456789012345678901234567890123456789012345678901234".to_vec();
        let table: [(i64, &str, &str, &str); 6] = [
            (59, "94287082", "46119246", "90693936"),
            (1_111_111_109, "07081804", "68084774", "25091201"),
            (1_111_111_111, "14050471", "67062674", "99943326"),
            (1_234_567_890, "89005924", "91819424", "93441116"),
            (2_000_000_000, "69279037", "90698825", "38618901"),
            (20_000_000_000, "65353130", "77737706", "47863826"),
        ];
        for (t, c1, c256, c512) in table {
            assert_eq!(code_at(&sha1, Alg::Sha1, 8, 30, t), c1, "SHA1 at {t}");
            assert_eq!(
                code_at(&sha256, Alg::Sha256, 8, 30, t),
                c256,
                "SHA256 at {t}"
            );
            assert_eq!(
                code_at(&sha512, Alg::Sha512, 8, 30, t),
                c512,
                "SHA512 at {t}"
            );
        }
    }

    /// RFC 4226 Appendix D: HOTP-SHA1, 6 digits, counters 0–9.
    #[test]
    fn rfc4226_hotp_vectors() {
        let expected = [
            "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583",
            "399871", "520489",
        ];
        for (i, want) in expected.iter().enumerate() {
            assert_eq!(&hotp(b"12345678901234567890", Alg::Sha1, i as u64, 6), want);
        }
        // shorter codes are the low digits of the same number
        assert_eq!(hotp(b"12345678901234567890", Alg::Sha1, 0, 3), "224");
    }

    #[test]
    fn steps_and_windows() {
        assert_eq!(step_of(59_999, 30), 1);
        assert_eq!(step_of(60_000, 30), 2);
        assert_eq!(step_of(0, 20), 0);
        assert_eq!(step_of(-1, 30), -1);
        assert_eq!(window(10, 1), 9..=11);
        assert_eq!(window(10, 0), 10..=10);
        assert_eq!(
            code_for_step(b"k", Alg::Sha1, 6, -3),
            hotp(b"k", Alg::Sha1, 0, 6)
        );
    }

    /// RFC 4648 §10 vectors (unpadded) and round trips.
    #[test]
    fn base32_vectors_and_round_trip() {
        let v = [
            ("", ""),
            ("f", "MY"),
            ("fo", "MZXQ"),
            ("foo", "MZXW6"),
            ("foob", "MZXW6YQ"),
            ("fooba", "MZXW6YTB"),
            ("foobar", "MZXW6YTBOI"),
        ];
        for (plain, enc) in v {
            assert_eq!(base32_encode(plain.as_bytes()), enc);
            assert_eq!(base32_decode(enc).as_deref(), Some(plain.as_bytes()));
        }
        assert_eq!(
            base32_decode("mzxw6ytboi======").as_deref(),
            Some(&b"foobar"[..])
        );
        assert_eq!(base32_decode("MZ1W"), None);
        let secret: Vec<u8> = (0u8..20).collect();
        let enc = base32_encode(&secret);
        assert_eq!(enc.len(), 32);
        assert_eq!(base32_decode(&enc), Some(secret));
    }

    #[test]
    fn key_uri_is_escaped() {
        let u = key_uri("Salon Bella", "user:1", "ABC", Alg::Sha256, 6, 30);
        assert_eq!(
            u,
            "otpauth://totp/Salon%20Bella:user%3A1?secret=ABC&issuer=Salon%20Bella&algorithm=SHA256&digits=6&period=30"
        );
        assert_eq!(Alg::parse("SHA512"), Some(Alg::Sha512));
        assert_eq!(Alg::parse("md5"), None);
    }
}
