//! Where a source may send portalfeed: no server-side request forgery.
//!
//! A hacked portal must not make portalfeed fetch and publish internal pages. So article
//! links and redirects are followed only on the source's own site and on its
//! `allow_hosts`; loopback, private, link-local and metadata addresses are refused, both
//! when written in the URL and when a host name resolves to them (the resolver below);
//! the exceptions are a source whose own URL is on such an address (for that address
//! and port only, whatever name leads there) and a source with `allow_private = true`.

use std::net::{IpAddr, SocketAddr};

use url::{Host, Url};

use crate::address::is_internal;
use crate::config::SourceConfig;
use crate::text;

/// What one source may fetch.
#[derive(Debug, Clone)]
pub struct SourcePolicy {
    /// The source's own URL: its site is always allowed.
    pub home: Url,
    pub allow_hosts: Vec<String>,
    pub allow_private: bool,
    pub robots: bool,
    pub http: crate::config::HttpPolicy,
}

/// Why a URL is not fetched for a source: the address policy's answer, on every hop.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0}: only http and https are fetched")]
    Scheme(String),
    #[error("{0}: no host")]
    NoHost(String),
    #[error("{url}: {ip} is a private or loopback address; refused")]
    Private { url: String, ip: IpAddr },
    #[error("{url}: {host} is not this source's site; list it in allow_hosts to follow it")]
    OffSite { url: String, host: String },
    #[error(
        "{url}: {name} resolves to {addr}, the source's own private address on another port than {home}; refused"
    )]
    OtherPort {
        url: String,
        name: String,
        addr: SocketAddr,
        home: SocketAddr,
    },
}

impl From<&SourceConfig> for SourcePolicy {
    fn from(s: &SourceConfig) -> Self {
        SourcePolicy {
            home: s.url.clone(),
            allow_hosts: s.allow_hosts.clone(),
            allow_private: s.allow_private,
            robots: s.robots,
            http: s.http.clone(),
        }
    }
}

impl SourcePolicy {
    /// A policy for one-off fetches of a URL given by a person (`preview`, `discover`).
    pub fn for_url(url: &Url) -> SourcePolicy {
        SourcePolicy {
            home: url.clone(),
            allow_hosts: Vec::new(),
            allow_private: false,
            robots: true,
            http: Default::default(),
        }
    }

    /// Whether `url` may be fetched for this source; the reason when not.
    pub fn check(&self, url: &Url) -> Result<(), Refusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refusal::Scheme(url.to_string()));
        }
        let Some(host) = url.host() else {
            return Err(Refusal::NoHost(url.to_string()));
        };
        let ip = match host {
            Host::Ipv4(v4) => Some(IpAddr::V4(v4)),
            Host::Ipv6(v6) => Some(IpAddr::V6(v6)),
            Host::Domain(_) => None,
        };
        if let Some(ip) = ip
            && is_internal(ip)
            && !self.allow_private
            && !self.is_home_address(url)
        {
            return Err(Refusal::Private {
                url: url.to_string(),
                ip,
            });
        }
        let host_name = url.host_str().unwrap_or("").to_ascii_lowercase();
        let on_site = text::same_site(url, &self.home)
            || self
                .allow_hosts
                .iter()
                .any(|h| host_name == *h || host_name.ends_with(&format!(".{h}")));
        if !on_site {
            return Err(Refusal::OffSite {
                url: url.to_string(),
                host: host_name,
            });
        }
        Ok(())
    }

    /// The same host and port as the source's own URL.
    fn is_home_address(&self, url: &Url) -> bool {
        url.host() == self.home.host()
            && url.port_or_known_default() == self.home.port_or_known_default()
    }

    /// Which internal addresses name resolution may return for this source: all when
    /// `allow_private` is set, the source's own address when it lives on one, else none.
    pub fn private_addresses(&self) -> PrivateAddresses {
        if self.allow_private {
            return PrivateAddresses::Allowed;
        }
        let ip = match self.home.host() {
            Some(Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(Host::Ipv6(v6)) => IpAddr::V6(v6),
            _ => return PrivateAddresses::Refused,
        };
        match self.home.port_or_known_default() {
            Some(port) if is_internal(ip) => PrivateAddresses::Only(SocketAddr::new(ip, port)),
            _ => PrivateAddresses::Refused,
        }
    }

    /// [`SourcePolicy::check`], and for a source that lives on an internal address, the
    /// resolution of a named host: a name (an `allow_hosts` entry such as `localhost`)
    /// may lead to the source's own address and port, never to another service on that
    /// machine. The resolver keeps no other internal address when the connection is made
    /// ([`PrivateAddresses::Only`]), so a second answer cannot lead elsewhere.
    pub async fn admit(&self, url: &Url) -> Result<(), Refusal> {
        self.check(url)?;
        let (PrivateAddresses::Only(home), Some(Host::Domain(name)), Some(port)) = (
            self.private_addresses(),
            url.host(),
            url.port_or_known_default(),
        ) else {
            return Ok(());
        };
        // A name that does not resolve is the fetch's error to report, with its reason.
        let Ok(addrs) = tokio::net::lookup_host((name, port)).await else {
            return Ok(());
        };
        // The resolver drops every other internal address; what is left to check is the
        // port of the source's own.
        for addr in addrs {
            if addr.ip() == home.ip() && port != home.port() {
                return Err(Refusal::OtherPort {
                    url: url.to_string(),
                    name: name.to_string(),
                    addr,
                    home,
                });
            }
        }
        Ok(())
    }
}

