//! `zil rpc`: one JSON-RPC call; the result as JSON on stdout.

use crate::error::{CliError, CliResult, Context, Exit};
use crate::RpcArgs;
use serde_json::{json, Value};
use std::io::{self, Write};
use zil::rpc::{methods, truthy, Client};

pub fn run(args: &RpcArgs) -> CliResult {
    let params = params(args)?;
    let client = Client::new(&args.addr, args.timeout_ms).context("rpc")?;
    // The library's message already names the method and the address.
    let result = client.call(&args.method, params)?;
    let text = match (&result, args.raw) {
        (Value::String(s), true) => s.clone(),
        _ => result.to_string(),
    };
    let mut out = io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|_| out.flush())
        .context("rpc: cannot write to stdout")?;
    Ok(Exit::Ok)
}

/// PARAMS as JSON (`{}` when absent, like the original's `get_token`).
/// `verify` and `logout` need a session id: for falsy params (`{}`, `""`,
/// `null`, …) the original server calls their handlers without an argument
/// and dies of the `TypeError`.
fn params(args: &RpcArgs) -> Result<Value, CliError> {
    let params = match &args.params {
        None => json!({}),
        Some(text) if args.string => Value::String(text.clone()),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            CliError::usage(format!(
                "rpc: PARAMS {text:?} is not JSON ({e}); quote a string ('\"{text}\"') or pass --string"
            ))
        })?,
    };
    let needs_session = [methods::VERIFY, methods::LOGOUT].contains(&args.method.as_str());
    if needs_session && !truthy(&params) {
        return Err(CliError::usage(format!(
            "rpc: {} needs a session id as PARAMS (got {params}, which the original's server \
             cannot take), e.g. zil rpc {} {} --string 4a501b51317e2c8f4a0fd7831d3e09dc",
            args.method, args.addr, args.method
        )));
    }
    Ok(params)
}
