//! `zil`: the command-line tool of zil, for debugging pipelines that speak
//! the wire format of Python's `zmq_integration_lib` (publish, spy on a
//! topic, call an RPC method, run an authz server, see a demo, benchmark).
//!
//! Exit codes (the same for every subcommand):
//!
//! | code | meaning                                                        |
//! |------|----------------------------------------------------------------|
//! | 0    | success                                                        |
//! | 1    | failure (libzmq, I/O, a peer that breaks the wire format)      |
//! | 2    | bad arguments (usage, malformed address, params not JSON)      |
//! | 3    | timeout (no RPC answer, too few messages or subscribers)       |
//! | 4    | the RPC server answered with an error                          |
//!
//! Every error is one line on stderr starting with `zil:`.

mod authz;
mod bench;
mod demo;
mod error;
mod logger;
mod pub_cmd;
mod rpc_cmd;
mod show;
mod signals;
mod sub_cmd;

use clap::{Args, Parser, Subcommand};
use error::{CliError, Exit};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

const AFTER_HELP: &str = "\
Exit codes: 0 success, 1 failure, 2 bad arguments, 3 timeout, 4 RPC error answered by the server.
Log lines of the library go to stderr, filtered by ZIL_LOG (off, error, warn (default; error for rpc), info, debug, trace).";

/// zil: streaming, JSON-RPC and session-aware streaming over ZeroMQ,
/// wire-compatible with Python's zmq_integration_lib.
#[derive(Debug, Parser)]
#[command(name = "zil", version, after_help = AFTER_HELP, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Publish messages [topic, data, event]: one per stdin line, or a file in chunks.
    ///
    /// Binds ADDR by default, like the original's output port (--connect
    /// connects). A subscriber misses what was published before it joined
    /// (PUB/SUB's slow joiner), so zil pub first waits for one subscriber
    /// of the topic, at most --wait-ms (exit 3 when none came; --no-wait
    /// publishes at once). Exits 3 when no subscriber was there to receive
    /// anything; when only some messages went out with no subscriber
    /// (it left early), says how many on stderr. When ADDR holds a '*' (tcp://127.0.0.1:*), the bound
    /// endpoint is printed on stdout before anything is sent.
    #[command(after_help = AFTER_HELP)]
    Pub(PubArgs),
    /// Spy on a topic: print one line per message (topic, event, size, payload).
    ///
    /// Each line is TOPIC<TAB>EVENT<TAB>SIZE<TAB>PAYLOAD, EVENT '-' when there
    /// is none; the payload is UTF-8 text with control characters escaped
    /// (\n, \t, …), else 'hex:…'. With --session: TOPIC EVENT SIZE
    /// session=ID PAYLOAD (the decoded payload), or not-an-envelope(WHY) and
    /// the raw payload.
    ///
    /// Ends after --count messages (exit 0), at the first message with the
    /// event EOS with --until-eos (exit 0), on SIGINT/SIGTERM (exit 0), or
    /// when nothing arrives within --timeout-ms: exit 0 if messages came and
    /// no --count was given, else exit 3. When stderr is a terminal, a
    /// progress line (messages, bytes, rate) is kept up to date there.
    #[command(after_help = AFTER_HELP)]
    Sub(SubArgs),
    /// Call one JSON-RPC method and print its result as JSON.
    ///
    /// Exit 3 when no answer comes within --timeout-ms, 4 when the server
    /// answers with an error (printed on stderr), 2 for PARAMS that are not
    /// JSON or a malformed address.
    #[command(after_help = AFTER_HELP)]
    Rpc(RpcArgs),
    /// Run a small authz server: verify, get_token, logout.
    ///
    /// verify(id) answers true for known sessions; get_token() makes a new
    /// 32-hex-digit session and remembers it; logout(id) forgets it and
    /// answers true. The bound endpoint is printed on stdout first, so that
    /// scripts can bind tcp://127.0.0.1:* and read the port.
    #[command(name = "serve-authz", after_help = AFTER_HELP)]
    ServeAuthz(ServeAuthzArgs),
    /// Run streaming, RPC and session-aware streaming end to end, with rates.
    ///
    /// Everything runs in this process on ephemeral tcp://127.0.0.1 ports
    /// and takes a few seconds; each step is checked (exit 1 on a surprise).
    #[command(after_help = AFTER_HELP)]
    Demo(DemoArgs),
    /// Run the zil-bench benchmark (a sibling binary), passing the arguments on.
    #[command(disable_help_flag = true, disable_version_flag = true)]
    Bench(BenchArgs),
}

