//! `zil rpc`: one JSON-RPC call; the result as JSON on stdout.

use crate::error::{CliError, CliResult, Context, Exit};
use crate::RpcArgs;
use serde_json::{json, Value};
use std::io::{self, Write};
use zil::rpc::Client;

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
fn params(args: &RpcArgs) -> Result<Value, CliError> {
    match &args.params {
        None => Ok(json!({})),
        Some(text) if args.string => Ok(Value::String(text.clone())),
        Some(text) => serde_json::from_str(text).map_err(|e| {
            CliError::usage(format!(
                "rpc: PARAMS {text:?} is not JSON ({e}); quote a string ('\"{text}\"') or pass --string"
            ))
        }),
    }
}
