//! The HTTP server: feeds, a status page and a health check.
//!
//! Bound to 127.0.0.1 by default. Only GET and HEAD are answered, and no path reaches the
//! file system: every response is rendered from the store. Feeds carry `ETag` and
//! `Last-Modified` and answer `304` to conditional requests.

use std::fmt::Write as _;
use std::sync::{Arc, RwLock};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tower_http::compression::CompressionLayer;

use crate::config::Config;
use crate::feed::{self, FeedInfo, Format};
use crate::store::{FeedScope, Store};

/// What the handlers share. The configuration can be swapped on reload.
pub struct AppState {
    pub store: Arc<Store>,
    pub config: RwLock<Arc<Config>>,
}

impl AppState {
    pub fn new(store: Arc<Store>, config: Arc<Config>) -> Arc<AppState> {
        Arc::new(AppState {
            store,
            config: RwLock::new(config),
        })
    }

    fn config(&self) -> Arc<Config> {
        self.config
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(status_page))
        .route("/healthz", get(healthz))
        .route("/feeds/{file}", get(feed_file))
        .route("/feeds/tag/{file}", get(tag_feed_file))
        .layer(CompressionLayer::new().gzip(true).br(true))
        .with_state(state)
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
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
    let config = state.config();
    if name == "search" {
        let q = params.q.unwrap_or_default();
        if crate::store::fts_query(&q).is_none() {
            return (StatusCode::BAD_REQUEST, "search feeds need ?q=words\n").into_response();
        }
        let path = format!(
            "feeds/{file}?q={}",
            url::form_urlencoded::byte_serialize(q.as_bytes()).collect::<String>()
        );
        let title = format!("portalfeed — tìm: {q}");
        let site = config.daemon.public_url.to_string();
        return render_feed(
            &state,
            &config,
            FeedScope::Search(q),
            title,
            site,
            &path,
            format,
            &headers,
        );
    }
    let (scope, title, site) = if name == "all" {
        (
            FeedScope::All,
            "portalfeed — tất cả nguồn".to_string(),
            config.daemon.public_url.to_string(),
        )
    } else if let Some(s) = config.source(name) {
        (
            FeedScope::Source(s.id.clone()),
            s.name.clone(),
            s.url.to_string(),
        )
    } else {
        return not_found();
    };
    render_feed(
        &state,
        &config,
        scope,
        title,
        site,
        &format!("feeds/{file}"),
        format,
        &headers,
    )
}

async fn tag_feed_file(
    State(state): State<Arc<AppState>>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some((tag, format)) = split_file(&file) else {
        return not_found();
    };
    let config = state.config();
    if !config
        .sources
        .iter()
        .any(|s| s.tags.iter().any(|t| t == tag))
    {
        return not_found();
    }
    let title = format!("portalfeed — {tag}");
    let site = config.daemon.public_url.to_string();
    render_feed(
        &state,
        &config,
        FeedScope::Tag(tag.to_string()),
        title,
        site,
        &format!("feeds/tag/{file}"),
        format,
        &headers,
    )
}

#[allow(clippy::too_many_arguments)]
fn render_feed(
    state: &AppState,
    config: &Config,
    scope: FeedScope,
    title: String,
    site_url: String,
    path: &str,
    format: Format,
    headers: &HeaderMap,
) -> Response {
    let items = match state.store.feed_items(&scope, config.daemon.feed_items) {
        Ok(items) => items,
        Err(e) => {
            tracing::error!(error = %e, "feed query failed");
            return (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response();
        }
    };
    let self_url = config
        .daemon
        .public_url
        .join(path)
        .map(|u| u.to_string())
        .unwrap_or_else(|_| path.to_string());
    let info = FeedInfo {
        description: format!("{title} (portalfeed)"),
        title,
        self_url,
        site_url,
    };
    let body = feed::render(format, &info, &items, config.daemon.timezone);
    let last_modified = items.iter().map(|i| i.updated).max();
    conditional(headers, body, format.content_type(), last_modified)
}

/// Builds a response with `ETag` and `Last-Modified`, or `304` when the client has it.
fn conditional(
    headers: &HeaderMap,
    body: String,
    content_type: &'static str,
    last_modified: Option<DateTime<Utc>>,
) -> Response {
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(body.as_bytes()))[..32]
    );
    let last_modified = last_modified.map(|t| t.format("%a, %d %b %Y %H:%M:%S GMT").to_string());
    let matches_etag = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let not_modified_since = headers.get(header::IF_NONE_MATCH).is_none()
        && match (
            headers
                .get(header::IF_MODIFIED_SINCE)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| DateTime::parse_from_rfc2822(v).ok()),
            &last_modified,
        ) {
            (Some(since), Some(lm)) => DateTime::parse_from_rfc2822(lm).is_ok_and(|lm| lm <= since),
            _ => false,
        };
    let mut out = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, v);
    }
    if let Some(v) = last_modified
        .as_deref()
        .and_then(|lm| HeaderValue::from_str(lm).ok())
    {
        out.insert(header::LAST_MODIFIED, v);
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    if matches_etag || not_modified_since {
        return (StatusCode::NOT_MODIFIED, out).into_response();
    }
    out.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    (StatusCode::OK, out, body).into_response()
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "no such feed\n").into_response()
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    match state.store.check_writable() {
        Ok(()) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("database not writable: {e}\n"),
        )
            .into_response(),
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

async fn status_page(State(state): State<Arc<AppState>>) -> Response {
    let config = state.config();
    let tz = config.daemon.timezone;
    let mut html = String::from(
        "<!DOCTYPE html><html lang=\"vi\"><head><meta charset=\"utf-8\"><title>portalfeed</title>\
         <style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}.failed{color:#b00}</style>\
         </head><body><h1>portalfeed</h1><p>Feeds: <a href=\"/feeds/all.atom\">all.atom</a> · <a href=\"/feeds/all.rss\">all.rss</a></p>\
         <table><thead><tr><th>Source</th><th>Last run</th><th>Outcome</th><th>Items</th><th>Last error</th><th>Feeds</th></tr></thead><tbody>",
    );
    for s in &config.sources {
        let health = state.store.health(&s.id).ok();
        let last = health.as_ref().and_then(|h| h.last.clone());
        let (when, outcome, error) = match &last {
            Some(r) => (
                r.started
                    .with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M")
                    .to_string(),
                if r.ok {
                    format!("ok: {} new, {} updated", r.new, r.updated)
                } else {
                    "failed".to_string()
                },
                r.error.clone().unwrap_or_default(),
            ),
            None => ("never".to_string(), "—".to_string(), String::new()),
        };
        let class = if last.as_ref().is_some_and(|r| !r.ok) {
            " class=\"failed\""
        } else {
            ""
        };
        let _ = write!(
            html,
            "<tr{class}><td><a href=\"{url}\">{name}</a> <small>({id})</small></td><td>{when}</td><td>{outcome}</td><td>{items}</td><td>{error}</td>\
             <td><a href=\"/feeds/{id}.atom\">atom</a> · <a href=\"/feeds/{id}.rss\">rss</a></td></tr>",
            url = esc(s.url.as_str()),
            name = esc(&s.name),
            id = esc(&s.id),
            items = health.map(|h| h.items).unwrap_or(0),
            error = esc(&error),
        );
    }
    html.push_str("</tbody></table></body></html>");
    Html(html).into_response()
}
