//! Per-account API request rate: a token bucket per account (per node),
//! timed by the core clock. Over the rate: 429 / 20429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use switchboard_domain::clock::Millis;

pub struct AccountLimits {
    /// Requests per second per account; `0` = unlimited.
    per_sec: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, (f64, Millis)>>,
}

impl AccountLimits {
    pub fn new(per_sec: f64, burst: f64) -> Self {
        Self {
            per_sec,
            burst: burst.max(1.0),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn unlimited() -> Self {
        Self::new(0.0, 1.0)
    }

    /// Takes one request's token, or says how many seconds until one is free.
    pub fn check(&self, account: &str, now: Millis) -> Result<(), u64> {
        if self.per_sec <= 0.0 {
            return Ok(());
        }
        let mut b = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let (tokens, last) = b.entry(account.to_owned()).or_insert((self.burst, now));
        let elapsed = (now - *last).max(0) as f64 / 1000.0;
        *tokens = (*tokens + elapsed * self.per_sec).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / self.per_sec).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::AccountLimits;

    #[test]
    fn a_burst_then_the_rate() {
        let l = AccountLimits::new(2.0, 3.0);
        for _ in 0..3 {
            assert_eq!(l.check("AC1", 0), Ok(()));
        }
        assert_eq!(l.check("AC1", 0), Err(1));
        assert_eq!(l.check("AC2", 0), Ok(()), "per account");
        assert_eq!(l.check("AC1", 500), Ok(()), "refilled at 2/s");
        assert!(AccountLimits::unlimited().check("AC1", 0).is_ok());
    }
}
