//! [`SipUa`]: one UDP socket, rsipstack's endpoint and dialog layer, and
//! the loop that hands in-dialog requests to their dialogs and new INVITEs
//! to the inbound side.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rsipstack::dialog::authenticate::Credential;
use rsipstack::dialog::dialog::Dialog;
use rsipstack::dialog::dialog_layer::DialogLayer;
use rsipstack::dialog::invitation::InviteOption;
use rsipstack::sip::prelude::HeadersExt;
use rsipstack::sip::{Method, StatusCode};
use rsipstack::transaction::endpoint::EndpointOption;
use rsipstack::transaction::transaction::Transaction;
use rsipstack::transaction::TransactionReceiver;
use rsipstack::transport::{udp::UdpConnection, TransportLayer};
use rsipstack::EndpointBuilder;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::call::{CallHandle, CallRequest};
use crate::driver::CallDriver;
use crate::inbound::{self, Inbound, IncomingCall};
use crate::target::{check_call_id, check_credential, invite_target};
use crate::SipError;

/// How to run the user agent.
#[derive(Debug, Clone)]
pub struct SipUaConfig {
    /// Local UDP address; port 0 picks a free one.
    pub bind: SocketAddr,
    /// Address to advertise in Via and Contact when `bind` is not reachable
    /// as such (behind NAT). Without it, the bound address is advertised,
    /// and an unspecified IP (`0.0.0.0`) is replaced by the first
    /// non-loopback interface's.
    pub public_addr: Option<SocketAddr>,
    /// The User-Agent header.
    pub user_agent: String,
    /// SIP timer T1 (RFC 3261, default 500 ms). Timer B, the longest an
    /// INVITE waits for any response, is 64·T1.
    pub t1: Duration,
    /// Inbound calls only from these IPs (the trunks'); INVITEs from any
    /// other source get 403 Forbidden. `None` (the default) accepts all.
    pub accept_from: Option<Vec<IpAddr>>,
}

impl SipUaConfig {
    /// Defaults for a given bind address.
    pub fn new(bind: SocketAddr) -> Self {
        Self {
            bind,
            public_addr: None,
            user_agent: concat!("Switchboard/", env!("CARGO_PKG_VERSION")).to_string(),
            t1: Duration::from_millis(500),
            accept_from: None,
        }
    }
}

/// A SIP user agent on one UDP socket: outbound calls with
/// [`invite`](Self::invite), inbound ones from
/// [`take_incoming`](Self::take_incoming). Any number of calls run at once,
/// each as one tokio task; the stack itself is a few tasks more.
/// Dropping the last clone stops it (calls still running end as failed).
#[derive(Clone)]
pub struct SipUa {
    inner: Arc<Inner>,
}

