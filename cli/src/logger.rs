//! Shows the library's log lines (rejected messages, RPC timeouts, dropped
//! sessions) on stderr, filtered by `ZIL_LOG` like libzil's own stderr
//! logger: `off`, `error`, `warn` (default; `error` for `zil rpc`), `info`,
//! `debug`, `trace`.

use std::io::Write;

struct Stderr;

impl log::Log for Stderr {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.level() <= log::max_level() && metadata.target().starts_with("zil")
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            let level = record.level().as_str().to_ascii_lowercase();
            // A closed stderr leaves nowhere to report to.
            let _ = writeln!(std::io::stderr(), "[{level}] {}", record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: Stderr = Stderr;

/// Installs the logger (once, at start); `default` applies when `ZIL_LOG`
/// is unset or unknown.
pub fn init(default: log::LevelFilter) {
    let level = std::env::var("ZIL_LOG")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default);
    if log::set_logger(&LOGGER).is_ok() {
        log::set_max_level(level);
    }
}
