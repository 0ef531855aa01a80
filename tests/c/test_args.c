/* Bad arguments never crash: every NULL pointer, non-UTF-8 string, bad
 * length, bad option value and bad address gives an error code (or NULL)
 * and a zil_last_error() text that names the argument or the address.
 * *_free(NULL) is a no-op. After all that, the ports still work. */
#include "check.h"

static void constructors(void)
{
    zil_options_t *opts = zil_options_new();
    CHECK(opts != NULL);

    /* NULL address or topic */
    EXPECT_NULL(zil_outport_new(NULL, "t"), "'addr'");
    EXPECT_NULL(zil_outport_new(TEST_TCP_ANY, NULL), "'topic'");
    EXPECT_NULL(zil_outport_new(NULL, NULL), "NULL");
    EXPECT_NULL(zil_outport_new_with_options(NULL, "t", opts), "'addr'");
    EXPECT_NULL(zil_outport_new_with_options(TEST_TCP_ANY, NULL, opts), "'topic'");
    EXPECT_NULL(zil_inport_new(NULL, "t"), "'addr'");
    EXPECT_NULL(zil_inport_new("tcp://127.0.0.1:1", NULL), "'topic'");
    EXPECT_NULL(zil_inport_new_with_options(NULL, "t", opts), "'addr'");
    EXPECT_NULL(zil_inport_new_with_options("tcp://127.0.0.1:1", NULL, opts), "'topic'");

    /* not UTF-8 */
    EXPECT_NULL(zil_outport_new(NOT_UTF8, "t"), "'addr'");
    CHECK_ERROR_MENTIONS("UTF-8");
    EXPECT_NULL(zil_outport_new(TEST_TCP_ANY, NOT_UTF8), "'topic'");
    CHECK_ERROR_MENTIONS("UTF-8");
    EXPECT_NULL(zil_outport_new_with_options(TEST_TCP_ANY, BROKEN_UTF8, opts), "'topic'");
    EXPECT_NULL(zil_inport_new(NOT_UTF8, "t"), "'addr'");
    CHECK_ERROR_MENTIONS("UTF-8");
    EXPECT_NULL(zil_inport_new("tcp://127.0.0.1:1", NOT_UTF8), "'topic'");
    CHECK_ERROR_MENTIONS("UTF-8");
    EXPECT_NULL(zil_inport_new_with_options("tcp://127.0.0.1:1", BROKEN_UTF8, opts), "'topic'");

    zil_options_free(opts);
    printf("constructors: NULL and non-UTF-8 arguments: OK\n");
}

/* Bad addresses: NULL, and the error text quotes the address. */
static void bad_addresses(void)
{
    static const char *const bad[] = {"tcp://nope", "bogus://x", "tcp://", "tcp://127.0.0.1:",
                                      "inproc://"};
    zil_options_t *bind = zil_options_new();
    char missing_dir[600];
    size_t i;

    CHECK_OK(zil_options_set_attach(bind, ZIL_ATTACH_BIND));
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char quoted[64];
        snprintf(quoted, sizeof quoted, "'%s'", bad[i]);
        EXPECT_NULL(zil_outport_new(bad[i], "t"), quoted);
        EXPECT_NULL(zil_inport_new(bad[i], "t"), quoted);            /* connect */
        EXPECT_NULL(zil_inport_new_with_options(bad[i], "t", bind), quoted); /* bind */
    }
    /* the empty address */
    EXPECT_NULL(zil_outport_new("", "t"), "''");
    CHECK_ERROR_MENTIONS("empty");
    EXPECT_NULL(zil_inport_new("", "t"), "''");
    EXPECT_NULL(zil_inport_new_with_options("", "t", bind), "''");
    /* the transport is named wrong, or missing: the valid ones are listed */
    EXPECT_NULL(zil_outport_new("bogus://x", "t"), "bogus:// is not one zil's sockets use");
    CHECK_ERROR_MENTIONS("tcp://HOST:PORT");
    EXPECT_NULL(zil_inport_new("udp://127.0.0.1:5555", "t"), "udp:// is not one");
    CHECK_ERROR_MENTIONS("ipc://PATH");
    EXPECT_NULL(zil_outport_new("garbage", "t"), "no transport");
    CHECK_ERROR_MENTIONS("inproc://NAME");
    /* an ipc path whose directory does not exist */
    snprintf(missing_dir, sizeof missing_dir, "ipc://%s/no-such-dir/x.sock", test_tmpdir());
    EXPECT_NULL(zil_outport_new(missing_dir, "t"), missing_dir + 6);
    CHECK_ERROR_MENTIONS("No such file");

    zil_options_free(bind);
    printf("bad addresses: OK\n");
}

/* A second bind on an address in use fails with the address and the cause;
 * the first port keeps working. */
