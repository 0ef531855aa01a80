/* CURVE from C: key functions, an encrypted stream with an allow-list, an
 * RPC server that admits listed clients only, an inpad whose verify calls
 * are encrypted, and the received-message size limit.
 *
 * On a libzmq without CURVE (a ZIL_LIBZMQ=system build on a libzmq built
 * without libsodium) it checks that every CURVE function answers
 * ZIL_NOT_SUPPORTED instead; with ZIL_EXPECT_CURVE set (scripts/test.sh:
 * the default build's vendored libzmq has CURVE) a missing CURVE fails the
 * test.
 */
#include "check.h"

#define SID "4a501b51317e2c8f4a0fd7831d3e09dc"
/* The example keys of libzmq's zmq_curve man page. */
#define DOC_PUBLIC "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID"
#define DOC_SECRET "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"

typedef struct keys {
    char pub[ZIL_CURVE_KEY_SIZE];
    char sec[ZIL_CURVE_KEY_SIZE];
} keys;

static keys new_keys(void)
{
    keys k;
    CHECK_OK(zil_curve_keypair(k.pub, k.sec));
    CHECK(strlen(k.pub) == 40 && strlen(k.sec) == 40);
    return k;
}

static void bad_keys(void)
{
    zil_options_t *o = zil_options_new();
    char buf[ZIL_CURVE_KEY_SIZE];
    EXPECT_FAIL(zil_options_set_curve_server(o, "short"), ZIL_INVALID_ARGUMENT, "40");
    EXPECT_FAIL(zil_options_set_curve_client(o, "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c~", NULL, NULL),
                ZIL_INVALID_ARGUMENT, "no Z85 character");
    EXPECT_FAIL(zil_options_allow_curve_client(o, NOT_UTF8), ZIL_INVALID_ARGUMENT, "UTF-8");
    EXPECT_FAIL(zil_curve_public_key("0123456789", buf), ZIL_INVALID_ARGUMENT, "secret key");
    EXPECT_FAIL(zil_options_set_curve_client(o, DOC_PUBLIC, DOC_PUBLIC, NULL), ZIL_NULL_ARGUMENT,
                "client_secret_key");
    zil_options_free(o);
    printf("bad keys: OK\n");
}

/* The error text holds no 8 consecutive characters of `key`. */
static void check_error_hides(const char *key)
{
    const char *err = zil_last_error();
    char window[9];
    size_t n = strlen(key);
    for (size_t i = 0; i + 8 <= n; i++) {
        memcpy(window, key + i, 8);
        window[8] = '\0';
        CHECKF(strstr(err, window) == NULL, "the error shows the key (\"%s\")", window);
    }
}

/* A key read from a file with fgets ends in a newline: accepted (on a build
 * without CURVE the key still parses and the call answers NOT_SUPPORTED). A
 * malformed key is refused with a precise text that never shows the key. */
static void key_file_lines(void)
{
    zil_options_t *o = zil_options_new();
    char derived[ZIL_CURVE_KEY_SIZE];
    zil_result parsed = zil_curve_supported() ? ZIL_OK : ZIL_NOT_SUPPORTED;
    CHECK_RESULT(zil_options_set_curve_server(o, DOC_SECRET "\n"), parsed);
    CHECK_RESULT(zil_options_set_curve_server(o, DOC_SECRET "\r\n"), parsed);
    CHECK_RESULT(zil_options_allow_curve_client(o, DOC_PUBLIC "\n"), parsed);
    CHECK_RESULT(zil_curve_public_key(DOC_SECRET "\n", derived), parsed);
    if (parsed == ZIL_OK)
        CHECK_STR_EQ(derived, DOC_PUBLIC);

    EXPECT_FAIL(zil_options_set_curve_server(o, DOC_SECRET "\n\n"), ZIL_INVALID_ARGUMENT,
                "41 characters, a Z85 key has 40; it ends in a newline");
    check_error_hides(DOC_SECRET);
    EXPECT_FAIL(zil_curve_public_key(DOC_SECRET " ", derived), ZIL_INVALID_ARGUMENT,
                "it ends in a space");
    check_error_hides(DOC_SECRET);
    EXPECT_FAIL(zil_options_set_curve_client(o, DOC_PUBLIC, DOC_PUBLIC,
                                             "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%c~"),
                ZIL_INVALID_ARGUMENT, "character 40 of 40 is '~', which is no Z85 character");
    check_error_hides(DOC_SECRET);
    EXPECT_FAIL(zil_options_allow_curve_client(o, DOC_PUBLIC "\t\n"), ZIL_INVALID_ARGUMENT,
                "public key is not a CURVE key: it has 41 characters");
    check_error_hides(DOC_PUBLIC);
    zil_options_free(o);
    printf("key file lines: OK\n");
}

