//! Body decoding and encoding, one arm per command.

use bytes::{BufMut, BytesMut};

use super::read::{ReadError, Reader};
use crate::pdu::command::*;
use crate::pdu::{Address, Bind, BindKind, Pdu, ShortMessage, Tlv};

/// Outcome of decoding a body: `None` for a command id we do not model.
pub(crate) fn decode_body(command_id: u32, body: &[u8]) -> Option<Result<Pdu, ReadError>> {
    let mut r = Reader::new(body, is_response(command_id));
    let pdu = match command_id {
        GENERIC_NACK => Ok(Pdu::GenericNack),
        BIND_TRANSMITTER => bind(&mut r, BindKind::Transmitter),
        BIND_RECEIVER => bind(&mut r, BindKind::Receiver),
        BIND_TRANSCEIVER => bind(&mut r, BindKind::Transceiver),
        BIND_TRANSMITTER_RESP => bind_resp(&mut r, BindKind::Transmitter),
        BIND_RECEIVER_RESP => bind_resp(&mut r, BindKind::Receiver),
        BIND_TRANSCEIVER_RESP => bind_resp(&mut r, BindKind::Transceiver),
        SUBMIT_SM => r.short_message().map(Pdu::SubmitSm),
        DELIVER_SM => r.short_message().map(Pdu::DeliverSm),
        // Trailing bytes (SMPP 5 TLVs, stray NULs) after message_id are ignored.
        SUBMIT_SM_RESP => Ok(Pdu::SubmitSmResp {
            message_id: r.cstring(),
        }),
        DELIVER_SM_RESP => Ok(Pdu::DeliverSmResp {
            message_id: r.cstring(),
        }),
        DATA_SM => data_sm(&mut r),
        DATA_SM_RESP => {
            let message_id = r.cstring();
            r.tlvs().map(|tlvs| Pdu::DataSmResp { message_id, tlvs })
        }
        QUERY_SM => {
            let message_id = r.cstring();
            r.address()
                .map(|source| Pdu::QuerySm { message_id, source })
        }
        QUERY_SM_RESP => query_sm_resp(&mut r),
        ENQUIRE_LINK => Ok(Pdu::EnquireLink),
        ENQUIRE_LINK_RESP => Ok(Pdu::EnquireLinkResp),
        UNBIND => Ok(Pdu::Unbind),
        UNBIND_RESP => Ok(Pdu::UnbindResp),
        OUTBIND => Ok(Pdu::Outbind {
            system_id: r.cstring(),
            password: r.cstring(),
        }),
        ALERT_NOTIFICATION => alert_notification(&mut r),
        _ => return None,
    };
    Some(pdu)
}

fn bind(r: &mut Reader<'_>, kind: BindKind) -> Result<Pdu, ReadError> {
    Ok(Pdu::Bind(Bind {
        kind,
        system_id: r.cstring(),
        password: r.cstring(),
        system_type: r.cstring(),
        interface_version: r.u8()?,
        addr_ton: r.u8()?,
        addr_npi: r.u8()?,
        address_range: r.cstring(),
    }))
}

fn bind_resp(r: &mut Reader<'_>, kind: BindKind) -> Result<Pdu, ReadError> {
    let system_id = r.cstring();
    let tlvs = r.tlvs()?;
    Ok(Pdu::BindResp {
        kind,
        system_id,
        tlvs,
    })
}

fn data_sm(r: &mut Reader<'_>) -> Result<Pdu, ReadError> {
    Ok(Pdu::DataSm {
        service_type: r.cstring(),
        source: r.address()?,
        dest: r.address()?,
        esm_class: r.u8()?,
        registered_delivery: r.u8()?,
        data_coding: r.u8()?,
        tlvs: r.tlvs()?,
    })
}

fn query_sm_resp(r: &mut Reader<'_>) -> Result<Pdu, ReadError> {
    Ok(Pdu::QuerySmResp {
        message_id: r.cstring(),
        final_date: r.cstring(),
        message_state: r.u8()?,
        error_code: r.u8()?,
    })
}

