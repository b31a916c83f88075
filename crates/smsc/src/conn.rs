//! One task per SMPP connection: decode, answer, and write what other tasks
//! (receipts, MO injection) queue for this session.

use crate::rules::{outcome_for, Outcome};
use crate::{Receiver, Shared};
use bytes::BytesMut;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use switchboard_smpp::codec::{self, DecodeError};
use switchboard_smpp::pdu::{tags, Address, Bind, BindKind, Frame, Pdu, ShortMessage, Tlv};
use switchboard_smpp::receipt::{self, DeliveryReceipt, ReceiptState};
use switchboard_smpp::{charset, status, udh};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub(crate) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    shutdown: CancellationToken,
) {
    loop {
        let accepted = tokio::select! {
            _ = shutdown.cancelled() => break,
            a = listener.accept() => a,
        };
        match accepted {
            Ok((stream, peer)) => {
                let _ = stream.set_nodelay(true);
                tracing::debug!(%peer, "SMSC simulator: connection.");
                tokio::spawn(session(stream, shared.clone(), shutdown.clone()));
            }
            Err(e) => {
                tracing::warn!(error = %e, "SMSC simulator: accept failed.");
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
        }
    }
}

struct Session {
    id: u64,
    bound: Option<(BindKind, String)>,
    out: mpsc::UnboundedSender<Frame>,
    seq: Arc<AtomicU32>,
}

async fn session(stream: TcpStream, shared: Arc<Shared>, shutdown: CancellationToken) {
    let (mut rd, mut wr) = stream.into_split();
    let (tx, mut rx) = mpsc::unbounded_channel::<Frame>();
    let writer = tokio::spawn(async move {
        let mut buf = BytesMut::with_capacity(4096);
        while let Some(frame) = rx.recv().await {
            codec::encode(&frame, &mut buf);
            while let Ok(more) = rx.try_recv() {
                codec::encode(&more, &mut buf);
            }
            if wr.write_all(&buf).await.is_err() {
                break;
            }
            buf.clear();
        }
        let _ = wr.shutdown().await;
    });
    let mut s = Session {
        id: shared.next_session.fetch_add(1, Ordering::Relaxed),
        bound: None,
        out: tx,
        seq: Arc::new(AtomicU32::new(1)),
    };
    let mut buf = BytesMut::with_capacity(8192);
    'conn: loop {
        let n = tokio::select! {
            _ = shutdown.cancelled() => break,
            n = rd.read_buf(&mut buf) => n,
        };
        match n {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        loop {
            match codec::decode(&mut buf) {
                Ok(Some(frame)) => {
                    if !handle(&mut s, &shared, frame) {
                        break 'conn;
                    }
                }
                Ok(None) => break,
                Err(e) if e.is_fatal() => {
                    let _ = s
                        .out
                        .send(Frame::generic_nack(e.sequence(), status::ESME_RINVCMDLEN));
                    break 'conn;
                }
                Err(e) => {
                    let code = match e {
                        DecodeError::UnknownCommand { .. } => status::ESME_RINVCMDID,
                        _ => status::ESME_RINVCMDLEN,
                    };
                    let _ = s.out.send(Frame::generic_nack(e.sequence(), code));
                }
            }
        }
    }
    if let Ok(mut r) = shared.receivers.lock() {
        r.retain(|r| r.id != s.id);
    }
    shared.session_closed(s.id);
    drop(s);
    let _ = writer.await;
}

fn reply(s: &Session, seq: u32, st: u32, pdu: Pdu) {
    let _ = s.out.send(Frame::response(seq, st, pdu));
}

/// Handles one frame; `false` closes the connection.
fn handle(s: &mut Session, shared: &Arc<Shared>, frame: Frame) -> bool {
    let seq = frame.sequence;
    match frame.pdu {
        Pdu::Bind(b) => bind(s, shared, seq, b),
        Pdu::EnquireLink => reply(s, seq, 0, Pdu::EnquireLinkResp),
        Pdu::Unbind => {
            reply(s, seq, 0, Pdu::UnbindResp);
            return false;
        }
        Pdu::SubmitSm(sm) => submit(s, shared, seq, sm),
        Pdu::DeliverSmResp { .. } => {
            shared.stats.deliver_sm_resp.fetch_add(1, Ordering::Relaxed);
            shared.acked(s.id, seq);
        }
        Pdu::QuerySm { message_id, .. } => reply(
            s,
            seq,
            0,
            Pdu::QuerySmResp {
                message_id,
                final_date: String::new(),
                message_state: 7, // UNKNOWN: the simulator keeps no history
                error_code: 0,
            },
        ),
        Pdu::UnbindResp | Pdu::EnquireLinkResp | Pdu::GenericNack => {}
        other if !other.is_response() => {
            let _ = s.out.send(Frame::generic_nack(seq, status::ESME_RINVCMDID));
        }
        _ => {}
    }
    true
}

fn bind(s: &mut Session, shared: &Arc<Shared>, seq: u32, b: Bind) {
    let ok = shared
        .cfg
        .credentials
        .as_ref()
        .is_none_or(|(id, pw)| *id == b.system_id && *pw == b.password);
    if !ok || s.bound.is_some() {
        let st = if ok {
            status::ESME_RALYBND
        } else {
            status::ESME_RBINDFAIL
        };
        reply(
            s,
            seq,
            st,
            Pdu::BindResp {
                kind: b.kind,
                system_id: String::new(),
                tlvs: Vec::new(),
            },
        );
        return;
    }
    shared.stats.binds.fetch_add(1, Ordering::Relaxed);
    reply(
        s,
        seq,
        0,
        Pdu::BindResp {
            kind: b.kind,
            system_id: "SWITCHSIM".into(),
            tlvs: Vec::new(),
        },
    );
    s.bound = Some((b.kind, b.system_id.clone()));
    if b.kind.can_receive() {
        if let Ok(mut r) = shared.receivers.lock() {
            r.push(Receiver {
                id: s.id,
                tx: s.out.clone(),
                seq: s.seq.clone(),
            });
        }
        shared.flush_pending();
    }
}

fn submit(s: &Session, shared: &Arc<Shared>, seq: u32, sm: ShortMessage) {
    let stats = &shared.stats;
    stats.submit_sm.fetch_add(1, Ordering::Relaxed);
    if s.bound.as_ref().is_none_or(|(k, _)| !k.can_transmit()) {
        reply(
            s,
            seq,
            status::ESME_RINVBNDSTS,
            Pdu::SubmitSmResp {
                message_id: String::new(),
            },
        );
        return;
    }
    let dest = sm.dest.addr.clone();
    let outcome = outcome_for(&shared.cfg.rules, &dest);
    let refuse = match outcome {
        Outcome::Reject { status } => Some(status),
        Outcome::Throttle { times } => {
            let n = shared.throttle_counts.lock().map_or(times, |mut m| {
                let c = m.entry(dest.clone()).or_insert(0);
                *c += 1;
                *c
            });
            (n <= times).then_some(status::ESME_RTHROTTLED)
        }
        _ => None,
    };
    if let Some(st) = refuse {
        let counter = if st == status::ESME_RTHROTTLED {
            &stats.throttled
        } else {
            &stats.rejected
        };
        counter.fetch_add(1, Ordering::Relaxed);
        shared.journal(|j| j.refused(st, &sm.source.addr, &dest));
        reply(
            s,
            seq,
            st,
            Pdu::SubmitSmResp {
                message_id: String::new(),
            },
        );
        return;
    }
    let id = shared.next_id();
    stats.submit_ok.fetch_add(1, Ordering::Relaxed);
    shared.journal(|j| j.submit(&id, &sm.source.addr, &dest, sm.registered_delivery));
    let text = charset::decode_for(sm.data_coding, &sm.short_message);
    if let Some(tx) = &shared.cfg.submit_observer {
        let _ = tx.send(crate::SubmitSeen {
            source: sm.source.addr.clone(),
            dest: dest.clone(),
            at: std::time::Instant::now(),
            text: text.clone(),
        });
    }
    shared.keep(crate::Submitted {
        id: id.clone(),
        from: sm.source.addr.clone(),
        to: dest.clone(),
        text,
    });
    reply(
        s,
        seq,
        0,
        Pdu::SubmitSmResp {
            message_id: id.clone(),
        },
    );
    if sm.registered_delivery & 0x03 == 0 {
        return;
    }
    let stat = match outcome {
        Outcome::Undeliverable { .. } => ReceiptState::Undeliverable,
        Outcome::Expire => ReceiptState::Expired,
        _ => ReceiptState::Delivered,
    };
    if sm.registered_delivery & 0x03 == 2 && stat == ReceiptState::Delivered {
        return; // receipt on failure only
    }
    let err = match outcome {
        Outcome::Undeliverable { err } => format!("{err:03}"),
        _ => "000".into(),
    };
    let text: String = charset::decode_for(sm.data_coding, &sm.short_message)
        .chars()
        .take(20)
        .collect();
    let dlr = receipt_for(&id, &sm.source.addr, &dest, stat, &err, &text);
    let due = tokio::time::Instant::now() + shared.cfg.receipt_delay;
    let _ = shared.receipts.send((due, dlr, s.id));
}

/// A receipt `deliver_sm` for message `id` that went from `src` to `dst`.
pub(crate) fn receipt_for(
    id: &str,
    src: &str,
    dst: &str,
    stat: ReceiptState,
    err: &str,
    text: &str,
) -> ShortMessage {
    // The simulated network's own clock, as a real SMSC stamps receipts.
    #[allow(clippy::disallowed_methods)]
    let now = chrono::Utc::now().format("%y%m%d%H%M").to_string();
    let r = DeliveryReceipt {
        message_id: id.to_owned(),
        stat: stat.clone(),
        err: Some(err.to_owned()),
        submit_date: Some(now.clone()),
        done_date: Some(now),
        sub: Some(1),
        dlvrd: Some(u32::from(stat == ReceiptState::Delivered)),
        text: Some(text.to_owned()),
        network_error: None,
    };
    let mut tlvs = vec![Tlv::cstring(tags::RECEIPTED_MESSAGE_ID, id)];
    if let Some(state) = stat.message_state() {
        tlvs.push(Tlv::u8(tags::MESSAGE_STATE, state));
    }
    ShortMessage {
        source: Address::new(1, 1, dst),
        dest: Address::new(1, 1, src),
        esm_class: switchboard_smpp::pdu::esm::RECEIPT,
        short_message: receipt::format(&r).into_bytes(),
        tlvs,
        ..ShortMessage::default()
    }
}

/// Sends receipts when they are due. Every receipt has the same delay, so
/// arrival order is due order: one timer at a time, however many are waiting.
pub(crate) async fn receipt_scheduler(
    shared: Arc<Shared>,
    mut rx: mpsc::UnboundedReceiver<(tokio::time::Instant, ShortMessage, u64)>,
    shutdown: CancellationToken,
) {
    loop {
        let next = tokio::select! {
            _ = shutdown.cancelled() => break,
            n = rx.recv() => n,
        };
        let Some((due, dlr, session)) = next else {
            break;
        };
        tokio::time::sleep_until(due).await;
        shared.stats.receipts_sent.fetch_add(1, Ordering::Relaxed);
        shared.deliver(dlr, Some(session));
    }
}

/// Splits `text` into `deliver_sm`s (UDH-concatenated when long) and delivers them.
pub(crate) fn inject_mo(shared: &Arc<Shared>, from: &str, to: &str, text: &str) -> usize {
    let seg = switchboard_domain::encoding::segment(text);
    let gsm = seg.encoding == switchboard_domain::encoding::Encoding::Gsm7;
    let total = seg.segments.len();
    let reference =
        u16::try_from(shared.next_message_id.load(Ordering::Relaxed) & 0xff).unwrap_or(0);
    for (i, part) in seg.segments.iter().enumerate() {
        let (mut payload, data_coding) = match (gsm, charset::gsm7_encode(part)) {
            (true, Some(b)) => (b, 0u8),
            _ => (charset::ucs2_encode(part), 8u8),
        };
        let mut esm_class = 0;
        if total > 1 {
            let c = udh::Concat {
                reference,
                total: u8::try_from(total).unwrap_or(u8::MAX),
                seq: u8::try_from(i + 1).unwrap_or(u8::MAX),
                wide: false,
            };
            let mut with_udh = udh::concat_header(&c);
            with_udh.append(&mut payload);
            payload = with_udh;
            esm_class = switchboard_smpp::pdu::esm::UDHI;
        }
        let sm = ShortMessage {
            source: Address::new(1, 1, from.trim_start_matches('+')),
            dest: Address::new(1, 1, to.trim_start_matches('+')),
            esm_class,
            data_coding,
            short_message: payload,
            ..ShortMessage::default()
        };
        shared.stats.mo_sent.fetch_add(1, Ordering::Relaxed);
        shared.deliver(sm, None);
    }
    total
}