static void not_supported(void)
{
    zil_options_t *o = zil_options_new();
    char pub[ZIL_CURVE_KEY_SIZE], sec[ZIL_CURVE_KEY_SIZE];
    CHECKF(getenv("ZIL_EXPECT_CURVE") == NULL, "ZIL_EXPECT_CURVE is set but %s",
           "zil_curve_supported() is false");
    EXPECT_FAIL(zil_curve_keypair(pub, sec), ZIL_NOT_SUPPORTED, "not supported by this libzmq build");
    EXPECT_FAIL(zil_curve_public_key(DOC_SECRET, pub), ZIL_NOT_SUPPORTED, "libsodium");
    EXPECT_FAIL(zil_options_set_curve_server(o, DOC_SECRET), ZIL_NOT_SUPPORTED, "libsodium");
    EXPECT_FAIL(zil_options_allow_curve_client(o, DOC_PUBLIC), ZIL_NOT_SUPPORTED, "libsodium");
    EXPECT_FAIL(zil_options_set_curve_client(o, DOC_PUBLIC, NULL, NULL), ZIL_NOT_SUPPORTED, "libsodium");
    EXPECT_FAIL(zil_options_set_curve_rpc_server_key(o, DOC_PUBLIC), ZIL_NOT_SUPPORTED, "libsodium");
    zil_options_free(o);
    printf("not supported: OK\n");
}

static void key_functions(void)
{
    keys a = new_keys(), b = new_keys();
    char derived[ZIL_CURVE_KEY_SIZE];
    CHECK(strcmp(a.pub, b.pub) != 0);
    CHECK_OK(zil_curve_public_key(a.sec, derived));
    CHECK_STR_EQ(derived, a.pub);
    CHECK_OK(zil_curve_public_key(DOC_SECRET, derived));
    CHECK_STR_EQ(derived, DOC_PUBLIC);
    {
        zil_options_t *o = zil_options_new();
        EXPECT_FAIL(zil_options_set_curve_client(o, a.pub, a.pub, b.sec), ZIL_INVALID_ARGUMENT,
                    "does not belong");
        zil_options_free(o);
    }
    printf("key functions: OK\n");
}

static zil_options_t *server_options(const keys *server, const keys *allowed)
{
    zil_options_t *o = zil_options_new();
    CHECK_OK(zil_options_set_curve_server(o, server->sec));
    if (allowed != NULL)
        CHECK_OK(zil_options_allow_curve_client(o, allowed->pub));
    return o;
}

static zil_options_t *client_options(const keys *server, const keys *mine)
{
    zil_options_t *o = zil_options_new();
    CHECK_OK(zil_options_set_curve_client(o, server->pub, mine ? mine->pub : NULL,
                                          mine ? mine->sec : NULL));
    return o;
}

/* Pushes until `in` receives; the received message (NULL after the bound). */
static zil_msg_t *push_until_received(zil_outport_t *out, zil_inport_t *in, const char *text)
{
    double deadline = now_ms() + long_wait_ms();
    zil_msg_t *msg = NULL;
    while (now_ms() < deadline) {
        CHECK_OK(zil_outport_push(out, (const uint8_t *)text, strlen(text), "pcm"));
        zil_result r = zil_inport_recv(in, &msg, 50);
        if (r == ZIL_OK)
            return msg;
        CHECK_RESULT(r, ZIL_TIMEOUT);
    }
    return NULL;
}

