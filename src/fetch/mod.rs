//! The HTTP client: politeness, robots.txt, conditional GET, retries, redirects checked
//! hop by hop, size and time limits, TLS policy per source, charset decoding.
//!
//! Government portals are slow and easy to anger. So every request to a host waits for
//! the previous one to finish and then for the larger of `per_host_delay` and the host's
//! robots.txt `Crawl-delay`; a global semaphore caps the requests in flight. Bodies are
//! read as a stream and cut off at the size limit after decompression, so a
//! decompression bomb cannot fill memory. Redirects are followed here, not by the HTTP
//! library, so that every hop passes the source's address policy ([`guard`]).

pub mod decode;
pub mod guard;
pub mod send;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use backon::{ExponentialBuilder, Retryable};
use tokio::sync::Semaphore;
use tokio::time::Instant;
use tracing::{debug, warn};
use url::Url;

use crate::config::{DaemonConfig, HttpPolicy};
pub use crate::model::Validators;
pub use guard::{Refusal, SourcePolicy};
pub use send::{Answer, Sender};

/// Limits and identity of the client.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    pub per_host_delay: Duration,
    pub max_concurrency: usize,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_body_bytes: usize,
    pub retries: usize,
    pub retry_delay: Duration,
}

impl From<&DaemonConfig> for FetchConfig {
    fn from(d: &DaemonConfig) -> Self {
        FetchConfig {
            user_agent: d.user_agent.clone(),
            per_host_delay: d.per_host_delay,
            max_concurrency: d.max_concurrency,
            connect_timeout: d.connect_timeout,
            timeout: d.timeout,
            max_body_bytes: d.max_body_bytes,
            retries: d.retries,
            retry_delay: d.retry_delay,
        }
    }
}

/// A server's `Retry-After` longer than this is not waited for within a run; the run
/// fails and the source's back-off takes over.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(120);
/// How long a robots.txt is trusted.
const ROBOTS_TTL: Duration = Duration::from_secs(24 * 3600);
/// What a response body larger than its limit means.
#[derive(Debug, Clone, Copy)]
enum BodyLimit {
    /// Past `max_body`, the response is refused (pages, feeds, sitemaps).
    Refuse,
    /// The first bytes are kept and the rest is not read (robots.txt, RFC 9309 2.5).
    Truncate(usize),
    /// No body at all: a `HEAD` request (an attachment's size and type).
    HeadOnly,
}

/// The part of a robots.txt that is read: RFC 9309 asks crawlers to parse at least the
/// first 500 KiB; a larger file is cut there instead of treated as missing (which would
/// allow everything).
const ROBOTS_MAX: usize = 512 * 1024;

/// At most this many redirects.
const MAX_REDIRECTS: usize = 10;

/// Why a fetch failed, in words a user can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {status} from {url}")]
    Status {
        url: String,
        status: u16,
        retry_after: Option<Duration>,
    },
    #[error("timed out fetching {url}")]
    Timeout { url: String },
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("{url}: {message}")]
    NoSuchHost { url: String, message: String },
    #[error("response from {url} is larger than the {limit}-byte limit")]
    TooLarge { url: String, limit: usize },
    #[error("too many redirects from {url} (more than {MAX_REDIRECTS}, or a loop)")]
    Redirects { url: String },
    #[error("refused: {0}")]
    Refused(#[from] guard::Refusal),
    #[error("{url} is disallowed by robots.txt")]
    Robots { url: String },
    #[error(
        "robots.txt at {url} is unreachable, so the site is not crawled until it answers (RFC 9309): {reason}"
    )]
    RobotsUnreachable { url: String, reason: String },
    #[error("request to {url} failed: {message}")]
    Other { url: String, message: String },
    #[error("{url}: {source}")]
    Decode {
        url: String,
        #[source]
        source: decode::DecodeError,
    },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

