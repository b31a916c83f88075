//! SMPP 3.4 PDU types: plain values with public fields, no invariants.
//!
//! A [`Frame`] is one PDU on the wire: the header's `command_status` and
//! `sequence_number` plus a typed [`Pdu`] body. The `command_id` is not stored;
//! it follows from the body ([`Pdu::command_id`]) and, for binds, from
//! [`BindKind`].
//!
//! Strings are C-octet strings on the wire. They are decoded as UTF-8
//! (invalid bytes become U+FFFD) and encoded as UTF-8 up to the first NUL.
//! Size limits of the specification (for example 21 octets for an address)
//! are *not* enforced in either direction: peers break them, and we would
//! rather pass their values through than reject the PDU.
//!
//! Layout:
//! - [`command`]: command ids.
//! - [`tags`]: TLV tags we meet.
//! - [`esm`], [`registered_delivery`], [`data_coding`]: field bit values.

pub mod command;
pub mod data_coding;
pub mod esm;
pub mod registered_delivery;
pub mod tags;

mod body;
pub use body::{Pdu, ShortMessage};

/// Largest `command_length` [`crate::codec::decode`] accepts by default.
pub const MAX_PDU_LEN: u32 = 64 * 1024;

/// Length of the PDU header (`command_length`, `command_id`, `command_status`,
/// `sequence_number`).
pub const HEADER_LEN: u32 = 16;

/// Largest sequence number a request may carry; the next one is 1.
pub const MAX_SEQUENCE: u32 = 0x7FFF_FFFF;

/// The header fields a caller may need before (or without) a decoded body,
/// for example to answer a PDU that could not be decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// `command_id`; bit 31 set means a response.
    pub command_id: u32,
    /// `command_status`: 0 in requests, the result in responses.
    pub command_status: u32,
    /// `sequence_number`; a response echoes its request's.
    pub sequence: u32,
}

/// One PDU: header status and sequence plus the typed body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// `command_status`: 0 in requests, the result code in responses.
    pub status: u32,
    /// `sequence_number`.
    pub sequence: u32,
    /// The body; it determines the `command_id`.
    pub pdu: Pdu,
}

impl Frame {
    /// A request (or any PDU with status 0).
    pub fn new(sequence: u32, pdu: Pdu) -> Self {
        Frame {
            status: 0,
            sequence,
            pdu,
        }
    }

    /// A response carrying `status`.
    pub fn response(sequence: u32, status: u32, pdu: Pdu) -> Self {
        Frame {
            status,
            sequence,
            pdu,
        }
    }

    /// A `generic_nack` for `sequence` (use 0 when the sequence is unknown).
    pub fn generic_nack(sequence: u32, status: u32) -> Self {
        Frame::response(sequence, status, Pdu::GenericNack)
    }

    /// The header this frame is encoded with.
    pub fn header(&self) -> Header {
        Header {
            command_id: self.pdu.command_id(),
            command_status: self.status,
            sequence: self.sequence,
        }
    }
}

/// Which of the three bind operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindKind {
    /// `bind_transmitter`: ESME → SMSC only.
    Transmitter,
    /// `bind_receiver`: SMSC → ESME only.
    Receiver,
    /// `bind_transceiver`: both directions.
    Transceiver,
}

impl BindKind {
    /// Command id of the bind request of this kind.
    pub fn request_id(self) -> u32 {
        match self {
            BindKind::Transmitter => command::BIND_TRANSMITTER,
            BindKind::Receiver => command::BIND_RECEIVER,
            BindKind::Transceiver => command::BIND_TRANSCEIVER,
        }
    }

    /// `true` if a session bound this way may submit messages.
    pub fn can_transmit(self) -> bool {
        self != BindKind::Receiver
    }

    /// `true` if a session bound this way receives `deliver_sm`.
    pub fn can_receive(self) -> bool {
        self != BindKind::Transmitter
    }
}

/// Body of `bind_transmitter`, `bind_receiver` and `bind_transceiver`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bind {
    /// Which bind.
    pub kind: BindKind,
    /// Login (spec: ≤ 15 characters).
    pub system_id: String,
    /// Password (spec: ≤ 8 characters).
    pub password: String,
    /// Free-form ESME type, usually empty.
    pub system_type: String,
    /// `0x34` for SMPP 3.4.
    pub interface_version: u8,
    /// TON of `address_range`.
    pub addr_ton: u8,
    /// NPI of `address_range`.
    pub addr_npi: u8,
    /// Addresses served by a receiver, usually empty.
    pub address_range: String,
}

impl Bind {
    /// A bind with SMPP 3.4 defaults: empty system_type and address range.
    pub fn new(kind: BindKind, system_id: &str, password: &str) -> Self {
        Bind {
            kind,
            system_id: system_id.to_owned(),
            password: password.to_owned(),
            system_type: String::new(),
            interface_version: 0x34,
            addr_ton: 0,
            addr_npi: 0,
            address_range: String::new(),
        }
    }
}

/// A TON/NPI/address triple.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// Type of number (1 international, 5 alphanumeric, …).
    pub ton: u8,
    /// Numbering plan indicator (1 E.164, …).
    pub npi: u8,
    /// The digits (no `+`) or the alphanumeric sender.
    pub addr: String,
}

impl Address {
    /// An address from its parts.
    pub fn new(ton: u8, npi: u8, addr: &str) -> Self {
        Address {
            ton,
            npi,
            addr: addr.to_owned(),
        }
    }
}

/// An optional parameter, kept raw: tag and value bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tlv {
    /// The tag (see [`tags`]).
    pub tag: u16,
    /// The value; its length is written on encode (values over 65,535 bytes
    /// are truncated).
    pub value: Vec<u8>,
}

impl Tlv {
    /// A TLV from a tag and bytes.
    pub fn new(tag: u16, value: impl Into<Vec<u8>>) -> Self {
        Tlv {
            tag,
            value: value.into(),
        }
    }

    /// A one-byte TLV (`message_state`, `sar_total_segments`, …).
    pub fn u8(tag: u16, value: u8) -> Self {
        Tlv::new(tag, vec![value])
    }

    /// A two-byte big-endian TLV (`sar_msg_ref_num`, …).
    pub fn u16(tag: u16, value: u16) -> Self {
        Tlv::new(tag, value.to_be_bytes().to_vec())
    }

    /// A C-string TLV: the text followed by a NUL (`receipted_message_id`).
    pub fn cstring(tag: u16, value: &str) -> Self {
        let mut v = value.as_bytes().to_vec();
        v.push(0);
        Tlv::new(tag, v)
    }
}

/// Finds the first TLV with `tag` in `tlvs`.
pub fn find_tlv(tlvs: &[Tlv], tag: u16) -> Option<&[u8]> {
    tlvs.iter()
        .find(|t| t.tag == tag)
        .map(|t| t.value.as_slice())
}
