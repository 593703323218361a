pub mod config;
pub mod extract;
pub mod fetch;
pub mod schedule;
pub mod text;
