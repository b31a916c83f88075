//! Webhooks over HTTP: signed like Twilio's, with timeouts, a capped response
//! body, no redirects and no proxies, and an address policy checked on the
//! addresses actually connected to (a resolver that drops disallowed ones),
//! so a DNS answer cannot point a callback at a private network.

use crate::signature::sign;
use async_trait::async_trait;
use ipnet::IpNet;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use switchboard_core::webhooks::{HookMethod, HookRequest, HookResponse, WebhookClient};

/// Largest response body read (TwiML answers are small).
pub const MAX_BODY: usize = 64 * 1024;

/// Which destination addresses webhooks may reach.
#[derive(Debug, Clone, Default)]
pub struct AddressPolicy {
    /// Networks allowed even though they are private, loopback or link-local.
    pub allowed: Vec<IpNet>,
}

fn v4_special(ip: std::net::Ipv4Addr) -> bool {
    let o = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || o[0] == 0
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (18..20).contains(&o[1]))
        || o[0] >= 240
}

impl AddressPolicy {
    /// Public addresses, and the allowed networks.
    pub fn permits(&self, ip: IpAddr) -> bool {
        if self.allowed.iter().any(|n| n.contains(&ip)) {
            return true;
        }
        match ip {
            IpAddr::V4(v4) => !v4_special(v4),
            IpAddr::V6(v6) => {
                if let Some(v4) = v6.to_ipv4_mapped() {
                    return self.permits(IpAddr::V4(v4));
                }
                let seg0 = v6.segments()[0];
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || (seg0 & 0xfe00) == 0xfc00
                    || (seg0 & 0xffc0) == 0xfe80
                    || seg0 == 0x2001 && v6.segments()[1] == 0x0db8)
            }
        }
    }
}

/// Resolves with the system resolver and keeps only permitted addresses.
struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let all: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let ok: Vec<SocketAddr> = all.into_iter().filter(|a| policy.permits(a.ip())).collect();
            if ok.is_empty() {
                return Err(
                    format!("{host} resolves only to addresses webhooks may not reach").into(),
                );
            }
            let addrs: Addrs = Box::new(ok.into_iter());
            Ok(addrs)
        })
    }
}

pub struct HttpWebhookClient {
    http: reqwest::Client,
    policy: Arc<AddressPolicy>,
}

impl HttpWebhookClient {
    pub fn new(policy: AddressPolicy) -> Result<Self, reqwest::Error> {
        let policy = Arc::new(policy);
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .user_agent("TwilioProxy/1.1")
            .dns_resolver(Arc::new(GuardedResolver {
                policy: policy.clone(),
            }))
            .connect_timeout(std::time::Duration::from_secs(5))
            .pool_idle_timeout(std::time::Duration::from_secs(30))
            .build()?;
        Ok(Self { http, policy })
    }

    /// Refuses before any connection when the host is a literal address that
    /// is not permitted, or a name that resolves only to such addresses.
    async fn precheck(&self, url: &reqwest::Url) -> Result<(), String> {
        let host = url.host_str().ok_or("the URL has no host")?;
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return if self.policy.permits(ip) {
                Ok(())
            } else {
                Err(format!(
                    "{ip} is a private, loopback, link-local or reserved address"
                ))
            };
        }
        let port = url.port_or_known_default().unwrap_or(80);
        match tokio::net::lookup_host((bare, port)).await {
            Ok(addrs) => {
                let addrs: Vec<SocketAddr> = addrs.collect();
                if !addrs.is_empty() && addrs.iter().all(|a| !self.policy.permits(a.ip())) {
                    return Err(format!("{host} resolves only to private, loopback, link-local or reserved addresses"));
                }
                Ok(())
            }
            // Resolution failures are connection failures, retried later.
            Err(_) => Ok(()),
        }
    }
}

fn connect_error(e: &reqwest::Error) -> bool {
    e.is_connect() || (e.is_timeout() && !e.is_body() && !e.is_decode())
}

#[async_trait]
impl WebhookClient for HttpWebhookClient {
    async fn send(&self, req: HookRequest) -> HookResponse {
        let url = match reqwest::Url::parse(&req.url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => return HookResponse::Refused(format!("{} is not an http(s) URL", req.url)),
        };
        if let Err(e) = self.precheck(&url).await {
            return HookResponse::Refused(e);
        }
        let builder = match req.method {
            HookMethod::Post => self
                .http
                .post(url.clone())
                .header(
                    "X-Twilio-Signature",
                    sign(&req.auth_token, url.as_str(), &req.params),
                )
                .form(&req.params),
            HookMethod::Get => {
                let mut u = url.clone();
                u.query_pairs_mut().extend_pairs(req.params.iter());
                let sig = sign(&req.auth_token, u.as_str(), &[]);
                self.http.get(u).header("X-Twilio-Signature", sig)
            }
        };
        let sent = builder
            .header("I-Twilio-Idempotency-Token", &req.idempotency_token)
            .timeout(req.connect_timeout + req.read_timeout)
            .send()
            .await;
        let mut resp = match sent {
            Ok(r) => r,
            Err(e) if connect_error(&e) => return HookResponse::ConnectFailed(e.to_string()),
            Err(e) => return HookResponse::Failed(e.to_string()),
        };
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let body = match read_body(&mut resp, MAX_BODY).await {
            Ok(b) => b,
            Err(e) => return HookResponse::Failed(e),
        };
        HookResponse::Response {
            status,
            content_type,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    async fn fetch_bytes(&self, url: &str, limit: usize) -> Result<Vec<u8>, String> {
        let url = match reqwest::Url::parse(url) {
            Ok(u) if matches!(u.scheme(), "http" | "https") => u,
            _ => return Err(format!("{url} is not an http(s) URL")),
        };
        self.precheck(&url).await?;
        let mut resp = self
            .http
            .get(url)
            .timeout(std::time::Duration::from_secs(30))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(format!("HTTP {}", resp.status().as_u16()));
        }
        read_body(&mut resp, limit).await
    }
}

/// The body of `resp`, refused past `limit` bytes.
async fn read_body(resp: &mut reqwest::Response, limit: usize) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(c) = resp.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + c.len() > limit {
            return Err(format!("response body over {limit} bytes"));
        }
        body.extend_from_slice(&c);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_metadata_addresses_are_refused_unless_allowed() {
        let none = AddressPolicy::default();
        for ip in [
            "10.0.0.1",
            "169.254.169.254",
            "127.0.0.1",
            "192.168.1.2",
            "172.16.0.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!none.permits(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(none.permits(ip.parse().unwrap()), "{ip}");
        }
        let dev = AddressPolicy {
            allowed: vec!["127.0.0.0/8".parse().unwrap(), "::1/128".parse().unwrap()],
        };
        assert!(dev.permits("127.0.0.1".parse().unwrap()));
        assert!(dev.permits("::1".parse().unwrap()));
        assert!(!dev.permits("10.0.0.1".parse().unwrap()));
    }
}
