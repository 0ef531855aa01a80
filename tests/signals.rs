//! Signals (a profiler's timer, SIGCHLD, SIGALRM) interrupting zil's waits
//! must not fail a call: an RPC call whose wait for the answer is interrupted
//! again and again still returns the answer. Its own test binary, because it
//! installs a process-wide signal handler.

use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use zil::rpc::{Client, Server};
use zil::session::{Inpad, Outpad};

extern "C" fn ignore(_: libc::c_int) {}

/// Interrupts one thread with SIGUSR1 every millisecond while it lives (the
/// handler is installed without SA_RESTART, so blocked calls see EINTR).
struct SignalStorm {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SignalStorm {
    fn at(target: libc::pthread_t) -> Self {
        // SAFETY: installs a handler that does nothing, for SIGUSR1.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = ignore as *const () as usize;
            action.sa_flags = 0;
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut());
        }
        let stop = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&stop);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                // SAFETY: the target thread lives until the storm is dropped.
                unsafe { libc::pthread_kill(target, libc::SIGUSR1) };
                std::thread::sleep(Duration::from_millis(1));
            }
        });
        SignalStorm {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for SignalStorm {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[test]
fn rpc_calls_survive_signals_while_waiting() {
    let server = Server::new("tcp://127.0.0.1:*").expect("server");
    server.set_handler("slow", |_| {
        std::thread::sleep(Duration::from_millis(50));
        Ok(json!("done"))
    });
    server.set_handler("verify", |_| {
        std::thread::sleep(Duration::from_millis(2));
        Ok(json!(true))
    });
    server.start().expect("start");
    let client = Client::new(server.endpoint(), 2000).expect("client");
    let outpad = Outpad::new("tcp://127.0.0.1:*", "audio").expect("outpad");
    let inpad = Inpad::new(outpad.port().endpoint(), "audio", server.endpoint()).expect("inpad");
    inpad.set_cache_ttl(0);
    outpad
        .port()
        .wait_subscribers(1, 5000)
        .expect("the inpad subscribes");
    // SAFETY: the id of the calling thread, which outlives the storm.
    let storm = SignalStorm::at(unsafe { libc::pthread_self() });
    for _ in 0..5 {
        let started = Instant::now();
        assert_eq!(client.call("slow", json!(null)), Ok(json!("done")));
        assert!(started.elapsed() < Duration::from_millis(1500));
    }
    // An inpad's pipelined verify calls, waited for under the storm.
    for i in 0..20 {
        outpad.set_session_id(Some(&format!("s{i}")));
        outpad.push(format!("{i}").as_bytes(), None).expect("push");
    }
    for i in 0..20 {
        let msg = inpad.recv(2000).expect("a verified message");
        assert_eq!(msg.data(), format!("{i}").as_bytes());
    }
    drop(storm);
    server.stop(1000).expect("stop");
}
