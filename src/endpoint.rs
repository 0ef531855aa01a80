//! What an endpoint mistake tells the user: the endpoints zil's sockets
//! take, and a warning for a TCP host name that does not resolve (libzmq
//! would retry it silently for ever).

use crate::error::Error;
use std::net::{IpAddr, ToSocketAddrs};

/// The endpoints zil's sockets (PUB, SUB, REQ, REP, DEALER) take.
pub(crate) const VALID: &str =
    "valid endpoints are tcp://HOST:PORT (PORT '*' binds a free one), ipc://PATH and inproc://NAME";

/// The error for an endpoint libzmq refused (`EINVAL`, an unknown or
/// incompatible transport), naming what is valid instead of an errno.
pub(crate) fn refused(addr: &str, verb: &str, err: zmq::Error) -> Error {
    let why = match addr.split_once("://") {
        None => "no transport (it must start with tcp://, ipc:// or inproc://)".to_owned(),
        Some((scheme, _)) if !["tcp", "ipc", "inproc"].contains(&scheme) => {
            format!("the transport {scheme}:// is not one zil's sockets use")
        }
        Some(_) => err.message().to_owned(),
    };
    Error::invalid(format!(
        "invalid endpoint '{addr}': cannot {verb}: {why}; {VALID}"
    ))
}

/// After connecting to `addr`: when it is `tcp://` with a host name, looks
/// the name up in a thread of its own and logs a warning if it does not
/// resolve. libzmq keeps retrying such a connection without a word, so the
/// warning is the only sign of a mistyped host.
pub(crate) fn warn_if_unresolvable(addr: &str) {
    let Some(host_port) = addr.strip_prefix("tcp://") else {
        return;
    };
    // `tcp://source;host:port` connects from `source`.
    let host_port = host_port.rsplit(';').next().unwrap_or(host_port);
    let Some((host, port)) = host_port.rsplit_once(':') else {
        return;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let Ok(port) = port.parse::<u16>() else {
        return;
    };
    if host.parse::<IpAddr>().is_ok() || host == "localhost" || host.is_empty() {
        return;
    }
    let (addr, host) = (addr.to_owned(), host.to_owned());
    let lookup = move || {
        if let Err(e) = (host.as_str(), port).to_socket_addrs() {
            log::warn!(
                "zil: cannot resolve the host of '{addr}' ({e}): libzmq retries, nothing will connect until it resolves"
            );
        }
    };
    // Without a thread (at a limit), skip the check: it is advice only.
    if let Err(e) = std::thread::Builder::new()
        .name("zil-resolve".into())
        .spawn(lookup)
    {
        log::debug!("zil: no thread to check the host of an endpoint: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::refused;

    #[test]
    fn says_what_is_valid() {
        let e = refused("udp://1.2.3.4:5", "connect", zmq::Error::ENOCOMPATPROTO);
        assert_eq!(e.kind(), crate::ErrorKind::InvalidArgument);
        assert!(e.message().contains("udp:// is not one"), "{e}");
        assert!(e.message().contains("tcp://HOST:PORT"), "{e}");
        assert!(!e.message().contains("errno"), "{e}");
        let e = refused("garbage", "bind", zmq::Error::EINVAL);
        assert!(e.message().contains("no transport"), "{e}");
        let e = refused("tcp://nope", "bind", zmq::Error::EINVAL);
        assert!(e.message().contains("Invalid argument"), "{e}");
        assert!(e.message().contains("ipc://PATH"), "{e}");
    }
}
