/* Freeing a handle while another thread is blocked in it is defined
 * behaviour: the blocked call returns promptly (ZIL_CLOSED, with a
 * zil_last_error() saying the handle was freed; ZIL_OK for a server run
 * loop, which a free stops), nothing crashes or leaks (this test also runs
 * under valgrind), and the socket closes when the last user is gone.
 *
 * Each case starts a thread that blocks in one call with no timeout (-1),
 * waits until that thread really is blocked, frees the handle from the main
 * thread and requires the blocked call to return within a bound.
 *
 * "Really blocked": the test reads /proc/self/task/<tid>/syscall until the
 * thread sits in a poll-like system call (zil waits in zmq_poll). Only then
 * is the free certain to be concurrent with a call that is already blocked
 * (what the header defines) rather than racing the call's start (a use
 * after free, the caller's error). Where /proc says nothing, a pause stands
 * in for it. The inpad-in-verify case waits on zil_inpad_stats instead.
 *
 * Cases: inport recv and recv_into, inpad recv (waiting for a message, and
 * in a verify call to an RPC server that never answers), monitor next,
 * RPC client call (server never answers), RPC server run, outport and
 * outpad wait_subscribers (nobody subscribes). */
#define _GNU_SOURCE
#include "check.h"

#include <stdatomic.h>
#include <sys/syscall.h>

/* How long a blocked call may take to return after the free. */
#define RETURN_BOUND_MS 2000

typedef enum call_kind {
    CALL_INPORT_RECV,
    CALL_INPORT_RECV_INTO,
    CALL_INPAD_RECV,
    CALL_MONITOR_NEXT,
    CALL_CLIENT_CALL,
    CALL_SERVER_RUN,
    CALL_OUTPORT_WAIT,
    CALL_OUTPAD_WAIT,
} call_kind;

typedef struct blocked_call {
    call_kind kind;
    const void *handle;
    atomic_long tid;   /* the thread's kernel id, 0 until it runs */
    int rc;            /* what the call returned */
    char error[512];   /* that thread's zil_last_error() afterwards */
    double returned_ms; /* now_ms() when the call returned */
} blocked_call;

static void *call_thread(void *arg)
{
    blocked_call *c = (blocked_call *)arg;
    zil_msg_t *msg = NULL;
    zil_peer_event_t event;
    char *result = NULL;
    atomic_store(&c->tid, (long)syscall(SYS_gettid));
    switch (c->kind) {
    case CALL_INPORT_RECV:
        c->rc = zil_inport_recv((const zil_inport_t *)c->handle, &msg, -1);
        break;
    case CALL_INPORT_RECV_INTO:
        msg = zil_msg_new();
        CHECK(msg != NULL);
        c->rc = zil_inport_recv_into((const zil_inport_t *)c->handle, msg, -1);
        break;
    case CALL_INPAD_RECV:
        c->rc = zil_inpad_recv((const zil_inpad_t *)c->handle, &msg, -1);
        break;
    case CALL_MONITOR_NEXT:
        c->rc = zil_monitor_next((const zil_monitor_t *)c->handle, &event, -1);
        break;
    case CALL_CLIENT_CALL:
        c->rc = zil_rpc_client_call((const zil_rpc_client_t *)c->handle, "slow", "{}", &result);
        break;
    case CALL_SERVER_RUN:
        c->rc = zil_rpc_server_run((const zil_rpc_server_t *)c->handle);
        break;
    case CALL_OUTPORT_WAIT:
        c->rc = zil_outport_wait_subscribers((const zil_outport_t *)c->handle, 1, -1, NULL);
        break;
    case CALL_OUTPAD_WAIT:
        c->rc = zil_outpad_wait_subscribers((const zil_outpad_t *)c->handle, 1, -1, NULL);
        break;
    }
    c->returned_ms = now_ms();
    snprintf(c->error, sizeof c->error, "%s", zil_last_error());
    zil_msg_free(msg); /* NULL, or recv_into's own message */
    zil_string_free(result);
    return NULL;
}

