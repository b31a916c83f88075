//! TLV tags (SMPP 3.4 §5.3.2). Unknown tags, including vendor tags
//! `0x1400..=0x3FFF`, are kept as raw [`super::Tlv`]s.

/// `dest_addr_subunit` (1 byte).
pub const DEST_ADDR_SUBUNIT: u16 = 0x0005;
/// `dest_network_type` (1 byte).
pub const DEST_NETWORK_TYPE: u16 = 0x0006;
/// `dest_bearer_type` (1 byte).
pub const DEST_BEARER_TYPE: u16 = 0x0007;
/// `dest_telematics_id` (2 bytes).
pub const DEST_TELEMATICS_ID: u16 = 0x0008;
/// `source_addr_subunit` (1 byte).
pub const SOURCE_ADDR_SUBUNIT: u16 = 0x000D;
/// `source_network_type` (1 byte).
pub const SOURCE_NETWORK_TYPE: u16 = 0x000E;
/// `source_bearer_type` (1 byte).
pub const SOURCE_BEARER_TYPE: u16 = 0x000F;
/// `source_telematics_id` (1 byte).
pub const SOURCE_TELEMATICS_ID: u16 = 0x0010;
/// `qos_time_to_live` (4 bytes).
pub const QOS_TIME_TO_LIVE: u16 = 0x0017;
/// `payload_type` (1 byte).
pub const PAYLOAD_TYPE: u16 = 0x0019;
/// `additional_status_info_text` (C-string).
pub const ADDITIONAL_STATUS_INFO_TEXT: u16 = 0x001D;
/// `receipted_message_id` (C-string ≤ 65): the id a receipt refers to.
pub const RECEIPTED_MESSAGE_ID: u16 = 0x001E;
/// `ms_msg_wait_facilities` (1 byte).
pub const MS_MSG_WAIT_FACILITIES: u16 = 0x0030;
/// `privacy_indicator` (1 byte).
pub const PRIVACY_INDICATOR: u16 = 0x0201;
/// `source_subaddress`.
pub const SOURCE_SUBADDRESS: u16 = 0x0202;
/// `dest_subaddress`.
pub const DEST_SUBADDRESS: u16 = 0x0203;
/// `user_message_reference` (2 bytes): the ESME's own reference.
pub const USER_MESSAGE_REFERENCE: u16 = 0x0204;
/// `user_response_code` (1 byte).
pub const USER_RESPONSE_CODE: u16 = 0x0205;
/// `source_port` (2 bytes).
pub const SOURCE_PORT: u16 = 0x020A;
/// `destination_port` (2 bytes).
pub const DESTINATION_PORT: u16 = 0x020B;
/// `sar_msg_ref_num` (2 bytes): concatenation reference without a UDH.
pub const SAR_MSG_REF_NUM: u16 = 0x020C;
/// `language_indicator` (1 byte).
pub const LANGUAGE_INDICATOR: u16 = 0x020D;
/// `sar_total_segments` (1 byte).
pub const SAR_TOTAL_SEGMENTS: u16 = 0x020E;
/// `sar_segment_seqnum` (1 byte, from 1).
pub const SAR_SEGMENT_SEQNUM: u16 = 0x020F;
/// `sc_interface_version` (1 byte), sent in `bind_resp`.
pub const SC_INTERFACE_VERSION: u16 = 0x0210;
/// `callback_num_pres_ind` (1 byte).
pub const CALLBACK_NUM_PRES_IND: u16 = 0x0302;
/// `callback_num_atag`.
pub const CALLBACK_NUM_ATAG: u16 = 0x0303;
/// `number_of_messages` (1 byte).
pub const NUMBER_OF_MESSAGES: u16 = 0x0304;
/// `callback_num`.
pub const CALLBACK_NUM: u16 = 0x0381;
/// `dpf_result` (1 byte).
pub const DPF_RESULT: u16 = 0x0420;
/// `set_dpf` (1 byte).
pub const SET_DPF: u16 = 0x0421;
/// `ms_availability_status` (1 byte).
pub const MS_AVAILABILITY_STATUS: u16 = 0x0422;
/// `network_error_code` (3 bytes: network type, then a u16 error).
pub const NETWORK_ERROR_CODE: u16 = 0x0423;
/// `message_payload` (≤ 64K): the body instead of `short_message`.
pub const MESSAGE_PAYLOAD: u16 = 0x0424;
/// `delivery_failure_reason` (1 byte).
pub const DELIVERY_FAILURE_REASON: u16 = 0x0425;
/// `more_messages_to_send` (1 byte).
pub const MORE_MESSAGES_TO_SEND: u16 = 0x0426;
/// `message_state` (1 byte): receipt state, 1 ENROUTE … 8 REJECTED.
pub const MESSAGE_STATE: u16 = 0x0427;
/// `ussd_service_op` (1 byte).
pub const USSD_SERVICE_OP: u16 = 0x0501;
/// `display_time` (1 byte).
pub const DISPLAY_TIME: u16 = 0x1201;
/// `sms_signal` (2 bytes).
pub const SMS_SIGNAL: u16 = 0x1203;
/// `ms_validity` (1 byte).
pub const MS_VALIDITY: u16 = 0x1204;
/// `alert_on_message_delivery` (0 bytes).
pub const ALERT_ON_MESSAGE_DELIVERY: u16 = 0x130C;
/// `its_reply_type` (1 byte).
pub const ITS_REPLY_TYPE: u16 = 0x1380;
/// `its_session_info` (2 bytes).
pub const ITS_SESSION_INFO: u16 = 0x1383;
