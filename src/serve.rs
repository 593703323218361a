//! The HTTP server: feeds, OPML, a status page, health and metrics.
//!
//! Bound to 127.0.0.1 by default. Only GET and HEAD are answered, but for WebSub
//! subscription requests (`POST /websub`, a small form), and no path reaches the file
//! system: every response is rendered from the store. Rendered feeds are cached in
//! memory and served without touching SQLite until the store's generation moves (a new,
//! corrected or merged article, a deletion, another process's commit). Feeds carry `ETag`
//! and `Last-Modified`, answer `304` to conditional requests, and are compressed with gzip
//! or brotli when the reader asks.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Offset, Utc};
use sha2::{Digest, Sha256};
use tower_http::compression::CompressionLayer;

use crate::config::Config;
use crate::feed::{self, FeedEntry, FeedInfo, Format};
use crate::metrics::METRICS;
use crate::store::{FeedScope, Store};

/// A rendered feed, what it was rendered from, and its validators as ready headers.
pub struct Rendered {
    generation: u64,
    pub body: Bytes,
    pub etag: String,
    pub last_modified: Option<String>,
    etag_header: Option<HeaderValue>,
    last_modified_header: Option<HeaderValue>,
    /// `Link: <hub>; rel="hub", <self>; rel="self"`.
    link_header: Option<HeaderValue>,
    /// The body gzipped, made on the first request that accepts it and kept with the
    /// rendering, so a popular feed is compressed once per change, not per request.
    gzip: std::sync::OnceLock<Bytes>,
}

impl Rendered {
    fn gzipped(&self) -> Bytes {
        self.gzip
            .get_or_init(|| {
                use std::io::Write;
                let mut e = flate2::write::GzEncoder::new(
                    Vec::with_capacity(self.body.len() / 4),
                    flate2::Compression::default(),
                );
                // Writing to a Vec cannot fail.
                let _ = e.write_all(&self.body);
                Bytes::from(e.finish().unwrap_or_default())
            })
            .clone()
    }
}

/// The configuration with what is derived from it once: the feed catalogue by key.
struct Current {
    config: Arc<Config>,
    feeds: HashMap<String, Arc<FeedEntry>>,
}

/// What the handlers share. The configuration can be swapped on reload.
pub struct AppState {
    pub store: Arc<Store>,
    current: RwLock<Arc<Current>>,
    /// Rendered feeds by key, one slot per format.
    cache: RwLock<HashMap<String, [Option<Arc<Rendered>>; 3]>>,
    /// The WebSub hub at `/websub`, when the daemon runs one.
    hub: std::sync::OnceLock<crate::push::Hub>,
}

fn current(config: Arc<Config>) -> Arc<Current> {
    let feeds = feed::catalog(&config)
        .into_iter()
        .map(|e| (e.key.clone(), Arc::new(e)))
        .collect();
    Arc::new(Current { config, feeds })
}

fn slot(format: Format) -> usize {
    match format {
        Format::Atom => 0,
        Format::Rss => 1,
        Format::Json => 2,
    }
}

impl AppState {
    pub fn new(store: Arc<Store>, config: Arc<Config>) -> Arc<AppState> {
        Arc::new(AppState {
            store,
            current: RwLock::new(current(config)),
            cache: RwLock::new(HashMap::new()),
            hub: std::sync::OnceLock::new(),
        })
    }

    /// Serves `hub` at `/websub` (set once, by the daemon).
    pub fn set_hub(&self, hub: crate::push::Hub) {
        let _ = self.hub.set(hub);
    }

