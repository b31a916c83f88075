//! One call's RTP stream: a UDP socket, a 20 ms sender of G.711 frames (prompts, or silence
//! when nothing is queued, so trunks never see an RTP timeout) and an RFC 4733 key-press
//! receiver. The codec parts are sans-IO in `switchboard_media`; this is the I/O loop.
//!
//! RTP is symmetric: we send from the port we receive on, to the address the callee's SDP
//! gave.

use super::tts::Pcm;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use switchboard_media::sender::{Pacer, RtpSender, RtpStart};
use switchboard_media::{rtp, Codec, DtmfReceiver};
use tokio::net::UdpSocket;
use tokio::sync::{mpsc, watch};
use tokio::time::Instant;

/// Counters of one stream (read by tests and the benchmark).
#[derive(Debug, Default)]
pub struct RtpStats {
    pub packets_sent: AtomicU64,
    pub audio_packets_sent: AtomicU64,
    pub packets_received: AtomicU64,
    /// Largest lateness of a send behind its 20 ms schedule, microseconds.
    pub max_late_us: AtomicU64,
}

enum Cmd {
    /// Queue a prompt; the id is published on `played` once it has gone out.
    Play(Pcm, u64),
    /// Queue keys to send (RFC 4733); the id as for `Play`.
    Digits(String, u64),
    /// Drop queued audio (barge-in).
    Clear,
}

/// Handle to a running stream; dropping it stops the stream.
pub struct RtpSession {
    cmd: mpsc::UnboundedSender<Cmd>,
    /// The peer's telephone-event payload type (`None`: it cannot take keys).
    dtmf_pt: Option<u8>,
    keys: mpsc::UnboundedReceiver<char>,
    played: watch::Receiver<u64>,
    next_id: u64,
    pub stats: Arc<RtpStats>,
}

impl RtpSession {
    /// Starts streaming from `socket` to `remote` in `codec`, listening for telephone events
    /// of payload type `dtmf_pt`.
    pub fn start(socket: UdpSocket, remote: SocketAddr, codec: Codec, dtmf_pt: Option<u8>) -> Self {
        let (cmd_tx, cmd_rx) = mpsc::unbounded_channel();
        let (key_tx, key_rx) = mpsc::unbounded_channel();
        let (played_tx, played_rx) = watch::channel(0);
        let stats = Arc::new(RtpStats::default());
        let start = RtpStart::random(&mut rand::thread_rng());
        let stream = Stream {
            socket,
            remote,
            sender: RtpSender::new(codec, start),
            dtmf: dtmf_pt.map(DtmfReceiver::new),
            dtmf_pt: dtmf_pt.unwrap_or(101),
            keys: key_tx,
            played: played_tx,
            pending: None,
            stats: stats.clone(),
        };
        tokio::spawn(stream.run(cmd_rx));
        Self {
            cmd: cmd_tx,
            dtmf_pt,
            keys: key_rx,
            played: played_rx,
            next_id: 0,
            stats,
        }
    }

    /// Queues `pcm` (8 kHz) and waits until it has been sent, or — with `barge_in` — until a
    /// key is pressed, which stops the prompt and is returned.
    pub async fn play(&mut self, pcm: Pcm, barge_in: bool) -> Option<char> {
        self.next_id += 1;
        let id = self.next_id;
        if self.cmd.send(Cmd::Play(pcm, id)).is_err() {
            return None;
        }
        loop {
            if *self.played.borrow() >= id {
                return None;
            }
            tokio::select! {
                changed = self.played.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                }
                key = self.keys.recv(), if barge_in => {
                    let _ = self.cmd.send(Cmd::Clear);
                    return key;
                }
            }
        }
    }

    /// Sends `keys` as RFC 4733 events and waits until they are out; `false` when the peer
    /// offered no telephone-event payload type.
    pub async fn send_digits(&mut self, keys: &str) -> bool {
        if self.dtmf_pt.is_none() {
            return false;
        }
        self.next_id += 1;
        let id = self.next_id;
        if self.cmd.send(Cmd::Digits(keys.to_owned(), id)).is_err() {
            return true;
        }
        while *self.played.borrow() < id {
            if self.played.changed().await.is_err() {
                break;
            }
        }
        true
    }

    /// Silence for `length` (the stream keeps sending silence frames); with `barge_in`, a key
    /// ends it early and is returned.
    pub async fn pause(&mut self, length: Duration, barge_in: bool) -> Option<char> {
        let sleep = tokio::time::sleep(length);
        tokio::pin!(sleep);
        tokio::select! {
            _ = &mut sleep => None,
            key = self.keys.recv(), if barge_in => key,
        }
    }

    /// The next key pressed within `timeout`.
    pub async fn next_key(&mut self, timeout: Duration) -> Option<char> {
        tokio::time::timeout(timeout, self.keys.recv())
            .await
            .ok()
            .flatten()
    }

    /// Forgets keys pressed before now (a new `<Gather>` starts clean).
    pub fn drain_keys(&mut self) {
        while self.keys.try_recv().is_ok() {}
    }
}

