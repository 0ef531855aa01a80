//! How many ports one process can hold open at once, and what the error
//! says when a limit is reached.
//!
//! zil's ZeroMQ context allows as many libzmq sockets as the process may
//! open files (`RLIMIT_NOFILE`, read when the context is made; at most
//! libzmq's `ZMQ_SOCKET_LIMIT`), where libzmq's default of 1023 sockets
//! allowed about 341 inports (each takes 3 sockets: its SUB, libzmq's
//! monitor PAIR and zil's). When creating a socket fails for a limit, the
//! error names the limit and its value.
//!
//! The tests run their peers and their low-limit cases in child processes
//! (this test binary run again with [`ROLE`] set), so each process's fd
//! limit and fd count are its own.

#[path = "common/child.rs"]
mod child;

use child::{this_test, Child, Stderr};
use std::io::Read;
use std::time::{Duration, Instant};
use zil::session::Inpad;
use zil::stream::{Inport, Outport};

/// Set in a child process: which role it plays.
const ROLE: &str = "ZIL_LIMITS_ROLE";
const N: usize = 1000;

fn role() -> Option<String> {
    std::env::var(ROLE).ok()
}

fn nofile() -> libc::rlimit {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one rlimit to a live struct.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    assert_eq!(rc, 0, "getrlimit: {}", std::io::Error::last_os_error());
    lim
}

fn set_soft_nofile(soft: libc::rlim_t) {
    let lim = libc::rlimit {
        rlim_cur: soft,
        rlim_max: nofile().rlim_max,
    };
    // SAFETY: setrlimit reads one rlimit from a live struct.
    let rc = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
    assert_eq!(rc, 0, "setrlimit: {}", std::io::Error::last_os_error());
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map_or(0, |d| d.count())
}

/// The longest a child process may take to report or to end.
const CHILD_WAIT: Duration = Duration::from_secs(60);

/// This test binary again, running only `test` in the role `role`.
fn child(test: &str, role: &str) -> Child {
    Child::spawn(
        format!("the {role} process"),
        this_test(test).env(ROLE, role),
        Stderr::Inherited,
    )
}

/// The peer of [`a_thousand_inports_and_a_thousand_inpads_open_at_once`]:
/// binds an outport, prints its endpoint, and pushes `x` every 20 ms until
/// its stdin closes.
#[test]
fn peer_process() {
    if role().as_deref() != Some("peer") {
        return;
    }
    let out = Outport::new("tcp://127.0.0.1:*", "t").expect("bind the outport");
    println!("ENDPOINT {}", out.endpoint());
    let (eof, stdin_closed) = std::sync::mpsc::channel::<()>();
    std::thread::spawn(move || {
        let _ = std::io::stdin().read_to_end(&mut Vec::new());
        let _ = eof.send(());
    });
    while stdin_closed
        .recv_timeout(Duration::from_millis(20))
        .is_err()
    {
        out.push(b"x", None).expect("push");
    }
}

/// 1000 inports and 1000 inpads, all over tcp, open at once in this
/// process, and each one receives. The publisher is in another process (as
/// in production), so the fds counted here are the ports' own: 8 per
/// inport (three libzmq sockets of two fds each, as this libzmq signals
/// through socket pairs; the connection; the wake-up eventfd) and 11 per
/// inpad (its inport, and its RPC client's REQ socket and eventfd). The
/// inpads' RPC address is an unbound `inproc://` one: a tcp connection to
/// a live server would take one more fd each, 20 000 in all, over this
/// machine kind's hard limit of 20 000.
#[test]
fn a_thousand_inports_and_a_thousand_inpads_open_at_once() {
    if role().is_some() {
        return;
    }
    let needed = (N * 8 + N * 11 + 200) as libc::rlim_t;
    let hard = nofile().rlim_max;
    if hard < needed {
        eprintln!(
            "SKIPPED: the hard RLIMIT_NOFILE is {hard}; {N} inports and {N} inpads need \
             about {needed} fds"
        );
        return;
    }
    // Before zil's context is made: it reads the limit then.
    set_soft_nofile(hard);
    let mut peer = child("peer_process", "peer");
    let endpoint = loop {
        let line = peer.line(CHILD_WAIT).expect("the peer prints its endpoint");
        // After the harness's "test peer_process ... " on the same line.
        if let Some((_, ep)) = line.split_once("ENDPOINT ") {
            break ep.to_owned();
        }
    };
    let fds_before = open_fds();
    let started = Instant::now();
    let inports: Vec<Inport> = (0..N)
        .map(|i| {
            Inport::new(&endpoint, "t").unwrap_or_else(|e| panic!("inport {} of {N}: {e}", i + 1))
        })
        .collect();
    let inpads: Vec<Inpad> = (0..N)
        .map(|i| {
            Inpad::new(&endpoint, "t", "inproc://zil-limits-authz")
                .unwrap_or_else(|e| panic!("inpad {} of {N}: {e}", i + 1))
        })
        .collect();
    let opened = started.elapsed();
    let fds = open_fds() - fds_before;
    // Each one is connected and receives the peer's pushes.
    let ports = inports.iter().chain(inpads.iter().map(Inpad::port));
    for (i, port) in ports.enumerate() {
        let msg = port
            .recv(20_000)
            .unwrap_or_else(|e| panic!("port {} of {}: {e}", i + 1, 2 * N));
        assert_eq!(msg.data(), b"x");
    }
    eprintln!(
        "{} inports and {} inpads open in {opened:?} and receiving after {:?}, \
         holding {fds} fds (soft limit {hard})",
        inports.len(),
        inpads.len(),
        started.elapsed()
    );
    peer.close_stdin();
    let status = peer.wait(CHILD_WAIT).expect("the peer ends");
    assert!(status.success(), "peer: {status}");
}

/// The low limit of [`the_error_names_the_open_file_limit`].
const LOW_LIMIT: libc::rlim_t = 300;

/// In a child process with a soft limit of 300 files: opening inports until
/// one fails ends with an error that names that limit.
#[test]
fn low_fd_limit_process() {
    if role().as_deref() != Some("low-fd-limit") {
        return;
    }
    set_soft_nofile(LOW_LIMIT);
    let out = Outport::new("tcp://127.0.0.1:*", "t").expect("bind the outport");
    let mut ports = Vec::new();
    let err = loop {
        match Inport::new(out.endpoint(), "t") {
            Ok(port) => ports.push(port),
            Err(e) => break e,
        }
        assert!(
            ports.len() < 300,
            "{} inports within {LOW_LIMIT} fds",
            ports.len()
        );
    };
    println!("OPENED {}", ports.len());
    println!("ERROR {err}");
}

#[test]
fn the_error_names_the_open_file_limit() {
    if role().is_some() {
        return;
    }
    let mut run = child("low_fd_limit_process", "low-fd-limit");
    let status = run.wait(CHILD_WAIT).expect("the child ends");
    let stdout = run.stdout();
    assert!(status.success(), "child: {status}\n{stdout}");
    let error = stdout
        .lines()
        .find_map(|l| l.split_once("ERROR ").map(|(_, e)| e))
        .unwrap_or_else(|| panic!("the child reports the error: {stdout}"));
    eprintln!("{}", stdout.trim());
    assert!(
        error.contains(&format!(
            "the process's limit of {LOW_LIMIT} open files is reached (RLIMIT_NOFILE, `ulimit -n`)"
        )),
        "{error}"
    );
    assert!(!error.contains("libzmq's limit"), "{error}");
}
