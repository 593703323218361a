//! The HTTP client: per-host politeness, a global concurrency limit, size and time limits,
//! and charset decoding.
//!
//! Government portals are slow and easy to anger, so every request to a host waits for the
//! previous one to finish and then for `per_host_delay`. Bodies are read as a stream and
//! cut off at the size limit, after decompression, so a decompression bomb cannot fill
//! memory.

pub mod decode;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;
use url::Url;

use crate::config::DaemonConfig;

/// Limits and identity of the client.
#[derive(Debug, Clone)]
pub struct FetchConfig {
    pub user_agent: String,
    pub per_host_delay: Duration,
    pub max_concurrency: usize,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub max_body_bytes: usize,
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
        }
    }
}

/// Why a fetch failed, in words a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("HTTP {status} from {url}")]
    Status { url: String, status: u16 },
    #[error("timed out fetching {url}")]
    Timeout { url: String },
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    #[error("response from {url} is larger than the {limit}-byte limit")]
    TooLarge { url: String, limit: usize },
    #[error("too many redirects from {url}")]
    Redirects { url: String },
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
            FetchError::TooLarge { .. } => "too_large",
            FetchError::Redirects { .. } => "redirects",
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
}

/// A successful response, read in full.
#[derive(Debug, Clone)]
pub struct Response {
    /// The URL after redirects.
    pub url: Url,
    pub status: u16,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

/// A decoded HTML page.
#[derive(Debug, Clone)]
pub struct Page {
    pub url: Url,
    pub status: u16,
    pub html: String,
}

/// When each host was last done with: one lock per host, held for a whole exchange.
type HostGates = Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>;

/// The shared HTTP client. Cheap to clone; clones share the politeness state.
#[derive(Clone)]
pub struct Fetcher {
    client: reqwest::Client,
    config: Arc<FetchConfig>,
    global: Arc<Semaphore>,
    hosts: Arc<HostGates>,
}

impl Fetcher {
    pub fn new(config: FetchConfig) -> Result<Fetcher, FetchError> {
        // rustls with ring, installed once for the process; a second call is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = reqwest::Client::builder()
            .user_agent(config.user_agent.clone())
            .connect_timeout(config.connect_timeout)
            .timeout(config.timeout)
            .redirect(reqwest::redirect::Policy::limited(10))
            .build()
            .map_err(|e| FetchError::Client(e.to_string()))?;
        Ok(Fetcher {
            client,
            global: Arc::new(Semaphore::new(config.max_concurrency.max(1))),
            config: Arc::new(config),
            hosts: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    fn host_gate(&self, url: &Url) -> Arc<tokio::sync::Mutex<Option<Instant>>> {
        let key = format!(
            "{}:{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0)
        );
        let mut hosts = self.hosts.lock().unwrap_or_else(|e| e.into_inner());
        hosts.entry(key).or_default().clone()
    }

    /// GETs a URL politely and reads the whole body within the size limit.
    pub async fn get(&self, url: &Url) -> Result<Response, FetchError> {
        let gate = self.host_gate(url);
        // One request in flight per host: the lock is held for the whole exchange.
        let mut last = gate.lock().await;
        if let Some(prev) = *last {
            tokio::time::sleep_until(prev + self.config.per_host_delay).await;
        }
        let _permit = self
            .global
            .acquire()
            .await
            .map_err(|e| FetchError::Client(e.to_string()))?;
        let result = self.exchange(url).await;
        *last = Some(Instant::now());
        result
    }

    async fn exchange(&self, url: &Url) -> Result<Response, FetchError> {
        let u = url.to_string();
        let mut resp = self
            .client
            .get(url.clone())
            .header(
                reqwest::header::ACCEPT,
                "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            )
            .header(reqwest::header::ACCEPT_LANGUAGE, "vi,en;q=0.5")
            .send()
            .await
            .map_err(|e| classify(&u, e))?;
        let status = resp.status().as_u16();
        let final_url = resp.url().clone();
        if !resp.status().is_success() {
            return Err(FetchError::Status { url: u, status });
        }
        let limit = self.config.max_body_bytes;
        if resp.content_length().is_some_and(|n| n as usize > limit) {
            return Err(FetchError::TooLarge { url: u, limit });
        }
        let content_type = resp
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        loop {
            match resp.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > limit {
                        return Err(FetchError::TooLarge { url: u, limit });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(classify(&u, e)),
            }
        }
        Ok(Response {
            url: final_url,
            status,
            content_type,
            body,
        })
    }

    /// GETs an HTML page and decodes it.
    pub async fn get_html(&self, url: &Url) -> Result<Page, FetchError> {
        let resp = self.get(url).await?;
        let decoded =
            decode::decode_html(&resp.body, resp.content_type.as_deref()).map_err(|source| {
                FetchError::Decode {
                    url: url.to_string(),
                    source,
                }
            })?;
        Ok(Page {
            url: resp.url,
            status: resp.status,
            html: decoded.text,
        })
    }
}

fn classify(url: &str, e: reqwest::Error) -> FetchError {
    let url = url.to_string();
    if e.is_timeout() {
        FetchError::Timeout { url }
    } else if e.is_redirect() {
        FetchError::Redirects { url }
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
