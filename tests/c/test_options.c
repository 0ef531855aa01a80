/* Options: defaults and read-back (zil_options_get), high-water marks that
 * really apply, options only read during creation (reusable, freeable
 * right after), and the reverse topology (zil_options_set_attach: the input
 * port binds, output ports connect) over tcp, ipc and inproc. */
#include "check.h"

#include <pthread.h>

static void defaults_and_get(void)
{
    zil_options_t *opts = zil_options_new();
    int snd = -5, rcv = -5, linger = -5;

    CHECK(opts != NULL);
    CHECK_OK(zil_options_get(opts, &snd, &rcv, &linger));
    CHECK(snd == 1000 && rcv == 1000 && linger == 1000);

    CHECK_OK(zil_options_set_sndhwm(opts, 17));
    CHECK_OK(zil_options_set_rcvhwm(opts, 0));
    CHECK_OK(zil_options_set_linger(opts, -1));
    CHECK_OK(zil_options_get(opts, &snd, &rcv, &linger));
    CHECK(snd == 17 && rcv == 0 && linger == -1);

    /* any out-argument may be NULL */
    snd = rcv = linger = -5;
    CHECK_OK(zil_options_get(opts, NULL, &rcv, NULL));
    CHECK(rcv == 0 && snd == -5 && linger == -5);
    CHECK_OK(zil_options_get(opts, &snd, NULL, NULL));
    CHECK(snd == 17);
    CHECK_OK(zil_options_get(opts, NULL, NULL, &linger));
    CHECK(linger == -1);
    CHECK_OK(zil_options_get(opts, NULL, NULL, NULL));

    /* large values */
    CHECK_OK(zil_options_set_sndhwm(opts, 2147483647));
    CHECK_OK(zil_options_set_linger(opts, 0));
    CHECK_OK(zil_options_get(opts, &snd, NULL, &linger));
    CHECK(snd == 2147483647 && linger == 0);

    /* two option sets are independent */
    {
        zil_options_t *other = zil_options_new();
        CHECK_OK(zil_options_get(other, &snd, &rcv, &linger));
        CHECK(snd == 1000 && rcv == 1000 && linger == 1000);
        zil_options_free(other);
    }
    zil_options_free(opts);
    printf("defaults and zil_options_get: OK\n");
}

/* Options are only read while a port is created: one set serves several
 * ports, and freeing it right away changes nothing for them. */
static void options_only_read_at_creation(void)
{
    zil_options_t *opts = test_unlimited_options();
    zil_outport_t *out1, *out2;
    zil_inport_t *in1, *in2;
    int i;

    CHECK_OK(zil_options_set_linger(opts, 0));
    out1 = zil_outport_new_with_options(TEST_TCP_ANY, "a", opts);
    out2 = zil_outport_new_with_options(TEST_TCP_ANY, "b", opts);
    in1 = zil_inport_new_with_options(zil_outport_endpoint(out1), "a", opts);
    in2 = zil_inport_new_with_options(zil_outport_endpoint(out2), "b", opts);
    CHECK(out1 && out2 && in1 && in2);
    zil_options_free(opts); /* the ports keep their settings */

    CHECK_OK(zil_outport_wait_subscribers(out1, 1, long_wait_ms(), NULL));
    CHECK_OK(zil_outport_wait_subscribers(out2, 1, long_wait_ms(), NULL));
    /* unlimited high-water marks still apply: 5000 pushed, 5000 received */
    for (i = 0; i < 5000; i++) {
        CHECK_OK(zil_outport_push(out1, (const uint8_t *)&i, sizeof i, NULL));
        CHECK_OK(zil_outport_push(out2, (const uint8_t *)&i, sizeof i, NULL));
    }
    for (i = 0; i < 5000; i++) {
        zil_msg_t *m1 = NULL, *m2 = NULL;
        CHECK_OK(zil_inport_recv(in1, &m1, long_wait_ms()));
        CHECK_OK(zil_inport_recv(in2, &m2, long_wait_ms()));
        CHECK(memcmp(zil_msg_data(m1), &i, sizeof i) == 0);
        CHECK(memcmp(zil_msg_data(m2), &i, sizeof i) == 0);
        CHECK_STR_EQ(zil_msg_topic(m1), "a");
        CHECK_STR_EQ(zil_msg_topic(m2), "b");
        zil_msg_free(m1);
        zil_msg_free(m2);
    }
    zil_inport_free(in1);
    zil_inport_free(in2);
    zil_outport_free(out1);
    zil_outport_free(out2);
    printf("options read only at creation: OK\n");
}

