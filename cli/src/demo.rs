//! `zil demo`: the three modes of zil end to end in one process, on
//! ephemeral `tcp://127.0.0.1:*` ports, with what flowed and how fast.
//! Every step is checked: a surprise ends the demo with exit 1.

use crate::authz::{self, Sessions};
use crate::error::{CliError, CliResult, Context, Exit};
use crate::DemoArgs;
use serde_json::json;
use std::io::Write;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use zil::rpc::{Client, Server};
use zil::session::{Inpad, Outpad};
use zil::stream::{Inport, Outport};
use zil::{ErrorKind, PortOptions};

/// Where every part of the demo binds: the system picks a free port.
const ANY_PORT: &str = "tcp://127.0.0.1:*";
/// How long a demo step waits for what it expects.
const STEP_MS: i32 = 3000;

/// Prints a line of the report; a closed stdout is not worth stopping for.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub fn run(args: &DemoArgs) -> CliResult {
    let started = Instant::now();
    say!(
        "zil {} demo: streaming, RPC and session-aware streaming, end to end in one process",
        zil::VERSION
    );
    say!();
    streaming(args.messages, args.size as usize)?;
    say!();
    let server = Server::new(ANY_PORT).context("demo: authz server")?;
    let sessions = Arc::new(Sessions::default());
    authz::install(&server, &sessions, false);
    server.start().context("demo: authz server")?;
    let client = Client::new(server.endpoint(), 1000).context("demo: rpc client")?;
    rpc(&server, &client, args.rpc_calls)?;
    say!();
    session(server.endpoint(), &client)?;
    say!();
    // The server is stopped when dropped; stop it explicitly to see errors.
    server.stop(1000).context("demo: authz server")?;
    say!(
        "All three modes work. Total time {:.2} s.",
        started.elapsed().as_secs_f64()
    );
    Ok(Exit::Ok)
}

/// Part 1: `messages` messages of `size` bytes, publisher thread → subscriber.
fn streaming(messages: u64, size: usize) -> Result<(), CliError> {
    const TOPIC: &str = "demo/stream";
    say!("1. Streaming (PUB/SUB; every message is three frames [topic, data, event])");
    // No high-water mark: a publisher faster than its subscriber queues
    // instead of dropping, so the count below must be exact.
    let opts = PortOptions {
        sndhwm: 0,
        rcvhwm: 0,
        ..PortOptions::default()
    };
    let outport = Outport::with_options(ANY_PORT, TOPIC, &opts).context("demo: outport")?;
    let inport = Inport::with_options(outport.endpoint(), TOPIC, &opts).context("demo: inport")?;
    let subscribers = outport
        .wait_subscribers(1, STEP_MS)
        .context("demo: waiting for the subscriber")?;
    say!(
        "   outport {} topic '{TOPIC}' -> inport; {subscribers} subscriber connected (waited for it: no slow-joiner loss)",
        outport.endpoint()
    );
    let start = Instant::now();
    let (sent, received) = thread::scope(|scope| {
        let sender = scope.spawn(|| publish(&outport, messages, size));
        let received = receive(&inport, messages);
        // A panicking sender is a bug in this file: report, don't unwind.
        let sent = sender.join().unwrap_or_else(|_| {
            Err(zil::Error::new(
                ErrorKind::Zmq,
                "the sender thread panicked",
            ))
        });
        (sent, received)
    });
    sent.context("demo: publishing")?;
    let tally = received?;
    let secs = tally.last_at.duration_since(start).as_secs_f64().max(1e-9);
    let bytes = tally.received * size as u64;
    say!("   sent      {messages} messages of {size} B (event 'pcm', the last one 'EOS')");
    say!(
        "   received  {} messages, {} lost, {} out of order",
        tally.received,
        messages - tally.received,
        tally.out_of_order
    );
    say!(
        "   rate      {} msg/s, {:.1} MB/s ({:.3} s)",
        si(tally.received as f64 / secs),
        bytes as f64 / secs / 1e6,
        secs
    );
    if tally.received != messages || tally.out_of_order != 0 {
        return Err(CliError::failure(format!(
            "demo: streaming lost {} of {messages} messages ({} out of order)",
            messages - tally.received,
            tally.out_of_order
        )));
    }
    Ok(())
}