/* True while the thread `tid` of this process is in a waiting system call. */
static bool in_poll(long tid, bool *known)
{
    char path[128], buf[256];
    long nr;
    FILE *f;
    snprintf(path, sizeof path, "/proc/self/task/%ld/syscall", tid);
    f = fopen(path, "r");
    if (f == NULL)
        return false;
    if (fgets(buf, sizeof buf, f) == NULL) {
        fclose(f);
        return false;
    }
    fclose(f);
    *known = true;
    if (sscanf(buf, "%ld", &nr) != 1) /* "running" */
        return false;
    /* futex: a monitor waits on a condition variable */
    return nr == SYS_ppoll || nr == SYS_pselect6 || nr == SYS_epoll_pwait || nr == SYS_futex
#ifdef SYS_poll
           || nr == SYS_poll
#endif
#ifdef SYS_select
           || nr == SYS_select
#endif
#ifdef SYS_epoll_wait
           || nr == SYS_epoll_wait
#endif
        ;
}

/* Waits (bounded) until the call's thread is blocked in its wait. */
static void wait_blocked(blocked_call *c)
{
    double deadline = now_ms() + long_wait_ms();
    bool known = false;
    long tid;
    while ((tid = atomic_load(&c->tid)) == 0) {
        CHECKF(now_ms() < deadline, "the call thread did not start");
        sleep_ms(1);
    }
    for (;;) {
        bool polling = in_poll(tid, &known);
        if (!known) {
            /* No /proc: give the thread time to reach its wait. */
            sleep_ms(200 * time_scale());
            return;
        }
        /* Seen twice in a row, so not a poll on the way in (zmq_poll of a
         * single readiness check). */
        if (polling) {
            sleep_ms(20);
            if (in_poll(tid, &known))
                return;
        }
        CHECKF(now_ms() < deadline, "the call thread never blocked");
        sleep_ms(1);
    }
}

/* Frees `c`'s handle with `free_it` while the call is blocked, and checks
 * that the call returns `want` within the bound, mentioning `needle`. */
static void free_while_blocked(blocked_call *c, void (*free_it)(blocked_call *), int want,
                               const char *needle)
{
    test_thread t;
    double freed_ms, took;
    test_thread_start(&t, call_thread, c);
    wait_blocked(c);
    freed_ms = now_ms();
    free_it(c);
    CHECK_JOINED(&t, RETURN_BOUND_MS * time_scale());
    took = c->returned_ms - freed_ms;
    CHECKF(c->rc == want, "case %d: blocked call returned %s (%d), expected %s: \"%s\"",
           (int)c->kind, zil_result_str(c->rc), c->rc, zil_result_str(want), c->error);
    CHECKF(took < RETURN_BOUND_MS * time_scale(), "case %d: returned %.0f ms after the free",
           (int)c->kind, took);
    if (needle != NULL)
        CHECKF(strstr(c->error, needle) != NULL, "case %d: error \"%s\" does not mention \"%s\"",
               (int)c->kind, c->error, needle);
}

static void free_inport(blocked_call *c) { zil_inport_free((zil_inport_t *)c->handle); }
static void free_inpad(blocked_call *c) { zil_inpad_free((zil_inpad_t *)c->handle); }
static void free_monitor(blocked_call *c) { zil_monitor_free((zil_monitor_t *)c->handle); }
static void free_client(blocked_call *c) { zil_rpc_client_free((zil_rpc_client_t *)c->handle); }
static void free_server(blocked_call *c) { zil_rpc_server_free((zil_rpc_server_t *)c->handle); }
static void free_outport(blocked_call *c) { zil_outport_free((zil_outport_t *)c->handle); }
static void free_outpad(blocked_call *c) { zil_outpad_free((zil_outpad_t *)c->handle); }

static void new_call(blocked_call *c, call_kind kind, const void *handle)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->handle = handle;
    atomic_store(&c->tid, 0);
}

