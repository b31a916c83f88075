//! Message-level lures: the pretexts of the 2022 campaigns (password expiry, account review,
//! schedule change, MFA re-enrolment, HR meetings, held parcels) and of prize scams, an IT/HR
//! sender persona and urgency. Matching is on whole words of the lower-cased text, so `hr`
//! never matches `three`.

/// One pretext family that matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pretext {
    /// Stable tag, e.g. `pretext-password`.
    pub tag: &'static str,
    /// What it means, for the reasons list.
    pub reason: &'static str,
}

/// A family fires when any word of `subjects` and any word of `actions` both occur.
struct Family {
    tag: &'static str,
    reason: &'static str,
    subjects: &'static [&'static str],
    actions: &'static [&'static str],
}

const FAMILIES: &[Family] = &[
    Family {
        tag: "pretext-password",
        reason: "password or credential pretext (expiry, reset, re-validation)",
        subjects: &[
            "password",
            "passwords",
            "passcode",
            "credentials",
            "login",
            "log in",
            "sign in",
        ],
        actions: &[
            "expire",
            "expires",
            "expired",
            "expiring",
            "expiry",
            "reset",
            "revalidate",
            "re-validate",
            "validate",
            "verify",
            "update",
            "change",
            "locked",
            "unlock",
            "confirm",
            "disabled",
        ],
    },
    Family {
        tag: "pretext-account",
        reason: "account review pretext (suspended, locked, unusual activity)",
        subjects: &[
            "account", "mailbox", "profile", "card", "wallet", "apple id", "bank",
        ],
        actions: &[
            "suspended",
            "suspend",
            "locked",
            "blocked",
            "review",
            "unusual",
            "restricted",
            "disabled",
            "compromised",
            "deactivated",
            "deactivate",
            "on hold",
            "frozen",
            "verify",
            "verification",
            "unauthorized",
            "unauthorised",
            "terminated",
            "closed",
        ],
    },
    Family {
        tag: "pretext-schedule",
        reason: "schedule or shift change pretext",
        subjects: &[
            "schedule",
            "shift",
            "shifts",
            "rota",
            "timesheet",
            "roster",
            "work schedule",
        ],
        actions: &[
            "changed", "change", "changes", "updated", "update", "new", "review", "view",
            "confirm", "modified",
        ],
    },
    Family {
        tag: "pretext-mfa",
        reason: "MFA or verification pretext (re-enrol, confirm your device)",
        subjects: &[
            "mfa",
            "2fa",
            "two-factor",
            "two factor",
            "multi-factor",
            "authenticator",
            "okta verify",
            "duo",
            "security key",
            "device",
        ],
        actions: &[
            "enroll",
            "enrol",
            "enrolled",
            "re-enroll",
            "re-enrol",
            "re-enrolled",
            "reenroll",
            "register",
            "update",
            "verify",
            "confirm",
            "expired",
            "expire",
            "setup",
            "set up",
            "sync",
            "activate",
        ],
    },
    Family {
        tag: "pretext-hr",
        reason: "HR pretext (meeting, payroll, benefits)",
        subjects: &[
            "hr",
            "human resources",
            "payroll",
            "benefits",
            "salary",
            "bonus",
            "paycheck",
            "pay slip",
            "payslip",
        ],
        actions: &[
            "meeting",
            "confirm",
            "review",
            "update",
            "scheduled",
            "changes",
            "changed",
            "view",
            "sign",
            "acknowledge",
        ],
    },
    Family {
        tag: "pretext-delivery",
        reason: "parcel pretext (delivery failed, held, fee due)",
        subjects: &[
            "package", "parcel", "delivery", "shipment", "courier", "order",
        ],
        actions: &[
            "failed",
            "held",
            "unable",
            "reschedule",
            "fee",
            "customs",
            "suspended",
            "undeliverable",
            "incomplete",
            "address",
        ],
    },
    Family {
        tag: "pretext-prize",
        reason: "prize or giveaway pretext (you have won, claim your reward)",
        subjects: &[
            "prize",
            "prizes",
            "reward",
            "rewards",
            "gift card",
            "voucher",
            "giveaway",
            "give away",
            "jackpot",
            "lottery",
            "cash",
        ],
        actions: &[
            "claim", "won", "win", "winner", "collect", "redeem", "selected", "chosen", "awarded",
        ],
    },
];

