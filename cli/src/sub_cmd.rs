//! `zil sub`: a spy that prints every message of a topic on one line:
//! `TOPIC<TAB>EVENT<TAB>SIZE<TAB>PAYLOAD` (`-` for no event), or with
//! `--session` `TOPIC<TAB>EVENT<TAB>SIZE<TAB>session=ID<TAB>PAYLOAD`.
//!
//! Ends after `--count` messages (exit 0), at an `EOS` with `--until-eos`
//! (exit 0), on SIGINT/SIGTERM (exit 0), or when nothing arrived for
//! `--timeout-ms`: exit 0 if messages came and no `--count` was asked for,
//! else exit 3 (timeout). A progress line goes to stderr when it is a
//! terminal.

use crate::error::{CliError, CliResult, Context, Exit};
use crate::show::Format;
use crate::{show, signals, SubArgs};
use std::io::{self, Write};
use std::time::{Duration, Instant};
use zil::stream::{Inport, Message};
use zil::{Attach, ErrorKind, PortOptions, TopicMatch};

/// How often a waiting receive looks at the stop flag.
const SLICE: Duration = Duration::from_millis(100);

/// How often the progress line is redrawn.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);

enum End {
    Count,
    Eos,
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
    let mut progress = Progress::on_terminal();
    let end = loop {
        if let Some(p) = progress.as_mut() {
            p.show(received, false);
        }
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
        if let Some(p) = progress.as_mut() {
            p.bytes += msg.data().len() as u64;
        }
        let mut line = describe(&msg, args);
        line.push(b'\n');
        match out.write_all(&line) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => break End::ClosedStdout,
            Err(e) => return Err(e).context("sub: cannot write to stdout"),
        }
        if args.count.is_some_and(|n| received >= n) {
            break End::Count;
        }
        if args.until_eos && msg.event() == Some("EOS") {
            break End::Eos;
        }
    };
    // Stdout first: a reader of both sees the last message before the end.
    let _ = out.flush();
    if let Some(p) = progress.as_mut() {
        p.show(received, true);
    }
    match end {
        End::Count | End::Eos | End::Signal | End::ClosedStdout => Ok(Exit::Ok),
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

/// The line printed for one message, without its newline.
fn describe(msg: &Message, args: &SubArgs) -> Vec<u8> {
    let format = if args.hex { Format::Hex } else { args.format };
    let event = msg.event().unwrap_or("-");
    let data = msg.data();
    let (head, payload) = if !args.session {
        (
            format!("{}\t{event}\t{}\t", msg.topic(), data.len()),
            data.to_vec(),
        )
    } else {
        match zil::session::open_envelope(data) {
            Ok((decoded, session_id)) => {
                let session = session_id.as_deref().unwrap_or("null");
                let head = format!(
                    "{}\t{event}\t{}\tsession={}\t",
                    msg.topic(),
                    decoded.len(),
                    show::payload(session.as_bytes(), false, 0)
                );
                (head, decoded)
            }
            Err(why) => (
                format!(
                    "{}\t{event}\t{}\tnot-an-envelope({why})\t",
                    msg.topic(),
                    data.len()
                ),
                data.to_vec(),
            ),
        }
    };
    let mut line = head.into_bytes();
    line.extend(show::render(&payload, format, args.max_bytes));
    line
}

/// The progress line on a terminal's stderr: messages, bytes, rate.
struct Progress {
    start: Instant,
    drawn: Instant,
    bytes: u64,
}

impl Progress {
    /// `Some` when stderr is a terminal: a pipe or file gets no progress.
    fn on_terminal() -> Option<Progress> {
        // SAFETY: isatty only inspects the descriptor.
        let tty = unsafe { libc::isatty(libc::STDERR_FILENO) } == 1;
        tty.then(|| Progress {
            start: Instant::now(),
            drawn: Instant::now(),
            bytes: 0,
        })
    }

    /// Redraws the line (at most every `PROGRESS_EVERY`, unless `last`,
    /// which also ends it with a newline).
    fn show(&mut self, received: u64, last: bool) {
        if !last && self.drawn.elapsed() < PROGRESS_EVERY {
            return;
        }
        self.drawn = Instant::now();
        let secs = self.start.elapsed().as_secs_f64().max(1e-3);
        let end = if last { "\n" } else { "" };
        // A closed stderr leaves nowhere to show progress.
        let _ = write!(
            io::stderr(),
            "\r\x1b[K{received} messages, {} bytes, {:.0} msg/s{end}",
            self.bytes,
            received as f64 / secs
        );
    }
}
