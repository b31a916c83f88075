//! Twilio-style SIDs: a two-letter prefix and 32 lowercase hex digits.

use rand::RngCore;
use std::fmt;

/// Why a SID string was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {prefix} sid")]
pub struct InvalidSid {
    pub prefix: &'static str,
}

fn random_hex32() -> String {
    let mut bytes = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

fn valid(prefix: &str, s: &str) -> bool {
    s.len() == 34 && s.starts_with(prefix) && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

macro_rules! sid_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;

            /// Parses a SID, checking prefix, length and hex digits.
            pub fn parse(s: &str) -> Result<Self, InvalidSid> {
                if valid($prefix, s) {
                    Ok(Self(s.to_owned()))
                } else {
                    Err(InvalidSid { prefix: $prefix })
                }
            }

            /// A new random SID.
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_hex32()))
            }

            /// A new SID whose first 12 hex digits are `millis` (48 bits) and the
            /// other 20 are random (80 bits): still opaque to clients, but SIDs
            /// created close together sort together, which keeps index inserts local.
            pub fn generate_at(millis: i64) -> Self {
                let mut tail = [0u8; 10];
                rand::thread_rng().fill_bytes(&mut tail);
                let time = (millis.max(0) as u64) & 0xffff_ffff_ffff;
                Self(format!("{}{:012x}{}", $prefix, time, hex::encode(tail)))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

sid_type!(
    /// An account (`AC…`).
    AccountSid,
    "AC"
);
sid_type!(
    /// A console or operator user (`US…`).
    ConsoleUserSid,
    "US"
);
sid_type!(
    /// A message (`SM…`).
    MessageSid,
    "SM"
);
sid_type!(
    /// A voice call (`CA…`).
    CallSid,
    "CA"
);
sid_type!(
    /// An incoming phone number (`PN…`).
    PhoneNumberSid,
    "PN"
);
sid_type!(
    /// A Messaging Service (`MG…`).
    ServiceSid,
    "MG"
);

sid_type!(
    /// An API key (`SK…`).
    ApiKeySid,
    "SK"
);
sid_type!(
    /// A Verify service (`VA…`).
    VerifyServiceSid,
    "VA"
);
sid_type!(
    /// A verification (`VE…`).
    VerificationSid,
    "VE"
);
sid_type!(
    /// One send attempt of a verification (`VL…`).
    VerificationAttemptSid,
    "VL"
);
sid_type!(
    /// A Verify rate limit (`RK…`).
    RateLimitSid,
    "RK"
);
sid_type!(
    /// A bucket of a Verify rate limit (`BL…`).
    BucketSid,
    "BL"
);
sid_type!(
    /// A Verify entity, the owner of factors (`YE…`).
    EntitySid,
    "YE"
);
sid_type!(
    /// A Verify factor (`YF…`).
    FactorSid,
    "YF"
);
sid_type!(
    /// A Verify challenge of a factor (`YC…`).
    ChallengeSid,
    "YC"
);

/// A new random 32-hex-digit secret (auth tokens, API key secrets).
pub fn new_secret() -> String {
    random_hex32()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_sids_parse_back() {
        let sid = MessageSid::generate();
        assert_eq!(sid.as_str().len(), 34);
        assert_eq!(MessageSid::parse(sid.as_str()), Ok(sid));
    }

    #[test]
    fn time_ordered_sids_sort_by_time() {
        let a = MessageSid::generate_at(1_700_000_000_000);
        let b = MessageSid::generate_at(1_700_000_000_001);
        assert!(a < b);
        assert_eq!(MessageSid::parse(a.as_str()), Ok(a.clone()));
        assert!(a.as_str().starts_with("SM018bcfe5680"));
    }

    #[test]
    fn rejects_wrong_prefix_length_and_digits() {
        assert!(AccountSid::parse("SM0123456789abcdef0123456789abcdef").is_err());
        assert!(AccountSid::parse("AC0123").is_err());
        assert!(AccountSid::parse("ACzz23456789abcdef0123456789abcdef").is_err());
        assert!(AccountSid::parse("AC0123456789abcdef0123456789abcdef").is_ok());
        assert_eq!(new_secret().len(), 32);
    }
}