    fn current(&self) -> Arc<Current> {
        self.current
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    pub fn config(&self) -> Arc<Config> {
        self.current().config.clone()
    }

    /// Replaces the configuration (reload); cached feeds are dropped.
    pub fn set_config(&self, config: Arc<Config>) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = current(config);
        self.cache
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// A catalogue feed, from the cache when the store has not changed since it was
    /// rendered. `path` is the feed's own path (with any query) for its self link.
    pub fn render(
        &self,
        entry: &FeedEntry,
        format: Format,
        path: &str,
        cacheable: bool,
    ) -> Result<Arc<Rendered>, crate::store::StoreError> {
        let generation = self.store.generation();
        if cacheable
            && let Some(hit) = self
                .cache
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .get(&entry.key)
                .and_then(|s| s[slot(format)].clone())
            && hit.generation == generation
        {
            return Ok(hit);
        }
        let config = self.config();
        let items = self.store.feed_items(&entry.scope, entry.limit)?;
        let info = FeedInfo::of(&config, entry, path);
        // WebSub discovery in the headers too (W3C WebSub 4), for readers that do not
        // parse the document to find the hub.
        let link = info
            .hub
            .as_ref()
            .map(|hub| format!("<{hub}>; rel=\"hub\", <{}>; rel=\"self\"", info.self_url));
        let body = feed::render(format, &info, &items, config.daemon.timezone);
        let etag = format!(
            "\"{}\"",
            &hex::encode(Sha256::digest(body.as_bytes()))[..32]
        );
        let last_modified = items.iter().map(|i| i.updated).max().map(http_date);
        let rendered = Arc::new(Rendered {
            generation,
            link_header: link.and_then(|l| HeaderValue::from_str(&l).ok()),
            etag_header: HeaderValue::from_str(&etag).ok(),
            last_modified_header: last_modified
                .as_deref()
                .and_then(|v| HeaderValue::from_str(v).ok()),
            etag,
            last_modified,
            body: Bytes::from(body),
            gzip: std::sync::OnceLock::new(),
        });
        if cacheable {
            self.cache
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .entry(entry.key.clone())
                .or_default()[slot(format)] = Some(rendered.clone());
        }
        Ok(rendered)
    }
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(status_page))
        .route("/events", get(events))
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/opml", get(opml))
        .route("/feeds/{file}", get(feed_file))
        .route("/feeds/tag/{file}", get(tag_feed_file))
        .route(
            "/websub",
            axum::routing::post(websub).layer(axum::extract::DefaultBodyLimit::max(MAX_HUB_FORM)),
        )
        .layer(CompressionLayer::new().gzip(true).br(true))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
/// Connections served at once; the next one waits in the kernel's backlog until one ends.
const MAX_CONNECTIONS: usize = 1024;
/// A client must send its whole request head within this time (nginx's
/// `client_header_timeout` is 60 s; feed readers send theirs at once).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The most a request head may buffer (hyper's default is about 400 KB; nginx allows
/// 4 × 8 KB): a longer head closes the connection.
const MAX_HEAD: usize = 32 * 1024;
/// After shutdown is asked for, connections get this long to finish their response;
/// then they are dropped, so that SIGTERM ends the process whatever clients do.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves the router on `listener` until `shutdown` resolves, with what nginx sets and
/// `axum::serve` does not: a time limit and a size limit on request heads, a cap on
/// connections, and a deadline for the graceful shutdown.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let app = router(state);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // A free slot first: at the cap, new clients wait in the backlog.
        let slot = tokio::select! {
            _ = &mut shutdown => break,
            slot = slots.clone().acquire_owned() => match slot {
                Ok(s) => s,
                Err(_) => break,
            },
        };
        let (stream, _peer) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let _slot = slot;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .max_buf_size(MAX_HEAD);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stop.changed() => {
                    // Idle keep-alive connections close now; a response in flight ends.
                    conn.as_mut().graceful_shutdown();
                    let _ = tokio::time::timeout(SHUTDOWN_GRACE, conn).await;
                }
            }
        });
        // Finished connections are reaped as we go, so the set stays small.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = stop_tx.send(true);
    let drain = async { while connections.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE + Duration::from_secs(1), drain)
        .await
        .is_err()
    {
        connections.abort_all();
    }
    Ok(())
}

fn split_file(file: &str) -> Option<(&str, Format)> {
    let (name, ext) = file.rsplit_once('.')?;
    Some((name, Format::from_extension(ext)?))
}

#[derive(serde::Deserialize)]
struct SearchParams {
    q: Option<String>,
}