static void address_in_use(void)
{
    zil_options_t *bind = zil_options_new();
    zil_outport_t *first = zil_outport_new(TEST_TCP_ANY, "t");
    zil_inport_t *in, *bound_in;
    zil_msg_t *msg = NULL;
    char ep[256], inproc[256];

    CHECK(first != NULL);
    snprintf(ep, sizeof ep, "%s", zil_outport_endpoint(first));
    EXPECT_NULL(zil_outport_new(ep, "t"), ep);
    CHECK_ERROR_MENTIONS("in use");
    /* an input port that binds meets the same */
    CHECK_OK(zil_options_set_attach(bind, ZIL_ATTACH_BIND));
    EXPECT_NULL(zil_inport_new_with_options(ep, "t", bind), ep);
    CHECK_ERROR_MENTIONS("in use");
    /* ... and inproc names are taken too */
    test_bind_address(TEST_INPROC, "inuse", inproc, sizeof inproc);
    bound_in = zil_inport_new_with_options(inproc, "t", bind);
    CHECK(bound_in != NULL);
    EXPECT_NULL(zil_outport_new(inproc, "t"), inproc);
    CHECK_ERROR_MENTIONS("in use");
    zil_inport_free(bound_in);

    /* the first port is unharmed */
    in = zil_inport_new(ep, "t");
    CHECK(in != NULL);
    CHECK_OK(zil_outport_wait_subscribers(first, 1, long_wait_ms(), NULL));
    CHECK_OK(zil_outport_push(first, (const uint8_t *)"ok", 2, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 2);
    zil_msg_free(msg);
    zil_inport_free(in);
    zil_outport_free(first);
    zil_options_free(bind);
    printf("address in use: OK\n");
}

static void port_calls(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *marker = (zil_msg_t *)(void *)&out;
    zil_msg_t *msg = marker;
    zil_stats_t stats = {.size = sizeof stats}, before = {.size = sizeof before};
    size_t n = 77;
    uint8_t data[8] = {1, 2, 3, 4, 5, 6, 7, 8};

    test_pair(TEST_INPROC, "args", "t", NULL, NULL, &out, &in);
    CHECK_OK(zil_outport_stats(out, &before));

    /* zil_outport_push */
    EXPECT_FAIL(zil_outport_push(NULL, data, sizeof data, NULL), ZIL_NULL_ARGUMENT, "'port'");
    EXPECT_FAIL(zil_outport_push(out, NULL, 5, NULL), ZIL_NULL_ARGUMENT, "'data'");
    CHECK_ERROR_MENTIONS("5");
    EXPECT_FAIL(zil_outport_push(out, data, 1, NOT_UTF8), ZIL_INVALID_ARGUMENT, "'event'");
    CHECK_ERROR_MENTIONS("UTF-8");
    EXPECT_FAIL(zil_outport_push(out, data, 1, BROKEN_UTF8), ZIL_INVALID_ARGUMENT, "'event'");
    /* a length no buffer can have is refused before anything is read */
    EXPECT_FAIL(zil_outport_push(out, data, SIZE_MAX, NULL), ZIL_INVALID_ARGUMENT, "'data'");
    /* nothing of that was sent */
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECK(stats.counters.messages_sent == before.counters.messages_sent && stats.counters.bytes_sent == before.counters.bytes_sent);
    CHECK_RESULT(zil_inport_recv(in, &msg, 100), ZIL_TIMEOUT);
    CHECK(msg == marker);

    /* zil_outport_wait_subscribers, endpoint, stats */
    EXPECT_FAIL(zil_outport_wait_subscribers(NULL, 1, 0, &n), ZIL_NULL_ARGUMENT, "'port'");
    CHECK(n == 77);
    EXPECT_NULL(zil_outport_endpoint(NULL), "'port'");
    EXPECT_FAIL(zil_outport_stats(NULL, &stats), ZIL_NULL_ARGUMENT, "'port'");
    EXPECT_FAIL(zil_outport_stats(out, NULL), ZIL_NULL_ARGUMENT, "'stats'");

    /* zil_inport_recv, wake, endpoint, stats */
    EXPECT_FAIL(zil_inport_recv(NULL, &msg, 0), ZIL_NULL_ARGUMENT, "'port'");
    EXPECT_FAIL(zil_inport_recv(in, NULL, 0), ZIL_NULL_ARGUMENT, "'msg'");
    CHECK(msg == marker);
    EXPECT_FAIL(zil_inport_wake(NULL), ZIL_NULL_ARGUMENT, "'port'");
    EXPECT_NULL(zil_inport_endpoint(NULL), "'port'");
    EXPECT_FAIL(zil_inport_stats(NULL, &stats), ZIL_NULL_ARGUMENT, "'port'");
    EXPECT_FAIL(zil_inport_stats(in, NULL), ZIL_NULL_ARGUMENT, "'stats'");

    /* a NULL msg out-argument does not swallow a queued message */
    CHECK_OK(zil_outport_push(out, data, sizeof data, "pcm"));
    sleep_ms(20);
    EXPECT_FAIL(zil_inport_recv(in, NULL, long_wait_ms()), ZIL_NULL_ARGUMENT, "'msg'");
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == sizeof data && memcmp(zil_msg_data(msg), data, sizeof data) == 0);

    /* zil_msg_* on NULL: NULL (0 for the size), the error names 'msg' */
    EXPECT_NULL(zil_msg_data(NULL), "'msg'");
    poison_last_error();
    CHECK(zil_msg_size(NULL) == 0);
    CHECK_ERROR_MENTIONS("'msg'");
    EXPECT_NULL(zil_msg_event(NULL), "'msg'");
    EXPECT_NULL(zil_msg_topic(NULL), "'msg'");
    EXPECT_NULL(zil_msg_session_id(NULL), "'msg'");
    /* ... and work on a real one */
    CHECK_STR_EQ(zil_msg_event(msg), "pcm");
    CHECK_STR_EQ(zil_msg_topic(msg), "t");
    CHECK(zil_msg_session_id(msg) == NULL);
    zil_msg_free(msg);

    /* an empty push with NULL data is fine */
    CHECK_OK(zil_outport_push(out, NULL, 0, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 0 && zil_msg_data(msg) != NULL && zil_msg_event(msg) == NULL);
    zil_msg_free(msg);

    zil_inport_free(in);
    zil_outport_free(out);
    printf("port and message calls: OK\n");
}

static void options_calls(void)
{
    zil_options_t *opts = zil_options_new();
    int snd = -5, rcv = -5, linger = -5;
    CHECK(opts != NULL);

    EXPECT_FAIL(zil_options_set_sndhwm(NULL, 10), ZIL_NULL_ARGUMENT, "'opts'");
    EXPECT_FAIL(zil_options_set_rcvhwm(NULL, 10), ZIL_NULL_ARGUMENT, "'opts'");
    EXPECT_FAIL(zil_options_set_linger(NULL, 10), ZIL_NULL_ARGUMENT, "'opts'");
    EXPECT_FAIL(zil_options_set_attach(NULL, ZIL_ATTACH_BIND), ZIL_NULL_ARGUMENT, "'opts'");
    EXPECT_FAIL(zil_options_set_prefix_match(NULL, true), ZIL_NULL_ARGUMENT, "'opts'");
    EXPECT_FAIL(zil_options_get(NULL, &snd, &rcv, &linger), ZIL_NULL_ARGUMENT, "'opts'");
    CHECK(snd == -5 && rcv == -5 && linger == -5);

    /* out-of-range values name the setting and the value */
    EXPECT_FAIL(zil_options_set_sndhwm(opts, -1), ZIL_INVALID_ARGUMENT, "sndhwm -1");
    EXPECT_FAIL(zil_options_set_sndhwm(opts, INT32_MIN), ZIL_INVALID_ARGUMENT, "sndhwm");
    EXPECT_FAIL(zil_options_set_rcvhwm(opts, -1), ZIL_INVALID_ARGUMENT, "rcvhwm -1");
    EXPECT_FAIL(zil_options_set_linger(opts, -2), ZIL_INVALID_ARGUMENT, "linger -2");
    EXPECT_FAIL(zil_options_set_linger(opts, INT32_MIN), ZIL_INVALID_ARGUMENT, "linger");
    EXPECT_FAIL(zil_options_set_attach(opts, 3), ZIL_INVALID_ARGUMENT, "attach 3");
    EXPECT_FAIL(zil_options_set_attach(opts, -1), ZIL_INVALID_ARGUMENT, "attach -1");
    EXPECT_FAIL(zil_options_set_attach(opts, 1000), ZIL_INVALID_ARGUMENT, "attach 1000");
    /* failed setters changed nothing: still zil's defaults */
    CHECK_OK(zil_options_get(opts, &snd, &rcv, &linger));
    CHECK(snd == 1000 && rcv == 1000 && linger == 1000);
    /* boundary values are accepted */
    CHECK_OK(zil_options_set_sndhwm(opts, 0));
    CHECK_OK(zil_options_set_rcvhwm(opts, 0));
    CHECK_OK(zil_options_set_linger(opts, -1));
    CHECK_OK(zil_options_set_linger(opts, 0));
    CHECK_OK(zil_options_set_attach(opts, ZIL_ATTACH_DEFAULT));
    CHECK_OK(zil_options_set_attach(opts, ZIL_ATTACH_CONNECT));

    zil_options_free(opts);
    printf("options calls: OK\n");
}

static void free_null(void)
{
    zil_outport_free(NULL);
    zil_inport_free(NULL);
    zil_msg_free(NULL);
    zil_options_free(NULL);
    printf("*_free(NULL): OK\n");
}

int main(void)
{
    test_watchdog(50);
    constructors();
    bad_addresses();
    address_in_use();
    port_calls();
    options_calls();
    free_null();
    return 0;
}
