//! A small authorization service with the original's three methods:
//! `verify(session_id) -> bool`, `get_token() -> new session id`,
//! `logout(session_id) -> true`. Used by `zil serve-authz` and `zil demo`.

use crate::error::{CliError, CliResult, Context, Exit};
use crate::{signals, ServeAuthzArgs};
use serde_json::Value;
use std::collections::HashSet;
use std::io::{self, Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use zil::rpc::{methods, RpcError, Server, INVALID_PARAMS};

/// The sessions the service knows.
#[derive(Debug, Default)]
pub struct Sessions(Mutex<HashSet<String>>);

impl Sessions {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn add(&self, id: &str) {
        self.lock().insert(id.to_owned());
    }

    pub fn contains(&self, id: &str) -> bool {
        self.lock().contains(id)
    }

    pub fn remove(&self, id: &str) -> bool {
        self.lock().remove(id)
    }
}

/// Registers `verify`, `get_token` and `logout` on `server`.
pub fn install(server: &Server, sessions: &Arc<Sessions>, verbose: bool) {
    let known = Arc::clone(sessions);
    server.set_handler(methods::VERIFY, move |params| {
        let id = session_param(methods::VERIFY, params)?;
        let ok = known.contains(id);
        if verbose {
            eprintln!("verify {id} -> {ok}");
        }
        Ok(Value::Bool(ok))
    });
    let known = Arc::clone(sessions);
    server.set_handler(methods::GET_TOKEN, move |_params| {
        let id = new_session_id();
        known.add(&id);
        if verbose {
            eprintln!("get_token -> {id}");
        }
        Ok(Value::String(id))
    });
    let known = Arc::clone(sessions);
    server.set_handler(methods::LOGOUT, move |params| {
        let id = session_param(methods::LOGOUT, params)?;
        let was_known = known.remove(id);
        if verbose {
            eprintln!("logout {id} -> true (was known: {was_known})");
        }
        // The original answers true whether or not the session existed.
        Ok(Value::Bool(true))
    });
}

/// The session id of a request: a bare string, as the original client sends
/// it, or a list holding one string.
fn session_param<'a>(method: &str, params: Option<&'a Value>) -> Result<&'a str, RpcError> {
    match params {
        Some(Value::String(id)) => Ok(id),
        Some(Value::Array(list)) if list.len() == 1 => match &list[0] {
            Value::String(id) => Ok(id),
            _ => Err(bad_params(method)),
        },
        _ => Err(bad_params(method)),
    }
}

fn bad_params(method: &str) -> RpcError {
    RpcError::new(
        INVALID_PARAMS,
        format!("Invalid params: {method} expects the session id as a string"),
    )
}

/// A fresh session id: 32 lowercase hex characters, like the ids in the field.
pub fn new_session_id() -> String {
    let mut bytes = [0u8; 16];
    let from_os = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut bytes));
    if from_os.is_err() {
        bytes = fallback_random();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Unpredictable enough for a debugging tool when /dev/urandom is missing:
/// std's randomly keyed hasher over the time and a counter.
fn fallback_random() -> [u8; 16] {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = [0u8; 16];
    for half in out.chunks_mut(8) {
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default(),
        );
        half.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    out
}

/// `zil serve-authz`: prints the endpoint, serves until a signal or --for-ms.
pub fn serve(args: &ServeAuthzArgs) -> CliResult {
    if args.sessions.iter().any(String::is_empty) {
        return Err(CliError::usage(
            "serve-authz: --session needs a non-empty id",
        ));
    }
    signals::install();
    let server = Server::new(&args.addr).context("serve-authz")?;
    let sessions = Arc::new(Sessions::default());
    for id in &args.sessions {
        sessions.add(id);
    }
    install(&server, &sessions, args.verbose);
    server.start().context("serve-authz")?;
    {
        let mut out = io::stdout().lock();
        writeln!(out, "{}", server.endpoint())
            .and_then(|_| out.flush())
            .context("serve-authz: cannot write the endpoint")?;
    }
    let started = Instant::now();
    let until = args.for_ms.map(Duration::from_millis);
    while !signals::stop_requested() && until.is_none_or(|d| started.elapsed() < d) {
        std::thread::sleep(Duration::from_millis(20));
    }
    server.stop(1000).context("serve-authz")?;
    if args.verbose {
        let (requests, errors) = server.request_counts();
        eprintln!("served {requests} requests ({errors} answered with an error)");
    }
    Ok(Exit::Ok)
}
