//! Text-to-speech behind the [`Tts`] trait, with Debian's `espeak-ng` run as a subprocess.
//!
//! espeak-ng writes a 22,050 Hz 16-bit mono WAV to stdout; it is decoded and resampled to
//! 8 kHz by `switchboard_media` and kept in a small cache keyed by (text, voice, language),
//! so the reminder every client hears is synthesised once.

use async_trait::async_trait;
use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard_media::wav;
use tokio::process::Command;

/// 8 kHz mono PCM.
pub type Pcm = Arc<Vec<i16>>;

/// Why speech could not be made.
#[derive(Debug, thiserror::Error)]
pub enum TtsError {
    #[error("text-to-speech engine not available: {0}")]
    Unavailable(String),
    #[error("text-to-speech failed: {0}")]
    Failed(String),
}

/// Turns text into 8 kHz speech.
#[async_trait]
pub trait Tts: Send + Sync {
    /// Speech for `text` in `language` (a TwiML `language`, e.g. `en-US`, `it-IT`) with the
    /// TwiML `voice` (`man`, `woman`, `alice`, `Polly.*`, …; unknown voices use the default).
    async fn speak(&self, text: &str, voice: &str, language: &str) -> Result<Pcm, TtsError>;
}

/// The espeak-ng voice for a TwiML language and voice: `it-IT` → `it`, `en-GB` → `en-gb`,
/// `en-US` → `en-us`; female voices take the `+f3` variant.
pub fn espeak_voice(voice: &str, language: &str) -> String {
    let lang = language.trim().to_ascii_lowercase().replace('_', "-");
    let base = match lang.as_str() {
        "" => "en-us".to_owned(),
        "en-us" | "en-gb" | "pt-br" | "es-419" | "en-029" => lang.clone(),
        "en-au" | "en-in" | "en-ca" => "en-us".to_owned(),
        other => other.split('-').next().unwrap_or("en").to_owned(),
    };
    let v = voice.to_ascii_lowercase();
    let female =
        v == "woman" || v == "alice" || v.starts_with("polly.") || v.starts_with("google.");
    if female {
        format!("{base}+f3")
    } else {
        base
    }
}

/// Whether `name` is a safe espeak-ng voice argument (letters, digits, `-`, `+`).
fn safe_voice(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 32
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '+')
}

/// espeak-ng as a subprocess.
pub struct EspeakTts {
    binary: PathBuf,
    timeout: Duration,
    cache: SpeechCache,
}

impl EspeakTts {
    /// espeak-ng at `binary` (usually `espeak-ng` on the `PATH`), caching up to
    /// `cache_entries` phrases.
    pub fn new(binary: impl Into<PathBuf>, cache_entries: usize) -> Self {
        Self {
            binary: binary.into(),
            timeout: Duration::from_secs(20),
            cache: SpeechCache::new(cache_entries),
        }
    }

