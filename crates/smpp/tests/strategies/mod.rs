//! proptest strategies for PDUs and framed garbage.

use proptest::prelude::*;
use switchboard_smpp::pdu::{command, Address, Bind, BindKind, Pdu, ShortMessage, Tlv};

pub const COMMANDS: [u32; 26] = [
    command::GENERIC_NACK,
    command::BIND_RECEIVER,
    command::BIND_RECEIVER_RESP,
    command::BIND_TRANSMITTER,
    command::BIND_TRANSMITTER_RESP,
    command::BIND_TRANSCEIVER,
    command::BIND_TRANSCEIVER_RESP,
    command::QUERY_SM,
    command::QUERY_SM_RESP,
    command::SUBMIT_SM,
    command::SUBMIT_SM_RESP,
    command::DELIVER_SM,
    command::DELIVER_SM_RESP,
    command::UNBIND,
    command::UNBIND_RESP,
    command::REPLACE_SM,
    command::CANCEL_SM,
    command::OUTBIND,
    command::ENQUIRE_LINK,
    command::ENQUIRE_LINK_RESP,
    command::SUBMIT_MULTI,
    command::ALERT_NOTIFICATION,
    command::DATA_SM,
    command::DATA_SM_RESP,
    0x0000_0999,
    0x8000_0999,
];

/// A correctly framed PDU with a known command id and a random body.
pub fn framed_garbage() -> impl Strategy<Value = Vec<u8>> {
    (
        prop::sample::select(&COMMANDS[..]),
        any::<u32>(),
        any::<u32>(),
        prop::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(|(id, status, seq, body)| {
            let len = u32::try_from(16 + body.len()).unwrap();
            [
                &len.to_be_bytes()[..],
                &id.to_be_bytes(),
                &status.to_be_bytes(),
                &seq.to_be_bytes(),
                &body,
            ]
            .concat()
        })
}

pub fn cstr() -> impl Strategy<Value = String> {
    "[^\u{0}]{0,24}"
}

pub fn address() -> impl Strategy<Value = Address> {
    (any::<u8>(), any::<u8>(), cstr()).prop_map(|(ton, npi, addr)| Address { ton, npi, addr })
}

pub fn tlvs() -> impl Strategy<Value = Vec<Tlv>> {
    prop::collection::vec(
        (any::<u16>(), prop::collection::vec(any::<u8>(), 0..40))
            .prop_map(|(tag, value)| Tlv { tag, value }),
        0..4,
    )
}

pub fn short_message() -> impl Strategy<Value = ShortMessage> {
    (
        (
            cstr(),
            address(),
            address(),
            any::<[u8; 3]>(),
            cstr(),
            cstr(),
        ),
        (
            any::<[u8; 4]>(),
            prop::collection::vec(any::<u8>(), 0..=255),
            tlvs(),
        ),
    )
        .prop_map(
            |((service_type, source, dest, a, sched, validity), (b, short_message, tlvs))| {
                ShortMessage {
                    service_type,
                    source,
                    dest,
                    esm_class: a[0],
                    protocol_id: a[1],
                    priority_flag: a[2],
                    schedule_delivery_time: sched,
                    validity_period: validity,
                    registered_delivery: b[0],
                    replace_if_present_flag: b[1],
                    data_coding: b[2],
                    sm_default_msg_id: b[3],
                    short_message,
                    tlvs,
                }
            },
        )
}

pub fn pdu() -> impl Strategy<Value = Pdu> {
    let kind = prop::sample::select(vec![
        BindKind::Transmitter,
        BindKind::Receiver,
        BindKind::Transceiver,
    ]);
    prop_oneof![
        (
            kind.clone(),
            cstr(),
            cstr(),
            cstr(),
            any::<[u8; 3]>(),
            cstr()
        )
            .prop_map(|(kind, s, p, t, b, r)| Pdu::Bind(Bind {
                kind,
                system_id: s,
                password: p,
                system_type: t,
                interface_version: b[0],
                addr_ton: b[1],
                addr_npi: b[2],
                address_range: r,
            })),
        (kind, cstr(), tlvs()).prop_map(|(kind, system_id, tlvs)| Pdu::BindResp {
            kind,
            system_id,
            tlvs
        }),
        short_message().prop_map(Pdu::SubmitSm),
        short_message().prop_map(Pdu::DeliverSm),
        cstr().prop_map(|message_id| Pdu::SubmitSmResp { message_id }),
        cstr().prop_map(|message_id| Pdu::DeliverSmResp { message_id }),
        (cstr(), address(), address(), any::<[u8; 3]>(), tlvs()).prop_map(
            |(service_type, source, dest, b, tlvs)| {
                Pdu::DataSm {
                    service_type,
                    source,
                    dest,
                    esm_class: b[0],
                    registered_delivery: b[1],
                    data_coding: b[2],
                    tlvs,
                }
            }
        ),
        (cstr(), tlvs()).prop_map(|(message_id, tlvs)| Pdu::DataSmResp { message_id, tlvs }),
        (cstr(), address()).prop_map(|(message_id, source)| Pdu::QuerySm { message_id, source }),
        (cstr(), cstr(), any::<u8>(), any::<u8>()).prop_map(
            |(message_id, final_date, message_state, error_code)| {
                Pdu::QuerySmResp {
                    message_id,
                    final_date,
                    message_state,
                    error_code,
                }
            }
        ),
        prop::sample::select(vec![
            Pdu::EnquireLink,
            Pdu::EnquireLinkResp,
            Pdu::Unbind,
            Pdu::UnbindResp,
            Pdu::GenericNack
        ]),
        (cstr(), cstr()).prop_map(|(system_id, password)| Pdu::Outbind {
            system_id,
            password
        }),
        (address(), address(), tlvs()).prop_map(|(source, esme, tlvs)| Pdu::AlertNotification {
            source,
            esme,
            tlvs
        }),
    ]
}