static void stream_allow_list(void)
{
    keys server = new_keys(), listed = new_keys(), stranger = new_keys();
    zil_options_t *so = server_options(&server, &listed);
    zil_options_t *lo = client_options(&server, &listed);
    zil_options_t *xo = client_options(&server, &stranger);
    zil_outport_t *out = zil_outport_new_with_options(TEST_TCP_ANY, "secret", so);
    zil_inport_t *in, *refused, *plain;
    zil_msg_t *msg;
    zil_stats_t st = {.size = sizeof st};
    double deadline;
    CHECK(out != NULL);
    in = zil_inport_new_with_options(zil_outport_endpoint(out), "secret", lo);
    refused = zil_inport_new_with_options(zil_outport_endpoint(out), "secret", xo);
    plain = zil_inport_new(zil_outport_endpoint(out), "secret");
    CHECK(in != NULL && refused != NULL && plain != NULL);

    msg = push_until_received(out, in, "for listed ears");
    CHECK(msg != NULL);
    CHECK(zil_msg_size(msg) == 15 && memcmp(zil_msg_data(msg), "for listed ears", 15) == 0);
    CHECK_STR_EQ(zil_msg_event(msg), "pcm");
    zil_msg_free(msg);

    deadline = now_ms() + long_wait_ms();
    do {
        CHECK_OK(zil_outport_stats(out, &st));
    } while (st.counters.peers_refused == 0 && now_ms() < deadline && (sleep_ms(5), 1));
    CHECKF(st.counters.peers_refused >= 1, "peers_refused %lu", (unsigned long)st.counters.peers_refused);
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"x", 1, NULL));
    msg = NULL;
    CHECK_RESULT(zil_inport_recv(refused, &msg, 500), ZIL_TIMEOUT);
    CHECK_RESULT(zil_inport_recv(plain, &msg, 100), ZIL_TIMEOUT);
    CHECK(msg == NULL);
    CHECK_OK(zil_inport_stats(refused, &st));
    CHECK(st.counters.messages_received == 0 && st.counters.peers_refused == 0);

    zil_inport_free(plain);
    zil_inport_free(refused);
    zil_inport_free(in);
    zil_outport_free(out);
    zil_options_free(xo);
    zil_options_free(lo);
    zil_options_free(so);
    printf("stream allow-list: OK\n");
}

