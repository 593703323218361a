//! When a source runs: cron expressions in the configured time zone, a little jitter so
//! that sources sharing a schedule do not all hit the network in the same second, and a
//! back-off after failures so that a broken portal is not hammered.

use std::fmt;
use std::time::Duration;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// A parsed cron expression: standard 5-field crontab (POSIX weekdays, 0 and 7 are Sunday)
/// or 6 fields with seconds first.
/// Clones share the parsed expression: croner's `Cron` is about 5 KB, and every source
/// on the default schedule holds one (twice, in the daemon), which made schedules the
/// largest thing in memory with thousands of sources.
#[derive(Clone)]
pub struct Schedule {
    expr: String,
    cron: std::sync::Arc<Cron>,
}

/// Why a cron expression is refused.
#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error(
        "cron expression {expr:?} has {fields} fields; expected 5 (minute hour day month weekday) or 6 (with seconds first)"
    )]
    Fields { expr: String, fields: usize },
    #[error("invalid cron expression {expr:?}: {source}")]
    Invalid {
        expr: String,
        #[source]
        source: croner::errors::CronError,
    },
}

impl Schedule {
    pub fn parse(expr: &str) -> Result<Schedule, ScheduleError> {
        let fields = expr.split_whitespace().count();
        if !expr.trim_start().starts_with('@') && !(5..=6).contains(&fields) {
            return Err(ScheduleError::Fields {
                expr: expr.to_string(),
                fields,
            });
        }
        let parser = CronParser::builder()
            .seconds(Seconds::Optional)
            .year(Year::Disallowed)
            .build();
        let cron = parser
            .parse(expr)
            .map_err(|source| ScheduleError::Invalid {
                expr: expr.to_string(),
                source,
            })?;
        Ok(Schedule {
            expr: expr.trim().to_string(),
            cron: std::sync::Arc::new(cron),
        })
    }

    pub fn as_str(&self) -> &str {
        &self.expr
    }

    /// The first run strictly after `after`, evaluated in `tz` (so `0 6 * * *` means 06:00
    /// Vietnam time whatever the server's zone).
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local = after.with_timezone(&tz);
        self.cron
            .find_next_occurrence(&local, false)
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }

    /// The next `n` run times after `after`.
    pub fn upcoming(&self, after: DateTime<Utc>, tz: Tz, n: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::with_capacity(n);
        let mut t = after;
        while out.len() < n {
            match self.next_after(t, tz) {
                Some(next) => {
                    out.push(next);
                    t = next;
                }
                None => break,
            }
        }
        out
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Schedule({:?})", self.expr)
    }
}

/// How long to wait after `failures` consecutive failed runs before trying again, on top
/// of the regular schedule: `base` doubling per failure, capped at `max` (by default 5
/// minutes and 6 hours).
pub fn failure_backoff(failures: u32, base: Duration, max: Duration) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    base.saturating_mul(1u32 << (failures - 1).min(16)).min(max)
}

/// A random delay of up to `max`, so that sources on the same schedule spread out.
pub fn jitter(max: Duration) -> Duration {
    if max.is_zero() {
        return Duration::ZERO;
    }
    let ms = rand::random_range(0..=max.as_millis().min(u64::MAX as u128) as u64);
    Duration::from_millis(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn five_fields_run_in_the_configured_zone() {
        let s = Schedule::parse("0 6 * * *").unwrap();
        let after = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let next = s.next_after(after, chrono_tz::Asia::Ho_Chi_Minh).unwrap();
        // 06:00 in Vietnam is 23:00 UTC the day before.
        assert_eq!(next, Utc.with_ymd_and_hms(2024, 1, 1, 23, 0, 0).unwrap());
    }

    #[test]
    fn six_fields_have_seconds() {
        let s = Schedule::parse("*/10 * * * * *").unwrap();
        let after = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 1).unwrap();
        let next = s.next_after(after, chrono_tz::UTC).unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 10).unwrap());
    }

    #[test]
    fn weekdays_are_posix() {
        // 1 is Monday. 2024-01-01 was a Monday.
        let s = Schedule::parse("0 0 * * 1").unwrap();
        let after = Utc.with_ymd_and_hms(2023, 12, 30, 0, 0, 0).unwrap();
        let next = s.next_after(after, chrono_tz::UTC).unwrap();
        assert_eq!(next, Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap());
    }

    #[test]
    fn upcoming_lists_distinct_times() {
        let s = Schedule::parse("*/30 * * * *").unwrap();
        let after = Utc.with_ymd_and_hms(2024, 1, 1, 0, 10, 0).unwrap();
        let next = s.upcoming(after, chrono_tz::UTC, 3);
        assert_eq!(next.len(), 3);
        assert_eq!(next[0], Utc.with_ymd_and_hms(2024, 1, 1, 0, 30, 0).unwrap());
        assert_eq!(next[2], Utc.with_ymd_and_hms(2024, 1, 1, 1, 30, 0).unwrap());
    }

    #[test]
    fn bad_expressions_are_rejected() {
        assert!(Schedule::parse("61 * * * *").is_err());
        assert!(Schedule::parse("* * *").is_err());
        assert!(Schedule::parse("0 0 0 * * * 2024").is_err());
        assert!(Schedule::parse("every day").is_err());
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let (base, max) = (Duration::from_secs(300), Duration::from_secs(6 * 3600));
        assert_eq!(failure_backoff(0, base, max), Duration::ZERO);
        assert_eq!(failure_backoff(1, base, max), Duration::from_secs(300));
        assert_eq!(failure_backoff(2, base, max), Duration::from_secs(600));
        assert_eq!(
            failure_backoff(30, base, max),
            Duration::from_secs(6 * 3600)
        );
    }
}