impl FetchError {
    /// A short machine-friendly kind, for health records and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Status { .. } => "http_status",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Connect { .. } => "connect",
            FetchError::NoSuchHost { .. } => "dns",
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Redirects { .. } => "redirects",
            FetchError::Refused(_) => "refused",
            FetchError::Robots { .. } => "robots",
            FetchError::RobotsUnreachable { .. } => "robots_unreachable",
            FetchError::Other { .. } => "other",
            FetchError::Decode { .. } => "not_html",
            FetchError::Client(_) => "client",
        }
    }

    /// The HTTP status, when the server answered with an error.
    pub fn status(&self) -> Option<u16> {
        match self {
            FetchError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Timeouts, connection failures, cut-off bodies, 5xx and 429 may succeed if tried
    /// again; everything else will fail the same way.
    fn is_retryable(&self) -> bool {
        match self {
            FetchError::Status { status, .. } => *status == 429 || *status >= 500,
            FetchError::Timeout { .. } | FetchError::Connect { .. } | FetchError::Other { .. } => {
                true
            }
            _ => false,
        }
    }
}

/// A response read in full, or "not modified".
#[derive(Debug, Clone)]
pub struct Response {
    /// The URL after redirects.
    pub url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub validators: Validators,
    /// 304: the server says the earlier copy is current. `body` is empty.
    pub not_modified: bool,
    /// The `Content-Length` the server declared (for a `HEAD`, the size of what a `GET`
    /// would send).
    pub declared_length: Option<u64>,
}

/// A decoded HTML page.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: Url,
    pub status: u16,
    pub html: String,
    pub validators: Validators,
}

/// Per host: when the last request ended and how long to wait after it.
#[derive(Default)]
struct HostGate {
    last: Option<Instant>,
    crawl_delay: Option<Duration>,
}

type Gates = Mutex<HashMap<String, Arc<tokio::sync::Mutex<HostGate>>>>;
type RobotsCache = Mutex<HashMap<String, (Arc<robotxt::Robots>, Instant)>>;
type Clients = Mutex<HashMap<(HttpPolicy, guard::PrivateAddresses), reqwest::Client>>;

/// The shared HTTP client. Cheap to clone; clones share politeness state, robots.txt
/// files and connection pools.
#[derive(Clone)]
pub struct Fetcher {
    config: Arc<FetchConfig>,
    global: Arc<Semaphore>,
    gates: Arc<Gates>,
    robots: Arc<RobotsCache>,
    clients: Arc<Clients>,
}