fn alert_notification(r: &mut Reader<'_>) -> Result<Pdu, ReadError> {
    Ok(Pdu::AlertNotification {
        source: r.address()?,
        esme: r.address()?,
        tlvs: r.tlvs()?,
    })
}

/// Writes the body of `pdu` (everything after the header).
pub(crate) fn encode_body(pdu: &Pdu, out: &mut BytesMut) {
    match pdu {
        Pdu::Bind(b) => {
            cstring(out, &b.system_id);
            cstring(out, &b.password);
            cstring(out, &b.system_type);
            out.put_u8(b.interface_version);
            out.put_u8(b.addr_ton);
            out.put_u8(b.addr_npi);
            cstring(out, &b.address_range);
        }
        Pdu::BindResp {
            system_id, tlvs, ..
        } => {
            cstring(out, system_id);
            put_tlvs(out, tlvs);
        }
        Pdu::SubmitSm(sm) | Pdu::DeliverSm(sm) => short_message(out, sm),
        Pdu::SubmitSmResp { message_id } | Pdu::DeliverSmResp { message_id } => {
            cstring(out, message_id);
        }
        Pdu::DataSm {
            service_type,
            source,
            dest,
            esm_class,
            registered_delivery,
            data_coding,
            tlvs,
        } => {
            cstring(out, service_type);
            address(out, source);
            address(out, dest);
            out.put_u8(*esm_class);
            out.put_u8(*registered_delivery);
            out.put_u8(*data_coding);
            put_tlvs(out, tlvs);
        }
        Pdu::DataSmResp { message_id, tlvs } => {
            cstring(out, message_id);
            put_tlvs(out, tlvs);
        }
        Pdu::QuerySm { message_id, source } => {
            cstring(out, message_id);
            address(out, source);
        }
        Pdu::QuerySmResp {
            message_id,
            final_date,
            message_state,
            error_code,
        } => {
            cstring(out, message_id);
            cstring(out, final_date);
            out.put_u8(*message_state);
            out.put_u8(*error_code);
        }
        Pdu::EnquireLink
        | Pdu::EnquireLinkResp
        | Pdu::Unbind
        | Pdu::UnbindResp
        | Pdu::GenericNack => {}
        Pdu::Outbind {
            system_id,
            password,
        } => {
            cstring(out, system_id);
            cstring(out, password);
        }
        Pdu::AlertNotification { source, esme, tlvs } => {
            address(out, source);
            address(out, esme);
            put_tlvs(out, tlvs);
        }
    }
}

/// The bytes of `s` up to its first NUL, then a NUL.
fn cstring(out: &mut BytesMut, s: &str) {
    let bytes = s.as_bytes();
    let end = bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len());
    out.put_slice(bytes.get(..end).unwrap_or(&[]));
    out.put_u8(0);
}

fn address(out: &mut BytesMut, a: &Address) {
    out.put_u8(a.ton);
    out.put_u8(a.npi);
    cstring(out, &a.addr);
}

fn short_message(out: &mut BytesMut, sm: &ShortMessage) {
    cstring(out, &sm.service_type);
    address(out, &sm.source);
    address(out, &sm.dest);
    out.put_u8(sm.esm_class);
    out.put_u8(sm.protocol_id);
    out.put_u8(sm.priority_flag);
    cstring(out, &sm.schedule_delivery_time);
    cstring(out, &sm.validity_period);
    out.put_u8(sm.registered_delivery);
    out.put_u8(sm.replace_if_present_flag);
    out.put_u8(sm.data_coding);
    out.put_u8(sm.sm_default_msg_id);
    let text = sm.short_message.get(..255).unwrap_or(&sm.short_message);
    out.put_u8(u8::try_from(text.len()).unwrap_or(u8::MAX));
    out.put_slice(text);
    put_tlvs(out, &sm.tlvs);
}

fn put_tlvs(out: &mut BytesMut, tlvs: &[Tlv]) {
    for t in tlvs {
        let value = t.value.get(..usize::from(u16::MAX)).unwrap_or(&t.value);
        out.put_u16(t.tag);
        out.put_u16(u16::try_from(value.len()).unwrap_or(u16::MAX));
        out.put_slice(value);
    }
}
