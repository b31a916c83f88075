//! The voice TwiML interpreter: runs a call's documents verb by verb against the call's
//! media, fetching the next document for `<Redirect>` and for `<Gather action>`.
//!
//! It sees TwiML through [`Step`]s (see `steps.rs` for the mapping from the parsed
//! document), the call through [`CallMedia`], speech through [`Tts`] and the customer's
//! web server through [`TwimlFetch`], so it is tested without sockets.

use super::tts::{Pcm, Tts};
use async_trait::async_trait;
use std::time::Duration;

/// Most documents one call may run (redirects and gather actions), against loops.
pub const MAX_DOCUMENTS: usize = 100;
/// How often `loop="0"` repeats (the parser's cap on `loop`).
pub const FOREVER_LOOPS: u32 = switchboard_twiml::MAX_LOOP;

/// A method and URL to request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub method: String,
}

/// One prompt inside `<Gather>` or on its own.
#[derive(Debug, Clone, PartialEq)]
pub enum Prompt {
    Say {
        text: String,
        voice: String,
        language: String,
        loops: u32,
    },
    Play {
        url: String,
        loops: u32,
    },
    Pause(Duration),
    /// `<Play digits>`: keys sent as RFC 4733 events (`w` = half a second).
    Digits(String),
}

/// What the interpreter does, in document order.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Prompt(Prompt),
    Gather {
        prompts: Vec<Prompt>,
        num_digits: Option<u32>,
        timeout: Duration,
        finish_on_key: Option<char>,
        action: Option<Target>,
        action_on_empty: bool,
    },
    Hangup,
    Redirect(Target),
    Reject(String),
}

/// A parsed document: its steps and what was skipped on the way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub steps: Vec<Step>,
    pub warnings: Vec<String>,
}

/// The call's audio, as the interpreter needs it.
#[async_trait]
pub trait CallMedia: Send {
    /// Plays `pcm`; with `barge_in`, a key press stops it and is returned.
    async fn play(&mut self, pcm: Pcm, barge_in: bool) -> Option<char>;
    /// Silence for `length`; with `barge_in`, a key ends it early and is returned.
    async fn pause(&mut self, length: Duration, barge_in: bool) -> Option<char>;
    /// The next key within `timeout`.
    async fn next_key(&mut self, timeout: Duration) -> Option<char>;
    /// Forgets keys pressed so far.
    fn drain_keys(&mut self);
    /// Sends keys (RFC 4733); `false` when the far end takes none.
    async fn send_digits(&mut self, keys: &str) -> bool;
}

/// Why a document could not be had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchError {
    /// Twilio error code (11200 HTTP retrieval failure, 12100 parse error, …).
    pub code: u32,
    pub message: String,
}

/// The customer's web server: TwiML documents (signed requests with the call's parameters
/// plus `extra`) and `<Play>` audio.
#[async_trait]
pub trait TwimlFetch: Send + Sync {
    async fn document(
        &self,
        target: &Target,
        extra: &[(String, String)],
    ) -> Result<Document, FetchError>;
    /// 8 kHz audio of a WAV URL.
    async fn audio(&self, url: &str) -> Result<Pcm, FetchError>;
}

/// How the interpreter ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `<Hangup>`, or the document ran out: hang up.
    Hangup,
    /// `<Reject reason>` (an inbound call not yet answered ends busy or no-answer).
    Reject(String),
    /// A document could not be fetched or parsed: end the call with this error.
    Error(FetchError),
}

