/* File descriptors: creating and freeing thousands of every handle kind
 * (output and input ports on inproc, ipc and TCP ephemeral ports, RPC
 * servers and clients, outpads and inpads, options, monitors, messages, the
 * descriptors of zil_inport_fd / zil_inpad_fd) leaves the process's fd
 * count (entries of /proc/self/fd) where it was after a warm-up of one of
 * each (libzmq creates its context and I/O threads lazily).
 *
 * 10 000 per kind (fewer for the kinds that bind ipc/TCP sockets, which
 * cost the kernel more: an ipc pair takes ~10 ms), 200 under valgrind
 * (ZIL_TEST_TIME_SCALE > 1). ZIL_FD_LEAK_ITERATIONS overrides.
 *
 * Pacing: every 100 handles the loop waits (bounded) until the fd count is
 * back at its base. Without it (ZIL_FD_LEAK_PACE=0, the ctest
 * test_fd_leak_unpaced) the loop is as tight as a program can make it:
 * zil_*_free returns before libzmq's reaper thread has closed the socket,
 * and freed sockets count against libzmq's socket limit (ZMQ_MAX_SOCKETS,
 * 1023) until then. zil's socket creation waits (bounded) for the reaper
 * when it hits that limit, so the tight loop must pass too (it failed with
 * "Too many open files" after about a thousand rounds before). */
#include "check.h"

