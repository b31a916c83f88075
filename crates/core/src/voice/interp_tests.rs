use super::*;
use crate::voice::tts::TtsError;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

/// Keys the caller presses: the first `during_prompt` of them interrupt prompts, the rest
/// arrive while waiting.
#[derive(Default)]
struct FakeMedia {
    keys: VecDeque<char>,
    during_prompt: usize,
    played: Vec<usize>,
    paused: Vec<Duration>,
    sent: String,
}

#[async_trait]
impl CallMedia for FakeMedia {
    async fn play(&mut self, pcm: Pcm, barge_in: bool) -> Option<char> {
        self.played.push(pcm.len());
        if barge_in && self.during_prompt > 0 {
            self.during_prompt -= 1;
            return self.keys.pop_front();
        }
        None
    }
    async fn pause(&mut self, length: Duration, _barge_in: bool) -> Option<char> {
        self.paused.push(length);
        None
    }
    async fn next_key(&mut self, _timeout: Duration) -> Option<char> {
        self.keys.pop_front()
    }
    fn drain_keys(&mut self) {}
    async fn send_digits(&mut self, keys: &str) -> bool {
        self.sent.push_str(keys);
        true
    }
}

/// Speech whose length is the text's length, so tests can tell prompts apart.
struct FakeTts;

#[async_trait]
impl Tts for FakeTts {
    async fn speak(&self, text: &str, _voice: &str, _language: &str) -> Result<Pcm, TtsError> {
        Ok(Arc::new(vec![0; text.len()]))
    }
}

/// A request: the URL and its extra parameters.
type Request = (String, Vec<(String, String)>);

#[derive(Default)]
struct FakeWeb {
    docs: HashMap<String, Document>,
    requests: Mutex<Vec<Request>>,
}

#[async_trait]
impl TwimlFetch for FakeWeb {
    async fn document(
        &self,
        t: &Target,
        extra: &[(String, String)],
    ) -> Result<Document, FetchError> {
        self.requests
            .lock()
            .unwrap()
            .push((t.url.clone(), extra.to_vec()));
        self.docs.get(&t.url).cloned().ok_or(FetchError {
            code: 11200,
            message: format!("HTTP 404 from {}", t.url),
        })
    }
    async fn audio(&self, _url: &str) -> Result<Pcm, FetchError> {
        Ok(Arc::new(vec![0; 7]))
    }
}

fn say(text: &str, loops: u32) -> Prompt {
    Prompt::Say {
        text: text.into(),
        voice: String::new(),
        language: "en-US".into(),
        loops,
    }
}

fn target(url: &str) -> Target {
    Target {
        url: url.into(),
        method: "POST".into(),
    }
}

fn gather(num_digits: Option<u32>, action: &str, prompt_text: &str) -> Step {
    Step::Gather {
        prompts: vec![say(prompt_text, 1)],
        num_digits,
        timeout: Duration::from_secs(5),
        finish_on_key: Some('#'),
        action: Some(target(action)),
        action_on_empty: false,
    }
}

fn doc(steps: Vec<Step>) -> Document {
    Document {
        steps,
        warnings: Vec::new(),
    }
}

async fn run_with(first: Document, media: &mut FakeMedia, web: &FakeWeb) -> (Outcome, Vec<String>) {
    let mut warnings = Vec::new();
    let out = run(first, media, &FakeTts, web, &mut |w| warnings.push(w)).await;
    (out, warnings)
}

#[tokio::test]
async fn say_loops_then_hangs_up_when_the_document_ends() {
    let mut media = FakeMedia::default();
    let (out, _) = run_with(
        doc(vec![Step::Prompt(say("hello", 2))]),
        &mut media,
        &FakeWeb::default(),
    )
    .await;
    assert_eq!(out, Outcome::Hangup);
    assert_eq!(media.played, vec![5, 5]);
}

