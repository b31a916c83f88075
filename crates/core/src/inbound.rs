//! Mobile-originated messages: stored as `inbound` / `received` in the account
//! that holds the `To` number. (Routing them to webhooks is the two-way
//! messaging layer's job.)

use crate::carrier::InboundSms;
use switchboard_domain::clock::Clock;
use switchboard_domain::encoding;
use switchboard_domain::ids::MessageSid;
use switchboard_domain::message::{Direction, MessageStatus};
use switchboard_store::{MessageRecord, NewMessage, Store};

/// Stores an inbound message; `Ok(None)` when no account holds the number
/// (logged and counted; the network is still acknowledged).
pub async fn receive(
    store: &dyn Store,
    clock: &dyn Clock,
    sms: InboundSms,
) -> Result<Option<MessageRecord>, switchboard_store::Error> {
    let Some(number) = store.find_number(&sms.to).await? else {
        tracing::warn!(to = %sms.to, "Inbound message for a number no account holds; dropped.");
        metrics::counter!("switchboard_inbound_unrouted_total").increment(1);
        return Ok(None);
    };
    let now = clock.now_millis();
    let seg = encoding::segment(&sms.body);
    let stored = store
        .insert_message(NewMessage {
            sid: MessageSid::generate_at(now),
            account_sid: number.account_sid,
            direction: Direction::Inbound,
            status: MessageStatus::Received,
            to: sms.to,
            from: sms.from,
            num_segments: sms
                .num_segments
                .max(u32::try_from(seg.num_segments()).unwrap_or(1)),
            encoding: seg.encoding.as_str().to_owned(),
            body: sms.body,
            media_urls: Vec::new(),
            messaging_service_sid: None,
            status_callback: None,
            validity_secs: None,
            now,
            due_at: now,
        })
        .await?;
    if sms.incomplete {
        tracing::warn!(message_sid = %stored.sid, "Stored an inbound message with missing parts.");
    }
    metrics::counter!("switchboard_inbound_total").increment(1);
    Ok(Some(stored))
}
