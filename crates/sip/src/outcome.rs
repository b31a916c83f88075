//! How a call ends: [`EndReason`] and the mapping from SIP final responses
//! and dialog terminations to it (the table is in the crate docs).

use rsipstack::dialog::dialog::TerminatedReason;
use rsipstack::transaction::key::TransactionRole;

/// Who ended an answered call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// We sent the BYE ([`crate::CallHandle::hangup`]).
    Local,
    /// The other side (the callee of an outbound call, the caller of an
    /// inbound one) sent the BYE, or the dialog died on its side.
    Remote,
}

/// Why a call ended. Each maps to one Twilio call status
/// ([`EndReason::twilio_status`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndReason {
    /// The call was answered and has ended (BYE sent or received).
    Completed {
        /// Who hung up.
        by: Party,
    },
    /// 486 Busy Here or 600 Busy Everywhere.
    Busy,
    /// Nobody answered within the ring timeout (we sent CANCEL and the
    /// INVITE ended, normally with 487), or the callee answered 408 / 480.
    NoAnswer,
    /// [`crate::CallHandle::cancel`] (or `hangup`, or dropping every handle)
    /// before the call was answered.
    Canceled,
    /// Anything else: other 3xx–6xx final responses (403 after a wrong
    /// password, 404, 5xx, 603, a second auth challenge…), no response at
    /// all (timer B, `sip_code: None`), or a transport error.
    Failed {
        /// The final response's status code, if there was one.
        sip_code: Option<u16>,
        /// Its reason phrase, or what went wrong.
        reason: String,
    },
}

impl EndReason {
    /// The Twilio `CallStatus` this ending is reported as.
    pub fn twilio_status(&self) -> &'static str {
        match self {
            EndReason::Completed { .. } => "completed",
            EndReason::Busy => "busy",
            EndReason::NoAnswer => "no-answer",
            EndReason::Canceled => "canceled",
            EndReason::Failed { .. } => "failed",
        }
    }
}

/// Why we sent a CANCEL, if we did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CancelCause {
    /// The ring timeout expired.
    RingTimeout,
    /// The application asked (cancel, hangup, or every handle dropped).
    Requested,
}

impl CancelCause {
    fn reason(self) -> EndReason {
        match self {
            CancelCause::RingTimeout => EndReason::NoAnswer,
            CancelCause::Requested => EndReason::Canceled,
        }
    }
}

/// The ending of an INVITE that was not answered, from its final response
/// (`None`: no final response, i.e. timer B fired).
///
/// Once we have CANCELed, a 487, a 2xx (which rsipstack ACKs and ends with
/// a BYE) or no response at all is the CANCEL's doing and reports its
/// cause; any other final response crossed the CANCEL and is reported as
/// itself (a 486 is still busy).
pub(crate) fn unanswered(
    final_response: Option<(u16, &str)>,
    cancel: Option<CancelCause>,
) -> EndReason {
    match (final_response, cancel) {
        (None, Some(cause)) => cause.reason(),
        (None, None) => EndReason::Failed {
            sip_code: None,
            reason: "no response to INVITE (timer B)".to_string(),
        },
        (Some((code, _)), Some(cause)) if code == 487 || (200..300).contains(&code) => {
            cause.reason()
        }
        (Some((486 | 600, _)), _) => EndReason::Busy,
        (Some((408 | 480, _)), _) => EndReason::NoAnswer,
        (Some((code, reason)), _) => EndReason::Failed {
            sip_code: Some(code),
            reason: reason.to_string(),
        },
    }
}

/// The ending of an answered call from the dialog's termination. rsipstack
/// names the BYE's sender by transaction role (UAC or UAS), so who "we" are
/// depends on `role`: `Client` for outbound calls, `Server` for inbound.
pub(crate) fn answered(
    why: &TerminatedReason,
    role: TransactionRole,
    local_hangup: bool,
) -> EndReason {
    let by = match (why, role) {
        (TerminatedReason::UacBye, TransactionRole::Client)
        | (TerminatedReason::UasBye, TransactionRole::Server) => Party::Local,
        (TerminatedReason::UasBye, TransactionRole::Client)
        | (TerminatedReason::UacBye, TransactionRole::Server) => Party::Remote,
        _ if local_hangup => Party::Local,
        _ => Party::Remote,
    };
    EndReason::Completed { by }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn code(c: u16) -> EndReason {
        unanswered(Some((c, "Reason")), None)
    }

    #[test]
    fn reference_mapping() {
        assert_eq!(code(486), EndReason::Busy);
        assert_eq!(code(600), EndReason::Busy);
        assert_eq!(code(408), EndReason::NoAnswer);
        assert_eq!(code(480), EndReason::NoAnswer);
        for c in [403, 404, 487, 500, 503, 603, 302, 401, 407] {
            assert_eq!(
                code(c),
                EndReason::Failed {
                    sip_code: Some(c),
                    reason: "Reason".into()
                }
            );
        }
        let timer_b = unanswered(None, None);
        assert!(matches!(timer_b, EndReason::Failed { sip_code: None, .. }));
        assert_eq!(timer_b.twilio_status(), "failed");
    }

    #[test]
    fn cancel_outcomes() {
        let ring = Some(CancelCause::RingTimeout);
        let asked = Some(CancelCause::Requested);
        assert_eq!(unanswered(Some((487, "")), ring), EndReason::NoAnswer);
        assert_eq!(unanswered(Some((487, "")), asked), EndReason::Canceled);
        assert_eq!(unanswered(Some((200, "")), asked), EndReason::Canceled);
        assert_eq!(unanswered(None, ring), EndReason::NoAnswer);
        assert_eq!(unanswered(Some((486, "")), asked), EndReason::Busy);
        assert_eq!(EndReason::Canceled.twilio_status(), "canceled");
        assert_eq!(EndReason::NoAnswer.twilio_status(), "no-answer");
    }

    #[test]
    fn who_hung_up() {
        let local = EndReason::Completed { by: Party::Local };
        let remote = EndReason::Completed { by: Party::Remote };
        let (uac, uas) = (TransactionRole::Client, TransactionRole::Server);
        assert_eq!(answered(&TerminatedReason::UacBye, uac, false), local);
        assert_eq!(answered(&TerminatedReason::UasBye, uac, true), remote);
        assert_eq!(answered(&TerminatedReason::Timeout, uac, true), local);
        assert_eq!(answered(&TerminatedReason::Timeout, uac, false), remote);
        // Inbound calls: we are the UAS.
        assert_eq!(answered(&TerminatedReason::UacBye, uas, true), remote);
        assert_eq!(answered(&TerminatedReason::UasBye, uas, false), local);
        assert_eq!(answered(&TerminatedReason::Timeout, uas, true), local);
        assert_eq!(local.twilio_status(), "completed");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]
        #[test]
        fn every_final_code_maps(c in 0u16..1000, reason in any::<String>(), cancel in 0u8..3) {
            let cancel = [None, Some(CancelCause::RingTimeout), Some(CancelCause::Requested)]
                [usize::from(cancel)];
            let status = unanswered(Some((c, &reason)), cancel).twilio_status();
            prop_assert!(["busy", "no-answer", "canceled", "failed"].contains(&status));
        }
    }
}
