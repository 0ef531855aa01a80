/* Connection events: zil_outport_monitor, zil_inport_monitor,
 * zil_outpad_monitor, zil_inpad_monitor, zil_monitor_next, zil_monitor_free.
 *
 * - an output port's monitor sees ZIL_PEER_ACCEPTED (with the endpoint)
 *   when an input port connects, ZIL_PEER_DISCONNECTED when it is freed,
 *   ZIL_TIMEOUT while nothing happens, ZIL_PEER_STOPPED once the port is
 *   freed (the monitor outlives it);
 * - an input port's monitor sees connection attempts retried while nobody
 *   listens, ZIL_PEER_CONNECTED when a publisher binds, DISCONNECTED when
 *   it goes;
 * - the same for outpads and inpads;
 * - NULL and bad arguments.
 */
#include "check.h"

/* libzmq's event numbers (ZMQ_EVENT_*), reported in `raw`. */
#define EV_CONNECTED 0x0001u
#define EV_CONNECT_RETRIED 0x0004u
#define EV_ACCEPTED 0x0020u
#define EV_DISCONNECTED 0x0200u
#define EV_MONITOR_STOPPED 0x0400u

static const char *kind_name(int kind)
{
    switch (kind) {
    case ZIL_PEER_CONNECTED: return "CONNECTED";
    case ZIL_PEER_ACCEPTED: return "ACCEPTED";
    case ZIL_PEER_DISCONNECTED: return "DISCONNECTED";
    case ZIL_PEER_CONNECT_RETRIED: return "CONNECT_RETRIED";
    case ZIL_PEER_STOPPED: return "STOPPED";
    case ZIL_PEER_OTHER: return "OTHER";
    }
    return "?";
}

/* The next event must be `kind` with `raw`, on `endpoint` (unless NULL);
 * events of `skip_kind` (e.g. retries) before it are passed over. */
static void expect_event(const zil_monitor_t *mon, int kind, unsigned raw, const char *endpoint,
                         int skip_kind)
{
    zil_peer_event_t ev;
    double deadline = now_ms() + long_wait_ms();
    for (;;) {
        memset(&ev, 0x55, sizeof ev);
        CHECKF(zil_monitor_next(mon, &ev, long_wait_ms()) == ZIL_OK, "no %s event",
               kind_name(kind));
        CHECKF(memchr(ev.endpoint, '\0', sizeof ev.endpoint) != NULL,
               "the endpoint is not NUL-terminated");
        if ((int)ev.kind == skip_kind && (int)ev.kind != kind) {
            CHECK(now_ms() < deadline);
            continue;
        }
        break;
    }
    CHECKF((int)ev.kind == kind, "got %s (raw %u, \"%s\"), expected %s", kind_name((int)ev.kind),
           ev.raw, ev.endpoint, kind_name(kind));
    CHECKF(ev.raw == raw, "%s: raw %u, expected %u", kind_name(kind), ev.raw, raw);
    if (endpoint != NULL)
        CHECK_STR_EQ(ev.endpoint, endpoint);
}

static void expect_quiet(const zil_monitor_t *mon, int32_t ms)
{
    zil_peer_event_t ev;
    memset(&ev, 0, sizeof ev);
    EXPECT_FAIL(zil_monitor_next(mon, &ev, ms), ZIL_TIMEOUT, "no connection event");
}

/* An output port's monitor: accepted, disconnected, stopped. */
static void outport_monitor(test_transport t)
{
    char addr[512];
    zil_outport_t *out;
    zil_inport_t *in;
    zil_monitor_t *mon;
    double t0, took;

    test_bind_address(t, "mon-out", addr, sizeof addr);
    out = zil_outport_new(addr, "t");
    CHECK(out != NULL);
    mon = zil_outport_monitor(out);
    CHECK(mon != NULL);

    /* nothing happens: ZIL_TIMEOUT after the wait (0 polls) */
    t0 = now_ms();
    expect_quiet(mon, 100);
    took = now_ms() - t0;
    CHECKF(took >= 95 && took <= time_bound_ms(100), "next(100) took %.0f ms", took);
    expect_quiet(mon, 0);

    /* a subscriber connects: accepted, on the port's endpoint */
    in = zil_inport_new(zil_outport_endpoint(out), "t");
    CHECK(in != NULL);
    expect_event(mon, ZIL_PEER_ACCEPTED, EV_ACCEPTED, zil_outport_endpoint(out), -1);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), NULL));
    /* ... and leaves */
    zil_inport_free(in);
    expect_event(mon, ZIL_PEER_DISCONNECTED, EV_DISCONNECTED, zil_outport_endpoint(out), -1);
    expect_quiet(mon, 50);

    /* the port is freed: the monitor says so, then stays quiet */
    zil_outport_free(out);
    expect_event(mon, ZIL_PEER_STOPPED, EV_MONITOR_STOPPED, NULL, -1);
    expect_quiet(mon, 50);
    expect_quiet(mon, 0);
    zil_monitor_free(mon);
    printf("%s: output port monitor: accepted, disconnected, timeout, stopped: OK\n",
           test_transport_name(t));
}

