//! `zil sub`: a spy that prints every message of a topic on one line:
//! `TOPIC<TAB>EVENT<TAB>SIZE<TAB>PAYLOAD` (`-` for no event), or with
//! `--session` `TOPIC<TAB>EVENT<TAB>SIZE<TAB>session=ID<TAB>PAYLOAD`.
//!
//! Ends after `--count` messages (exit 0), on SIGINT/SIGTERM (exit 0), or
//! when nothing arrived for `--timeout-ms`: exit 0 if messages came and no
//! `--count` was asked for, else exit 3 (timeout).

use crate::error::{CliError, CliResult, Context, Exit};
use crate::{show, signals, SubArgs};
use std::io::{self, Write};
use std::time::{Duration, Instant};
use zil::stream::{Inport, Message};
use zil::{Attach, ErrorKind, PortOptions, TopicMatch};

/// How often a waiting receive looks at the stop flag.
const SLICE: Duration = Duration::from_millis(100);

enum End {
    Count,
    Signal,
    Idle,
    ClosedStdout,
}

pub fn run(args: &SubArgs) -> CliResult {
    signals::install();
    let opts = PortOptions {
        // A spy should not lose what a burst brings.
        rcvhwm: 0,
        attach: Some(if args.bind {
            Attach::Bind
        } else {
            Attach::Connect
        }),
        topic_match: if args.prefix {
            TopicMatch::Prefix
        } else {
            TopicMatch::Exact
        },
        ..PortOptions::default()
    };
    let port = Inport::with_options(&args.addr, &args.topic, &opts).context("sub")?;
    let timeout = args
        .timeout_ms
        .map(|ms| Duration::from_millis(u64::from(ms)));
    let mut out = io::stdout().lock();
    let mut received: u64 = 0;
    let mut idle_since = Instant::now();
    let end = loop {
        if signals::stop_requested() {
            break End::Signal;
        }
        let wait = match timeout {
            None => SLICE,
            Some(timeout) => match timeout.checked_sub(idle_since.elapsed()) {
                Some(left) if !left.is_zero() => left.min(SLICE),
                _ => break End::Idle,
            },
        };
        let msg = match port.recv(wait.as_millis().max(1) as i32) {
            Ok(msg) => msg,
            Err(e) if matches!(e.kind(), ErrorKind::Timeout | ErrorKind::Interrupted) => continue,
            Err(e) => return Err(e).context("sub"),
        };
        received += 1;
        idle_since = Instant::now();
        let line = describe(&msg, args);
        match writeln!(out, "{line}") {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break End::ClosedStdout,
            Err(e) => return Err(e).context("sub: cannot write to stdout"),
        }
        if args.count.is_some_and(|n| received >= n) {
            break End::Count;
        }
    };
    match end {
        End::Count | End::Signal | End::ClosedStdout => Ok(Exit::Ok),
        End::Idle => {
            let ms = args.timeout_ms.unwrap_or_default();
            match args.count {
                None if received > 0 => Ok(Exit::Ok),
                None => Err(CliError::new(
                    Exit::Timeout,
                    format!(
                        "sub: no message on '{}' (topic '{}') within {ms} ms",
                        port.endpoint(),
                        args.topic
                    ),
                )),
                Some(n) => Err(CliError::new(
                    Exit::Timeout,
                    format!(
                        "sub: {received} of {n} messages on '{}' (topic '{}'), then none within {ms} ms",
                        port.endpoint(),
                        args.topic
                    ),
                )),
            }
        }
    }
}

/// The line printed for one message.
fn describe(msg: &Message, args: &SubArgs) -> String {
    let event = msg.event().unwrap_or("-");
    let data = msg.data();
    if !args.session {
        let payload = show::payload(data, args.hex, args.max_bytes);
        return format!("{}\t{event}\t{}\t{payload}", msg.topic(), data.len());
    }
    match zil::session::open_envelope(data) {
        Ok((decoded, session_id)) => {
            let payload = show::payload(&decoded, args.hex, args.max_bytes);
            let session = session_id.as_deref().unwrap_or("null");
            format!(
                "{}\t{event}\t{}\tsession={}\t{payload}",
                msg.topic(),
                decoded.len(),
                show::payload(session.as_bytes(), false, 0)
            )
        }
        Err(why) => {
            let payload = show::payload(data, args.hex, args.max_bytes);
            format!(
                "{}\t{event}\t{}\tnot-an-envelope({why})\t{payload}",
                msg.topic(),
                data.len()
            )
        }
    }
}