fn publish(outport: &Outport, messages: u64, size: usize) -> zil::Result<()> {
    let mut data = vec![0x5a_u8; size];
    for seq in 0..messages {
        data[..8].copy_from_slice(&seq.to_le_bytes());
        let event = if seq + 1 == messages { "EOS" } else { "pcm" };
        outport.push(&data, Some(event))?;
    }
    Ok(())
}

struct Tally {
    received: u64,
    out_of_order: u64,
    last_at: Instant,
}

/// Receives until the `EOS` message or until nothing comes for a while.
fn receive(inport: &Inport, messages: u64) -> Result<Tally, CliError> {
    let mut tally = Tally {
        received: 0,
        out_of_order: 0,
        last_at: Instant::now(),
    };
    while tally.received < messages {
        let msg = match inport.recv(STEP_MS) {
            Ok(msg) => msg,
            Err(e) if e.kind() == ErrorKind::Timeout => break,
            Err(e) => return Err(e).context("demo: receiving"),
        };
        tally.last_at = Instant::now();
        let seq = msg
            .data()
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .map(u64::from_le_bytes);
        if seq != Some(tally.received) {
            tally.out_of_order += 1;
        }
        tally.received += 1;
        if msg.event() == Some("EOS") {
            break;
        }
    }
    Ok(tally)
}

/// Part 2: the authz methods, their latency, and an unknown method.
fn rpc(server: &Server, client: &Client, calls: u32) -> Result<(), CliError> {
    say!(
        "2. RPC (JSON-RPC 2.0 over REQ/REP) with an authz server at {}",
        server.endpoint()
    );
    let token = client
        .get_token()
        .context("demo: get_token")?
        .ok_or_else(|| CliError::failure("demo: get_token answered null"))?;
    say!("   get_token()          -> \"{token}\" (a new session)");
    expect(client.verify(&token), true, "verify(session)")?;
    say!("   verify(session)      -> true");
    let unknown = "00000000000000000000000000000000";
    expect(client.verify(unknown), false, "verify(unknown)")?;
    say!("   verify(unknown)      -> false");
    let mut times = Vec::with_capacity(calls as usize);
    let start = Instant::now();
    for _ in 0..calls {
        let t = Instant::now();
        expect(client.verify(&token), true, "verify(session)")?;
        times.push(t.elapsed());
    }
    let total = start.elapsed().as_secs_f64().max(1e-9);
    times.sort_unstable();
    let pick = |q: usize| times[(times.len() * q / 100).min(times.len() - 1)];
    say!(
        "   {:<20} -> round trip median {}, p99 {} ({} calls/s)",
        format!("verify x {calls}"),
        micros(pick(50)),
        micros(pick(99)),
        si(f64::from(calls) / total)
    );
    expect(client.logout(&token), true, "logout(session)")?;
    say!("   logout(session)      -> true");
    expect(client.verify(&token), false, "verify(session) after logout")?;
    say!("   verify(session)      -> false (logged out)");
    match client.call("no_such_method", json!({})) {
        Err(e) if e.kind() == ErrorKind::Remote => {
            let text = e.message();
            let why = text.split_once("failed: ").map_or(text, |(_, why)| why);
            say!("   no_such_method()     -> error: {why}");
            Ok(())
        }
        Err(e) => Err(CliError::failure(format!("demo: no_such_method: {e}"))),
        Ok(v) => Err(CliError::failure(format!(
            "demo: no_such_method answered {v} instead of an error"
        ))),
    }
}

fn expect(got: zil::Result<bool>, want: bool, what: &str) -> Result<(), CliError> {
    match got.context(&format!("demo: {what}"))? {
        g if g == want => Ok(()),
        g => Err(CliError::failure(format!(
            "demo: {what} answered {g}, expected {want}"
        ))),
    }
}

