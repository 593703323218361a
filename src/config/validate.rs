//! The checks on single values: positions, ranges, durations, sizes, URLs, selectors.

use std::path::Path;
use std::time::Duration;

use toml::Spanned;
use url::Url;

use super::error::{ConfigError, Problem};

/// Positions problems in one file's text.
pub(super) struct Validator<'a> {
    pub(super) text: &'a str,
    pub(super) path: &'a Path,
}

impl Validator<'_> {
    pub(super) fn error_at(&self, offset: usize, message: String) -> ConfigError {
        let offset = offset.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let column = self.text[line_start..offset].chars().count() + 1;
        ConfigError {
            file: self.path.to_path_buf(),
            problems: vec![Problem {
                line,
                column,
                message,
            }],
        }
    }

    /// Runs a check on a string value and positions its error at the value.
    pub(super) fn check<T>(
        &self,
        value: &Spanned<String>,
        f: impl FnOnce(&str) -> Result<T, String>,
    ) -> Result<T, ConfigError> {
        f(value.get_ref()).map_err(|m| self.error_at(value.span().start, m))
    }

    /// A duration between `min` and `max`: a value past them would never fire, busy-loop,
    /// or overflow the clock when added to it.
    pub(super) fn duration_in(
        &self,
        value: &Option<Spanned<String>>,
        default: Duration,
        min: Duration,
        max: Duration,
    ) -> Result<Duration, ConfigError> {
        match value {
            Some(s) => self.check(s, |s| {
                let d = humantime::parse_duration(s).map_err(|e| {
                    format!("invalid duration {s:?} ({e}); write e.g. \"1s\", \"500ms\", \"2m\"")
                })?;
                if d < min || d > max {
                    return Err(format!(
                        "{s:?} is out of range: between {} and {}",
                        humantime::format_duration(min),
                        humantime::format_duration(max)
                    ));
                }
                Ok(d)
            }),
            None => Ok(default),
        }
    }

    /// A count from 1 to a million (items, pages, connections).
    pub(super) fn count(
        &self,
        value: &Option<Spanned<i64>>,
        default: usize,
    ) -> Result<usize, ConfigError> {
        match value {
            Some(n) if (1..=1_000_000).contains(n.get_ref()) => Ok(*n.get_ref() as usize),
            Some(n) => Err(self.error_at(
                n.span().start,
                format!("expected a number from 1 to 1000000, found {}", n.get_ref()),
            )),
            None => Ok(default),
        }
    }
}

pub(super) fn parse_http_url(s: &str) -> Result<Url, String> {
    let url = Url::parse(s).map_err(|e| format!("invalid URL {s:?}: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some() => Ok(url),
        _ => Err(format!("URL {s:?} must be http:// or https:// with a host")),
    }
}

pub(super) fn check_selector(s: &str) -> Result<(), String> {
    scraper::Selector::parse(s).map(|_| ()).map_err(|e| {
        format!(
            "invalid CSS selector {s:?}: {}",
            selector_reason(&e.to_string())
        )
    })
}

/// The selector library's reason in words. For some errors it prints "Unexpected error
/// occurred. Please report this to the developer" and the error's name on the next line
/// ("DanglingCombinator"): the name, spelt out, is the reason.
fn selector_reason(message: &str) -> String {
    if !message.contains("report this") {
        return message.to_string();
    }
    let name = message.lines().last().unwrap_or("").trim();
    let name = name.split(['(', ' ', '{']).next().unwrap_or(name);
    let mut words = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            words.push(' ');
        }
        words.extend(c.to_lowercase());
    }
    if words.is_empty() {
        "not a selector this library reads".into()
    } else {
        words
    }
}

pub(super) const ZERO: Duration = Duration::ZERO;
pub(super) const SECOND: Duration = Duration::from_secs(1);
pub(super) const HOUR: Duration = Duration::from_secs(3600);
pub(super) const DAY: Duration = Duration::from_secs(24 * 3600);
pub(super) const YEAR: Duration = Duration::from_secs(365 * 24 * 3600);

/// A User-Agent is an HTTP header value: printable, one line.
pub(super) fn check_user_agent(s: &str) -> Result<String, String> {
    if s.trim().is_empty() {
        return Err("user_agent is empty".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(format!(
            "user_agent holds the control character {c:?}; it must be one printable line"
        ));
    }
    Ok(s.to_string())
}

pub(super) fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: usize = num
        .parse()
        .map_err(|_| format!("invalid size {s:?}; write e.g. \"8MiB\""))?;
    let mult = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1024,
        "m" | "mb" | "mib" => 1024 * 1024,
        "g" | "gb" | "gib" => 1024 * 1024 * 1024,
        _ => {
            return Err(format!(
                "invalid size unit in {s:?}; use B, KiB, MiB or GiB"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("size {s:?} is too large"))
}