/// What one exchange produced.
enum Exchange {
    Done(Response),
    Redirect(Url),
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        // rustls with ring, installed once for the process; a second call is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let fetcher = Fetcher {
            global: Arc::new(Semaphore::new(config.max_concurrency.max(1))),
            config: Arc::new(config),
            gates: Arc::default(),
            robots: Arc::default(),
            clients: Arc::default(),
        };
        // Fail early on a broken TLS setup rather than at the first fetch.
        fetcher.client(&HttpPolicy::default(), guard::PrivateAddresses::Refused)?;
        Ok(fetcher)
    }

    /// The client for a TLS policy and address policy, built once.
    fn client(
        &self,
        tls: &HttpPolicy,
        private: guard::PrivateAddresses,
    ) -> Result<reqwest::Client, FetchError> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = clients.get(&(tls.clone(), private)) {
            return Ok(c.clone());
        }
        let mut b = reqwest::Client::builder()
            .user_agent(self.config.user_agent.clone())
            .connect_timeout(self.config.connect_timeout)
            .timeout(self.config.timeout)
            .redirect(reqwest::redirect::Policy::none())
            // A portal's connection is reused within its run, across the polite gaps;
            // between runs (minutes apart) an idle connection only holds memory (a read
            // buffer as large as the last page) on both ends.
            .pool_idle_timeout(self.config.per_host_delay + Duration::from_secs(2))
            .pool_max_idle_per_host(1)
            .dns_resolver(Arc::new(guard::GuardedResolver { private }));
        if let Some(path) = &tls.ca_file {
            let pem = std::fs::read(path).map_err(|e| {
                FetchError::Client(format!("cannot read ca_file {}: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                FetchError::Client(format!(
                    "ca_file {} holds no usable PEM certificate: {e}",
                    path.display()
                ))
            })?;
            if certs.is_empty() {
                return Err(FetchError::Client(format!(
                    "ca_file {} holds no certificate",
                    path.display()
                )));
            }
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        if tls.insecure_tls {
            b = b.danger_accept_invalid_certs(true);
        }
        let client = b.build().map_err(|e| FetchError::Client(error_chain(&e)))?;
        clients.insert((tls.clone(), private), client.clone());
        Ok(client)
    }

    fn gate(&self, url: &Url) -> Arc<tokio::sync::Mutex<HostGate>> {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        gates.entry(host_key(url)).or_default().clone()
    }

    /// GETs a URL for a source: its address policy, robots.txt, politeness, retries and
    /// redirects, with an optional conditional GET.
    pub async fn get(
        &self,
        url: &Url,
        policy: &SourcePolicy,
        validators: Option<&Validators>,
    ) -> Result<Response, FetchError> {
        self.request(url, policy, validators, BodyLimit::Refuse)
            .await
    }

    /// A `HEAD` request under the same policy as [`Fetcher::get`] (addresses on every
    /// hop, robots.txt, the host's gap, retries): what a file's server says of its size
    /// and type, without fetching it.
    pub async fn head(&self, url: &Url, policy: &SourcePolicy) -> Result<Response, FetchError> {
        self.request(url, policy, None, BodyLimit::HeadOnly).await
    }

    async fn request(
        &self,
        url: &Url,
        policy: &SourcePolicy,
        validators: Option<&Validators>,
        body: BodyLimit,
    ) -> Result<Response, FetchError> {
        let client = self.client(&policy.http, policy.private_addresses())?;
        let mut current = url.clone();
        let mut seen = vec![current.clone()];
        for hop in 0..=MAX_REDIRECTS {
            policy.admit(&current).await?;
            if policy.robots {
                self.check_robots(&client, policy, &current).await?;
            }
            let conditional = if hop == 0 { validators } else { None };
            match self
                .exchange_with_retries(&client, &current, conditional, body)
                .await?
            {
                Exchange::Done(r) => return Ok(r),
                Exchange::Redirect(next) => {
                    if seen.contains(&next) {
                        return Err(FetchError::Redirects {
                            url: url.to_string(),
                        });
                    }
                    debug!(from = %current, to = %next, "redirect");
                    seen.push(next.clone());
                    current = next;
                }
            }
        }
        Err(FetchError::Redirects {
            url: url.to_string(),
        })
    }

    /// GETs an HTML page and decodes it. A 304 comes back as `Ok(None)`.
    pub async fn get_html(
        &self,
        url: &Url,
        policy: &SourcePolicy,
        validators: Option<&Validators>,
    ) -> Result<Option<Page>, FetchError> {
        let resp = self.get(url, policy, validators).await?;
        if resp.not_modified {
            return Ok(None);
        }
        let decoded =
            decode::decode_html(&resp.body, resp.content_type.as_deref()).map_err(|source| {
                FetchError::Decode {
                    url: resp.url.to_string(),
                    source,
                }
            })?;
        if decoded.had_errors {
            warn!(url = %resp.url, encoding = decoded.encoding.name(), "invalid bytes for the page's charset were replaced");
        }
        Ok(Some(Page {
            url: resp.url,
            status: resp.status,
            html: decoded.text,
            validators: resp.validators,
        }))
    }

    async fn exchange_with_retries(
        &self,
        client: &reqwest::Client,
        url: &Url,
        validators: Option<&Validators>,
        body: BodyLimit,
    ) -> Result<Exchange, FetchError> {
        let backoff = ExponentialBuilder::default()
            .with_min_delay(self.config.retry_delay)
            .with_max_delay(self.config.retry_delay.saturating_mul(16))
            .with_max_times(self.config.retries)
            .with_jitter();
        (|| self.polite_exchange(client, url, validators, body))
            .retry(backoff)
            .sleep(tokio::time::sleep)
            .when(FetchError::is_retryable)
            .adjust(|e, planned| match e {
                // The server said when to come back: wait that long, or give up for
                // this run when it is longer than we wait within a run.
                FetchError::Status {
                    retry_after: Some(after),
                    ..
                } => {
                    if *after > MAX_RETRY_AFTER {
                        None
                    } else {
                        planned.map(|p| p.max(*after))
                    }
                }
                _ => planned,
            })
            .notify(|e, after| debug!(url = %url, error = %e, retry_in = ?after, "retrying"))
            .await
    }

    /// One request, politely: one in flight per host, the host's delay after the last
    /// one, and a global cap on requests in flight.
    async fn polite_exchange(
        &self,
        client: &reqwest::Client,
        url: &Url,
        validators: Option<&Validators>,
        body: BodyLimit,
    ) -> Result<Exchange, FetchError> {
        let gate = self.gate(url);
        let mut g = gate.lock().await;
        if let Some(prev) = g.last {
            let delay = g
                .crawl_delay
                .unwrap_or_default()
                .max(self.config.per_host_delay);
            tokio::time::sleep_until(prev + delay).await;
        }
        let result = {
            let _permit = self
                .global
                .acquire()
                .await
                .map_err(|e| FetchError::Client(e.to_string()))?;
            crate::metrics::METRICS
                .fetches
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            self.exchange(client, url, validators, body).await
        };
        if let Err(e) = &result {
            crate::metrics::METRICS.fetch_failed(e.kind());
        }
        g.last = Some(Instant::now());
        result
    }

    async fn exchange(
        &self,
        client: &reqwest::Client,
        url: &Url,
        validators: Option<&Validators>,
        body_limit: BodyLimit,
    ) -> Result<Exchange, FetchError> {
        let u = url.to_string();
        let head_only = matches!(body_limit, BodyLimit::HeadOnly);
        let mut req = if head_only {
            client.head(url.clone())
        } else {
            client.get(url.clone())
        };
        req = req
            .header(
                reqwest::header::ACCEPT,
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            )
            .header(reqwest::header::ACCEPT_LANGUAGE, "vi,en;q=0.5");
        if let Some(v) = validators {
            if let Some(etag) = &v.etag {
                req = req.header(reqwest::header::IF_NONE_MATCH, etag);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(reqwest::header::IF_MODIFIED_SINCE, lm);
            }
        }
        let mut resp = req.send().await.map_err(|e| classify(&u, e))?;
        let status = resp.status();
        let header = |name: reqwest::header::HeaderName| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let validators_out = Validators {
            etag: header(reqwest::header::ETAG),
            last_modified: header(reqwest::header::LAST_MODIFIED),
        };
        if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
            let location = header(reqwest::header::LOCATION).ok_or_else(|| FetchError::Other {
                url: u.clone(),
                message: format!("HTTP {} without a Location", status.as_u16()),
            })?;
            let next = url.join(location.trim()).map_err(|e| FetchError::Other {
                url: u.clone(),
                message: format!("redirect to an invalid URL {location:?}: {e}"),
            })?;
            return Ok(Exchange::Redirect(next));
        }
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Exchange::Done(Response {
                url: url.clone(),
                status: 304,
                content_type: None,
                body: Vec::new(),
                validators: validators.cloned().unwrap_or_default(),
                not_modified: true,
                declared_length: None,
            }));
        }
        if !status.is_success() {
            let retry_after =
                header(reqwest::header::RETRY_AFTER).and_then(|v| parse_retry_after(&v));
            return Err(FetchError::Status {
                url: u,
                status: status.as_u16(),
                retry_after,
            });
        }
        let declared_length =
            header(reqwest::header::CONTENT_LENGTH).and_then(|v| v.trim().parse::<u64>().ok());
        let (limit, truncate) = match body_limit {
            BodyLimit::Refuse => (self.config.max_body_bytes, false),
            BodyLimit::Truncate(n) => (n, true),
            BodyLimit::HeadOnly => {
                return Ok(Exchange::Done(Response {
                    url: url.clone(),
                    status: status.as_u16(),
                    content_type: header(reqwest::header::CONTENT_TYPE),
                    body: Vec::new(),
                    validators: validators_out,
                    not_modified: false,
                    declared_length,
                }));
            }
        };
        if !truncate && resp.content_length().is_some_and(|n| n as usize > limit) {
            return Err(FetchError::TooLarge { url: u, limit });
        }
        let content_type = header(reqwest::header::CONTENT_TYPE);
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        if truncate {
                            body.extend_from_slice(&chunk[..limit - body.len()]);
                            break;
                        }
                        return Err(FetchError::TooLarge { url: u, limit });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(classify(&u, e)),
            }
        }
        Ok(Exchange::Done(Response {
            url: url.clone(),
            status: status.as_u16(),
            content_type,
            body,
            validators: validators_out,
            not_modified: false,
            declared_length,
        }))
    }

    /// Fetches (or takes from the cache) the host's robots.txt and checks `url` against
    /// it. Per RFC 9309: a missing file (4xx) allows everything; an unreachable one (5xx,
    /// network) disallows everything for now and is not cached, so it is tried again.
    async fn check_robots(
        &self,
        client: &reqwest::Client,
        policy: &SourcePolicy,
        url: &Url,
    ) -> Result<(), FetchError> {
        let robots = self.robots_for(client, policy, url).await?;
        if robots.is_url_allowed(url) {
            Ok(())
        } else {
            Err(FetchError::Robots {
                url: url.to_string(),
            })
        }
    }

    /// The sitemaps a host's robots.txt lists (`Sitemap:` lines), for `discover`.
    pub async fn robots_sitemaps(
        &self,
        url: &Url,
        policy: &SourcePolicy,
    ) -> Result<Vec<Url>, FetchError> {
        let client = self.client(&policy.http, policy.private_addresses())?;
        Ok(self
            .robots_for(&client, policy, url)
            .await?
            .sitemaps()
            .to_vec())
    }

    /// The host's robots.txt, from the cache or fetched (see [`Fetcher::check_robots`]).
    async fn robots_for(
        &self,
        client: &reqwest::Client,
        policy: &SourcePolicy,
        url: &Url,
    ) -> Result<Arc<robotxt::Robots>, FetchError> {
        let key = host_key(url);
        let cached = {
            let cache = self.robots.lock().unwrap_or_else(|e| e.into_inner());
            cache
                .get(&key)
                .filter(|(_, at)| at.elapsed() < ROBOTS_TTL)
                .map(|(r, _)| r.clone())
        };
        let robots = match cached {
            Some(r) => r,
            None => {
                let mut robots_url = url.clone();
                robots_url.set_path("/robots.txt");
                robots_url.set_query(None);
                robots_url.set_fragment(None);
                let agent = product_token(&self.config.user_agent);
                let robots = match self.fetch_robots(client, policy, &robots_url).await {
                    Ok(Some(body)) => robotxt::Robots::from_access(
                        robotxt::AccessResult::Successful(&body),
                        agent.as_str(),
                    ),
                    Ok(None) => robotxt::Robots::from_access(
                        robotxt::AccessResult::Unavailable,
                        agent.as_str(),
                    ),
                    // A host that does not resolve has no robots.txt to speak of: the
                    // error is the name.
                    Err(e @ FetchError::NoSuchHost { .. }) => return Err(e),
                    Err(e) => {
                        // Complete disallow, not cached: asked again next time. The
                        // reason is the fetch error, which says what to fix.
                        warn!(url = %robots_url, error = %e, "robots.txt unreachable; not crawling this host for now");
                        return Err(FetchError::RobotsUnreachable {
                            url: robots_url.to_string(),
                            reason: e.to_string(),
                        });
                    }
                };
                let robots = Arc::new(robots);
                if let Some(delay) = robots.crawl_delay() {
                    let gate = self.gate(url);
                    gate.lock().await.crawl_delay = Some(delay.min(Duration::from_secs(60)));
                }
                self.robots
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(key, (robots.clone(), Instant::now()));
                robots
            }
        };
        Ok(robots)
    }

    /// The robots.txt body, `None` when the server says there is none (4xx).
    async fn fetch_robots(
        &self,
        client: &reqwest::Client,
        policy: &SourcePolicy,
        url: &Url,
    ) -> Result<Option<Vec<u8>>, FetchError> {
        let mut current = url.clone();
        for _ in 0..5 {
            // Every hop under the source's address policy, as for articles: a robots.txt
            // that redirects to loopback or a metadata address is not followed, and
            // counts as no robots.txt.
            if let Err(why) = policy.admit(&current).await {
                warn!(url = %url, to = %current, reason = %why, "robots.txt redirect refused");
                return Ok(None);
            }
            match self
                .exchange_with_retries(client, &current, None, BodyLimit::Truncate(ROBOTS_MAX))
                .await
            {
                Ok(Exchange::Done(r)) => return Ok(Some(r.body)),
                Ok(Exchange::Redirect(next)) => current = next,
                Err(FetchError::Status { status, .. }) if (400..500).contains(&status) => {
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
        }
        // Too many redirects: treated as unavailable (RFC 9309 2.3.1.2).
        Ok(None)
    }
}

/// Host and port: the unit of politeness.
fn host_key(url: &Url) -> String {
    format!(
        "{}:{}",
        url.host_str().unwrap_or(""),
        url.port_or_known_default().unwrap_or(0)
    )
}

/// The product token of a User-Agent ("portalfeed/0.1 (+https://…)" → "portalfeed"),
/// which robots.txt groups name.
fn product_token(user_agent: &str) -> String {
    user_agent
        .split(['/', ' '])
        .next()
        .unwrap_or("portalfeed")
        .to_ascii_lowercase()
}

/// `Retry-After` as seconds or as an HTTP date.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or_default(),
    )
}

