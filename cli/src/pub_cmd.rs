//! `zil pub`: publishes stdin lines, or a file in chunks, on one topic.

use crate::error::{CliError, CliResult, Context, Exit};
use crate::PubArgs;
use std::cell::Cell;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Write};
use zil::stream::Outport;
use zil::{Attach, PortOptions};

pub fn run(args: &PubArgs) -> CliResult {
    let opts = PortOptions {
        sndhwm: args.hwm,
        linger_ms: args.linger_ms,
        attach: Some(if args.connect {
            Attach::Connect
        } else {
            Attach::Bind
        }),
        ..PortOptions::default()
    };
    let port = Outport::with_options(&args.addr, &args.topic, &opts).context("pub")?;
    if args.addr.contains('*') {
        // An ephemeral address: tell the subscribers where to go.
        let mut out = io::stdout().lock();
        writeln!(out, "{}", port.endpoint())
            .and_then(|_| out.flush())
            .context("pub: cannot write the endpoint")?;
    }
    if !args.no_wait && args.wait_subscribers > 0 {
        port.wait_subscribers(args.wait_subscribers, args.wait_ms)
            .context("pub: waiting for subscribers (--no-wait publishes at once)")?;
    }
    let event = args.event.as_deref();
    // Messages pushed while no subscriber of the topic was known: PUB drops
    // them. Counted at each push, because a subscriber may take its
    // messages and leave before the last one (`zil sub --count`).
    let unheard = Cell::new(0u64);
    let push_event = |data: &[u8], event: Option<&str>| {
        if port.subscribers() == 0 {
            unheard.set(unheard.get() + 1);
        }
        port.push(data, event).context("pub")
    };
    let push = |data: &[u8]| push_event(data, event);
    match &args.file {
        Some(path) if path.as_os_str() == "-" => chunks(io::stdin().lock(), args.chunk, push)?,
        Some(path) => {
            let file =
                File::open(path).context(&format!("pub: cannot open '{}'", path.display()))?;
            chunks(file, args.chunk, push)?
        }
        None => lines(io::stdin().lock(), push)?,
    }
    if args.eos {
        push_event(b"", Some("EOS"))?;
    }
    let sent = port.stats().messages_sent;
    let unheard = unheard.get();
    if sent > 0 && unheard == sent {
        // PUB drops what no subscriber takes: say so rather than exit 0.
        return Err(CliError::new(
            Exit::Timeout,
            format!(
                "pub: no subscriber of topic '{}' on '{}': the {sent} messages reached nobody",
                args.topic,
                port.endpoint()
            ),
        ));
    }
    if unheard > 0 {
        eprintln!(
            "zil: pub: {unheard} of {sent} messages went out while no subscriber of topic '{}' \
             was connected to '{}', and reached nobody",
            args.topic,
            port.endpoint()
        );
    }
    // libzmq sends from its I/O thread: close the port and let zil deliver
    // what is still queued (up to the linger time) before the process ends.
    drop(port);
    zil::shutdown(args.linger_ms).context("pub: delivering the last messages")?;
    Ok(Exit::Ok)
}

/// One message per line, without its `\n` (or `\r\n`).
fn lines(
    mut input: impl BufRead,
    mut push: impl FnMut(&[u8]) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if input
            .read_until(b'\n', &mut line)
            .context("pub: cannot read stdin")?
            == 0
        {
            return Ok(());
        }
        if line.last() == Some(&b'\n') {
            line.pop();
            if line.last() == Some(&b'\r') {
                line.pop();
            }
        }
        push(&line)?;
    }
}

/// One message per `size` bytes (the last one may be shorter).
fn chunks(
    input: impl Read,
    size: u32,
    mut push: impl FnMut(&[u8]) -> Result<(), CliError>,
) -> Result<(), CliError> {
    let mut input = BufReader::new(input);
    let mut chunk = vec![0u8; size as usize];
    loop {
        let mut filled = 0;
        while filled < chunk.len() {
            match input.read(&mut chunk[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e).context("pub: cannot read the input"),
            }
        }
        if filled == 0 {
            return Ok(());
        }
        push(&chunk[..filled])?;
        if filled < chunk.len() {
            return Ok(());
        }
    }
}
