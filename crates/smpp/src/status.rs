//! `command_status` codes (SMPP 3.4 §5.1.3, plus the SMPP 5.0 additions
//! carriers send) and their classification for retry decisions.

/// Declares the constants and the name table from one list.
macro_rules! statuses {
    ($($name:ident = $value:literal, $doc:literal;)*) => {
        $(#[doc = $doc] pub const $name: u32 = $value;)*

        /// The SMPP name of `command_status`, `"ESME_VENDOR_SPECIFIC"` for
        /// `0x400..=0x4FF`, `"ESME_UNKNOWN_STATUS"` for anything else unlisted.
        pub fn name(command_status: u32) -> &'static str {
            match command_status {
                $($value => stringify!($name),)*
                0x400..=0x4FF => "ESME_VENDOR_SPECIFIC",
                _ => "ESME_UNKNOWN_STATUS",
            }
        }
    };
}

statuses! {
    ESME_ROK = 0x00, "No error.";
    ESME_RINVMSGLEN = 0x01, "Message length is invalid.";
    ESME_RINVCMDLEN = 0x02, "Command length is invalid.";
    ESME_RINVCMDID = 0x03, "Invalid command id.";
    ESME_RINVBNDSTS = 0x04, "Incorrect bind status for the given command.";
    ESME_RALYBND = 0x05, "ESME already in bound state.";
    ESME_RINVPRTFLG = 0x06, "Invalid priority flag.";
    ESME_RINVREGDLVFLG = 0x07, "Invalid registered delivery flag.";
    ESME_RSYSERR = 0x08, "System error.";
    ESME_RINVSRCADR = 0x0A, "Invalid source address.";
    ESME_RINVDSTADR = 0x0B, "Invalid destination address.";
    ESME_RINVMSGID = 0x0C, "Message id is invalid.";
    ESME_RBINDFAIL = 0x0D, "Bind failed.";
    ESME_RINVPASWD = 0x0E, "Invalid password.";
    ESME_RINVSYSID = 0x0F, "Invalid system id.";
    ESME_RCANCELFAIL = 0x11, "cancel_sm failed.";
    ESME_RREPLACEFAIL = 0x13, "replace_sm failed.";
    ESME_RMSGQFUL = 0x14, "Message queue full.";
    ESME_RINVSERTYP = 0x15, "Invalid service type.";
    ESME_RINVNUMDESTS = 0x33, "Invalid number of destinations.";
    ESME_RINVDLNAME = 0x34, "Invalid distribution list name.";
    ESME_RINVDESTFLAG = 0x40, "Invalid destination flag (submit_multi).";
    ESME_RINVSUBREP = 0x42, "Invalid submit with replace request.";
    ESME_RINVESMCLASS = 0x43, "Invalid esm_class field data.";
    ESME_RCNTSUBDL = 0x44, "Cannot submit to distribution list.";
    ESME_RSUBMITFAIL = 0x45, "submit_sm or submit_multi failed.";
    ESME_RINVSRCTON = 0x48, "Invalid source address TON.";
    ESME_RINVSRCNPI = 0x49, "Invalid source address NPI.";
    ESME_RINVDSTTON = 0x50, "Invalid destination address TON.";
    ESME_RINVDSTNPI = 0x51, "Invalid destination address NPI.";
    ESME_RINVSYSTYP = 0x53, "Invalid system_type field.";
    ESME_RINVREPFLAG = 0x54, "Invalid replace_if_present flag.";
    ESME_RINVNUMMSGS = 0x55, "Invalid number of messages.";
    ESME_RTHROTTLED = 0x58, "Throttling error: the ESME exceeded its message limits.";
    ESME_RINVSCHED = 0x61, "Invalid scheduled delivery time.";
    ESME_RINVEXPIRY = 0x62, "Invalid message validity period.";
    ESME_RINVDFTMSGID = 0x63, "Predefined message invalid or not found.";
    ESME_RX_T_APPN = 0x64, "ESME receiver temporary app error (our deliver_sm_resp: retry later).";
    ESME_RX_P_APPN = 0x65, "ESME receiver permanent app error (our deliver_sm_resp: do not retry).";
    ESME_RX_R_APPN = 0x66, "ESME receiver reject message error (our deliver_sm_resp: rejected).";
    ESME_RQUERYFAIL = 0x67, "query_sm request failed.";
    ESME_RINVOPTPARSTREAM = 0xC0, "Error in the optional part of the PDU body.";
    ESME_ROPTPARNOTALLWD = 0xC1, "Optional parameter not allowed.";
    ESME_RINVPARLEN = 0xC2, "Invalid parameter length.";
    ESME_RMISSINGOPTPARAM = 0xC3, "Expected optional parameter missing.";
    ESME_RINVOPTPARAMVAL = 0xC4, "Invalid optional parameter value.";
    ESME_RDELIVERYFAILURE = 0xFE, "Delivery failure (data_sm_resp).";
    ESME_RUNKNOWNERR = 0xFF, "Unknown error.";
    ESME_RSERTYPUNAUTH = 0x100, "ESME not authorised to use the service type (SMPP 5.0).";
    ESME_RPROHIBITED = 0x101, "ESME prohibited from this operation (SMPP 5.0).";
    ESME_RSERTYPUNAVAIL = 0x102, "Service type unavailable (SMPP 5.0).";
    ESME_RSERTYPDENIED = 0x103, "Service type denied (SMPP 5.0).";
    ESME_RINVDCS = 0x104, "Invalid data coding scheme (SMPP 5.0).";
    ESME_RINVSRCADDRSUBUNIT = 0x105, "Source address subunit invalid (SMPP 5.0).";
    ESME_RINVDSTADDRSUBUNIT = 0x106, "Destination address subunit invalid (SMPP 5.0).";
}