fn classify(url: &str, e: reqwest::Error) -> FetchError {
    let url = url.to_string();
    if e.is_timeout() {
        FetchError::Timeout { url }
    } else if e.is_redirect() {
        FetchError::Redirects { url }
    } else if let Some(dns) = source_of::<guard::NameNotFound>(&e) {
        FetchError::NoSuchHost {
            url,
            message: dns.to_string(),
        }
    } else if e.is_connect() {
        FetchError::Connect {
            url,
            message: error_chain(&e),
        }
    } else {
        FetchError::Other {
            url,
            message: error_chain(&e),
        }
    }
}

/// The first error of type `T` among `e`'s causes.
fn source_of<'e, T: std::error::Error + 'static>(
    e: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cur {
        if let Some(t) = c.downcast_ref::<T>() {
            return Some(t);
        }
        cur = c.source();
    }
    None
}

/// The error with its causes, so that "connection refused" or a TLS reason is visible.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let m = c.to_string();
        if !s.contains(&m) {
            s.push_str(": ");
            s.push_str(&m);
        }
        cur = c.source();
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }

    #[test]
    fn product_tokens() {
        assert_eq!(
            product_token("portalfeed/0.1 (+https://example.org)"),
            "portalfeed"
        );
        assert_eq!(product_token("MyBot"), "mybot");
    }

    #[test]
    fn a_name_that_does_not_resolve_is_found_in_the_chain_and_not_retried() {
        #[derive(Debug)]
        struct Wrapper(guard::NameNotFound);
        impl std::fmt::Display for Wrapper {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("client error (Connect)")
            }
        }
        impl std::error::Error for Wrapper {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let e = Wrapper(guard::NameNotFound("x.invalid does not resolve".into()));
        let found = source_of::<guard::NameNotFound>(&e).map(|n| n.0.as_str());
        assert_eq!(found, Some("x.invalid does not resolve"));
        let err = FetchError::NoSuchHost {
            url: "http://x.invalid/".into(),
            message: "x.invalid does not resolve".into(),
        };
        assert!(!err.is_retryable());
        assert_eq!(err.kind(), "dns");
    }

    #[test]
    fn retryable_errors() {
        let status = |s| FetchError::Status {
            url: String::new(),
            status: s,
            retry_after: None,
        };
        assert!(status(500).is_retryable());
        assert!(status(503).is_retryable());
        assert!(status(429).is_retryable());
        assert!(!status(404).is_retryable());
        assert!(!status(403).is_retryable());
        assert!(
            !FetchError::TooLarge {
                url: String::new(),
                limit: 1
            }
            .is_retryable()
        );
        assert!(!FetchError::Refused(guard::Refusal::NoHost(String::new())).is_retryable());
    }
}
