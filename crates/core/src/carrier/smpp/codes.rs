//! SMPP outcomes in Twilio's vocabulary: `command_status` of a refused submit,
//! and receipt states, mapped to message statuses and error codes.

use switchboard_domain::error_codes;
use switchboard_domain::message::{DeliveryOutcome, MessageStatus};
use switchboard_smpp::receipt::{DeliveryReceipt, ReceiptState};
use switchboard_smpp::status;

/// The Twilio delivery error for a permanently refused `submit_sm`.
pub fn refused_code(command_status: u32) -> u32 {
    match command_status {
        status::ESME_RINVDSTADR => 30005,
        status::ESME_RX_R_APPN => 30007,
        status::ESME_RINVSRCADR => 30008,
        _ => 30008,
    }
}

fn outcome(status: MessageStatus, code: Option<u32>) -> DeliveryOutcome {
    DeliveryOutcome {
        status,
        error_code: code,
        error_message: code.map(|c| error_codes::lookup(c).message.to_owned()),
    }
}

/// The final outcome a receipt reports, or `None` for intermediate states
/// (`ACCEPTD`, `ENROUTE`) that leave the message `sent`.
pub fn receipt_outcome(r: &DeliveryReceipt) -> Option<DeliveryOutcome> {
    Some(match &r.stat {
        ReceiptState::Delivered => outcome(MessageStatus::Delivered, None),
        ReceiptState::Expired | ReceiptState::Undeliverable => {
            outcome(MessageStatus::Undelivered, Some(30003))
        }
        ReceiptState::Rejected => outcome(MessageStatus::Failed, Some(30007)),
        ReceiptState::Deleted | ReceiptState::Unknown => {
            outcome(MessageStatus::Undelivered, Some(30008))
        }
        ReceiptState::Accepted | ReceiptState::Enroute => return None,
        ReceiptState::Other(_) => outcome(MessageStatus::Undelivered, Some(30008)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_states_and_statuses() {
        let r = |stat| DeliveryReceipt {
            message_id: "1".into(),
            stat,
            err: None,
            submit_date: None,
            done_date: None,
            sub: None,
            dlvrd: None,
            text: None,
            network_error: None,
        };
        assert_eq!(
            receipt_outcome(&r(ReceiptState::Delivered)).map(|o| o.status),
            Some(MessageStatus::Delivered)
        );
        let undeliv = receipt_outcome(&r(ReceiptState::Undeliverable)).expect("final");
        assert_eq!(
            (undeliv.status, undeliv.error_code),
            (MessageStatus::Undelivered, Some(30003))
        );
        assert_eq!(receipt_outcome(&r(ReceiptState::Enroute)), None);
        assert_eq!(refused_code(status::ESME_RINVDSTADR), 30005);
    }
}