/// What a caller should do about a response status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// `ESME_ROK`.
    Accepted,
    /// `ESME_RTHROTTLED`, `ESME_RMSGQFUL`: slow down and resubmit; not a
    /// failure of the message.
    Throttled,
    /// Retry later with backoff, bounded: system errors, bind-state and
    /// credential problems (the session is at fault, not the message),
    /// `RX_T_APPN`, `RDELIVERYFAILURE`, `RUNKNOWNERR`, and every code not
    /// listed as permanent, including vendor codes `0x400..=0x4FF` (map those
    /// per carrier on top of this).
    Temporary,
    /// The message will never be accepted as sent: invalid addresses, lengths,
    /// flags, TLVs, data coding, `RSUBMITFAIL`, `RX_P_APPN`, `RX_R_APPN`.
    Permanent,
}

/// Classifies a `command_status` (total: any `u32` gets a class).
pub fn classify(command_status: u32) -> Class {
    match command_status {
        ESME_ROK => Class::Accepted,
        ESME_RTHROTTLED | ESME_RMSGQFUL => Class::Throttled,
        ESME_RINVMSGLEN | ESME_RINVCMDLEN | ESME_RINVCMDID | ESME_RINVPRTFLG
        | ESME_RINVREGDLVFLG | ESME_RINVSRCADR | ESME_RINVDSTADR | ESME_RINVMSGID
        | ESME_RCANCELFAIL | ESME_RREPLACEFAIL | ESME_RINVSERTYP | ESME_RINVNUMDESTS
        | ESME_RINVDLNAME | ESME_RINVDESTFLAG | ESME_RINVSUBREP | ESME_RINVESMCLASS
        | ESME_RCNTSUBDL | ESME_RSUBMITFAIL | ESME_RINVSRCTON | ESME_RINVSRCNPI
        | ESME_RINVDSTTON | ESME_RINVDSTNPI | ESME_RINVSYSTYP | ESME_RINVREPFLAG
        | ESME_RINVNUMMSGS | ESME_RINVSCHED | ESME_RINVEXPIRY | ESME_RINVDFTMSGID
        | ESME_RX_P_APPN | ESME_RX_R_APPN | ESME_RQUERYFAIL => Class::Permanent,
        0xC0..=0xC4 | 0x100..=0x112 => Class::Permanent,
        _ => Class::Temporary,
    }
}

/// `true` for statuses that say the *session* is wrong (not bound, already
/// bound, credentials): rebind rather than retry on the same bind.
pub fn is_session_error(command_status: u32) -> bool {
    matches!(
        command_status,
        ESME_RINVBNDSTS | ESME_RALYBND | ESME_RBINDFAIL | ESME_RINVPASWD | ESME_RINVSYSID
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_reference_policy() {
        assert_eq!(classify(ESME_ROK), Class::Accepted);
        assert_eq!(classify(ESME_RTHROTTLED), Class::Throttled);
        assert_eq!(classify(ESME_RMSGQFUL), Class::Throttled);
        assert_eq!(classify(ESME_RSYSERR), Class::Temporary);
        assert_eq!(classify(ESME_RX_T_APPN), Class::Temporary);
        assert_eq!(classify(ESME_RUNKNOWNERR), Class::Temporary);
        assert_eq!(classify(0x0450), Class::Temporary);
        assert_eq!(classify(u32::MAX), Class::Temporary);
        assert_eq!(classify(ESME_RINVDSTADR), Class::Permanent);
        assert_eq!(classify(ESME_RSUBMITFAIL), Class::Permanent);
        assert_eq!(classify(ESME_RINVDCS), Class::Permanent);
        assert_eq!(classify(ESME_RX_P_APPN), Class::Permanent);
        assert_eq!(classify(0xC2), Class::Permanent);
        assert!(is_session_error(ESME_RINVBNDSTS));
        assert!(!is_session_error(ESME_RSYSERR));
    }

    #[test]
    fn names() {
        assert_eq!(name(0x58), "ESME_RTHROTTLED");
        assert_eq!(name(0x14), "ESME_RMSGQFUL");
        assert_eq!(name(0x104), "ESME_RINVDCS");
        assert_eq!(name(0x401), "ESME_VENDOR_SPECIFIC");
        assert_eq!(name(0x9999), "ESME_UNKNOWN_STATUS");
    }
}
