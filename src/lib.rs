//! portalfeed turns Vietnamese government web portals into clean RSS 2.0 and Atom feeds.
//!
//! The crate is a library plus a thin CLI (`src/main.rs`). Each module owns one stage of
//! the pipeline described in DESIGN.md; data flows one way through them:
//!
//! config → schedule → index → fetch → extract → identify (text) → store → feed → serve
//!
//! `crawl` runs that pipeline once for one source; `daemon` runs it on schedule. Above
//! them, `discover` suggests a source for a new portal (`portalfeed discover`) and `demo`
//! runs the daemon offline on the bundled corpus portals.

pub mod address;
pub mod config;
pub mod crawl;
pub mod daemon;
pub mod demo;
pub mod discover;
pub mod extract;
pub mod feed;
pub mod fetch;
pub mod index;
pub mod logging;
pub mod metrics;
pub mod model;
pub mod progress;
pub mod push;
pub mod schedule;
pub mod serve;
pub mod status;
pub mod store;
pub mod text;