/// Part 3: first outpad → middle inpad (linked to its outpad) → last inpad,
/// then a logout that stops the flow.
fn session(authz_addr: &str, client: &Client) -> Result<(), CliError> {
    const AUDIO: &str = "demo/audio";
    const TEXT: &str = "demo/text";
    say!("3. Session-aware streaming (data frame {{\"data\": base64, \"session_id\": id}}, verified over RPC)");
    let token = client
        .get_token()
        .context("demo: get_token")?
        .ok_or_else(|| CliError::failure("demo: get_token answered null"))?;
    let first = Outpad::new(ANY_PORT, AUDIO).context("demo: first outpad")?;
    first.set_session_id(Some(&token));
    let middle_in =
        Inpad::new(first.port().endpoint(), AUDIO, authz_addr).context("demo: middle inpad")?;
    let middle_out = Outpad::new(ANY_PORT, TEXT).context("demo: middle outpad")?;
    middle_in.link(&middle_out);
    let last =
        Inpad::new(middle_out.port().endpoint(), TEXT, authz_addr).context("demo: last inpad")?;
    // Verify every message, so that the logout below shows at once.
    middle_in.set_cache_ttl(0);
    last.set_cache_ttl(0);
    for outpad in [&first, &middle_out] {
        outpad
            .port()
            .wait_subscribers(1, STEP_MS)
            .context("demo: waiting for an inpad")?;
    }
    say!(
        "   first  outpad {} topic '{AUDIO}', session {token} (from get_token)",
        first.port().endpoint()
    );
    say!(
        "   middle inpad <- first, linked to outpad {} topic '{TEXT}': passes the session on",
        middle_out.port().endpoint()
    );
    say!("   last   inpad <- middle; both inpads verify at {authz_addr}");
    say!(
        "   verification cache TTL 0 ms for the demo: every message is verified (default {} ms)",
        zil::session::DEFAULT_CACHE_TTL_MS
    );
    let short = abbreviate(&token);
    for word in ["hello", "from", "zil"] {
        first
            .push(word.as_bytes(), None)
            .context("demo: first push")?;
        let got = middle_in.recv(STEP_MS).context("demo: middle receive")?;
        let upper = got.data().to_ascii_uppercase();
        middle_out
            .push(&upper, got.event())
            .context("demo: middle push")?;
        let end = last.recv(STEP_MS).context("demo: last receive")?;
        say!(
            "   first sends '{word}' -> middle gets '{}' ({}) -> sends '{}' -> last gets '{}' ({})",
            String::from_utf8_lossy(got.data()),
            abbreviate(got.session_id().unwrap_or("no session")),
            String::from_utf8_lossy(&upper),
            String::from_utf8_lossy(end.data()),
            abbreviate(end.session_id().unwrap_or("no session")),
        );
        if end.session_id() != Some(token.as_str()) {
            return Err(CliError::failure(format!(
                "demo: the last inpad saw session {:?}, expected {token}",
                end.session_id()
            )));
        }
    }
    expect(client.logout(&token), true, "logout(session)")?;
    say!("   logout({short}) -> true");
    first
        .push(b"after logout", None)
        .context("demo: first push")?;
    refused(&middle_in, "middle")?;
    say!("   first sends 'after logout' -> middle drops it (session no longer verified)");
    middle_out
        .push(b"STALE", None)
        .context("demo: middle push")?;
    refused(&last, "last")?;
    say!("   a stage still sending under the old session is refused too: last drops 'STALE'");
    for (name, pad) in [("middle", &middle_in), ("last  ", &last)] {
        let s = pad.stats();
        say!(
            "   {name} inpad: {} delivered, {} dropped as unverified, {} verify calls",
            s.delivered,
            s.dropped_unverified,
            s.verify_calls
        );
    }
    Ok(())
}

/// Expects `pad` to deliver nothing (its messages fail verification).
fn refused(pad: &Inpad, name: &str) -> Result<(), CliError> {
    let dropped_before = pad.stats().dropped_unverified;
    match pad.recv(300) {
        Err(e) if e.kind() == ErrorKind::Timeout => {}
        Err(e) => return Err(e).context(&format!("demo: {name} receive")),
        Ok(msg) => {
            return Err(CliError::failure(format!(
                "demo: the {name} inpad delivered '{}' after the logout",
                String::from_utf8_lossy(msg.data())
            )))
        }
    }
    if pad.stats().dropped_unverified == dropped_before {
        return Err(CliError::failure(format!(
            "demo: the {name} inpad received nothing after the logout"
        )));
    }
    Ok(())
}

/// `4a501b51…` for a session id in the flow lines.
fn abbreviate(id: &str) -> String {
    match id.char_indices().nth(8) {
        Some((cut, _)) => format!("{}…", &id[..cut]),
        None => id.to_owned(),
    }
}

/// 1234567.0 → `1.23 M`, 45678.0 → `45.7 k`.
fn si(x: f64) -> String {
    if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}