/* An inport blocked in recv (or recv_into) with nothing sent. Afterwards
 * its socket is closed: the publisher sees the subscriber disconnect. */
static void test_inport(call_kind kind)
{
    zil_outport_t *out = NULL;
    zil_inport_t *in = NULL;
    zil_monitor_t *monitor;
    zil_peer_event_t event;
    double deadline;
    blocked_call c;
    test_pair(TEST_TCP, "inport", "t", NULL, NULL, &out, &in);
    monitor = zil_outport_monitor(out);
    CHECK(monitor != NULL);
    new_call(&c, kind, in);
    free_while_blocked(&c, free_inport, ZIL_CLOSED, "freed");

    deadline = now_ms() + long_wait_ms();
    do {
        CHECKF(now_ms() < deadline, "the freed port's socket did not disconnect");
        CHECK_OK(zil_monitor_next(monitor, &event, long_wait_ms()));
    } while (event.kind != ZIL_PEER_DISCONNECTED);
    zil_monitor_free(monitor);
    zil_outport_free(out);
}

/* An inpad blocked waiting for a message (its RPC server is never asked). */
static void test_inpad_idle(void)
{
    char rpc_addr[512], addr[512];
    zil_inpad_t *inpad;
    blocked_call c;
    test_bind_address(TEST_IPC, "no-rpc", rpc_addr, sizeof rpc_addr);
    test_bind_address(TEST_IPC, "no-pub", addr, sizeof addr);
    inpad = zil_inpad_new(addr, "t", rpc_addr);
    CHECK(inpad != NULL);
    new_call(&c, CALL_INPAD_RECV, inpad);
    free_while_blocked(&c, free_inpad, ZIL_CLOSED, "freed");
}

static bool verify_started(void *inpad)
{
    zil_inpad_stats_t stats = {.size = sizeof stats};
    CHECK_OK(zil_inpad_stats((const zil_inpad_t *)inpad, &stats));
    return stats.counters.verify_calls >= 1;
}

/* An inpad blocked in the verify call of a message, to an RPC server that is
 * bound but never run, with no RPC timeout: only the free can end it. */
static void test_inpad_in_verify(void)
{
    char rpc_addr[512], addr[512];
    zil_rpc_server_t *server;
    zil_outpad_t *outpad;
    zil_inpad_t *inpad;
    zil_options_t *opts;
    size_t subscribers = 0;
    test_thread t;
    blocked_call c;
    double freed_ms;

    test_bind_address(TEST_IPC, "mute-rpc", rpc_addr, sizeof rpc_addr);
    server = zil_rpc_server_new(rpc_addr);
    CHECK(server != NULL);
    test_bind_address(TEST_INPROC, "pad", addr, sizeof addr);
    outpad = zil_outpad_new(addr, "t");
    CHECK(outpad != NULL);
    CHECK_OK(zil_outpad_set_session_id(outpad, "0123456789abcdef0123456789abcdef"));
    opts = zil_options_new();
    CHECK(opts != NULL);
    CHECK_OK(zil_options_set_rpc_timeout(opts, -1));
    inpad = zil_inpad_new_with_options(addr, "t", zil_rpc_server_endpoint(server), opts);
    zil_options_free(opts);
    CHECK(inpad != NULL);
    CHECK_OK(zil_outpad_wait_subscribers(outpad, 1, long_wait_ms(), &subscribers));

    new_call(&c, CALL_INPAD_RECV, inpad);
    test_thread_start(&t, call_thread, &c);
    CHECK_OK(zil_outpad_push(outpad, (const uint8_t *)"x", 1, NULL));
    CHECKF(test_wait_for(verify_started, inpad, long_wait_ms()), "no verify call started");
    /* verify_calls is counted inside the receive, before the call: the
     * receive holds the inpad from here on. */
    freed_ms = now_ms();
    zil_inpad_free(inpad);
    CHECK_JOINED(&t, RETURN_BOUND_MS * time_scale());
    CHECKF(c.rc == ZIL_CLOSED, "returned %s: \"%s\"", zil_result_str(c.rc), c.error);
    CHECKF(c.returned_ms - freed_ms < RETURN_BOUND_MS * time_scale(), "returned %.0f ms late",
           c.returned_ms - freed_ms);
    CHECKF(strstr(c.error, "freed") != NULL, "error \"%s\"", c.error);
    zil_outpad_free(outpad);
    zil_rpc_server_free(server);
}