struct Inner {
    layer: Arc<DialogLayer>,
    contact_addr: SocketAddr,
    local_addr: SocketAddr,
    cancel: CancellationToken,
    runtime: tokio::runtime::Handle,
    /// The inbound calls' receiver until the application takes it.
    incoming: Mutex<Option<tokio::sync::mpsc::Receiver<IncomingCall>>>,
    incoming_taken: Arc<AtomicBool>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl SipUa {
    /// Bind the socket and start the stack. Must be called inside a tokio
    /// runtime, which then runs every task of this user agent.
    pub async fn bind(config: SipUaConfig) -> Result<SipUa, SipError> {
        let runtime = tokio::runtime::Handle::try_current()
            .map_err(|e| SipError::Stack(format!("SipUa::bind needs a tokio runtime: {e}")))?;
        let cancel = CancellationToken::new();
        let transport = TransportLayer::new(cancel.clone());
        let bind_error = |reason: String| SipError::Bind {
            addr: config.bind,
            reason,
        };
        let socket = tokio::net::UdpSocket::bind(config.bind)
            .await
            .map_err(|e| bind_error(e.to_string()))?;
        let local_addr = socket.local_addr().map_err(|e| bind_error(e.to_string()))?;
        let udp = UdpConnection::from_socket(
            Arc::new(socket),
            config.public_addr,
            Some(cancel.child_token()),
        )
        .await
        .map_err(|e| bind_error(e.to_string()))?;
        // What the stack puts in Via: `public_addr`, else the bound address
        // (an unspecified IP replaced by the first non-loopback interface's).
        let contact_addr = udp.get_addr().get_socketaddr()?;
        transport.add_transport(udp.into());
        let option = EndpointOption {
            t1: config.t1,
            t1x64: config.t1.saturating_mul(64),
            // Call-IDs read `<random>@<our address>` instead of the stack's
            // own default domain.
            callid_suffix: Some(contact_addr.ip().to_string()),
            ..EndpointOption::default()
        };
        let endpoint = EndpointBuilder::new()
            .with_transport_layer(transport)
            .with_cancel_token(cancel.clone())
            .with_user_agent(&config.user_agent)
            .with_option(option)
            .build();
        let incoming = endpoint.incoming_transactions()?;
        let layer = Arc::new(DialogLayer::new(endpoint.inner.clone()));
        let stack = endpoint.inner.clone();
        runtime.spawn(async move {
            if let Err(e) = stack.serve().await {
                debug!(error = %e, "SIP endpoint stopped");
            }
        });
        let (calls, calls_rx) = tokio::sync::mpsc::channel(inbound::QUEUE);
        let incoming_taken = Arc::new(AtomicBool::new(false));
        let inbound = Inbound {
            layer: layer.clone(),
            calls,
            taken: incoming_taken.clone(),
            accept_from: config.accept_from.clone(),
            shutdown: cancel.clone(),
            runtime: runtime.clone(),
        };
        runtime.spawn(route_incoming(incoming, inbound, cancel.clone()));
        Ok(SipUa {
            inner: Arc::new(Inner {
                layer,
                contact_addr,
                local_addr,
                cancel,
                runtime,
                incoming: Mutex::new(Some(calls_rx)),
                incoming_taken,
            }),
        })
    }

    /// The bound UDP address (with the real port when bound to port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.inner.local_addr
    }

    /// The inbound calls: every new INVITE (from an allowed source, see
    /// [`SipUaConfig::accept_from`]) arrives here as an [`IncomingCall`].
    /// Returns the receiver once, then `None`. Until it is taken, and after
    /// it is dropped, INVITEs get 480 Temporarily Unavailable (an outbound
    /// only user agent behaves as before); while 64 offered calls wait
    /// unread, further INVITEs get 503 Service Unavailable.
    pub fn take_incoming(&self) -> Option<tokio::sync::mpsc::Receiver<IncomingCall>> {
        let mut slot = match self.inner.incoming.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        let receiver = slot.take()?;
        self.inner.incoming_taken.store(true, Ordering::Release);
        Some(receiver)
    }

    /// Number of dialogs the stack currently tracks (for leak checks).
    pub fn dialog_count(&self) -> usize {
        self.inner.layer.len()
    }

    /// Stop the stack now: every call still running ends at once (without
    /// a BYE or CANCEL: hang calls up first for a clean stop).
    pub fn shutdown(&self) {
        self.inner.cancel.cancel();
    }

