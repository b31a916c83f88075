//! `registered_delivery` bits (SMPP 3.4 §5.2.17).

/// Mask of the SMSC receipt bits.
pub const RECEIPT_MASK: u8 = 0x03;
/// No SMSC receipt.
pub const NONE: u8 = 0x00;
/// SMSC receipt on success or failure.
pub const RECEIPT_ALWAYS: u8 = 0x01;
/// SMSC receipt on failure only.
pub const RECEIPT_ON_FAILURE: u8 = 0x02;
/// SME delivery acknowledgement requested.
pub const SME_DELIVERY_ACK: u8 = 0x04;
/// SME manual/user acknowledgement requested.
pub const SME_MANUAL_ACK: u8 = 0x08;
/// Intermediate notification requested.
pub const INTERMEDIATE_NOTIFICATION: u8 = 0x10;