async fn feed_file(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    Query(params): Query<SearchParams>,
    headers: HeaderMap,
) -> Response {
    let Some((name, format)) = split_file(&file) else {
        return not_found();
    };
    if name == "search" {
        let q = params.q.unwrap_or_default();
        if crate::store::fts_query(&q).is_none() {
            return (StatusCode::BAD_REQUEST, "search feeds need ?q=words\n").into_response();
        }
        let path = format!(
            "feeds/{file}?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let config = state.config();
        let entry = FeedEntry {
            key: format!("search:{q}"),
            title: format!("portalfeed — tìm: {q}"),
            site_url: config.daemon.public_url.to_string(),
            scope: FeedScope::Search(q),
            limit: config.daemon.feed_items,
        };
        return respond(&state, &entry, format, &path, false, &headers);
    }
    serve_key(&state, name, format, &format!("feeds/{file}"), &headers)
}

async fn tag_feed_file(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((tag, format)) = split_file(&file) else {
        return not_found();
    };
    serve_key(
        &state,
        &format!("tag/{tag}"),
        format,
        &format!("feeds/tag/{file}"),
        &headers,
    )
}

fn serve_key(
    state: &AppState,
    key: &str,
    format: Format,
    path: &str,
    headers: &HeaderMap,
) -> Response {
    let Some(entry) = state.current().feeds.get(key).cloned() else {
        METRICS.feed_request(format, 404);
        return not_found();
    };
    respond(state, &entry, format, path, true, headers)
}

fn respond(
    state: &AppState,
    entry: &FeedEntry,
    format: Format,
    path: &str,
    cacheable: bool,
    headers: &HeaderMap,
) -> Response {
    let rendered = match state.render(entry, format, path, cacheable) {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e, feed = %entry.key, "feed query failed");
            METRICS.feed_request(format, 503);
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
        }
    };
    let response = conditional(headers, &rendered, format.content_type());
    METRICS.feed_request(format, response.status().as_u16());
    response
}

/// `ETag` and `Last-Modified`, or `304` when the client has the current version.
fn conditional(headers: &HeaderMap, r: &Rendered, content_type: &'static str) -> Response {
    // If-None-Match compares weakly (RFC 9110 13.1.2): `W/"x"` matches `"x"`, which a
    // proxy or a compressing cache may have weakened.
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let ours = opaque(&r.etag);
    let matches_etag = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == "*" || opaque(t) == ours));
    let not_modified_since = headers.get(header::IF_NONE_MATCH).is_none()
        && match (
            headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| DateTime::parse_from_rfc2822(v).ok()),
            r.last_modified
                .as_deref()
                .and_then(|lm| DateTime::parse_from_rfc2822(lm).ok()),
        ) {
            (Some(since), Some(lm)) => lm <= since,
            _ => false,
        };
    let mut out = HeaderMap::with_capacity(4);
    if let Some(v) = &r.etag_header {
        out.insert(header::ETAG, v.clone());
    }
    if let Some(v) = &r.last_modified_header {
        out.insert(header::LAST_MODIFIED, v.clone());
    }
    if let Some(v) = &r.link_header {
        out.insert(header::LINK, v.clone());
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    if matches_etag || not_modified_since {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    let accepts_gzip = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(accepts_gzip);
    if accepts_gzip {
        // Already compressed: the compression layer leaves it alone.
        out.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return (StatusCode::OK, out, r.gzipped()).into_response();
    }
    (StatusCode::OK, out, r.body.clone()).into_response()
}

/// Whether an `Accept-Encoding` value accepts gzip (RFC 9110 12.5.3): gzip listed with a
/// q-value above 0, or, when gzip is not listed, `*` with one.
fn accepts_gzip(accept_encoding: &str) -> bool {
    let mut wildcard = None;
    for coding in accept_encoding.split(',') {
        let mut parts = coding.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let q = parts
            .find_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .map_or(1.0, |q| q.trim().parse::<f32>().unwrap_or(0.0));
        if name.eq_ignore_ascii_case("gzip") || name.eq_ignore_ascii_case("x-gzip") {
            return q > 0.0;
        }
        if name == "*" {
            wildcard = Some(q > 0.0);
        }
    }
    wildcard.unwrap_or(false)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such feed\n").into_response()
}

/// The largest subscription request read: four fields, a secret of at most 200 bytes.
const MAX_HUB_FORM: usize = 16 * 1024;

/// WebSub subscription requests (W3C WebSub 5.1): `202 Accepted` and the intent is
/// verified against the callback, or a 4xx with the reason.
async fn websub(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let Some(hub) = state.hub.get() else {
        return (StatusCode::NOT_FOUND, "no WebSub hub runs here\n").into_response();
    };
    let form: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    match hub.request(&form).await {
        Ok(()) => (
            StatusCode::ACCEPTED,
            "accepted; verifying intent with the callback\n",
        )
            .into_response(),
        Err(refusal) => (
            StatusCode::from_u16(refusal.status).unwrap_or(StatusCode::BAD_REQUEST),
            format!("{}\n", refusal.reason),
        )
            .into_response(),
    }
}

async fn opml(State(state): State<Arc<AppState>>) -> Response {
    let config = state.config();
    let body = feed::opml(&feed::catalog(&config), &config.daemon.public_url);
    ([(header::CONTENT_TYPE, "text/x-opml; charset=utf-8")], body).into_response()
}

/// 200 when the database takes a write and the scheduler has beaten within a minute.
async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    if let Err(e) = state.store.check_writable() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database not writable: {e}\n"),
        )
            .into_response();
    }
    match METRICS.heartbeat_age() {
        Some(age) if age > 60 => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("scheduler silent for {age} s\n"),
        )
            .into_response(),
        _ => (StatusCode::OK, "ok\n").into_response(),
    }
}

