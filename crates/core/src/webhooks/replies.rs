//! `<Message>` verbs of a TwiML answer → `outbound-reply` messages.

use switchboard_domain::address::Address;
use switchboard_domain::clock::Millis;
use switchboard_domain::encoding;
use switchboard_store::{MessageRecord, NewMessage};
use switchboard_twiml::Message;

/// The reply a `<Message>` asks for: to the sender unless `to` says otherwise,
/// from the number that received the message unless `from` says otherwise.
pub(super) fn reply(
    verb: &Message,
    inbound: &MessageRecord,
    now: Millis,
) -> Result<NewMessage, String> {
    if !verb.media.is_empty() {
        tracing::warn!(message_sid = %inbound.sid, "TwiML <Media> ignored: Switchboard sends SMS only.");
    }
    if verb.body.is_empty() {
        return Err("a <Message> without a body (media only) cannot be sent as SMS".into());
    }
    let to_raw = verb.to.clone().unwrap_or_else(|| inbound.from.clone());
    let to = Address::parse_to(&to_raw)
        .ok_or_else(|| format!("<Message to=\"{to_raw}\"> is not a valid phone number"))?;
    let from_raw = verb.from.clone().unwrap_or_else(|| inbound.to.clone());
    let from = Address::parse_from(&from_raw)
        .ok_or_else(|| format!("<Message from=\"{from_raw}\"> is not a valid sender"))?;
    if encoding::char_count(&verb.body) > crate::messages::MAX_BODY_CHARS {
        return Err("a <Message> body exceeds 1600 characters".into());
    }
    let callback = verb
        .status_callback
        .clone()
        .or_else(|| verb.action.clone())
        .filter(|u| crate::messages::valid_url(u));
    Ok(NewMessage {
        messaging_service_sid: inbound.messaging_service_sid.clone(),
        ..crate::messages::reply_message(
            &inbound.account_sid,
            from.as_str().to_owned(),
            to.as_str().to_owned(),
            verb.body.clone(),
            callback,
            now,
        )
    })
}