/// Internal addresses a source's names may resolve to (see [`SourcePolicy::private_addresses`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrivateAddresses {
    Refused,
    /// The source's own internal address: this one only.
    Only(SocketAddr),
    Allowed,
}

impl PrivateAddresses {
    fn admits(self, ip: IpAddr) -> bool {
        match self {
            PrivateAddresses::Refused => !is_internal(ip),
            PrivateAddresses::Only(home) => !is_internal(ip) || ip == home.ip(),
            PrivateAddresses::Allowed => true,
        }
    }
}

/// A host name that does not resolve: no retry will change that.
#[derive(Debug)]
pub struct NameNotFound(pub String);

impl std::fmt::Display for NameNotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NameNotFound {}

impl NameNotFound {
    /// As the resolver returns its errors.
    fn boxed(message: String) -> Box<dyn std::error::Error + Send + Sync> {
        Box::new(NameNotFound(message))
    }
}

/// A resolver that drops internal addresses, so that a public-looking host name cannot
/// lead to an internal service.
#[derive(Debug, Clone, Copy)]
pub struct GuardedResolver {
    pub private: PrivateAddresses,
}

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let private = self.private;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host.as_str(), 0)).await {
                Ok(a) => a.collect(),
                // A name that does not exist fails the same way every time: said once,
                // not retried. "Temporary failure in name resolution" may pass.
                Err(e) if !e.to_string().contains("Temporary failure") => {
                    return Err(NameNotFound::boxed(format!("{host} does not resolve: {e}")));
                }
                Err(e) => return Err(e.into()),
            };
            let kept: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| private.admits(a.ip()))
                .collect();
            if kept.is_empty() {
                if addrs.is_empty() {
                    return Err(NameNotFound::boxed(format!("{host} does not resolve")));
                }
                let msg = {
                    format!(
                        "{host} resolves only to private or loopback addresses; refused (set allow_private to permit)"
                    )
                };
                return Err(msg.into());
            }
            let iter: reqwest::dns::Addrs = Box::new(kept.into_iter());
            Ok(iter)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn policy(home: &str) -> SourcePolicy {
        SourcePolicy::for_url(&Url::parse(home).unwrap())
    }

    #[tokio::test]
    async fn names_resolving_to_internal_addresses_are_refused() {
        use reqwest::dns::Resolve;
        let name = |n: &str| reqwest::dns::Name::from_str(n).unwrap();
        let refused = GuardedResolver {
            private: PrivateAddresses::Refused,
        }
        .resolve(name("localhost"))
        .await;
        let err = refused.err().expect("localhost is loopback").to_string();
        assert!(err.contains("private or loopback"), "{err}");
        let allowed = GuardedResolver {
            private: PrivateAddresses::Allowed,
        }
        .resolve(name("localhost"))
        .await;
        assert!(allowed.is_ok_and(|mut a| a.next().is_some()));
    }

    #[test]
    fn links_stay_on_the_site() {
        let p = policy("https://dakrong.quangtri.gov.vn/tin-tuc/");
        assert!(
            p.check(&Url::parse("https://dakrong.quangtri.gov.vn/tin-tuc/a-1.html").unwrap())
                .is_ok()
        );
        assert!(
            p.check(&Url::parse("http://www.dakrong.quangtri.gov.vn/a").unwrap())
                .is_ok()
        );
        assert!(
            p.check(&Url::parse("https://evil.test/a").unwrap())
                .is_err()
        );
        assert!(p.check(&Url::parse("file:///etc/passwd").unwrap()).is_err());
        let mut allowed = p.clone();
        allowed.allow_hosts = vec!["baoquangtri.vn".into()];
        assert!(
            allowed
                .check(&Url::parse("https://img.baoquangtri.vn/x.jpg").unwrap())
                .is_ok()
        );
    }

    #[test]
    fn internal_literals_are_refused_except_the_sources_own() {
        let p = policy("http://127.0.0.1:8080/tin-tuc/");
        assert!(
            p.check(&Url::parse("http://127.0.0.1:8080/a.html").unwrap())
                .is_ok()
        );
        assert!(
            p.check(&Url::parse("http://127.0.0.1:9090/admin").unwrap())
                .is_err(),
            "another loopback port"
        );
        let public = policy("http://169.254.169.254/");
        assert!(
            public
                .check(&Url::parse("http://169.254.169.254/latest/meta-data/").unwrap())
                .is_ok()
        );
        let mut site = policy("http://portal.test/");
        site.allow_hosts = vec!["169.254.169.254".into()];
        assert!(
            site.check(&Url::parse("http://169.254.169.254/latest/meta-data/").unwrap())
                .is_err()
        );
        site.allow_private = true;
        assert!(
            site.check(&Url::parse("http://169.254.169.254/latest/meta-data/").unwrap())
                .is_ok()
        );
    }
}
