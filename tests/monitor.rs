//! Creating a connection monitor is prompt: the flush a new monitor asks of
//! the hub thread (which reads every watched socket's events) is done at
//! once, also for a port whose watch registered with the hub just before.

use std::time::{Duration, Instant};
use zil::stream::{Inport, Outport};

/// The longest one `monitor()` call may take (the hub answers in
/// microseconds; the bug made every second call take the whole 1 s
/// flush wait).
const PROMPT: Duration = Duration::from_millis(50);
const CALLS: usize = 40;

/// Runs `call` `CALLS` times; fails unless each took less than [`PROMPT`].
fn each_prompt(what: &str, mut call: impl FnMut()) {
    let times: Vec<Duration> = (0..CALLS)
        .map(|_| {
            let started = Instant::now();
            call();
            started.elapsed()
        })
        .collect();
    let slow = times.iter().filter(|t| **t >= PROMPT).count();
    assert_eq!(
        slow, 0,
        "{what}: {slow} of {CALLS} calls took {PROMPT:?} or more: {times:?}"
    );
}

fn outport() -> Outport {
    Outport::new("tcp://127.0.0.1:*", "t").expect("bind an outport")
}

#[test]
fn first_monitor_of_each_new_outport_is_prompt() {
    // Each new port's first monitor() starts its watch (registering with the
    // hub) and then asks for a flush; both wake the hub at once.
    let ports: Vec<Outport> = (0..CALLS).map(|_| outport()).collect();
    let mut next = ports.iter();
    let mut monitors = Vec::new();
    each_prompt("first monitor of a new outport", || {
        let port = next.next().expect("a port per call");
        monitors.push(port.monitor().expect("monitor"));
    });
}

#[test]
fn monitor_made_and_dropped_in_a_loop_on_one_outport_is_prompt() {
    let out = outport();
    each_prompt("monitor of one outport, dropped each time", || {
        drop(out.monitor().expect("monitor"));
    });
}

#[test]
fn monitor_of_new_ports_interleaved_is_prompt() {
    // New ports and monitors in turn, each port freed after its monitor.
    each_prompt("new outport, its monitor, both freed", || {
        let out = outport();
        drop(out.monitor().expect("monitor"));
    });
    let addr = {
        let out = outport();
        out.endpoint().to_owned()
    };
    each_prompt("new inport's monitor", || {
        let inport = Inport::new(&addr, "t").expect("connect an inport");
        drop(inport.monitor().expect("monitor"));
    });
}

#[test]
fn a_new_monitor_still_sees_the_events_after_it() {
    // The prompt flush still passes over the events before the monitor and
    // keeps those after it.
    let out = outport();
    let monitor = out.monitor().expect("monitor");
    let inport = Inport::new(out.endpoint(), "t").expect("connect an inport");
    let event = monitor.next(5000).expect("an event");
    assert_eq!(
        event.kind,
        zil::monitor::PeerEventKind::Accepted,
        "{event:?}"
    );
    drop(inport);
}

#[test]
fn an_unresolvable_host_is_reported_as_retried_connections() {
    // libzmq cannot resolve the name and retries for ever; the monitor sees
    // each retry (and zil logs a warning, see cli/tests).
    let addr = "tcp://no.such.host.invalid:5555";
    let port = Inport::new(addr, "t").expect("connecting is lazy");
    let monitor = port.monitor().expect("monitor");
    let event = monitor.next(5000).expect("an event within 5 s");
    assert_eq!(
        event.kind,
        zil::monitor::PeerEventKind::ConnectRetried,
        "{event:?}"
    );
    assert_eq!(event.endpoint, addr);
}