const PERSONA: &[&str] = &[
    "it department",
    "it support",
    "it team",
    "it dept",
    "it desk",
    "helpdesk",
    "help desk",
    "service desk",
    "security team",
    "it security",
    "hr department",
    "hr team",
    "human resources",
    "it admin",
    "system administrator",
    "sysadmin",
    "it helpdesk",
    "tech support",
];

const URGENCY: &[&str] = &[
    "immediately",
    "urgent",
    "urgently",
    "asap",
    "within 24 hours",
    "within 24hrs",
    "within 24 hrs",
    "within 1 hour",
    "within one hour",
    "today",
    "tonight",
    "final notice",
    "final warning",
    "last chance",
    "action required",
    "act now",
    "right away",
    "before it expires",
    "will be suspended",
    "will be deactivated",
    "will be locked",
    "will be closed",
    "expires today",
    "failure to",
    "avoid suspension",
    "right now",
];

const CODE_PHRASES: &[&str] = &[
    "verification code",
    "security code",
    "login code",
    "sign-in code",
    "signin code",
    "authentication code",
    "confirmation code",
    "one-time code",
    "one-time password",
    "otp",
    "passcode",
    "your code is",
    "is your code",
    "access code",
    "2fa code",
    "mfa code",
];
const PRIZE_WORDS: &[&str] = &[
    "prize", "won", "win", "winner", "claim", "cash", "reward", "award", "bonus", "free",
];

/// The shape of a one-time-code message: a code phrase and a 4–8 digit code (a word of digits
/// and hyphens), and nothing of a prize or a premium-rate number (no word with 9 or more
/// digits, no currency sign).
pub fn one_time_code(text: &str, words: &str) -> bool {
    // One pass over the words: most messages hold no 4–8 digit code at all.
    let mut has_code = false;
    for token in words.split(' ') {
        let digits = token.bytes().filter(u8::is_ascii_digit).count();
        if digits >= 9 {
            return false;
        }
        has_code |=
            (4..=8).contains(&digits) && token.bytes().all(|b| b.is_ascii_digit() || b == b'-');
    }
    has_code
        && !text.contains(['£', '$', '€'])
        && !PRIZE_WORDS.iter().any(|w| has(words, w))
        && CODE_PHRASES.iter().any(|p| has(words, p))
}

/// Premium-rate billing, the classic SMS-spam business: UK premium numbers (`09…`, `087…`),
/// "text WORD to 8xxxx" short codes, and per-message charges (`150p/text`, `£1.50/msg`,
/// `std ntwk chg`). Returns a description of the first one found.
pub fn premium_rate(text: &str, words: &str) -> Option<&'static str> {
    let tokens: Vec<&str> = words.split(' ').filter(|t| !t.is_empty()).collect();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    for (i, t) in tokens.iter().enumerate() {
        if digits(t)
            && ((t.len() == 11 && t.starts_with("09"))
                || ((11..=12).contains(&t.len()) && t.starts_with("087")))
        {
            return Some("a premium-rate number");
        }
        // UK short codes are five digits from 6xxxx to 8xxxx.
        let short_code =
            |n: &&str| digits(n) && n.len() == 5 && matches!(n.as_bytes()[0], b'6'..=b'8');
        if *t == "to" && tokens.get(i + 1).is_some_and(short_code) {
            let before = &tokens[i.saturating_sub(4)..i];
            if before
                .iter()
                .any(|w| matches!(*w, "txt" | "text" | "send" | "reply" | "sms"))
            {
                return Some("a \"text WORD to short code\" call to action");
            }
        }
        let pence = t.strip_suffix('p').is_some_and(digits)
            || t.strip_suffix("ppm").is_some_and(digits)
            || t.strip_suffix("pmin").is_some_and(digits);
        if pence
            && (t.ends_with("ppm")
                || tokens.get(i + 1).is_some_and(|n| {
                    matches!(
                        *n,
                        "msg"
                            | "text"
                            | "txt"
                            | "sms"
                            | "min"
                            | "pm"
                            | "per"
                            | "week"
                            | "wk"
                            | "call"
                    )
                }))
        {
            return Some("a per-message charge");
        }
    }
    let per_message = [
        " per msg ",
        " per txt ",
        " std ntwk ",
        " ntwk chg ",
        " network charge ",
        " std rate ",
        " msg rcvd ",
        " msgs rcvd ",
    ]
    .iter()
    .any(|p| words.contains(p));
    // `/` is not kept in `words`: look at the text itself, only when it has one.
    let slash = text.contains('/') && {
        let lower = text.to_lowercase();
        ["/msg", "/txt", "/text", "/sms", "gbp/"]
            .iter()
            .any(|p| lower.contains(p))
    };
    (per_message || slash).then_some("a per-message charge")
}