    /// Send an INVITE and return at once; the call's progress arrives as
    /// [`crate::CallEvent`]s on the handle. Errors only for a request that
    /// cannot be sent at all (invalid field, stack shut down).
    pub fn invite(&self, request: CallRequest) -> Result<CallHandle, SipError> {
        let inner = &self.inner;
        if inner.cancel.is_cancelled() {
            return Err(SipError::Closed);
        }
        let option = self.invite_option(&request)?;
        // rsipstack spawns its INVITE task with `tokio::spawn`.
        let _runtime = inner.runtime.enter();
        let (state_tx, states) = inner.layer.new_dialog_state_channel();
        let (dialog, invite) = inner.layer.do_invite_async(option, state_tx)?;
        let (events_tx, events) = tokio::sync::mpsc::unbounded_channel();
        let (commands_tx, commands) = tokio::sync::mpsc::unbounded_channel();
        let call_id = dialog.id().call_id;
        let driver = CallDriver {
            dialog,
            layer: inner.layer.clone(),
            states,
            commands,
            events: events_tx,
            local_sdp: Arc::from(request.sdp_offer.as_str()),
            ring_timeout: request.ring_timeout,
            shutdown: inner.cancel.child_token(),
        };
        inner.runtime.spawn(driver.run(invite));
        Ok(CallHandle::new(call_id, events, commands_tx))
    }

    fn invite_option(&self, request: &CallRequest) -> Result<InviteOption, SipError> {
        let trunk = &request.trunk;
        let target = invite_target(
            &trunk.host,
            trunk.port,
            &request.to_user,
            &request.from_user,
            self.inner.contact_addr,
        )?;
        if let Some(call_id) = &request.call_id {
            check_call_id(call_id)?;
        }
        let credential = match (&trunk.username, &trunk.password) {
            (Some(username), Some(password)) => {
                check_credential("trunk.username", username)?;
                check_credential("trunk.password", password)?;
                Some(Credential {
                    username: username.clone(),
                    password: password.clone(),
                    realm: None,
                    auth_username: None,
                })
            }
            (None, None) => None,
            _ => {
                return Err(SipError::invalid(
                    "trunk",
                    "username and password go together",
                ))
            }
        };
        Ok(InviteOption {
            caller: target.caller,
            callee: target.callee,
            destination: Some(target.destination),
            contact: target.contact,
            content_type: Some("application/sdp".to_string()),
            offer: Some(request.sdp_offer.clone().into_bytes()),
            credential,
            call_id: request.call_id.clone(),
            ..InviteOption::default()
        })
    }
}

/// Every request the stack receives outside a transaction we started
/// arrives here: in-dialog ones (BYE, re-INVITE, UPDATE, OPTIONS…) go to
/// their dialog, whose state channel reaches the call's task; new INVITEs
/// go to the inbound side; the rest get a final answer so nobody
/// retransmits at us. (A retransmitted INVITE never gets here: its
/// transaction absorbs it.)
async fn route_incoming(
    mut incoming: TransactionReceiver,
    inbound: Inbound,
    cancel: CancellationToken,
) {
    loop {
        let mut tx = tokio::select! {
            tx = incoming.recv() => match tx {
                Some(tx) => tx,
                None => return,
            },
            () = cancel.cancelled() => return,
        };
        match inbound.layer.match_dialog(&tx) {
            Some(Dialog::Invite(mut dialog)) => {
                tokio::spawn(async move {
                    if let Err(e) = dialog.handle(&mut tx).await {
                        debug!(error = %e, "in-dialog request failed");
                    }
                });
            }
            _ if tx.original.method == Method::Invite && !has_to_tag(&tx) => inbound.offer(tx),
            _ => {
                tokio::spawn(async move { reject_stray(&mut tx).await });
            }
        }
    }
}

fn has_to_tag(tx: &Transaction) -> bool {
    matches!(tx.original.to_header().map(|to| to.tag()), Ok(Ok(Some(_))))
}

/// Out-of-dialog or unknown-dialog requests: OPTIONS pings get 200, a
/// request for a dialog we do not know 481, others 405.
async fn reject_stray(tx: &mut Transaction) {
    let has_to_tag = has_to_tag(tx);
    let status = match tx.original.method {
        Method::Ack => return,
        Method::Options if !has_to_tag => StatusCode::OK,
        _ if has_to_tag => StatusCode::CallTransactionDoesNotExist,
        _ => StatusCode::MethodNotAllowed,
    };
    if let Err(e) = tx.reply(status).await {
        debug!(error = %e, "stray request not answered");
    }
}