static int fd_count(void)
{
    DIR *dir = opendir("/proc/self/fd");
    struct dirent *e;
    int n = 0;
    CHECK(dir != NULL);
    while ((e = readdir(dir)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(dir);
    return n - 1; /* the directory's own descriptor */
}

/* The fd count once it stopped falling: libzmq's reaper thread closes a
 * freed socket's descriptors asynchronously, shortly after the free. After
 * an unpaced loop thousands may be queued, and on a loaded machine the
 * reaper needs longer than any fixed wait: the wait goes on while the
 * count keeps falling (a leak plateaus), up to 30 s. */
static int settled_fd_count(int target)
{
    double limit = now_ms() + 30000.0 * time_scale();
    double quiet_until = now_ms() + 2000.0 * time_scale();
    int n = fd_count();
    while (n > target && now_ms() < quiet_until && now_ms() < limit) {
        int before = n;
        sleep_ms(10);
        n = fd_count();
        if (n < before)
            quiet_until = now_ms() + 2000.0 * time_scale();
    }
    return n;
}

static char rpc_ep[512];

static void inproc_pair(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    char addr[256];
    int32_t fd = -1;
    test_bind_address(TEST_INPROC, "fd", addr, sizeof addr);
    out = zil_outport_new(addr, "t");
    CHECK(out != NULL);
    in = zil_inport_new(addr, "t");
    CHECK(in != NULL);
    CHECK_OK(zil_inport_fd(in, &fd));
    CHECK(fd >= 0);
    zil_inport_free(in);
    zil_outport_free(out);
}

static void ipc_pair(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    char addr[512];
    int32_t fd = -1;
    test_bind_address(TEST_IPC, "fd", addr, sizeof addr);
    out = zil_outport_new(addr, "t");
    CHECKF(out != NULL, "%s", addr);
    in = zil_inport_new(addr, "t");
    CHECK(in != NULL);
    CHECK_OK(zil_inport_fd(in, &fd));
    zil_inport_free(in);
    zil_outport_free(out);
    unlink(addr + 6);
}

static void tcp_pair(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_inport_t *in;
    CHECK(out != NULL);
    in = zil_inport_new(zil_outport_endpoint(out), "t");
    CHECK(in != NULL);
    zil_inport_free(in);
    zil_outport_free(out);
}

static void rpc_server(void)
{
    char addr[256];
    zil_rpc_server_t *s;
    test_bind_address(TEST_INPROC, "rpc", addr, sizeof addr);
    s = zil_rpc_server_new(addr);
    CHECK(s != NULL);
    CHECK_OK(zil_rpc_server_set_handler(s, "verify", test_handler_yes, NULL, NULL));
    CHECK_OK(zil_rpc_server_start(s));
    zil_rpc_server_free(s);
}

static void rpc_client(void)
{
    zil_rpc_client_t *c = zil_rpc_client_new(rpc_ep, 1000);
    CHECK(c != NULL);
    zil_rpc_client_free(c);
}

static void rpc_client_call(void)
{
    zil_rpc_client_t *c = zil_rpc_client_new(rpc_ep, long_wait_ms());
    bool ok = false;
    CHECK(c != NULL);
    CHECK_OK(zil_rpc_client_verify(c, "s", &ok));
    CHECK(ok);
    zil_rpc_client_free(c);
}

static void pads(void)
{
    char addr[256];
    zil_outpad_t *op;
    zil_inpad_t *ip;
    int32_t fd = -1;
    test_bind_address(TEST_INPROC, "pad", addr, sizeof addr);
    op = zil_outpad_new(addr, "t");
    CHECK(op != NULL);
    ip = zil_inpad_new(addr, "t", rpc_ep);
    CHECK(ip != NULL);
    CHECK_OK(zil_inpad_fd(ip, &fd));
    zil_inpad_free(ip);
    zil_outpad_free(op);
}

static void options(void)
{
    zil_options_t *o = zil_options_new();
    CHECK(o != NULL);
    CHECK_OK(zil_options_set_lossless(o, true, 10));
    zil_options_free(o);
}

static zil_outport_t *mon_port;
static zil_inport_t *mon_in;

static void monitors(void)
{
    zil_monitor_t *a = zil_outport_monitor(mon_port);
    zil_monitor_t *b = zil_inport_monitor(mon_in);
    CHECK(a != NULL && b != NULL);
    zil_monitor_free(b);
    zil_monitor_free(a);
}

static void msgs(void)
{
    zil_msg_t *m = zil_msg_new();
    CHECK(m != NULL);
    zil_msg_free(m);
}

struct kind {
    const char *name;
    void (*fn)(void);
    int divisor; /* iterations = n / divisor */
};

int main(void)
{
    static const struct kind kinds[] = {
        {"inproc outport+inport+fd", inproc_pair, 1},
        {"ipc outport+inport+fd", ipc_pair, 50},
        {"tcp outport+inport", tcp_pair, 10},
        {"rpc server (started)", rpc_server, 5},
        {"rpc client", rpc_client, 1},
        {"rpc client + call", rpc_client_call, 10},
        {"outpad+inpad+fd", pads, 1},
        {"options", options, 1},
        {"monitors", monitors, 5},
        {"msgs", msgs, 1},
    };
    int n = time_scale() > 1 ? 200 : 10000;
    const char *env = getenv("ZIL_FD_LEAK_ITERATIONS");
    zil_rpc_server_t *srv;
    size_t k;
    int i, base, after, pace = 100;
    double t0;

    if (env != NULL && atoi(env) > 0)
        n = atoi(env);
    env = getenv("ZIL_FD_LEAK_PACE");
    if (env != NULL)
        pace = atoi(env);
    test_watchdog(120);

    srv = zil_rpc_server_new(TEST_TCP_ANY);
    CHECK(srv != NULL);
    CHECK_OK(zil_rpc_server_set_handler(srv, "verify", test_handler_yes, NULL, NULL));
    CHECK_OK(zil_rpc_server_start(srv));
    snprintf(rpc_ep, sizeof rpc_ep, "%s", zil_rpc_server_endpoint(srv));
    {
        char addr[256];
        test_bind_address(TEST_INPROC, "mon", addr, sizeof addr);
        mon_port = zil_outport_new(addr, "t");
        mon_in = zil_inport_new(addr, "t");
        CHECK(mon_port != NULL && mon_in != NULL);
    }

    /* warm-up: one of each */
    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
        kinds[k].fn();
    sleep_ms(200);
    base = settled_fd_count(0);
    printf("fds after warm-up: %d\n", base);

    for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        int iters = n / kinds[k].divisor;
        t0 = now_ms();
        for (i = 0; i < iters; i++) {
            kinds[k].fn();
            /* let libzmq's reaper catch up (see the file's header) */
            if (pace > 0 && i % pace == pace - 1)
                settled_fd_count(base);
        }
        after = settled_fd_count(base);
        printf("%-26s x%-6d %7.0f ms, fds %d\n", kinds[k].name, iters, now_ms() - t0, after);
        fflush(stdout);
        CHECKF(after <= base, "%s: %d fds after %d rounds, %d before", kinds[k].name, after, iters,
               base);
    }

    zil_inport_free(mon_in);
    zil_outport_free(mon_port);
    zil_rpc_server_free(srv);
    after = settled_fd_count(base);
    CHECKF(after <= base, "%d fds at the end, %d after warm-up", after, base);
    printf("fd leak: OK (%d fds)\n", after);
    return 0;
}