struct Stream {
    socket: UdpSocket,
    remote: SocketAddr,
    sender: RtpSender,
    dtmf: Option<DtmfReceiver>,
    /// The payload type keys are sent with (the peer's telephone-event).
    dtmf_pt: u8,
    keys: mpsc::UnboundedSender<char>,
    played: watch::Sender<u64>,
    /// The id of the last queued prompt not yet fully sent.
    pending: Option<u64>,
    stats: Arc<RtpStats>,
}

impl Stream {
    async fn run(mut self, mut cmds: mpsc::UnboundedReceiver<Cmd>) {
        let start = Instant::now();
        let mut pacer = Pacer::new();
        let mut buf = vec![0u8; 2048];
        let mut out = Vec::with_capacity(200);
        loop {
            let due_at = start + pacer.next_due();
            tokio::select! {
                _ = tokio::time::sleep_until(due_at) => {
                    let now = Instant::now();
                    let late = now.saturating_duration_since(due_at).as_micros();
                    self.stats
                        .max_late_us
                        .fetch_max(u64::try_from(late).unwrap_or(u64::MAX), Ordering::Relaxed);
                    let due = pacer.due_between(start.into_std(), now.into_std()).max(1);
                    for _ in 0..due {
                        self.send_one(&mut out).await;
                    }
                    pacer.record_sent(due);
                }
                got = self.socket.recv_from(&mut buf) => {
                    if let Ok((n, _from)) = got {
                        self.receive(buf.get(..n).unwrap_or(&[]));
                    }
                }
                cmd = cmds.recv() => match cmd {
                    Some(Cmd::Play(pcm, id)) => {
                        self.sender.enqueue_pcm(&pcm);
                        self.pending = Some(id);
                    }
                    Some(Cmd::Digits(keys, id)) => {
                        self.sender.enqueue_digits(&keys, self.dtmf_pt);
                        self.pending = Some(id);
                    }
                    Some(Cmd::Clear) => {
                        self.sender.clear();
                        self.finish_pending();
                    }
                    None => break,
                },
            }
        }
    }

    async fn send_one(&mut self, out: &mut Vec<u8>) {
        out.clear();
        let kind = self.sender.write_next_packet(out);
        if self.socket.send_to(out, self.remote).await.is_ok() {
            self.stats.packets_sent.fetch_add(1, Ordering::Relaxed);
            if kind == switchboard_media::sender::FrameKind::Audio {
                self.stats
                    .audio_packets_sent
                    .fetch_add(1, Ordering::Relaxed);
            }
        }
        if !self.sender.is_playing() && !self.sender.is_sending_digits() {
            self.finish_pending();
        }
    }

    fn finish_pending(&mut self) {
        if let Some(id) = self.pending.take() {
            self.played.send_replace(id);
        }
    }

    fn receive(&mut self, datagram: &[u8]) {
        self.stats.packets_received.fetch_add(1, Ordering::Relaxed);
        let (Some(dtmf), Ok(packet)) = (self.dtmf.as_mut(), rtp::parse(datagram)) else {
            return;
        };
        if let Some(press) = dtmf.on_rtp(&packet) {
            let _ = self.keys.send(press.key);
        }
    }
}

#[async_trait::async_trait]
impl super::interp::CallMedia for RtpSession {
    async fn play(&mut self, pcm: Pcm, barge_in: bool) -> Option<char> {
        RtpSession::play(self, pcm, barge_in).await
    }
    async fn pause(&mut self, length: Duration, barge_in: bool) -> Option<char> {
        RtpSession::pause(self, length, barge_in).await
    }
    async fn next_key(&mut self, timeout: Duration) -> Option<char> {
        RtpSession::next_key(self, timeout).await
    }
    fn drain_keys(&mut self) {
        RtpSession::drain_keys(self)
    }
    async fn send_digits(&mut self, keys: &str) -> bool {
        RtpSession::send_digits(self, keys).await
    }
}