    /// Checks that the binary runs (for a clear message at start-up).
    pub async fn check(&self) -> Result<String, TtsError> {
        let out = Command::new(&self.binary)
            .arg("--version")
            .kill_on_drop(true)
            .output()
            .await
            .map_err(|e| TtsError::Unavailable(format!("{}: {e}", self.binary.display())))?;
        if !out.status.success() {
            return Err(TtsError::Unavailable(format!(
                "{} --version exited with {}",
                self.binary.display(),
                out.status
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    async fn synthesise(&self, text: &str, voice: &str) -> Result<Vec<i16>, TtsError> {
        let voice = if safe_voice(voice) { voice } else { "en-us" };
        // The text goes on stdin, never on the command line: it is the customer's TwiML.
        let mut child = Command::new(&self.binary)
            .args(["-v", voice, "--stdout", "--stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| TtsError::Unavailable(format!("{}: {e}", self.binary.display())))?;
        if let Some(mut stdin) = child.stdin.take() {
            use tokio::io::AsyncWriteExt;
            let line = text.replace(['\r', '\n'], " ");
            stdin
                .write_all(line.as_bytes())
                .await
                .map_err(|e| TtsError::Failed(format!("writing to espeak-ng: {e}")))?;
        }
        let out = tokio::time::timeout(self.timeout, child.wait_with_output())
            .await
            .map_err(|_| TtsError::Failed("espeak-ng timed out".into()))?
            .map_err(|e| TtsError::Failed(format!("espeak-ng: {e}")))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(TtsError::Failed(format!(
                "espeak-ng exited with {}: {}",
                out.status,
                err.trim()
            )));
        }
        let audio = wav::parse(&out.stdout).map_err(|e| TtsError::Failed(e.to_string()))?;
        audio.to_8k().map_err(|e| TtsError::Failed(e.to_string()))
    }
}

#[async_trait]
impl Tts for EspeakTts {
    async fn speak(&self, text: &str, voice: &str, language: &str) -> Result<Pcm, TtsError> {
        let v = espeak_voice(voice, language);
        // One synthesis per phrase even when many calls ask at once (a bulk reminder run).
        let cell = self.cache.cell((text.to_owned(), v.clone()));
        let pcm = cell
            .get_or_try_init(|| async { self.synthesise(text, &v).await.map(Arc::new) })
            .await?;
        Ok(pcm.clone())
    }
}

type Cell = Arc<tokio::sync::OnceCell<Pcm>>;
/// A phrase: (text, espeak-ng voice).
type Key = (String, String);

/// A bounded first-in-first-out cache of synthesised phrases; a phrase being synthesised is
/// shared by everyone waiting for it.
struct SpeechCache {
    cap: usize,
    inner: Mutex<(HashMap<Key, Cell>, VecDeque<Key>)>,
}

impl SpeechCache {
    fn new(cap: usize) -> Self {
        Self {
            cap: cap.max(1),
            inner: Mutex::new((HashMap::new(), VecDeque::new())),
        }
    }

    fn cell(&self, key: Key) -> Cell {
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let (map, order) = &mut *g;
        if let Some(c) = map.get(&key) {
            return c.clone();
        }
        let c = Cell::default();
        map.insert(key.clone(), c.clone());
        order.push_back(key);
        while order.len() > self.cap {
            if let Some(old) = order.pop_front() {
                map.remove(&old);
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn voices_follow_twiml_language_and_voice() {
        assert_eq!(espeak_voice("man", "it-IT"), "it");
        assert_eq!(espeak_voice("woman", "en-GB"), "en-gb+f3");
        assert_eq!(espeak_voice("", "en-US"), "en-us");
        assert_eq!(espeak_voice("Polly.Joanna", ""), "en-us+f3");
        assert!(!safe_voice("en; rm -rf /"));
    }

    #[test]
    fn cache_is_bounded_and_shares_cells() {
        let c = SpeechCache::new(2);
        let first = c.cell(("0".into(), "v".into()));
        assert!(Arc::ptr_eq(&first, &c.cell(("0".into(), "v".into()))));
        c.cell(("1".into(), "v".into()));
        c.cell(("2".into(), "v".into()));
        assert!(!Arc::ptr_eq(&first, &c.cell(("0".into(), "v".into()))));
    }

    #[tokio::test]
    async fn espeak_speaks_italian_at_8khz() {
        let tts = EspeakTts::new("espeak-ng", 4);
        if tts.check().await.is_err() {
            // The voice e2e tests require it (scripts/setup-peers installs it).
            eprintln!("espeak-ng not installed; skipping");
            return;
        }
        let pcm = tts
            .speak("Il tuo appuntamento è domani alle dieci", "woman", "it-IT")
            .await;
        let pcm = pcm.expect("speech");
        // About two seconds of speech at 8 kHz.
        assert!(pcm.len() > 8_000, "{} samples", pcm.len());
        assert!(pcm.iter().any(|&s| s.unsigned_abs() > 1_000));
        let again = tts
            .speak("Il tuo appuntamento è domani alle dieci", "woman", "it-IT")
            .await;
        assert!(Arc::ptr_eq(&pcm, &again.expect("cached")));
    }
}
