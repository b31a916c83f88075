//! Time is injected: the store and the pipeline take `now` from a [`Clock`].

use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch, UTC.
pub type Millis = i64;

/// RFC 2822 in UTC (`Thu, 24 Aug 2023 05:01:45 +0000`), as Twilio's 2010 API and its
/// voice callbacks (`Timestamp`) write dates.
pub fn rfc2822(millis: Millis) -> Option<String> {
    chrono::DateTime::from_timestamp_millis(millis)
        .map(|d| d.format("%a, %d %b %Y %H:%M:%S +0000").to_string())
}

/// A source of the current time.
pub trait Clock: Send + Sync + 'static {
    fn now_millis(&self) -> Millis;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place the wall clock is read
    fn now_millis(&self) -> Millis {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that only moves when told to (tests).
#[derive(Debug, Default)]
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start: Millis) -> Self {
        Self(AtomicI64::new(start))
    }

    pub fn advance(&self, by_millis: i64) {
        self.0.fetch_add(by_millis, Ordering::SeqCst);
    }

    pub fn set(&self, at: Millis) {
        self.0.store(at, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> Millis {
        self.0.load(Ordering::SeqCst)
    }
}
