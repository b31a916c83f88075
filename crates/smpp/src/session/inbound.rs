//! Frames and decode errors arriving from the peer.

use std::time::Instant;

use super::{Event, Kind, Session, State};
use crate::codec::DecodeError;
use crate::pdu::{Frame, Pdu};
use crate::status;

impl Session {
    /// Handles one frame from the peer.
    ///
    /// Automatic replies come back as [`Event::Send`]: `enquire_link_resp` (in
    /// any state), `unbind_resp`, `generic_nack` with `ESME_RINVCMDID` for
    /// requests an ESME does not serve (`submit_sm`, `bind`, `query_sm`), and
    /// `deliver_sm_resp`/`data_sm_resp` with `ESME_RINVBNDSTS` when not bound
    /// to receive. Responses whose sequence is not outstanding, `outbind` and
    /// `alert_notification` are ignored.
    pub fn on_frame(&mut self, frame: Frame, now: Instant) -> Vec<Event> {
        self.last_heard = Some(now);
        let mut events = Vec::new();
        let Frame {
            status,
            sequence,
            pdu,
        } = frame;
        match pdu {
            Pdu::EnquireLink => events.push(Event::Send(Frame::response(
                sequence,
                0,
                Pdu::EnquireLinkResp,
            ))),
            Pdu::Unbind => {
                events.push(Event::Send(Frame::response(sequence, 0, Pdu::UnbindResp)));
                self.close(Event::Unbound, &mut events);
            }
            Pdu::DeliverSm(sm) => {
                if self.receiving() {
                    events.push(Event::Deliver { sequence, sm });
                } else {
                    let nack = self.respond_deliver_status(sequence, status::ESME_RINVBNDSTS);
                    events.push(Event::Send(nack));
                }
            }
            pdu @ Pdu::DataSm { .. } => {
                if self.receiving() {
                    events.push(Event::DataSm { sequence, pdu });
                } else {
                    let nack = self.respond_data_sm(sequence, status::ESME_RINVBNDSTS);
                    events.push(Event::Send(nack));
                }
            }
            Pdu::Outbind { .. } | Pdu::AlertNotification { .. } => {}
            Pdu::Bind(_) | Pdu::SubmitSm(_) | Pdu::QuerySm { .. } => events.push(Event::Send(
                Frame::generic_nack(sequence, status::ESME_RINVCMDID),
            )),
            response => self.on_response(status, sequence, response, &mut events),
        }
        events
    }

    /// Handles a frame that could not be decoded: the `generic_nack` to send
    /// (never for a response), and [`Event::LinkDead`] when the error is
    /// fatal. A malformed response leaves its request outstanding until it
    /// times out.
    pub fn on_decode_error(&mut self, error: &DecodeError, now: Instant) -> Vec<Event> {
        self.last_heard = Some(now);
        let mut events: Vec<Event> = error.nack().map(Event::Send).into_iter().collect();
        if error.is_fatal() {
            self.close(Event::LinkDead, &mut events);
        }
        events
    }

    fn receiving(&self) -> bool {
        self.state == State::Bound && self.config.bind.kind.can_receive()
    }

    fn on_response(&mut self, status: u32, sequence: u32, pdu: Pdu, events: &mut Vec<Event>) {
        let Some(kind) = self.forget(sequence) else {
            return; // late (already timed out) or never ours
        };
        match (kind, pdu) {
            (Kind::Bind, Pdu::BindResp { system_id, .. }) if status == 0 => {
                self.state = State::Bound;
                events.push(Event::Bound { system_id });
            }
            (Kind::Bind, _) => {
                let status = if status == 0 {
                    status::ESME_RBINDFAIL
                } else {
                    status
                };
                self.close(Event::BindFailed { status }, events);
            }
            (Kind::Unbind, _) => self.close(Event::Unbound, events),
            (Kind::EnquireLink, _) => {}
            (_, Pdu::GenericNack) => events.push(Event::GenericNack { sequence, status }),
            (Kind::Submit, Pdu::SubmitSmResp { message_id }) => {
                let message_id = message_id.trim_matches(|c: char| c == '\0' || c.is_whitespace());
                events.push(Event::SubmitResponse {
                    sequence,
                    status,
                    message_id: message_id.to_owned(),
                });
            }
            (_, pdu) => events.push(Event::Response {
                sequence,
                status,
                pdu,
            }),
        }
    }
}
