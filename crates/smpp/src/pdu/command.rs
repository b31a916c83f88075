//! `command_id` values (SMPP 3.4 §5.1.2.1). Bit 31 marks a response.

/// Mask of the response bit.
pub const RESPONSE_BIT: u32 = 0x8000_0000;

/// `generic_nack`.
pub const GENERIC_NACK: u32 = 0x8000_0000;
/// `bind_receiver`.
pub const BIND_RECEIVER: u32 = 0x0000_0001;
/// `bind_receiver_resp`.
pub const BIND_RECEIVER_RESP: u32 = 0x8000_0001;
/// `bind_transmitter`.
pub const BIND_TRANSMITTER: u32 = 0x0000_0002;
/// `bind_transmitter_resp`.
pub const BIND_TRANSMITTER_RESP: u32 = 0x8000_0002;
/// `query_sm`.
pub const QUERY_SM: u32 = 0x0000_0003;
/// `query_sm_resp`.
pub const QUERY_SM_RESP: u32 = 0x8000_0003;
/// `submit_sm`.
pub const SUBMIT_SM: u32 = 0x0000_0004;
/// `submit_sm_resp`.
pub const SUBMIT_SM_RESP: u32 = 0x8000_0004;
/// `deliver_sm`.
pub const DELIVER_SM: u32 = 0x0000_0005;
/// `deliver_sm_resp`.
pub const DELIVER_SM_RESP: u32 = 0x8000_0005;
/// `unbind`.
pub const UNBIND: u32 = 0x0000_0006;
/// `unbind_resp`.
pub const UNBIND_RESP: u32 = 0x8000_0006;
/// `replace_sm` (not decoded: answered as an unknown command).
pub const REPLACE_SM: u32 = 0x0000_0007;
/// `cancel_sm` (not decoded: answered as an unknown command).
pub const CANCEL_SM: u32 = 0x0000_0008;
/// `bind_transceiver`.
pub const BIND_TRANSCEIVER: u32 = 0x0000_0009;
/// `bind_transceiver_resp`.
pub const BIND_TRANSCEIVER_RESP: u32 = 0x8000_0009;
/// `outbind`.
pub const OUTBIND: u32 = 0x0000_000B;
/// `enquire_link`.
pub const ENQUIRE_LINK: u32 = 0x0000_0015;
/// `enquire_link_resp`.
pub const ENQUIRE_LINK_RESP: u32 = 0x8000_0015;
/// `submit_multi` (not decoded: answered as an unknown command).
pub const SUBMIT_MULTI: u32 = 0x0000_0021;
/// `alert_notification` (no response exists).
pub const ALERT_NOTIFICATION: u32 = 0x0000_0102;
/// `data_sm`.
pub const DATA_SM: u32 = 0x0000_0103;
/// `data_sm_resp`.
pub const DATA_SM_RESP: u32 = 0x8000_0103;

/// `true` if `command_id` is a response (including `generic_nack`).
pub fn is_response(command_id: u32) -> bool {
    command_id & RESPONSE_BIT != 0
}

/// The SMPP name of a command id, or `"unknown"`.
pub fn name(command_id: u32) -> &'static str {
    match command_id {
        GENERIC_NACK => "generic_nack",
        BIND_RECEIVER => "bind_receiver",
        BIND_RECEIVER_RESP => "bind_receiver_resp",
        BIND_TRANSMITTER => "bind_transmitter",
        BIND_TRANSMITTER_RESP => "bind_transmitter_resp",
        QUERY_SM => "query_sm",
        QUERY_SM_RESP => "query_sm_resp",
        SUBMIT_SM => "submit_sm",
        SUBMIT_SM_RESP => "submit_sm_resp",
        DELIVER_SM => "deliver_sm",
        DELIVER_SM_RESP => "deliver_sm_resp",
        UNBIND => "unbind",
        UNBIND_RESP => "unbind_resp",
        REPLACE_SM => "replace_sm",
        CANCEL_SM => "cancel_sm",
        BIND_TRANSCEIVER => "bind_transceiver",
        BIND_TRANSCEIVER_RESP => "bind_transceiver_resp",
        OUTBIND => "outbind",
        ENQUIRE_LINK => "enquire_link",
        ENQUIRE_LINK_RESP => "enquire_link_resp",
        SUBMIT_MULTI => "submit_multi",
        ALERT_NOTIFICATION => "alert_notification",
        DATA_SM => "data_sm",
        DATA_SM_RESP => "data_sm_resp",
        _ => "unknown",
    }
}
