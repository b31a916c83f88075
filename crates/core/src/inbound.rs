//! Mobile-originated messages: stored as `inbound` / `received` in the account
//! that holds the `To` number. (Routing them to webhooks is the two-way
//! messaging layer's job.)

use crate::carrier::InboundSms;
use crate::webhooks::{opt_out_keyword, OptKeyword};
use switchboard_domain::clock::Clock;
use switchboard_domain::clock::Millis;
use switchboard_domain::encoding;
use switchboard_domain::ids::MessageSid;
use switchboard_domain::message::{Direction, MessageStatus};
use switchboard_store::{MessageRecord, NewMessage, NumberRecord, Store};

pub const DEFAULT_STOP_REPLY: &str = "You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.";
pub const DEFAULT_START_REPLY: &str = "You have successfully been re-subscribed to messages from this number. Reply HELP for help. Reply STOP to unsubscribe. Msg&Data Rates May Apply.";
pub const DEFAULT_HELP_REPLY: &str = "Reply STOP to unsubscribe. Msg&Data Rates May Apply.";

/// Stores an inbound message; `Ok(None)` when no account holds the number
/// (logged and counted; the network is still acknowledged).
pub async fn receive(
    store: &dyn Store,
    clock: &dyn Clock,
    shield: Option<&crate::shield::Screening>,
    sms: InboundSms,
) -> Result<Option<MessageRecord>, switchboard_store::Error> {
    let Some(number) = store.find_number(&sms.to).await? else {
        tracing::warn!(to = %sms.to, "Inbound message for a number no account holds; dropped.");
        metrics::counter!("switchboard_inbound_unrouted_total").increment(1);
        return Ok(None);
    };
    let now = clock.now_millis();
    let seg = encoding::segment(&sms.body);
    // Screened before it is stored: the verdict is stored with it (never dropped).
    let verdict = match shield {
        Some(s) => s
            .screen(
                &number.account_sid,
                &sms.body,
                &sms.from,
                &sms.to,
                switchboard_filter::Direction::Inbound,
            )
            .await?
            .map(crate::shield::record),
        None => None,
    };
    let stored = store
        .insert_message(NewMessage {
            sid: MessageSid::generate_at(now),
            account_sid: number.account_sid.clone(),
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
            error_code: None,
            error_message: None,
            shield: verdict,
        })
        .await?;
    if let Some(k) = opt_out_keyword(&stored.body) {
        opt_out(store, &number, &stored, k, now).await?;
    }
    if sms.incomplete {
        tracing::warn!(message_sid = %stored.sid, "Stored an inbound message with missing parts.");
    }
    metrics::counter!("switchboard_inbound_total").increment(1);
    Ok(Some(stored))
}

/// STOP / START / HELP: records the opt-out or opt-in for (account, this
/// number, the sender) and queues the number's auto-reply. The message itself
/// still goes to the webhook (with `OptOutType`).
async fn opt_out(
    store: &dyn Store,
    number: &NumberRecord,
    inbound: &MessageRecord,
    keyword: OptKeyword,
    now: Millis,
) -> Result<(), switchboard_store::Error> {
    let (account, sender, recipient) = (&number.account_sid, &number.phone_number, &inbound.from);
    // A number in a Messaging Service: the opt-out covers the whole service too.
    let service = store.service_of_number(&number.sid).await?;
    let c = &number.config;
    let text = match keyword {
        OptKeyword::Stop => {
            store.opt_out(account, sender, recipient, now).await?;
            if let Some(ms) = &service {
                store.opt_out(account, ms.as_str(), recipient, now).await?;
            }
            tracing::info!(account_sid = %account, "A recipient opted out (STOP).");
            c.stop_reply.as_deref().unwrap_or(DEFAULT_STOP_REPLY)
        }
        OptKeyword::Start => {
            store.opt_in(account, sender, recipient).await?;
            if let Some(ms) = &service {
                store.opt_in(account, ms.as_str(), recipient).await?;
            }
            c.start_reply.as_deref().unwrap_or(DEFAULT_START_REPLY)
        }
        OptKeyword::Help => {
            if store.is_opted_out(account, sender, recipient).await? {
                return Ok(());
            }
            c.help_reply.as_deref().unwrap_or(DEFAULT_HELP_REPLY)
        }
    };
    if text.is_empty() {
        return Ok(());
    }
    store
        .insert_message(crate::messages::reply_message(
            account,
            sender.clone(),
            recipient.clone(),
            text.to_owned(),
            None,
            now,
        ))
        .await?;
    Ok(())
}