/// Runs `first` and whatever it leads to. `warn` receives every skipped verb or attribute.
pub async fn run(
    first: Document,
    media: &mut dyn CallMedia,
    tts: &dyn Tts,
    web: &dyn TwimlFetch,
    warn: &mut (dyn FnMut(String) + Send),
) -> Outcome {
    let mut doc = first;
    for _ in 0..MAX_DOCUMENTS {
        doc.warnings.drain(..).for_each(&mut *warn);
        let mut next: Option<(Target, Vec<(String, String)>)> = None;
        for step in std::mem::take(&mut doc.steps) {
            match step {
                Step::Prompt(p) => {
                    if let Err(e) = prompt(&p, media, tts, web, false).await {
                        warn(e.message);
                    }
                }
                Step::Gather {
                    prompts,
                    num_digits,
                    timeout,
                    finish_on_key,
                    action,
                    action_on_empty,
                } => {
                    let digits = gather(
                        &prompts,
                        num_digits,
                        timeout,
                        finish_on_key,
                        media,
                        tts,
                        web,
                        warn,
                    )
                    .await;
                    if digits.is_empty() && !action_on_empty {
                        continue;
                    }
                    match action {
                        Some(t) => {
                            next = Some((t, vec![("Digits".to_owned(), digits)]));
                            break;
                        }
                        // No action: Twilio re-requests the current document; we have no URL for
                        // inline TwiML, so the digits are dropped and the document goes on.
                        None => warn("<Gather> without action: digits not reported".into()),
                    }
                }
                Step::Hangup => return Outcome::Hangup,
                Step::Reject(reason) => return Outcome::Reject(reason),
                Step::Redirect(t) => {
                    next = Some((t, Vec::new()));
                    break;
                }
            }
        }
        let Some((target, extra)) = next else {
            return Outcome::Hangup;
        };
        doc = match web.document(&target, &extra).await {
            Ok(d) => d,
            Err(e) => return Outcome::Error(e),
        };
    }
    Outcome::Error(FetchError {
        code: 12400,
        message: format!("more than {MAX_DOCUMENTS} TwiML documents in one call"),
    })
}

/// Plays one prompt; returns the key that interrupted it (only with `barge_in`).
async fn prompt(
    p: &Prompt,
    media: &mut dyn CallMedia,
    tts: &dyn Tts,
    web: &dyn TwimlFetch,
    barge_in: bool,
) -> Result<Option<char>, FetchError> {
    match p {
        Prompt::Say {
            text,
            voice,
            language,
            loops,
        } => {
            let pcm = tts
                .speak(text, voice, language)
                .await
                .map_err(|e| FetchError {
                    code: 13520,
                    message: e.to_string(),
                })?;
            for _ in 0..*loops {
                if let Some(k) = media.play(pcm.clone(), barge_in).await {
                    return Ok(Some(k));
                }
            }
            Ok(None)
        }
        Prompt::Play { url, loops } => {
            let pcm = web.audio(url).await?;
            for _ in 0..*loops {
                if let Some(k) = media.play(pcm.clone(), barge_in).await {
                    return Ok(Some(k));
                }
            }
            Ok(None)
        }
        Prompt::Pause(d) => Ok(media.pause(*d, barge_in).await),
        Prompt::Digits(keys) => {
            if media.send_digits(keys).await {
                Ok(None)
            } else {
                Err(FetchError {
                    code: 13227,
                    message: format!(
                        "<Play digits=\"{keys}\"> skipped: the callee offered no telephone-event"
                    ),
                })
            }
        }
    }
}

/// `<Gather input="dtmf">`: prompts (the first key stops them), then keys until `num_digits`,
/// the finish key or `timeout` of silence. Returns the digits without the finish key.
#[allow(clippy::too_many_arguments)]
async fn gather(
    prompts: &[Prompt],
    num_digits: Option<u32>,
    timeout: Duration,
    finish_on_key: Option<char>,
    media: &mut dyn CallMedia,
    tts: &dyn Tts,
    web: &dyn TwimlFetch,
    warn: &mut (dyn FnMut(String) + Send),
) -> String {
    media.drain_keys();
    let mut digits = String::new();
    let mut first = None;
    for p in prompts {
        match prompt(p, media, tts, web, true).await {
            Ok(Some(k)) => {
                first = Some(k);
                break;
            }
            Ok(None) => {}
            Err(e) => warn(e.message),
        }
    }
    let mut key = match first {
        Some(k) => Some(k),
        None => media.next_key(timeout).await,
    };
    while let Some(k) = key {
        if Some(k) == finish_on_key {
            break;
        }
        digits.push(k);
        if num_digits.is_some_and(|n| digits.chars().count() >= n as usize) {
            break;
        }
        key = media.next_key(timeout).await;
    }
    digits
}

#[cfg(test)]
#[path = "interp_tests.rs"]
mod tests;
