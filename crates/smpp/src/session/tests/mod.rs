//! Session tests: bind, window and response timers (link-level behaviour
//! in [`link`]). Driven only by frames and a fake clock (`t0 + n * SEC`).

use std::time::{Duration, Instant};

use super::*;
use crate::codec::DecodeError;
use crate::pdu::{Address, Bind, BindKind};
use crate::status::*;

pub(super) const SEC: Duration = Duration::from_secs(1);

pub(super) fn config(window: usize) -> SessionConfig {
    SessionConfig {
        window,
        enquire_link_interval: 30 * SEC,
        response_timeout: 10 * SEC,
        ..SessionConfig::new(Bind::new(BindKind::Transceiver, "test", "secret"))
    }
}

pub(super) fn bind_resp(sequence: u32, status: u32) -> Frame {
    let pdu = Pdu::BindResp {
        kind: BindKind::Transceiver,
        system_id: "SWITCHSIM".into(),
        tlvs: vec![],
    };
    Frame::response(sequence, status, pdu)
}

pub(super) fn submit_resp(sequence: u32, status: u32, id: &str) -> Frame {
    Frame::response(
        sequence,
        status,
        Pdu::SubmitSmResp {
            message_id: id.into(),
        },
    )
}

pub(super) fn sm() -> ShortMessage {
    ShortMessage {
        dest: Address::new(1, 1, "393401234567"),
        short_message: b"hi".to_vec(),
        ..ShortMessage::default()
    }
}

/// A bound session at `t0`.
pub(super) fn bound(window: usize, t0: Instant) -> Session {
    let mut s = Session::new(config(window));
    let bind = s.start(t0);
    assert_eq!(s.state(), State::Binding);
    let ev = s.on_frame(bind_resp(bind.sequence, 0), t0);
    assert_eq!(
        ev,
        vec![Event::Bound {
            system_id: "SWITCHSIM".into()
        }]
    );
    s
}

#[test]
fn bind_ok() {
    let t0 = Instant::now();
    let mut s = Session::new(config(10));
    assert_eq!(s.state(), State::Open);
    assert!(matches!(
        s.submit(sm(), t0),
        Err(SubmitError::NotBound(State::Open))
    ));
    let bind = s.start(t0);
    assert_eq!(bind.sequence, 1);
    assert!(
        matches!(&bind.pdu, Pdu::Bind(b) if b.kind == BindKind::Transceiver && b.system_id == "test")
    );
    s.on_frame(bind_resp(1, 0), t0 + SEC);
    assert_eq!(s.state(), State::Bound);
}

#[test]
fn bind_fail() {
    let t0 = Instant::now();
    let mut s = Session::new(config(10));
    let bind = s.start(t0);
    let ev = s.on_frame(bind_resp(bind.sequence, ESME_RINVPASWD), t0);
    assert_eq!(
        ev,
        vec![Event::BindFailed {
            status: ESME_RINVPASWD
        }]
    );
    assert_eq!(s.state(), State::Closed);
    // A generic_nack to the bind also fails it.
    let mut s = Session::new(config(10));
    let bind = s.start(t0);
    let ev = s.on_frame(Frame::generic_nack(bind.sequence, ESME_RINVCMDID), t0);
    assert_eq!(
        ev,
        vec![Event::BindFailed {
            status: ESME_RINVCMDID
        }]
    );
}

#[test]
fn bind_timeout_is_link_dead() {
    let t0 = Instant::now();
    let mut s = Session::new(config(10));
    s.start(t0);
    assert_eq!(s.next_deadline(), Some(t0 + 10 * SEC));
    assert!(s.poll(t0 + 9 * SEC).is_empty());
    assert_eq!(s.poll(t0 + 10 * SEC), vec![Event::LinkDead]);
    assert_eq!(s.state(), State::Closed);
}

#[test]
fn window_fills_and_responses_free_slots_out_of_order() {
    let t0 = Instant::now();
    let mut s = bound(3, t0);
    let seqs: Vec<u32> = (0..3).map(|_| s.submit(sm(), t0).unwrap().0).collect();
    assert_eq!(seqs, vec![2, 3, 4]);
    assert_eq!(s.outstanding(), 3);
    assert_eq!(s.submit(sm(), t0), Err(SubmitError::WindowFull));
    // Answers arrive out of order.
    let ev = s.on_frame(submit_resp(4, 0, "abc\0"), t0);
    assert_eq!(
        ev,
        vec![Event::SubmitResponse {
            sequence: 4,
            status: 0,
            message_id: "abc".into()
        }]
    );
    assert_eq!(s.outstanding(), 2);
    let (seq, frame) = s.submit(sm(), t0).unwrap();
    assert_eq!((seq, frame.sequence), (5, 5));
    let ev = s.on_frame(submit_resp(2, ESME_RTHROTTLED, ""), t0);
    assert_eq!(
        ev,
        vec![Event::SubmitResponse {
            sequence: 2,
            status: ESME_RTHROTTLED,
            message_id: String::new()
        }]
    );
    // A duplicate or unknown response changes nothing.
    assert!(s.on_frame(submit_resp(2, 0, "x"), t0).is_empty());
    assert_eq!(s.outstanding(), 2);
    let ev = s.on_frame(Frame::generic_nack(3, ESME_RINVCMDLEN), t0);
    assert_eq!(
        ev,
        vec![Event::GenericNack {
            sequence: 3,
            status: ESME_RINVCMDLEN
        }]
    );
    assert_eq!(s.outstanding(), 1);
}

#[test]
fn response_timeout_frees_the_slot() {
    let t0 = Instant::now();
    let mut s = bound(1, t0);
    let (a, _) = s.submit(sm(), t0).unwrap();
    assert_eq!(s.next_deadline(), Some(t0 + 10 * SEC));
    assert!(s.poll(t0 + 9 * SEC).is_empty());
    assert_eq!(s.poll(t0 + 10 * SEC), vec![Event::Timeout { sequence: a }]);
    assert_eq!(s.outstanding(), 0);
    // The late answer is ignored.
    assert!(s
        .on_frame(submit_resp(a, 0, "late"), t0 + 11 * SEC)
        .is_empty());
    assert!(s.submit(sm(), t0 + 11 * SEC).is_ok());
}

mod link;