#[tokio::test]
async fn a_key_during_the_prompt_is_posted_to_the_action_and_its_twiml_runs() {
    let mut web = FakeWeb::default();
    web.docs.insert(
        "/reply".into(),
        doc(vec![
            Step::Prompt(say("Confirmed", 1)),
            Step::Hangup,
            Step::Prompt(say("never", 1)),
        ]),
    );
    let mut media = FakeMedia {
        keys: VecDeque::from(['1']),
        during_prompt: 1,
        ..Default::default()
    };
    let first = doc(vec![
        gather(Some(1), "/reply", "press 1"),
        Step::Prompt(say("No input.", 1)),
    ]);
    let (out, _) = run_with(first, &mut media, &web).await;
    assert_eq!(out, Outcome::Hangup);
    let reqs = web.requests.lock().unwrap().clone();
    assert_eq!(
        reqs,
        vec![(
            "/reply".to_owned(),
            vec![("Digits".to_owned(), "1".to_owned())]
        )]
    );
    // "press 1" (interrupted), then "Confirmed"; never "No input." nor "never".
    assert_eq!(media.played, vec![7, 9]);
}

#[tokio::test]
async fn several_digits_are_collected_each_once_and_the_finish_key_is_dropped() {
    let mut web = FakeWeb::default();
    web.docs.insert("/a".into(), doc(vec![]));
    let mut media = FakeMedia {
        keys: VecDeque::from(['1', '1', '2', '3', '9']),
        ..Default::default()
    };
    run_with(doc(vec![gather(Some(4), "/a", "code")]), &mut media, &web).await;
    let mut media2 = FakeMedia {
        keys: VecDeque::from(['4', '2', '#', '7']),
        ..Default::default()
    };
    run_with(doc(vec![gather(None, "/a", "code")]), &mut media2, &web).await;
    let reqs = web.requests.lock().unwrap().clone();
    assert_eq!(reqs[0].1, vec![("Digits".to_owned(), "1123".to_owned())]);
    assert_eq!(reqs[1].1, vec![("Digits".to_owned(), "42".to_owned())]);
}

#[tokio::test]
async fn no_input_falls_through_to_the_next_verb() {
    let web = FakeWeb::default();
    let mut media = FakeMedia::default();
    let first = doc(vec![
        gather(Some(1), "/reply", "press 1"),
        Step::Prompt(say("No input.", 1)),
    ]);
    let (out, _) = run_with(first, &mut media, &web).await;
    assert_eq!(out, Outcome::Hangup);
    assert!(web.requests.lock().unwrap().is_empty());
    assert_eq!(media.played, vec![7, 9]);
}

#[tokio::test]
async fn redirect_loops_are_bounded_and_fetch_errors_end_the_call() {
    let mut web = FakeWeb::default();
    web.docs
        .insert("/loop".into(), doc(vec![Step::Redirect(target("/loop"))]));
    let mut media = FakeMedia::default();
    let (out, _) = run_with(doc(vec![Step::Redirect(target("/loop"))]), &mut media, &web).await;
    assert!(matches!(
        out,
        Outcome::Error(FetchError { code: 12400, .. })
    ));
    let (out, _) = run_with(
        doc(vec![Step::Redirect(target("/missing"))]),
        &mut media,
        &web,
    )
    .await;
    assert!(matches!(
        out,
        Outcome::Error(FetchError { code: 11200, .. })
    ));
}

#[tokio::test]
async fn pause_reject_and_warnings() {
    let web = FakeWeb::default();
    let mut media = FakeMedia::default();
    let mut first = doc(vec![
        Step::Prompt(Prompt::Pause(Duration::from_secs(2))),
        Step::Reject("busy".into()),
        Step::Hangup,
    ]);
    first
        .warnings
        .push("<Dial> is not supported and was skipped".into());
    let (out, warnings) = run_with(first, &mut media, &web).await;
    assert_eq!(out, Outcome::Reject("busy".into()));
    assert_eq!(media.paused, vec![Duration::from_secs(2)]);
    assert_eq!(warnings.len(), 1);
}

#[tokio::test]
async fn play_digits_sends_keys() {
    let mut media = FakeMedia::default();
    let first = doc(vec![Step::Prompt(Prompt::Digits("1w2#".into()))]);
    let (out, warnings) = run_with(first, &mut media, &FakeWeb::default()).await;
    assert_eq!(out, Outcome::Hangup);
    assert_eq!(media.sent, "1w2#");
    assert!(warnings.is_empty());
}