static void rpc_and_inpad(void)
{
    keys authz = new_keys(), stream = new_keys(), inpad = new_keys(), stranger = new_keys();
    zil_options_t *ao = server_options(&authz, &inpad);
    zil_options_t *so = server_options(&stream, NULL);
    zil_options_t *io = client_options(&stream, &inpad);
    zil_options_t *co = client_options(&authz, &inpad);
    zil_options_t *xo = client_options(&authz, &stranger);
    zil_rpc_server_t *srv = zil_rpc_server_new_with_options(TEST_TCP_ANY, ao);
    zil_rpc_client_t *cli, *bad;
    zil_rpc_server_stats_t rs = {.size = sizeof rs};
    zil_outpad_t *op;
    zil_inpad_t *ip;
    zil_msg_t *msg = NULL;
    bool valid = false;
    double started, deadline;
    zil_result r;
    CHECK(srv != NULL);
    CHECK_OK(zil_rpc_server_set_handler(srv, "verify", test_handler_yes, NULL, NULL));
    CHECK_OK(zil_rpc_server_start(srv));

    cli = zil_rpc_client_new_with_options(zil_rpc_server_endpoint(srv), long_wait_ms(), co);
    bad = zil_rpc_client_new_with_options(zil_rpc_server_endpoint(srv), 300, xo);
    CHECK(cli != NULL && bad != NULL);
    CHECK_OK(zil_rpc_client_verify(cli, SID, &valid));
    CHECK(valid);
    started = now_ms();
    valid = false;
    EXPECT_FAIL(zil_rpc_client_verify(bad, SID, &valid), ZIL_TIMEOUT, "300");
    CHECK(now_ms() - started < time_bound_ms(300));
    CHECK(!valid);
    CHECK_OK(zil_rpc_server_stats(srv, &rs));
    CHECKF(rs.counters.requests == 1 && rs.counters.error_replies == 0 && rs.counters.peers_refused >= 1,
           "requests %lu, errors %lu, refused %lu", (unsigned long)rs.counters.requests,
           (unsigned long)rs.counters.error_replies, (unsigned long)rs.counters.peers_refused);

    CHECK_OK(zil_options_set_curve_rpc_server_key(io, authz.pub));
    op = zil_outpad_new_with_options(TEST_TCP_ANY, "hello", so);
    CHECK(op != NULL);
    CHECK_OK(zil_outpad_set_session_id(op, SID));
    ip = zil_inpad_new_with_options(zil_outpad_endpoint(op), "hello", zil_rpc_server_endpoint(srv), io);
    CHECK(ip != NULL);
    deadline = now_ms() + long_wait_ms();
    do {
        CHECK_OK(zil_outpad_push(op, (const uint8_t *)"Hi boy", 6, NULL));
        r = zil_inpad_recv(ip, &msg, 100);
    } while (r == ZIL_TIMEOUT && now_ms() < deadline);
    CHECK_RESULT(r, ZIL_OK);
    CHECK(zil_msg_size(msg) == 6 && memcmp(zil_msg_data(msg), "Hi boy", 6) == 0);
    CHECK_STR_EQ(zil_msg_session_id(msg), SID);
    zil_msg_free(msg);

    zil_inpad_free(ip);
    zil_outpad_free(op);
    zil_rpc_client_free(bad);
    zil_rpc_client_free(cli);
    CHECK_OK(zil_rpc_server_stop(srv, long_wait_ms()));
    zil_rpc_server_free(srv);
    zil_options_free(xo);
    zil_options_free(co);
    zil_options_free(io);
    zil_options_free(so);
    zil_options_free(ao);
    printf("rpc and inpad over CURVE: OK\n");
}

/* A JSON string parameter of `n` 'x' characters (n + 3 bytes with quotes
 * and NUL); free with free(). */
static char *long_param(size_t n)
{
    char *p = test_malloc(n + 3);
    p[0] = '"';
    memset(p + 1, 'x', n);
    p[n + 1] = '"';
    p[n + 2] = '\0';
    return p;
}

/* An RPC server with max_msg_size 1000: a request over it (within twice it)
 * gets a -32600 error reply naming the limit and reaches no handler; one
 * over twice it is refused by libzmq (no answer); the server keeps
 * serving. */
static void size_limit(void)
{
    zil_options_t *o = zil_options_new();
    zil_rpc_server_t *srv;
    zil_rpc_client_t *cli, *big;
    zil_rpc_server_stats_t rs = {.size = sizeof rs};
    char *params = long_param(1500), *huge = long_param(2500), *result = NULL;
    bool valid = false;
    EXPECT_FAIL(zil_options_set_max_msg_size(o, -2), ZIL_INVALID_ARGUMENT, "-2");
    CHECK_OK(zil_options_set_max_msg_size(o, 1000));
    srv = zil_rpc_server_new_with_options(TEST_TCP_ANY, o);
    CHECK(srv != NULL);
    CHECK_OK(zil_rpc_server_set_handler(srv, "verify", test_handler_yes, NULL, NULL));
    CHECK_OK(zil_rpc_server_start(srv));
    cli = zil_rpc_client_new(zil_rpc_server_endpoint(srv), 5000);
    CHECK(cli != NULL);
    EXPECT_FAIL(zil_rpc_client_call(cli, "verify", params, &result), ZIL_REMOTE_ERROR,
                "max_msg_size of 1000 bytes");
    CHECK(result == NULL);
    CHECK_OK(zil_rpc_client_verify(cli, SID, &valid));
    CHECK(valid);
    big = zil_rpc_client_new(zil_rpc_server_endpoint(srv), 500);
    CHECK(big != NULL);
    EXPECT_FAIL(zil_rpc_client_call(big, "verify", huge, &result), ZIL_TIMEOUT, "500");
    CHECK(result == NULL);
    CHECK_OK(zil_rpc_client_verify(cli, SID, &valid));
    CHECK(valid);
    CHECK_OK(zil_rpc_server_stats(srv, &rs));
    CHECKF(rs.counters.requests == 3 && rs.counters.error_replies == 1 && rs.counters.requests_oversized == 1,
           "requests %lu, error replies %lu, oversized %lu", (unsigned long)rs.counters.requests,
           (unsigned long)rs.counters.error_replies, (unsigned long)rs.counters.requests_oversized);
    zil_rpc_client_free(big);
    zil_rpc_client_free(cli);
    zil_rpc_server_free(srv);
    zil_options_free(o);
    free(params);
    free(huge);
    printf("size limit: RPC server: OK\n");
}

