//! Verify's phone numbers (verifications, safe list, fraud events, rate-limit values) are
//! encrypted under the installation's keys at the trait boundary: the values going in are
//! replaced by their deterministic ciphertexts (equal numbers stay equal, so the SQL is
//! unchanged) and the records coming out are decrypted. Verifications live minutes, so
//! rows written in clear before encryption was turned on are simply not matched.

use super::Crypt;
use crate::error::Result;
use crate::verify::{
    Charge, CheckSlot, FraudEvent, NewVerification, SafeNumber, StartOutcome, VerificationRecord,
};

impl Crypt {
    /// A number (or any rate-limit value) as Verify's tables hold it.
    pub(crate) fn verify_value(&self, value: &str) -> String {
        self.installation_number(value)
    }

    pub(crate) fn seal_charges(&self, charges: Vec<Charge>) -> Vec<Charge> {
        charges
            .into_iter()
            .map(|c| Charge {
                value: self.verify_value(&c.value),
                ..c
            })
            .collect()
    }

    pub(crate) fn seal_verification(&self, mut v: NewVerification) -> NewVerification {
        v.to = self.verify_value(&v.to);
        v
    }

    pub(crate) fn open_verification(
        &self,
        mut v: VerificationRecord,
    ) -> Result<VerificationRecord> {
        v.to = self.open_installation_number(&v.to)?;
        Ok(v)
    }

    pub(crate) fn open_verifications(
        &self,
        v: Option<VerificationRecord>,
    ) -> Result<Option<VerificationRecord>> {
        v.map(|v| self.open_verification(v)).transpose()
    }

    pub(crate) fn open_start(&self, outcome: StartOutcome) -> Result<StartOutcome> {
        Ok(match outcome {
            StartOutcome::Created(v) => StartOutcome::Created(self.open_verification(v)?),
            StartOutcome::Resent(v) => StartOutcome::Resent(self.open_verification(v)?),
            StartOutcome::MaxSends(v) => StartOutcome::MaxSends(self.open_verification(v)?),
            limited @ StartOutcome::Limited { .. } => limited,
        })
    }

    pub(crate) fn open_check(&self, slot: CheckSlot) -> Result<CheckSlot> {
        Ok(match slot {
            CheckSlot::Wrong(v) => CheckSlot::Wrong(Box::new(self.open_verification(*v)?)),
            CheckSlot::Approved(v) => CheckSlot::Approved(Box::new(self.open_verification(*v)?)),
            other => other,
        })
    }

    pub(crate) fn seal_safe(&self, mut s: SafeNumber) -> SafeNumber {
        s.phone_number = self.verify_value(&s.phone_number);
        s
    }

    pub(crate) fn open_safe(&self, s: Option<SafeNumber>) -> Result<Option<SafeNumber>> {
        s.map(|mut s| {
            s.phone_number = self.open_installation_number(&s.phone_number)?;
            Ok(s)
        })
        .transpose()
    }

    pub(crate) fn seal_fraud(&self, mut e: FraudEvent) -> FraudEvent {
        e.to = self.verify_value(&e.to);
        e
    }

    pub(crate) fn open_fraud(&self, events: Vec<FraudEvent>) -> Result<Vec<FraudEvent>> {
        events
            .into_iter()
            .map(|mut e| {
                e.to = self.open_installation_number(&e.to)?;
                Ok(e)
            })
            .collect()
    }
}