/* A monitor of an outport nobody connects to: no event ever comes. */
static void test_monitor(void)
{
    char addr[512];
    zil_outport_t *out;
    zil_monitor_t *monitor;
    blocked_call c;
    test_bind_address(TEST_IPC, "lonely", addr, sizeof addr);
    out = zil_outport_new(addr, "t");
    CHECK(out != NULL);
    monitor = zil_outport_monitor(out);
    CHECK(monitor != NULL);
    new_call(&c, CALL_MONITOR_NEXT, monitor);
    free_while_blocked(&c, free_monitor, ZIL_CLOSED, "freed");
    zil_outport_free(out);
}

/* A client call (no timeout) to a server that is bound but never run. */
static void test_client(void)
{
    char addr[512];
    zil_rpc_server_t *server;
    zil_rpc_client_t *client;
    blocked_call c;
    test_bind_address(TEST_IPC, "mute", addr, sizeof addr);
    server = zil_rpc_server_new(addr);
    CHECK(server != NULL);
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), -1);
    CHECK(client != NULL);
    new_call(&c, CALL_CLIENT_CALL, client);
    free_while_blocked(&c, free_client, ZIL_CLOSED, "freed");
    zil_rpc_server_free(server);
}

/* An outport and an outpad waiting for a subscriber that never comes. */
static void test_wait_subscribers(void)
{
    zil_outport_t *out;
    zil_outpad_t *outpad;
    blocked_call c;
    out = zil_outport_new(TEST_TCP_ANY, "t");
    CHECK(out != NULL);
    new_call(&c, CALL_OUTPORT_WAIT, out);
    free_while_blocked(&c, free_outport, ZIL_CLOSED, "freed");

    outpad = zil_outpad_new(TEST_TCP_ANY, "t");
    CHECK(outpad != NULL);
    new_call(&c, CALL_OUTPAD_WAIT, outpad);
    free_while_blocked(&c, free_outpad, ZIL_CLOSED, "freed");
}

static atomic_int released;

static void count_release(void *user_data)
{
    (void)user_data;
    atomic_fetch_add(&released, 1);
}

/* A server run loop on another thread, idle: the free stops it (the run
 * returns ZIL_OK, as after zil_rpc_server_stop), its handler's release has
 * run when the free returns, and the address is free again. */
static void test_server_run(void)
{
    char addr[512];
    zil_rpc_server_t *server, *again;
    blocked_call c;
    test_bind_address(TEST_IPC, "served", addr, sizeof addr);
    server = zil_rpc_server_new(addr);
    CHECK(server != NULL);
    CHECK_OK(zil_rpc_server_set_handler(server, "yes", test_handler_yes, NULL, count_release));
    new_call(&c, CALL_SERVER_RUN, server);
    free_while_blocked(&c, free_server, ZIL_OK, NULL);
    CHECK(atomic_load(&released) == 1);
    again = zil_rpc_server_new(addr);
    CHECKF(again != NULL, "%s still bound", addr);
    zil_rpc_server_free(again);
}

int main(void)
{
    test_watchdog(60);
    test_inport(CALL_INPORT_RECV);
    test_inport(CALL_INPORT_RECV_INTO);
    test_inpad_idle();
    test_inpad_in_verify();
    test_monitor();
    test_client();
    test_server_run();
    test_wait_subscribers();
    printf("free while blocked: inport recv/recv_into, inpad (idle, in verify), monitor, "
           "rpc client call, rpc server run, outport/outpad wait_subscribers: ok\n");
    return 0;
}