/* A connecting input port with max_msg_size 1000: a message over it
 * (within twice it) is dropped and counted and the stream goes on; one over
 * twice it makes libzmq drop the publisher, counted half a second after
 * the disconnection. */
static void size_limit_drop_counted(void)
{
    zil_options_t *o = zil_options_new();
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    zil_stats_t st = {.size = sizeof st};
    char *big = test_malloc(3000);
    double deadline;

    CHECK(out != NULL);
    CHECK_OK(zil_options_set_max_msg_size(o, 1000));
    in = zil_inport_new_with_options(zil_outport_endpoint(out), "t", o);
    CHECK(in != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), NULL));
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"small", 5, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 5 && memcmp(zil_msg_data(msg), "small", 5) == 0);
    zil_msg_free(msg);
    msg = NULL;
    memset(big, 7, 3000);
    CHECK_OK(zil_outport_push(out, (const uint8_t *)big, 1500, NULL));
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"next", 4, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 4 && memcmp(zil_msg_data(msg), "next", 4) == 0);
    zil_msg_free(msg);
    msg = NULL;
    CHECK_OK(zil_inport_stats(in, &st));
    CHECKF(st.counters.messages_oversized == 1 && st.counters.peers_dropped == 0, "oversized %lu, dropped %lu",
           (unsigned long)st.counters.messages_oversized, (unsigned long)st.counters.peers_dropped);
    CHECK_OK(zil_outport_push(out, (const uint8_t *)big, 3000, NULL));
    deadline = now_ms() + long_wait_ms();
    do {
        CHECK_OK(zil_inport_stats(in, &st));
    } while (st.counters.peers_dropped == 0 && now_ms() < deadline && (sleep_ms(5), 1));
    CHECKF(st.counters.peers_dropped == 1 && st.counters.messages_received == 2,
           "peers_dropped %lu, messages_received %lu", (unsigned long)st.counters.peers_dropped,
           (unsigned long)st.counters.messages_received);
    /* libzmq does not reconnect to it: nothing more arrives */
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"after", 5, NULL));
    EXPECT_FAIL(zil_inport_recv(in, &msg, 200), ZIL_TIMEOUT, "no message");
    CHECK(msg == NULL);
    CHECK_OK(zil_outport_stats(out, &st));
    CHECK(st.counters.peers_dropped == 0); /* bound: never counted */
    zil_inport_free(in);
    zil_outport_free(out);
    zil_options_free(o);
    free(big);
    printf("size limit: a dropped publisher is counted: OK\n");
}

int main(void)
{
    test_watchdog(60);
    bad_keys();
    key_file_lines();
    size_limit();
    size_limit_drop_counted();
    if (!zil_curve_supported()) {
        not_supported();
    } else {
        key_functions();
        stream_allow_list();
        rpc_and_inpad();
    }
    CHECK_OK(zil_shutdown(long_wait_ms()));
    printf("curve: OK (%s)\n", zil_curve_supported() ? "CURVE build" : "no CURVE in this libzmq");
    return 0;
}