/// Arguments of `zil pub`.
#[derive(Debug, Args)]
pub struct PubArgs {
    /// Address to bind (e.g. tcp://*:5555, tcp://127.0.0.1:*, ipc:///tmp/asr)
    pub addr: String,
    /// Topic of every message
    pub topic: String,
    /// Event of every message (default: none, sent as the frame `None`)
    #[arg(long, short = 'e', value_name = "E")]
    pub event: Option<String>,
    /// Publish this file in chunks instead of stdin lines (`-` reads stdin in chunks)
    #[arg(long, short = 'f', value_name = "F")]
    pub file: Option<PathBuf>,
    /// Chunk size in bytes for --file
    #[arg(long, value_name = "N", default_value_t = 4096,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk: u32,
    /// Connect to the address instead of binding it (the subscriber binds)
    #[arg(long)]
    pub connect: bool,
    /// Before publishing, wait until N subscribers of the topic are connected
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub wait_subscribers: usize,
    /// Publish at once, without waiting for a subscriber (what is published
    /// before one joins is lost)
    #[arg(long, conflicts_with = "wait_subscribers")]
    pub no_wait: bool,
    /// How long --wait-subscribers waits at most, in ms (-1: forever)
    #[arg(long, value_name = "MS", default_value_t = 5000, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i32).range(-1..))]
    pub wait_ms: i32,
    /// After the last message, send an empty message with the event EOS
    #[arg(long)]
    pub eos: bool,
    /// Send high-water mark in messages (0: no limit, nothing is dropped for a slow subscriber)
    #[arg(long, value_name = "N", default_value_t = 0,
          value_parser = clap::value_parser!(i32).range(0..))]
    pub hwm: i32,
    /// At exit, how long queued messages may still take to leave, in ms (-1: until sent)
    #[arg(long, value_name = "MS", default_value_t = 5000, allow_negative_numbers = true,
          value_parser = clap::value_parser!(i32).range(-1..))]
    pub linger_ms: i32,
}

/// Arguments of `zil sub`.
#[derive(Debug, Args)]
pub struct SubArgs {
    /// Address to connect to (e.g. tcp://localhost:5555, ipc:///tmp/asr)
    pub addr: String,
    /// Topic to receive (exactly, unless --prefix)
    pub topic: String,
    /// Receive every topic that starts with TOPIC (the original's behaviour; "" = all)
    #[arg(long)]
    pub prefix: bool,
    /// Stop after N messages
    #[arg(long, short = 'n', value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Stop when no message arrives within MS (default: wait forever)
    #[arg(long, value_name = "MS", allow_negative_numbers = true, value_parser = non_negative_ms)]
    pub timeout_ms: Option<u32>,
    /// Stop after the first message whose event is EOS (printed too)
    #[arg(long)]
    pub until_eos: bool,
    /// Unwrap session envelopes {"data": base64, "session_id": id} (no verification)
    #[arg(long)]
    pub session: bool,
    /// How payloads are printed: text (UTF-8 with control characters
    /// escaped, hex:… for other bytes), hex (always), raw (the bytes as
    /// they came, no escaping)
    #[arg(long, value_enum, value_name = "F", default_value_t = show::Format::Text)]
    pub format: show::Format,
    /// Same as --format hex
    #[arg(long, conflicts_with = "format")]
    pub hex: bool,
    /// Print at most N bytes of each payload (0: all)
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub max_bytes: usize,
    /// Bind the address instead of connecting (the publisher connects)
    #[arg(long)]
    pub bind: bool,
}

/// Arguments of `zil rpc`.
#[derive(Debug, Args)]
pub struct RpcArgs {
    /// Address of the RPC server (e.g. tcp://localhost:6900)
    pub addr: String,
    /// Method to call (verify, get_token, logout, …)
    pub method: String,
    /// Params as JSON, e.g. '"4a501b51317e2c8f4a0fd7831d3e09dc"' or '{}'
    /// (default: {}, as the original sends get_token; verify and logout
    /// need the session id)
    pub params: Option<String>,
    /// Send PARAMS as a JSON string without having to quote it
    #[arg(long, short = 's')]
    pub string: bool,
    /// Print a string result without JSON quotes (like jq -r)
    #[arg(long, short = 'r')]
    pub raw: bool,
    /// How long to wait for the answer, in ms
    #[arg(long, value_name = "MS", default_value_t = 5000, allow_negative_numbers = true,
          value_parser = rpc_timeout_ms)]
    pub timeout_ms: i32,
}

