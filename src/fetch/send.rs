//! Requests portalfeed makes to receivers rather than portals: webhook and WebSub
//! deliveries (POST), a subscriber's verification of intent (GET), a ping to an outside
//! hub.
//!
//! A callback URL is written by whoever subscribes, so it passes the same address policy
//! as a crawl: only http and https, no private, loopback or link-local address, neither
//! written in the URL nor behind a name (the guarded resolver checks at connect time, so
//! a name that changes its answer cannot lead inside). `allow_private` lifts that for
//! receivers on the owner's own network. Redirects are not followed: a receiver that
//! moved says so with its status, and a redirect could lead past the policy.
//! Politeness gaps and robots.txt are for crawling and do not apply.

use std::time::Duration;

use url::{Host, Url};

use super::guard::{GuardedResolver, PrivateAddresses, Refusal};
use super::{FetchError, classify, error_chain, parse_retry_after};

/// The most of a receiver's answer that is read: a challenge echo or an error message.
const MAX_ANSWER: usize = 16 * 1024;

/// The HTTP client for deliveries.
#[derive(Clone)]
pub struct Sender {
    public: reqwest::Client,
    private: reqwest::Client,
}

/// A receiver's answer, whatever its status.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    pub retry_after: Option<Duration>,
    /// The first 16 KiB of the body, as text.
    pub body: String,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

impl Sender {
    pub fn new(user_agent: &str, timeout: Duration) -> Result<Sender, FetchError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let build = |private| {
            reqwest::Client::builder()
                .user_agent(user_agent)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .timeout(timeout)
                .redirect(reqwest::redirect::Policy::none())
                .pool_max_idle_per_host(2)
                .dns_resolver(std::sync::Arc::new(GuardedResolver { private }))
                .build()
                .map_err(|e| FetchError::Client(error_chain(&e)))
        };
        Ok(Sender {
            public: build(PrivateAddresses::Refused)?,
            private: build(PrivateAddresses::Allowed)?,
        })
    }

    /// Whether a receiver's URL passes the address policy as written: its scheme and, for
    /// an address literal, the address.
    pub fn check(url: &Url, allow_private: bool) -> Result<(), Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refusal::Scheme(url.to_string()));
        }
        let ip = match url.host() {
            None => return Err(Refusal::NoHost(url.to_string())),
            Some(Host::Ipv4(v4)) => Some(std::net::IpAddr::V4(v4)),
            Some(Host::Ipv6(v6)) => Some(std::net::IpAddr::V6(v6)),
            Some(Host::Domain(_)) => None,
        };
        match ip {
            Some(ip) if !allow_private && crate::address::is_internal(ip) => {
                Err(Refusal::Private {
                    url: url.to_string(),
                    ip,
                })
            }
            _ => Ok(()),
        }
    }

    /// [`Sender::check`], and for a host name, whether it resolves to a public address:
    /// a subscription is refused at once rather than accepted and never delivered.
    pub async fn admit(url: &Url, allow_private: bool) -> Result<(), Refusal> {
        Sender::check(url, allow_private)?;
        let (false, Some(Host::Domain(name)), Some(port)) =
            (allow_private, url.host(), url.port_or_known_default())
        else {
            return Ok(());
        };
        // A name that does not resolve now may later; the delivery reports it then.
        let Ok(addrs) = tokio::net::lookup_host((name, port)).await else {
            return Ok(());
        };
        let addrs: Vec<_> = addrs.collect();
        match addrs.iter().find(|a| crate::address::is_internal(a.ip())) {
            Some(a) if addrs.iter().all(|a| crate::address::is_internal(a.ip())) => {
                Err(Refusal::Private {
                    url: url.to_string(),
                    ip: a.ip(),
                })
            }
            _ => Ok(()),
        }
    }

    /// POSTs `body` to `url` and reads the answer.
    pub async fn post(
        &self,
        url: &Url,
        allow_private: bool,
        content_type: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
    ) -> Result<Answer, FetchError> {
        Sender::check(url, allow_private)?;
        let mut req = self
            .client(allow_private)
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        for (name, value) in headers {
            req = req.header(name.as_str(), value.as_str());
        }
        answer(url, req).await
    }

    /// GETs `url` (a verification of intent) and reads the answer.
    pub async fn get(&self, url: &Url, allow_private: bool) -> Result<Answer, FetchError> {
        Sender::check(url, allow_private)?;
        answer(url, self.client(allow_private).get(url.clone())).await
    }

    fn client(&self, allow_private: bool) -> &reqwest::Client {
        if allow_private {
            &self.private
        } else {
            &self.public
        }
    }
}

async fn answer(url: &Url, req: reqwest::RequestBuilder) -> Result<Answer, FetchError> {
    let u = url.to_string();
    let mut resp = req.send().await.map_err(|e| classify(&u, e))?;
    let status = resp.status().as_u16();
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_retry_after);
    let mut body = Vec::new();
    while body.len() < MAX_ANSWER {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                let room = MAX_ANSWER - body.len();
                body.extend_from_slice(&chunk[..chunk.len().min(room)]);
            }
            Ok(None) => break,
            // The status is the answer; a body cut short does not change it.
            Err(_) => break,
        }
    }
    Ok(Answer {
        status,
        retry_after,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_literals_are_refused_unless_allowed() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(Sender::check(&u("http://127.0.0.1:9/cb"), false).is_err());
        assert!(Sender::check(&u("http://[::1]/cb"), false).is_err());
        assert!(Sender::check(&u("http://10.0.0.5/cb"), false).is_err());
        assert!(Sender::check(&u("http://169.254.169.254/latest"), false).is_err());
        assert!(Sender::check(&u("ftp://reader.example/cb"), false).is_err());
        assert!(Sender::check(&u("https://reader.example/cb"), false).is_ok());
        assert!(Sender::check(&u("http://127.0.0.1:9/cb"), true).is_ok());
    }

    #[tokio::test]
    async fn a_name_that_leads_only_inside_is_refused() {
        let url = Url::parse("http://localhost:9/cb").unwrap();
        let refused = Sender::admit(&url, false).await.unwrap_err();
        assert!(matches!(refused, Refusal::Private { .. }), "{refused:?}");
        assert!(Sender::admit(&url, true).await.is_ok());
    }
}