/* Small high-water marks make a PUB drop: push never blocks, and a
 * subscriber that does not keep up misses messages. (inproc: no kernel
 * buffers hide the limit.) */
static void small_hwm_drops(void)
{
    const int count = 5000;
    zil_options_t *opts = zil_options_new();
    zil_outport_t *out;
    zil_inport_t *in;
    zil_stats_t stats = {.size = sizeof stats};
    int received = 0, i;
    double t;

    CHECK_OK(zil_options_set_sndhwm(opts, 10));
    CHECK_OK(zil_options_set_rcvhwm(opts, 10));
    test_pair(TEST_INPROC, "hwm", "t", opts, opts, &out, &in);
    t = now_ms();
    for (i = 0; i < count; i++)
        CHECK_OK(zil_outport_push(out, (const uint8_t *)&i, sizeof i, NULL));
    CHECKF(now_ms() - t < 5000.0 * time_scale(), "pushing took %.0f ms: it blocked",
           now_ms() - t);
    for (;;) {
        zil_msg_t *msg = NULL;
        zil_result rc = zil_inport_recv(in, &msg, 200);
        if (rc == ZIL_TIMEOUT)
            break;
        CHECK_OK(rc);
        received++;
        zil_msg_free(msg);
    }
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECK(stats.counters.messages_sent == (uint64_t)count); /* handed to libzmq, all of them */
    CHECKF(received > 0 && received < count / 2, "%d of %d received with high-water marks 10",
           received, count);
    zil_inport_free(in);
    zil_outport_free(out);
    zil_options_free(opts);
    printf("high-water marks 10: %d of %d received: OK\n", received, count);
}

/* --- the reverse topology ------------------------------------------------ */

struct counting_receiver {
    zil_inport_t *in;
    int want;
    int got;
    int last_value;
    zil_result rc;
};

/* Receives `want` messages whose payload is an int counting up from 0. */
static void *counting_receiver_thread(void *arg)
{
    struct counting_receiver *r = (struct counting_receiver *)arg;
    while (r->got < r->want) {
        zil_msg_t *msg = NULL;
        int value;
        r->rc = zil_inport_recv(r->in, &msg, long_wait_ms());
        if (r->rc != ZIL_OK)
            return NULL;
        memcpy(&value, zil_msg_data(msg), sizeof value);
        r->last_value = value;
        if (value != r->got) {
            zil_msg_free(msg);
            r->rc = ZIL_PROTOCOL_ERROR; /* out of order: reported below */
            return NULL;
        }
        r->got++;
        zil_msg_free(msg);
    }
    return NULL;
}

/* The input port binds, two output ports connect to it. A receiving
 * thread services the bound port, as a real application would. */
static void reverse_topology(test_transport t)
{
    const int count = 500;
    zil_options_t *bind = test_options(ZIL_ATTACH_BIND, false, true);
    zil_options_t *connect = test_options(ZIL_ATTACH_CONNECT, false, true);
    char addr[512];
    zil_inport_t *in;
    zil_outport_t *out;
    struct counting_receiver r;
    pthread_t thread;
    size_t n = 0;
    int i;

    test_bind_address(t, "reverse", addr, sizeof addr);
    in = zil_inport_new_with_options(addr, "rev", bind);
    CHECKF(in != NULL, "cannot bind an input port on %s", addr);
    if (t == TEST_TCP)
        CHECKF(strchr(zil_inport_endpoint(in), '*') == NULL, "endpoint %s not resolved",
               zil_inport_endpoint(in));
    out = zil_outport_new_with_options(zil_inport_endpoint(in), "rev", connect);
    CHECKF(out != NULL, "cannot connect an output port to %s", zil_inport_endpoint(in));
    CHECK_STR_EQ(zil_outport_endpoint(out), zil_inport_endpoint(in));

    memset(&r, 0, sizeof r);
    r.in = in;
    r.want = count;
    CHECK(pthread_create(&thread, NULL, counting_receiver_thread, &r) == 0);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), &n));
    CHECK(n == 1);
    for (i = 0; i < count; i++)
        CHECK_OK(zil_outport_push(out, (const uint8_t *)&i, sizeof i, "pcm"));
    CHECK(pthread_join(thread, NULL) == 0);
    CHECKF(r.rc == ZIL_OK && r.got == count, "%d of %d received (%s, last value %d)", r.got,
           count, zil_result_str(r.rc), r.last_value);

    zil_outport_free(out);
    zil_inport_free(in);
    zil_options_free(bind);
    zil_options_free(connect);
    printf("%-6s reverse topology, receiving thread: OK\n", test_transport_name(t));
}

