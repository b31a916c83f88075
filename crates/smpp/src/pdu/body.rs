//! The message bodies: [`ShortMessage`] and the [`Pdu`] enum.

use super::{command, esm, find_tlv, tags, Address, Bind, BindKind, Tlv};

/// The body shared by `submit_sm` and `deliver_sm` (same mandatory fields).
///
/// `esm_class`, `data_coding` and the TLVs are written exactly as given; set
/// them explicitly.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShortMessage {
    /// Usually empty.
    pub service_type: String,
    /// Originator.
    pub source: Address,
    /// Recipient.
    pub dest: Address,
    /// Mode, type and UDHI bits (see [`esm`]).
    pub esm_class: u8,
    /// Usually 0.
    pub protocol_id: u8,
    /// Usually 0.
    pub priority_flag: u8,
    /// Empty or `YYMMDDhhmmsstnnp`.
    pub schedule_delivery_time: String,
    /// Empty or an absolute or relative (`…R`) time.
    pub validity_period: String,
    /// Receipt request bits (see [`registered_delivery`](super::registered_delivery)).
    pub registered_delivery: u8,
    /// Usually 0.
    pub replace_if_present_flag: u8,
    /// Alphabet of `short_message` (see [`data_coding`](super::data_coding)).
    pub data_coding: u8,
    /// Canned message id, usually 0.
    pub sm_default_msg_id: u8,
    /// User data, at most 255 octets on the wire (longer values are
    /// truncated on encode; use the `message_payload` TLV instead).
    pub short_message: Vec<u8>,
    /// Optional parameters, in wire order.
    pub tlvs: Vec<Tlv>,
}

impl ShortMessage {
    /// The value of the first TLV with `tag`.
    pub fn tlv(&self, tag: u16) -> Option<&[u8]> {
        find_tlv(&self.tlvs, tag)
    }

    /// The user data: `short_message`, or the `message_payload` TLV when
    /// `short_message` is empty.
    pub fn payload(&self) -> &[u8] {
        if self.short_message.is_empty() {
            self.tlv(tags::MESSAGE_PAYLOAD).unwrap_or(&[])
        } else {
            &self.short_message
        }
    }

    /// `true` if esm_class marks this as an SMSC delivery receipt or an
    /// intermediate notification (type bits only; mode bits are ignored).
    pub fn is_receipt(&self) -> bool {
        esm::is_receipt(self.esm_class)
    }
}

/// A typed PDU body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pdu {
    /// `bind_transmitter` / `bind_receiver` / `bind_transceiver`.
    Bind(Bind),
    /// The matching `bind_*_resp`; `system_id` is the SMSC's.
    BindResp {
        /// Which bind this answers.
        kind: BindKind,
        /// The SMSC's identifier (may be empty on failure).
        system_id: String,
        /// For example `sc_interface_version`.
        tlvs: Vec<Tlv>,
    },
    /// `submit_sm`.
    SubmitSm(ShortMessage),
    /// `submit_sm_resp`.
    SubmitSmResp {
        /// The SMSC's id for the message (empty on failure).
        message_id: String,
    },
    /// `deliver_sm`: an MO message or a delivery receipt.
    DeliverSm(ShortMessage),
    /// `deliver_sm_resp`; `message_id` is unused and normally empty.
    DeliverSmResp {
        /// Unused by the spec; empty.
        message_id: String,
    },
    /// `data_sm`: the body travels in the `message_payload` TLV.
    DataSm {
        /// Usually empty.
        service_type: String,
        /// Originator.
        source: Address,
        /// Recipient.
        dest: Address,
        /// See [`esm`].
        esm_class: u8,
        /// See [`registered_delivery`](super::registered_delivery).
        registered_delivery: u8,
        /// See [`data_coding`](super::data_coding).
        data_coding: u8,
        /// Optional parameters, including `message_payload`.
        tlvs: Vec<Tlv>,
    },
    /// `data_sm_resp`.
    DataSmResp {
        /// The SMSC's id for the message.
        message_id: String,
        /// Optional parameters.
        tlvs: Vec<Tlv>,
    },
    /// `query_sm`.
    QuerySm {
        /// The id returned by `submit_sm_resp`.
        message_id: String,
        /// The source address used in the submit.
        source: Address,
    },
    /// `query_sm_resp`.
    QuerySmResp {
        /// The queried id.
        message_id: String,
        /// Empty or the time the message reached a final state.
        final_date: String,
        /// `message_state` value (1 ENROUTE … 8 REJECTED).
        message_state: u8,
        /// Network error code.
        error_code: u8,
    },
    /// `enquire_link`.
    EnquireLink,
    /// `enquire_link_resp`.
    EnquireLinkResp,
    /// `unbind`.
    Unbind,
    /// `unbind_resp`.
    UnbindResp,
    /// `generic_nack`; the reason is the frame's status.
    GenericNack,
    /// `outbind` (SMSC asks the ESME to bind).
    Outbind {
        /// The SMSC's identifier.
        system_id: String,
        /// Password for the ESME.
        password: String,
    },
    /// `alert_notification` (has no response).
    AlertNotification {
        /// The MS that became available.
        source: Address,
        /// The ESME address that asked for the alert.
        esme: Address,
        /// For example `ms_availability_status`.
        tlvs: Vec<Tlv>,
    },
}

impl Pdu {
    /// The `command_id` this body is encoded with.
    pub fn command_id(&self) -> u32 {
        use command::*;
        match self {
            Pdu::Bind(b) => b.kind.request_id(),
            Pdu::BindResp { kind, .. } => kind.request_id() | RESPONSE_BIT,
            Pdu::SubmitSm(_) => SUBMIT_SM,
            Pdu::SubmitSmResp { .. } => SUBMIT_SM_RESP,
            Pdu::DeliverSm(_) => DELIVER_SM,
            Pdu::DeliverSmResp { .. } => DELIVER_SM_RESP,
            Pdu::DataSm { .. } => DATA_SM,
            Pdu::DataSmResp { .. } => DATA_SM_RESP,
            Pdu::QuerySm { .. } => QUERY_SM,
            Pdu::QuerySmResp { .. } => QUERY_SM_RESP,
            Pdu::EnquireLink => ENQUIRE_LINK,
            Pdu::EnquireLinkResp => ENQUIRE_LINK_RESP,
            Pdu::Unbind => UNBIND,
            Pdu::UnbindResp => UNBIND_RESP,
            Pdu::GenericNack => GENERIC_NACK,
            Pdu::Outbind { .. } => OUTBIND,
            Pdu::AlertNotification { .. } => ALERT_NOTIFICATION,
        }
    }

    /// `true` for response PDUs (bit 31 of the command id, includes
    /// `generic_nack`).
    pub fn is_response(&self) -> bool {
        command::is_response(self.command_id())
    }
}
