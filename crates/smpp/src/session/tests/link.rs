//! Keepalive, unbind, sequence numbers and inbound traffic.

use std::time::Instant;

use super::*;

#[test]
fn enquire_link_after_idle_and_link_dead_without_answer() {
    let t0 = Instant::now();
    let mut s = bound(10, t0);
    assert_eq!(s.next_deadline(), Some(t0 + 30 * SEC));
    assert!(s.poll(t0 + 29 * SEC).is_empty());
    // Traffic from the peer resets the idle timer.
    s.on_frame(Frame::new(7, Pdu::EnquireLink), t0 + 20 * SEC);
    assert!(s.poll(t0 + 49 * SEC).is_empty());
    let ev = s.poll(t0 + 50 * SEC);
    let [Event::Send(Frame {
        sequence,
        pdu: Pdu::EnquireLink,
        ..
    })] = ev.as_slice()
    else {
        panic!("expected one enquire_link, got {ev:?}");
    };
    // Only one keepalive in flight; it is answered.
    assert!(s.poll(t0 + 55 * SEC).is_empty());
    assert!(s
        .on_frame(
            Frame::response(*sequence, 0, Pdu::EnquireLinkResp),
            t0 + 56 * SEC
        )
        .is_empty());
    assert_eq!(s.state(), State::Bound);
    // The next one goes unanswered: the link is dead, the pending submit times out.
    let ev = s.poll(t0 + 86 * SEC);
    assert!(matches!(
        ev.as_slice(),
        [Event::Send(Frame {
            pdu: Pdu::EnquireLink,
            ..
        })]
    ));
    let (submit, _) = s.submit(sm(), t0 + 87 * SEC).unwrap();
    assert_eq!(
        s.poll(t0 + 96 * SEC),
        vec![Event::Timeout { sequence: submit }, Event::LinkDead]
    );
    assert_eq!(s.state(), State::Closed);
    assert_eq!(s.outstanding(), 0);
}

#[test]
fn peer_enquire_link_is_answered_in_any_state() {
    let t0 = Instant::now();
    let mut s = Session::new(config(10));
    let ev = s.on_frame(Frame::new(42, Pdu::EnquireLink), t0);
    assert_eq!(
        ev,
        vec![Event::Send(Frame::response(42, 0, Pdu::EnquireLinkResp))]
    );
    let mut s = bound(10, t0);
    let ev = s.on_frame(Frame::new(43, Pdu::EnquireLink), t0);
    assert_eq!(
        ev,
        vec![Event::Send(Frame::response(43, 0, Pdu::EnquireLinkResp))]
    );
}

#[test]
fn peer_unbind_gets_unbind_resp_and_unbound() {
    let t0 = Instant::now();
    let mut s = bound(10, t0);
    let (submit, _) = s.submit(sm(), t0).unwrap();
    let ev = s.on_frame(Frame::new(9, Pdu::Unbind), t0);
    assert_eq!(
        ev,
        vec![
            Event::Send(Frame::response(9, 0, Pdu::UnbindResp)),
            Event::Timeout { sequence: submit },
            Event::Unbound
        ]
    );
    assert_eq!(s.state(), State::Closed);
    assert!(matches!(
        s.submit(sm(), t0),
        Err(SubmitError::NotBound(State::Closed))
    ));
}

#[test]
fn our_unbind_ends_on_resp_or_timeout() {
    let t0 = Instant::now();
    let mut s = bound(10, t0);
    let unbind = s.unbind(t0);
    assert_eq!(s.state(), State::Unbinding);
    assert_eq!(
        s.on_frame(Frame::response(unbind.sequence, 0, Pdu::UnbindResp), t0),
        vec![Event::Unbound]
    );
    let mut s = bound(10, t0);
    s.unbind(t0);
    assert_eq!(s.poll(t0 + 10 * SEC), vec![Event::Unbound]);
    assert_eq!(s.state(), State::Closed);
}

#[test]
fn sequence_wraps_to_one() {
    let t0 = Instant::now();
    let mut s = bound(10, t0);
    s.set_next_sequence(0x7FFF_FFFF);
    assert_eq!(s.submit(sm(), t0).unwrap().0, 0x7FFF_FFFF);
    assert_eq!(s.submit(sm(), t0).unwrap().0, 1);
    assert_eq!(s.submit(sm(), t0).unwrap().0, 2);
    s.set_next_sequence(0);
    assert_eq!(s.submit(sm(), t0).unwrap().0, 1);
}

#[test]
fn deliver_sm_and_data_sm_are_surfaced_for_the_caller_to_answer() {
    let t0 = Instant::now();
    let mut s = bound(10, t0);
    let ev = s.on_frame(Frame::new(77, Pdu::DeliverSm(sm())), t0);
    assert_eq!(
        ev,
        vec![Event::Deliver {
            sequence: 77,
            sm: sm()
        }]
    );
    let resp = s.respond_deliver(77);
    assert_eq!(
        resp,
        Frame::response(
            77,
            0,
            Pdu::DeliverSmResp {
                message_id: String::new()
            }
        )
    );
    let data = Pdu::DataSm {
        service_type: String::new(),
        source: Address::default(),
        dest: Address::default(),
        esm_class: 0,
        registered_delivery: 0,
        data_coding: 0,
        tlvs: vec![],
    };
    let ev = s.on_frame(Frame::new(78, data.clone()), t0);
    assert_eq!(
        ev,
        vec![Event::DataSm {
            sequence: 78,
            pdu: data
        }]
    );
    assert_eq!(s.respond_data_sm(78, ESME_RX_T_APPN).status, ESME_RX_T_APPN);
}

#[test]
fn requests_we_do_not_serve_and_decode_errors() {
    let t0 = Instant::now();
    let mut s = bound(10, t0);
    let ev = s.on_frame(Frame::new(5, Pdu::SubmitSm(sm())), t0);
    assert_eq!(
        ev,
        vec![Event::Send(Frame::generic_nack(5, ESME_RINVCMDID))]
    );
    let unknown = DecodeError::UnknownCommand {
        command_id: 0x07,
        sequence: 6,
    };
    assert_eq!(
        s.on_decode_error(&unknown, t0),
        vec![Event::Send(Frame::generic_nack(6, ESME_RINVCMDID))]
    );
    let bad_resp = DecodeError::Malformed {
        command_id: 0x8000_0004,
        sequence: 7,
        reason: "x".into(),
    };
    assert!(s.on_decode_error(&bad_resp, t0).is_empty());
    assert_eq!(s.state(), State::Bound);
    let fatal = DecodeError::TooLong {
        len: 1 << 20,
        sequence: 8,
    };
    assert_eq!(
        s.on_decode_error(&fatal, t0),
        vec![
            Event::Send(Frame::generic_nack(8, ESME_RINVCMDLEN)),
            Event::LinkDead
        ]
    );
}

#[test]
fn deliver_before_bound_or_on_a_transmitter_is_refused() {
    let t0 = Instant::now();
    let mut s = Session::new(config(10));
    s.start(t0);
    let ev = s.on_frame(Frame::new(3, Pdu::DeliverSm(sm())), t0);
    assert_eq!(
        ev,
        vec![Event::Send(s.respond_deliver_status(3, ESME_RINVBNDSTS))]
    );
    let mut cfg = config(10);
    cfg.bind.kind = BindKind::Receiver;
    let mut rx = Session::new(cfg);
    let bind = rx.start(t0);
    rx.on_frame(bind_resp(bind.sequence, 0), t0);
    assert_eq!(
        rx.submit(sm(), t0),
        Err(SubmitError::NotBound(State::Bound))
    );
}