/* The same, single-threaded: the bound port is polled while waiting. And
 * explicit BIND / CONNECT for the usual sides behave like the defaults. */
static void reverse_topology_polled_and_explicit_defaults(void)
{
    zil_options_t *bind = test_options(ZIL_ATTACH_BIND, false, false);
    zil_options_t *connect = test_options(ZIL_ATTACH_CONNECT, false, false);
    zil_inport_t *in, *in2;
    zil_outport_t *out, *out2;
    zil_msg_t *msg = NULL;

    in = zil_inport_new_with_options(TEST_TCP_ANY, "rev", bind);
    CHECK(in != NULL);
    out = zil_outport_new_with_options(zil_inport_endpoint(in), "rev", connect);
    CHECK(out != NULL);
    test_wait_subscribers_serving(out, in, 1);
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"back", 4, "EOS"));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 4 && memcmp(zil_msg_data(msg), "back", 4) == 0);
    CHECK_STR_EQ(zil_msg_event(msg), "EOS");
    zil_msg_free(msg);

    /* BIND for an output port and CONNECT for an input port: the defaults */
    out2 = zil_outport_new_with_options(TEST_TCP_ANY, "fwd", bind);
    CHECK(out2 != NULL);
    in2 = zil_inport_new_with_options(zil_outport_endpoint(out2), "fwd", connect);
    CHECK(in2 != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out2, 1, long_wait_ms(), NULL));
    CHECK_OK(zil_outport_push(out2, NULL, 0, "EOS"));
    CHECK_OK(zil_inport_recv(in2, &msg, long_wait_ms()));
    CHECK_STR_EQ(zil_msg_topic(msg), "fwd");
    zil_msg_free(msg);

    zil_inport_free(in2);
    zil_outport_free(out2);
    zil_outport_free(out);
    zil_inport_free(in);
    zil_options_free(bind);
    zil_options_free(connect);
    printf("reverse topology polled, explicit defaults: OK\n");
}

/* TCP keep-alive: the default and what is set, read back; errors by code
 * and text, leaving the value unchanged; a pair made with keep-alive off
 * and one with the shortest probing still carry messages (what the values
 * do to a connection is tests/netns_faults.rs's). */
static void tcp_keepalive(void)
{
    zil_options_t *fast = zil_options_new(), *off = zil_options_new();
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    int32_t idle = -5, interval = -5, probes = -5;

    CHECK_OK(zil_options_get_tcp_keepalive(fast, &idle, &interval, &probes));
    CHECK(idle == 10 && interval == 2 && probes == 5);
    EXPECT_FAIL(zil_options_set_tcp_keepalive(fast, -1, 2, 5), ZIL_INVALID_ARGUMENT,
                "TCP keep-alive idle -1 is invalid (1..=32767)");
    EXPECT_FAIL(zil_options_set_tcp_keepalive(fast, 10, 40000, 5), ZIL_INVALID_ARGUMENT,
                "TCP keep-alive interval 40000 is invalid (1..=32767)");
    EXPECT_FAIL(zil_options_set_tcp_keepalive(fast, 10, 2, 128), ZIL_INVALID_ARGUMENT,
                "TCP keep-alive probes 128 is invalid (1..=127)");
    CHECK_OK(zil_options_get_tcp_keepalive(fast, &idle, &interval, &probes));
    CHECK(idle == 10 && interval == 2 && probes == 5);
    CHECK_OK(zil_options_set_tcp_keepalive(fast, 1, 1, 1));
    CHECK_OK(zil_options_set_tcp_keepalive(off, 0, 7, 7));
    CHECK_OK(zil_options_get_tcp_keepalive(fast, &idle, NULL, &probes));
    CHECK(idle == 1 && probes == 1);
    CHECK_OK(zil_options_get_tcp_keepalive(off, &idle, &interval, &probes));
    CHECK(idle == 0 && interval == 0 && probes == 0);

    test_pair(TEST_TCP, "keepalive", "t", off, fast, &out, &in);
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"alive", 5, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 5 && memcmp(zil_msg_data(msg), "alive", 5) == 0);
    zil_msg_free(msg);
    zil_inport_free(in);
    zil_outport_free(out);
    zil_options_free(fast);
    zil_options_free(off);
    printf("tcp keep-alive: OK\n");
}

int main(void)
{
    test_watchdog(50);
    defaults_and_get();
    options_only_read_at_creation();
    small_hwm_drops();
    reverse_topology(TEST_TCP);
    reverse_topology(TEST_IPC);
    reverse_topology(TEST_INPROC);
    reverse_topology_polled_and_explicit_defaults();
    tcp_keepalive();
    return 0;
}
