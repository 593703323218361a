//! Logs to stderr, in the form journald keeps best when systemd runs us.
//!
//! Under systemd (`JOURNAL_STREAM` is set) a line carries no timestamp and no colours —
//! the journal adds its own — and starts with a syslog priority, `<3>` for errors to
//! `<7>` for debug, so that `journalctl -p err` works. Elsewhere lines have timestamps,
//! and colours only when stderr is a terminal: a log file or a pipe gets plain text.
//!
//! Field values come from pages and servers (titles, error texts, URLs): their control
//! characters are written out (`\u{a}`), so that no page can break a line into two,
//! forge a log line or send escape sequences to the operator's terminal.

use std::fmt;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{Format, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// Prefixes each line with its syslog priority for journald.
struct Journald<F>(F);

impl<S, N, F> FormatEvent<S, N> for Journald<F>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
    F: FormatEvent<S, N>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let priority = match *event.metadata().level() {
            Level::ERROR => 3,
            Level::WARN => 4,
            Level::INFO => 6,
            Level::DEBUG | Level::TRACE => 7,
        };
        write!(writer, "<{priority}>")?;
        self.0.format_event(ctx, writer, event)
    }
}

/// Writes one field, its value with every control character escaped: one event is one
/// line, whatever the page said.
fn escaped_field(
    writer: &mut Writer<'_>,
    field: &tracing::field::Field,
    value: &dyn fmt::Debug,
) -> fmt::Result {
    let value = format!("{value:?}");
    let value = crate::text::log_safe(&value);
    if field.name() == "message" {
        write!(writer, "{value}")
    } else {
        write!(writer, "{}={value}", field.name())
    }
}

/// Installs the logger. `default` is the filter when `RUST_LOG` is not set.
pub fn init(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .fmt_fields(fields())
        .with_writer(std::io::stderr);
    let result = if std::env::var_os("JOURNAL_STREAM").is_some() {
        builder
            .with_ansi(false)
            .event_format(Journald(
                Format::default()
                    .without_time()
                    .with_ansi(false)
                    .with_level(false),
            ))
            .try_init()
    } else {
        use std::io::IsTerminal as _;
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init()
    };
    // A second initialisation (tests) keeps the first logger.
    let _ = result;
}

/// The field formatter: escaped values, separated by spaces.
fn fields() -> impl for<'w> FormatFields<'w> + Send + Sync + 'static {
    use tracing_subscriber::field::MakeExt as _;
    tracing_subscriber::fmt::format::debug_fn(escaped_field).delimited(" ")
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    /// What the logger writes, kept for the test.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_page_cannot_forge_a_log_line_or_reach_the_terminal() {
        let out = Captured::default();
        let sink = out.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .without_time()
            .fmt_fields(super::fields())
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let title = "Tin mới\n2026-12-04T00:00:00Z  INFO portalfeed: admin logged in\u{1b}[2J";
            tracing::warn!(url = "http://p.test/a", error = %title, "article failed");
        });
        let text = String::from_utf8(out.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(!text.contains('\u{1b}'), "{text}");
        assert!(
            text.contains(
                r"error=Tin mới\u{a}2026-12-04T00:00:00Z  INFO portalfeed: admin logged in\u{1b}[2J"
            ),
            "{text}"
        );
        assert!(
            text.contains("article failed url=\"http://p.test/a\""),
            "{text}"
        );
    }
}