/// Readiness, for a monitor that should alert: `/healthz` says the process is alive and
/// its database takes writes even while every portal fails; this says how the sources
/// fare. `200` when no source's last run failed, `503` naming the ones that did.
async fn readyz(State(state): State<Arc<AppState>>) -> Response {
    let config = state.config();
    let store = state.store.clone();
    let last = tokio::task::spawn_blocking(move || store.last_runs().ok())
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    let failed: HashSet<&str> = last
        .iter()
        .filter(|r| !r.ok)
        .map(|r| r.source_id.as_str())
        .collect();
    // In the configuration's order, and only sources still configured.
    let failing: Vec<&str> = config
        .sources
        .iter()
        .map(|s| s.id.as_str())
        .filter(|id| failed.contains(id))
        .collect();
    let total = config.sources.len();
    if failing.is_empty() {
        (
            StatusCode::OK,
            format!("ready: {total} sources, none failing\n"),
        )
            .into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "{} of {total} sources failing: {}\n",
                failing.len(),
                failing.join(", ")
            ),
        )
            .into_response()
    }
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let store = state.store.clone();
    let (items, deliveries, subscriptions) = tokio::task::spawn_blocking(move || {
        (
            store.item_count().unwrap_or(0),
            store.delivery_counts().unwrap_or_default(),
            store.subscription_count(Utc::now()).unwrap_or(0),
        )
    })
    .await
    .unwrap_or_default();
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        METRICS.render(items, &deliveries, subscriptions),
    )
        .into_response()
}

async fn status_page(State(state): State<Arc<AppState>>) -> Response {
    let config = state.config();
    let offset = Utc::now()
        .with_timezone(&config.daemon.timezone)
        .offset()
        .fix()
        .local_minus_utc();
    // Off the async workers: with thousands of sources this reads the whole run table.
    let store = state.store.clone();
    let (overview, push) = tokio::task::spawn_blocking(move || {
        let push = crate::status::Deliveries {
            targets: store.delivery_targets().unwrap_or_default(),
            subscriptions: store.subscription_count(Utc::now()).unwrap_or(0),
        };
        (
            store
                .overview(crate::status::DAYS, Utc::now(), offset)
                .unwrap_or_default(),
            push,
        )
    })
    .await
    .unwrap_or_default();
    let mut resp =
        Html(crate::status::render(&config, overview, &push, Utc::now())).into_response();
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    resp
}

/// How often `/events` looks for a change: a finished run or a new feed state.
const EVENTS_POLL: Duration = Duration::from_secs(3);

/// Server-sent events for the status page: a message whenever a run finishes or the
/// feeds change, so an open page renews itself. One cheap read per client every few
/// seconds; a comment every 15 s keeps proxies from closing the stream.
async fn events(
    State(state): State<Arc<AppState>>,
) -> axum::response::sse::Sse<
    impl futures_util::Stream<Item = Result<axum::response::sse::Event, std::convert::Infallible>>,
> {
    use axum::response::sse::{Event, KeepAlive, Sse};
    let mark = |state: &Arc<AppState>| {
        let store = state.store.clone();
        async move {
            let run = tokio::task::spawn_blocking({
                let store = store.clone();
                move || store.latest_run().ok().flatten().map(|r| r.finished)
            })
            .await
            .ok()
            .flatten();
            (store.generation(), run)
        }
    };
    let first = mark(&state).await;
    let stream = futures_util::stream::unfold((state, first), move |(state, seen)| async move {
        loop {
            tokio::time::sleep(EVENTS_POLL).await;
            let now = mark(&state).await;
            if now != seen {
                let event = Event::default().event("message").data("changed");
                return Some((Ok(event), (state, now)));
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_encoding_q_values() {
        for (value, gzip) in [
            ("gzip", true),
            ("GZIP", true),
            ("br, gzip;q=0.5", true),
            ("gzip; q=0.001", true),
            ("gzip;q=0", false),
            ("gzip;q=0.0, br", false),
            ("br, deflate", false),
            ("*", true),
            ("*;q=0", false),
            ("*, gzip;q=0", false),
            ("identity", false),
            ("", false),
        ] {
            assert_eq!(accepts_gzip(value), gzip, "{value:?}");
        }
    }
}
