//! Outcome rules: what the simulated network does with a destination.

/// What happens to a submitted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted; a `DELIVRD` receipt follows.
    Deliver,
    /// Accepted; an `UNDELIV` receipt with this `err:` follows.
    Undeliverable { err: u16 },
    /// Accepted; an `EXPIRED` receipt follows.
    Expire,
    /// Refused in `submit_sm_resp` with this `command_status` (e.g. 0x0B ESME_RINVDSTADR).
    Reject { status: u32 },
    /// `ESME_RTHROTTLED` for the first `times` submits to a destination, then delivered.
    Throttle { times: u32 },
}

/// A rule matching destinations by prefix (`*` matches everything).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub prefix: String,
    pub outcome: Outcome,
}

impl Rule {
    pub fn matches(&self, dest: &str) -> bool {
        self.prefix == "*"
            || dest
                .trim_start_matches('+')
                .starts_with(self.prefix.trim_start_matches('+'))
    }
}

/// The first matching rule's outcome, or `Deliver`.
pub fn outcome_for(rules: &[Rule], dest: &str) -> Outcome {
    rules
        .iter()
        .find(|r| r.matches(dest))
        .map_or(Outcome::Deliver, |r| r.outcome.clone())
}

/// Parses `deliver`, `undeliverable:ERR`, `expire`, `reject:STATUS` (decimal or 0x hex),
/// `throttle:TIMES`.
pub fn parse_outcome(s: &str) -> Result<Outcome, String> {
    let (name, arg) = s.split_once(':').map_or((s, None), |(a, b)| (a, Some(b)));
    let num = |what: &str| -> Result<u32, String> {
        let a = arg.ok_or_else(|| format!("'{s}': {what} needs a number, e.g. {what}:5"))?;
        let parsed = match a.strip_prefix("0x") {
            Some(hex) => u32::from_str_radix(hex, 16),
            None => a.parse(),
        };
        parsed.map_err(|_| format!("'{s}': '{a}' is not a number"))
    };
    match name {
        "deliver" => Ok(Outcome::Deliver),
        "expire" => Ok(Outcome::Expire),
        "undeliverable" => Ok(Outcome::Undeliverable {
            err: u16::try_from(num("undeliverable")?).map_err(|_| format!("'{s}': err too large"))?,
        }),
        "reject" => Ok(Outcome::Reject { status: num("reject")? }),
        "throttle" => Ok(Outcome::Throttle { times: num("throttle")? }),
        other => Err(format!(
            "unknown outcome '{other}' (deliver, undeliverable:ERR, expire, reject:STATUS, throttle:TIMES)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_matches() {
        assert_eq!(
            parse_outcome("reject:0x0b"),
            Ok(Outcome::Reject { status: 11 })
        );
        assert_eq!(
            parse_outcome("throttle:2"),
            Ok(Outcome::Throttle { times: 2 })
        );
        assert!(parse_outcome("explode").is_err());
        assert!(parse_outcome("reject").is_err());
        let rules = vec![Rule {
            prefix: "+1555999".into(),
            outcome: Outcome::Expire,
        }];
        assert_eq!(outcome_for(&rules, "15559990000"), Outcome::Expire);
        assert_eq!(outcome_for(&rules, "+15550000000"), Outcome::Deliver);
    }
}