/// What [`scan`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PretextScan {
    pub pretexts: Vec<Pretext>,
    pub persona: bool,
    pub urgency: bool,
}

/// Lower-cases `text` to ` word word … ` (letters, digits and `-` kept; everything else a
/// single space), so that `contains(" phrase ")` matches whole words and phrases.
pub fn words(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    let mut space = true;
    for c in text.chars() {
        if c.is_alphanumeric() || c == '-' {
            for l in c.to_lowercase() {
                out.push(l);
            }
            space = false;
        } else if !space {
            out.push(' ');
            space = true;
        }
    }
    if !space {
        out.push(' ');
    }
    out
}

fn has(words: &str, phrase: &str) -> bool {
    // `words` is padded: look for " phrase ".
    let bytes = words.as_bytes();
    let mut from = 0;
    while let Some(i) = words[from..].find(phrase) {
        let start = from + i;
        let end = start + phrase.len();
        let before = start > 0 && bytes[start - 1] == b' ';
        let after = end < bytes.len() && bytes[end] == b' ';
        if before && after {
            return true;
        }
        from = start + 1;
        if from >= words.len() {
            break;
        }
        while !words.is_char_boundary(from) {
            from += 1;
        }
    }
    false
}

/// Scans a normalised text from [`words`].
pub fn scan(words: &str) -> PretextScan {
    let mut scan = PretextScan::default();
    for family in FAMILIES {
        let subject = family.subjects.iter().any(|s| has(words, s));
        if subject && family.actions.iter().any(|a| has(words, a)) {
            scan.pretexts.push(Pretext {
                tag: family.tag,
                reason: family.reason,
            });
        }
    }
    scan.persona = PERSONA.iter().any(|p| has(words, p));
    scan.urgency = URGENCY.iter().any(|p| has(words, p));
    scan
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(text: &str) -> Vec<&'static str> {
        scan(&words(text)).pretexts.iter().map(|p| p.tag).collect()
    }

    #[test]
    fn the_campaign_pretexts_match() {
        assert_eq!(
            tags("ACME IT: your password expires today, re-verify at x"),
            ["pretext-password"]
        );
        assert_eq!(
            tags("Your schedule has been updated. View changes: acme-sso.com"),
            ["pretext-schedule"]
        );
        assert_eq!(
            tags("A meeting with HR has been set, confirm at"),
            ["pretext-hr"]
        );
        assert!(scan(&words("IT Department: act now")).persona);
        assert!(scan(&words("Respond IMMEDIATELY.")).urgency);
    }

    #[test]
    fn whole_words_only() {
        assert!(tags("three changes to the schedule? no, thrown").contains(&"pretext-schedule"));
        assert!(!tags("three meetings confirmed").contains(&"pretext-hr"));
        assert!(!scan(&words("it was a good day")).persona);
        assert_eq!(words("Hi,  Bob!"), " hi bob ");
    }

    #[test]
    fn one_time_codes_are_recognised() {
        let otp = |t: &str| one_time_code(t, &words(t));
        assert!(otp("Your Microsoft account security code is 739201"));
        assert!(otp("482913 is your Twilio verification code."));
        assert!(otp("Your login code: 123-456. Don't share it."));
        assert!(!otp("Your prize code is 4821, call 09061701461 to claim"));
        assert!(!otp("Your verification code is ready"));
        assert!(!otp("Pay $50 now, security code 1234"));
    }

    #[test]
    fn premium_rate_billing_is_recognised() {
        let pr = |t: &str| premium_rate(t, &words(t)).is_some();
        assert!(pr("URGENT! Call 09058095201 from land line now"));
        assert!(pr("Text FA to 87121 to receive entry question"));
        assert!(pr("Text stop to stop 150p/text"));
        assert!(pr("cst std ntwk chg £1.50"));
        assert!(pr("enjoy @ one gbp/sms"));
        assert!(!pr("Call me on 07090201529 tonight"));
        assert!(!pr("Meet at 5pm, it costs £5 to get in"));
        assert!(!pr("Send the report to 12345 people"));
    }

    #[test]
    fn ordinary_messages_do_not_match() {
        assert!(tags("Your verification code is 482913. Do not share it.").is_empty());
        assert!(tags(
            "Reminder: your appointment with Anna is tomorrow at 10:00. Reply C to confirm."
        )
        .is_empty());
        assert!(tags("See you at 6 for dinner").is_empty());
    }
}