/// A time in ms that cannot be negative, with a message that says so
/// (clap's own would suggest `-- -5`).
fn non_negative_ms(text: &str) -> Result<u32, String> {
    match text.parse::<i64>() {
        Ok(n) if n < 0 => Err(format!("{n} ms is negative; give a time of 0 ms or more")),
        Ok(n) => u32::try_from(n).map_err(|_| format!("{n} ms is over {} ms", u32::MAX)),
        Err(_) => Err(format!("'{text}' is not a number of ms")),
    }
}

/// `zil rpc --timeout-ms`: 0 up to `i32::MAX`.
fn rpc_timeout_ms(text: &str) -> Result<i32, String> {
    let ms = non_negative_ms(text)?;
    i32::try_from(ms).map_err(|_| format!("{ms} ms is over {} ms", i32::MAX))
}

/// Arguments of `zil serve-authz`.
#[derive(Debug, Args)]
pub struct ServeAuthzArgs {
    /// Address to bind (tcp://127.0.0.1:* picks a free port; the endpoint is printed)
    pub addr: String,
    /// A session known from the start (repeatable)
    #[arg(long = "session", value_name = "ID")]
    pub sessions: Vec<String>,
    /// Stop after MS milliseconds (default: until SIGINT or SIGTERM)
    #[arg(long, value_name = "MS")]
    pub for_ms: Option<u64>,
    /// Print each request and its answer on stderr, errors included
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// Arguments of `zil demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Messages in the streaming part
    #[arg(long, value_name = "N", default_value_t = 200_000,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub messages: u64,
    /// Payload size of the streaming part, in bytes (at least 8)
    #[arg(long, value_name = "B", default_value_t = 64,
          value_parser = clap::value_parser!(u32).range(8..=(16 << 20)))]
    pub size: u32,
    /// verify calls timed in the RPC part
    #[arg(long, value_name = "N", default_value_t = 2000,
          value_parser = clap::value_parser!(u32).range(1..))]
    pub rpc_calls: u32,
}

/// Arguments of `zil bench`: everything is passed to zil-bench.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Arguments for zil-bench (try `zil bench --help`)
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(&err),
    };
    // A single call reports its failure as its one error line; the library's
    // warning about the same timeout would only repeat it.
    let quiet = matches!(cli.command, Command::Rpc(_));
    // A verbose authz server also shows the requests the library answered
    // with an error before any handler saw them (unknown method, bad JSON).
    let verbose = matches!(&cli.command, Command::ServeAuthz(a) if a.verbose);
    logger::init(if quiet {
        log::LevelFilter::Error
    } else if verbose {
        log::LevelFilter::Info
    } else {
        log::LevelFilter::Warn
    });
    let result = match cli.command {
        Command::Pub(args) => pub_cmd::run(&args),
        Command::Sub(args) => sub_cmd::run(&args),
        Command::Rpc(args) => rpc_cmd::run(&args),
        Command::ServeAuthz(args) => authz::serve(&args),
        Command::Demo(args) => demo::run(&args),
        Command::Bench(args) => bench::run(&args.args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(err) => {
            err.print();
            err.exit.into()
        }
    }
}

/// Help and version go to stdout with exit 0; a usage error becomes one
/// `zil:` line on stderr and exit 2.
fn usage_error(err: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // Printing help can only fail on a closed stdout: nothing to say then.
            let _ = err.print();
            if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                Exit::Usage.into()
            } else {
                Exit::Ok.into()
            }
        }
        _ => {
            CliError::new(Exit::Usage, one_line(&err.render().to_string())).print();
            Exit::Usage.into()
        }
    }
}

/// Folds clap's multi-line error (message, details, usage, tip) into one
/// line: the message and its details, then where to look for help.
fn one_line(rendered: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for line in rendered.lines() {
        let line = line.trim();
        if line.starts_with("Usage:") || line.starts_with("For more information") {
            break;
        }
        if !line.is_empty() {
            parts.push(line.strip_prefix("error: ").unwrap_or(line));
        }
    }
    let mut text = parts.join(" ");
    if text.ends_with(':') {
        text.pop();
    }
    format!("{text} (see '{} --help')", command_path())
}

/// `zil` or `zil SUBCOMMAND`, for pointing at the right `--help`.
fn command_path() -> String {
    use clap::CommandFactory;
    let sub = std::env::args()
        .nth(1)
        .filter(|name| Cli::command().find_subcommand(name).is_some());
    match sub {
        Some(name) => format!("zil {name}"),
        None => "zil".to_owned(),
    }
}
