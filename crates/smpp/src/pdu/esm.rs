//! `esm_class` bits (SMPP 3.4 §5.2.12).
//!
//! Bits 1–0 are the messaging mode, bits 5–2 the message type, bits 7–6 GSM
//! features. Test the type with [`TYPE_MASK`]; never compare the whole byte
//! (Kannel sets mode 0x03 on everything).

/// Mask of the messaging-mode bits.
pub const MODE_MASK: u8 = 0x03;
/// Mode: datagram.
pub const MODE_DATAGRAM: u8 = 0x01;
/// Mode: forward (transaction).
pub const MODE_FORWARD: u8 = 0x02;
/// Mode: store and forward.
pub const MODE_STORE_AND_FORWARD: u8 = 0x03;
/// Mask of the message-type bits.
pub const TYPE_MASK: u8 = 0x3C;
/// Type: SMSC delivery receipt (in `deliver_sm` / `data_sm`).
pub const RECEIPT: u8 = 0x04;
/// Type: SME delivery acknowledgement.
pub const DELIVERY_ACK: u8 = 0x08;
/// Type: SME manual/user acknowledgement.
pub const MANUAL_ACK: u8 = 0x10;
/// Type: conversation abort (Korean CDMA).
pub const CONVERSATION_ABORT: u8 = 0x18;
/// Type: intermediate delivery notification.
pub const INTERMEDIATE_NOTIFICATION: u8 = 0x20;
/// GSM: the user data starts with a UDH.
pub const UDHI: u8 = 0x40;
/// GSM: reply path.
pub const REPLY_PATH: u8 = 0x80;

/// `true` if the type bits say SMSC delivery receipt or intermediate
/// notification.
pub fn is_receipt(esm_class: u8) -> bool {
    matches!(esm_class & TYPE_MASK, RECEIPT | INTERMEDIATE_NOTIFICATION)
}

/// `true` if the UDHI bit is set.
pub fn has_udh(esm_class: u8) -> bool {
    esm_class & UDHI != 0
}
