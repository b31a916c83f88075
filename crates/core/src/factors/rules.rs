//! The pure rules of Verify TOTP: identities, parameter ranges, code matching and how a
//! challenge reads at a given time.

use super::invalid;
use crate::crypto::ct_eq;
use crate::messages::MessageError;
use switchboard_domain::clock::Millis;
use switchboard_domain::totp::{self, Alg};
use switchboard_store::{challenge_status, Answer, ChallengeRecord, TotpConfig};

/// Twilio's rule: 8–64 characters, dash-separated alphanumerics.
pub(super) fn check_identity(identity: &str) -> Result<(), MessageError> {
    let ok = (8..=64).contains(&identity.len())
        && identity
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(invalid(
            "Invalid parameter `Identity`: 8 to 64 characters, letters, digits and dashes only.",
        ))
    }
}

pub(super) fn range(
    name: &str,
    v: Option<u32>,
    lo: u32,
    hi: u32,
    default: u32,
) -> Result<u32, MessageError> {
    match v {
        None => Ok(default),
        Some(v) if (lo..=hi).contains(&v) => Ok(v),
        Some(_) => Err(invalid(format!(
            "Invalid parameter `{name}`: it must be between {lo} and {hi}."
        ))),
    }
}

/// A pending challenge past its expiration date reads as expired.
pub fn present(mut c: ChallengeRecord, now: Millis) -> ChallengeRecord {
    if c.status == challenge_status::PENDING && c.expiration_date <= now {
        c.status = challenge_status::EXPIRED.into();
    }
    c
}

/// Which step (the latest in `step ± skew`) `code` is the code of, comparing every
/// candidate in constant time. Pure: `now` and the secret are given.
pub fn match_code(secret: &[u8], config: &TotpConfig, code: &str, now: Millis) -> Answer {
    let alg = Alg::parse(&config.alg).unwrap_or(Alg::Sha1);
    let step = totp::step_of(now, config.time_step);
    let mut found = Answer::NoMatch;
    for s in totp::window(step, config.skew) {
        let expected = totp::code_for_step(secret, alg, config.code_length, s);
        if ct_eq(expected.as_bytes(), code.as_bytes()) {
            found = Answer::Step(s);
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_domain::ids::{
        AccountSid, ChallengeSid, EntitySid, FactorSid, VerifyServiceSid,
    };

    fn config(skew: u32) -> TotpConfig {
        TotpConfig {
            time_step: 30,
            code_length: 8,
            skew,
            alg: "sha1".into(),
        }
    }

    #[test]
    fn codes_match_within_the_skew_and_name_their_step() {
        let secret = b"12345678901234567890";
        // RFC 6238: 07081804 is the code at 1111111109 s (step 37037036)
        let at = |secs: i64| secs * 1000;
        assert_eq!(
            match_code(secret, &config(1), "07081804", at(1_111_111_109)),
            Answer::Step(37_037_036)
        );
        // one step later is within skew 1, two are not; skew 0 needs the same step
        assert_eq!(
            match_code(secret, &config(1), "07081804", at(1_111_111_109 + 30)),
            Answer::Step(37_037_036)
        );
        assert_eq!(
            match_code(secret, &config(1), "07081804", at(1_111_111_109 + 60)),
            Answer::NoMatch
        );
        assert_eq!(
            match_code(secret, &config(2), "07081804", at(1_111_111_109 + 60)),
            Answer::Step(37_037_036)
        );
        assert_eq!(
            match_code(secret, &config(0), "07081804", at(1_111_111_109 - 30)),
            Answer::NoMatch
        );
        // the next step's code (14050471 at 1111111111 s) is the later step
        assert_eq!(
            match_code(secret, &config(1), "14050471", at(1_111_111_109)),
            Answer::Step(37_037_037)
        );
        assert_eq!(
            match_code(secret, &config(1), "1405047", at(1_111_111_111)),
            Answer::NoMatch
        );
    }

    #[test]
    fn an_expired_pending_challenge_reads_as_expired() {
        let c = ChallengeRecord {
            sid: ChallengeSid::generate(),
            service_sid: VerifyServiceSid::generate(),
            account_sid: AccountSid::generate(),
            entity_sid: EntitySid::generate(),
            identity: "user-0001".into(),
            factor_sid: FactorSid::generate(),
            status: challenge_status::PENDING.into(),
            failures: 0,
            expiration_date: 10_000,
            date_responded: None,
            date_created: 0,
            date_updated: 0,
        };
        assert_eq!(present(c.clone(), 9_999).status, challenge_status::PENDING);
        assert_eq!(present(c.clone(), 10_000).status, challenge_status::EXPIRED);
        let approved = ChallengeRecord {
            status: challenge_status::APPROVED.into(),
            ..c
        };
        assert_eq!(present(approved, 20_000).status, challenge_status::APPROVED);
    }

    #[test]
    fn identities_follow_twilio_rules() {
        assert!(check_identity("ff483d1f-f591-898a").is_ok());
        assert!(check_identity("short").is_err());
        assert!(check_identity("has space in it").is_err());
        assert!(check_identity(&"a".repeat(65)).is_err());
    }
}