/* An input port's monitor: retries while nobody listens, then connected,
 * disconnected when the publisher goes, stopped when the port is freed. */
static void inport_monitor(void)
{
    char addr[512];
    zil_outport_t *out;
    zil_inport_t *in;
    zil_monitor_t *mon;

    test_bind_address(TEST_IPC, "mon-in", addr, sizeof addr);
    in = zil_inport_new(addr, "t");
    CHECK(in != NULL);
    mon = zil_inport_monitor(in);
    CHECK(mon != NULL);
    expect_event(mon, ZIL_PEER_CONNECT_RETRIED, EV_CONNECT_RETRIED, addr, -1);

    out = zil_outport_new(addr, "t");
    CHECK(out != NULL);
    expect_event(mon, ZIL_PEER_CONNECTED, EV_CONNECTED, addr, ZIL_PEER_CONNECT_RETRIED);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), NULL));
    zil_outport_free(out);
    expect_event(mon, ZIL_PEER_DISCONNECTED, EV_DISCONNECTED, addr, -1);

    zil_inport_free(in);
    expect_event(mon, ZIL_PEER_STOPPED, EV_MONITOR_STOPPED, NULL, ZIL_PEER_CONNECT_RETRIED);
    expect_quiet(mon, 50);
    zil_monitor_free(mon);
    printf("input port monitor: retried, connected, disconnected, stopped: OK\n");
}

/* Outpads and inpads report alike. (Every monitor here is freed only after
 * its port was freed and the monitor reported ZIL_PEER_STOPPED: freeing it
 * earlier wedges libzmq, see test_monitor_free_first.c.) */
static void pad_monitors(void)
{
    zil_rpc_server_t *authz = zil_rpc_server_new(TEST_TCP_ANY);
    zil_outpad_t *out;
    zil_inpad_t *in;
    zil_monitor_t *out_mon, *in_mon;

    CHECK(authz != NULL);
    out = zil_outpad_new(TEST_TCP_ANY, "t");
    CHECK(out != NULL);
    out_mon = zil_outpad_monitor(out);
    CHECK(out_mon != NULL);
    expect_quiet(out_mon, 0);
    in = zil_inpad_new(zil_outpad_endpoint(out), "t", zil_rpc_server_endpoint(authz));
    CHECK(in != NULL);
    expect_event(out_mon, ZIL_PEER_ACCEPTED, EV_ACCEPTED, zil_outpad_endpoint(out), -1);
    CHECK_OK(zil_outpad_wait_subscribers(out, 1, long_wait_ms(), NULL));
    in_mon = zil_inpad_monitor(in);
    CHECK(in_mon != NULL);
    expect_quiet(in_mon, 50); /* it connected before the monitor started */

    zil_outpad_free(out);
    expect_event(out_mon, ZIL_PEER_STOPPED, EV_MONITOR_STOPPED, NULL, -1);
    expect_event(in_mon, ZIL_PEER_DISCONNECTED, EV_DISCONNECTED, NULL, -1);
    zil_inpad_free(in);
    expect_event(in_mon, ZIL_PEER_STOPPED, EV_MONITOR_STOPPED, NULL, ZIL_PEER_CONNECT_RETRIED);
    zil_monitor_free(in_mon);
    zil_monitor_free(out_mon);
    zil_rpc_server_free(authz);
    printf("outpad and inpad monitors: OK\n");
}

static void bad_arguments(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_monitor_t *mon;
    zil_peer_event_t ev;

    CHECK(out != NULL);
    EXPECT_NULL(zil_outport_monitor(NULL), "'port'");
    EXPECT_NULL(zil_inport_monitor(NULL), "'port'");
    EXPECT_NULL(zil_outpad_monitor(NULL), "'outpad'");
    EXPECT_NULL(zil_inpad_monitor(NULL), "'inpad'");
    mon = zil_outport_monitor(out);
    CHECK(mon != NULL);
    memset(&ev, 0x55, sizeof ev);
    EXPECT_FAIL(zil_monitor_next(NULL, &ev, 0), ZIL_NULL_ARGUMENT, "'monitor'");
    EXPECT_FAIL(zil_monitor_next(mon, NULL, 0), ZIL_NULL_ARGUMENT, "'event'");
    EXPECT_FAIL(zil_monitor_next(mon, &ev, -2), ZIL_INVALID_ARGUMENT, "-2");
    EXPECT_FAIL(zil_monitor_next(mon, &ev, INT32_MIN), ZIL_INVALID_ARGUMENT, "timeout");
    CHECK(ev.raw == 0x55555555u); /* untouched */
    zil_monitor_free(NULL);
    /* freed after its port said STOPPED (see test_monitor_free_first.c) */
    zil_outport_free(out);
    expect_event(mon, ZIL_PEER_STOPPED, EV_MONITOR_STOPPED, NULL, -1);
    zil_monitor_free(mon);
    printf("bad arguments: OK\n");
}

int main(void)
{
    test_watchdog(60);
    bad_arguments();
    outport_monitor(TEST_TCP);
    outport_monitor(TEST_IPC);
    inport_monitor();
    pad_monitors();
    return 0;
}
