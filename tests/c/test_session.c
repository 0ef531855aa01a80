/* Session-aware streaming from C: outpads wrap every push as
 * {"data": "<base64>", "session_id": "<id>"}, inpads verify each session
 * with an RPC server (an authz service in this process) and hand out only
 * verified data.
 *
 * - the envelope on the wire, byte for byte (read by a plain zil_inport),
 *   including the null session and Python-style \u escapes;
 * - a verified session flows with payload, event and session id; an
 *   unverified one is dropped and counted;
 * - the verification cache: TTL 0 asks every time, a TTL answers from the
 *   cache (verify_calls / cache_hits), changing it forgets, it expires;
 * - the link: a middle stage's outpad sends the session its inpad saw;
 *   unlinking (NULL) returns the inpad to the process-wide bus;
 * - the RPC server down: recv ends with ZIL_TIMEOUT in bounded time, the
 *   message counted as dropped_rpc_failed; a server appearing later works;
 * - malformed envelopes (from a plain outport) counted under their reason;
 * - wake, fd, endpoint, stats, and every NULL / bad argument.
 */
#include "check.h"

#include <poll.h>

#define SESSION_A "4a501b51317e2c8f4a0fd7831d3e09dc"
#define SESSION_B "0123456789abcdef0123456789abcdef"
#define SESSION_BAD "ffffffffffffffffffffffffffffffff"

/* --------------------------------------------------- the authz service */

#define MAX_VALID 8

typedef struct authz {
    pthread_mutex_t lock;
    char valid[MAX_VALID][64];
    int verify_calls;
    zil_rpc_server_t *server;
} authz;

static void on_verify(void *user_data, const char *method, const char *params_json,
                      const char *params_string, zil_rpc_reply_t *reply)
{
    authz *a = (authz *)user_data;
    bool ok = false;
    int i;
    (void)method;
    (void)params_json;
    pthread_mutex_lock(&a->lock);
    a->verify_calls++;
    for (i = 0; i < MAX_VALID && params_string != NULL; i++)
        if (a->valid[i][0] != '\0' && strcmp(a->valid[i], params_string) == 0)
            ok = true;
    pthread_mutex_unlock(&a->lock);
    zil_rpc_reply_set_bool(reply, ok);
}

static void authz_allow(authz *a, const char *session)
{
    int i;
    pthread_mutex_lock(&a->lock);
    for (i = 0; i < MAX_VALID; i++)
        if (a->valid[i][0] == '\0') {
            snprintf(a->valid[i], sizeof a->valid[i], "%s", session);
            break;
        }
    pthread_mutex_unlock(&a->lock);
}

static void authz_revoke(authz *a, const char *session)
{
    int i;
    pthread_mutex_lock(&a->lock);
    for (i = 0; i < MAX_VALID; i++)
        if (strcmp(a->valid[i], session) == 0)
            a->valid[i][0] = '\0';
    pthread_mutex_unlock(&a->lock);
}

static int authz_calls(authz *a)
{
    int n;
    pthread_mutex_lock(&a->lock);
    n = a->verify_calls;
    pthread_mutex_unlock(&a->lock);
    return n;
}

/* Starts an authz service at `addr` that knows SESSION_A and SESSION_B. */
static void authz_start(authz *a, const char *addr)
{
    memset(a, 0, sizeof *a);
    CHECK(pthread_mutex_init(&a->lock, NULL) == 0);
    a->server = zil_rpc_server_new(addr);
    CHECKF(a->server != NULL, "cannot bind the authz service at %s", addr);
    CHECK_OK(zil_rpc_server_set_handler(a->server, "verify", on_verify, a, NULL));
    CHECK_OK(zil_rpc_server_start(a->server));
    authz_allow(a, SESSION_A);
    authz_allow(a, SESSION_B);
}

static void authz_stop(authz *a)
{
    zil_rpc_server_free(a->server);
    pthread_mutex_destroy(&a->lock);
}

/* ------------------------------------------------------------- helpers */

/* Standard base64 with padding, NUL-terminated. */
static void base64(const uint8_t *data, size_t len, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;
    for (i = 0; i + 2 < len; i += 3) {
        *out++ = abc[data[i] >> 2];
        *out++ = abc[((data[i] & 3) << 4) | (data[i + 1] >> 4)];
        *out++ = abc[((data[i + 1] & 15) << 2) | (data[i + 2] >> 6)];
        *out++ = abc[data[i + 2] & 63];
    }
    if (len - i == 1) {
        *out++ = abc[data[i] >> 2];
        *out++ = abc[(data[i] & 3) << 4];
        *out++ = '=';
        *out++ = '=';
    } else if (len - i == 2) {
        *out++ = abc[data[i] >> 2];
        *out++ = abc[((data[i] & 3) << 4) | (data[i + 1] >> 4)];
        *out++ = abc[(data[i + 1] & 15) << 2];
        *out++ = '=';
    }
    *out = '\0';
}

/* The envelope Python's json.dumps writes: session_json is `"id"` or
 * `null`. */
static void envelope(const uint8_t *data, size_t len, const char *session_json, char *out,
                     size_t size)
{
    char *b64 = (char *)test_malloc(len / 3 * 4 + 8);
    base64(data, len, b64);
    snprintf(out, size, "{\"data\": \"%s\", \"session_id\": %s}", b64, session_json);
    free(b64);
}

/* A plain input port receives exactly `expected` (with `event`). */
static void expect_raw(zil_inport_t *in, const char *expected, const char *event)
{
    zil_msg_t *msg = NULL;
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECKF(zil_msg_size(msg) == strlen(expected) &&
               memcmp(zil_msg_data(msg), expected, strlen(expected)) == 0,
           "on the wire: %.*s\n  expected:   %s", (int)zil_msg_size(msg),
           (const char *)zil_msg_data(msg), expected);
    CHECK_STR_EQ(zil_msg_event(msg), event);
    CHECK(zil_msg_session_id(msg) == NULL); /* a plain port knows no sessions */
    zil_msg_free(msg);
}

/* An inpad delivers `data` with `event` and `session`. */
static void expect_delivered(zil_inpad_t *in, const char *topic, const uint8_t *data, size_t len,
                             const char *event, const char *session)
{
    zil_msg_t *msg = NULL;
    CHECK_OK(zil_inpad_recv(in, &msg, long_wait_ms()));
    CHECKF(zil_msg_size(msg) == len && memcmp(zil_msg_data(msg), data, len) == 0,
           "payload of %lu bytes, expected %lu", (unsigned long)zil_msg_size(msg),
           (unsigned long)len);
    CHECK(zil_msg_data(msg) != NULL);
    CHECK_STR_EQ(zil_msg_event(msg), event);
    CHECK_STR_EQ(zil_msg_topic(msg), topic);
    CHECK_STR_EQ(zil_msg_session_id(msg), session);
    zil_msg_free(msg);
}

/* Counter structs with `size` set, in the subset of C and C++11 this file
 * keeps (no designated initializers). */
static zil_inpad_stats_t sized_inpad_stats(void)
{
    zil_inpad_stats_t s;
    memset(&s, 0, sizeof s);
    s.size = sizeof s;
    return s;
}

static zil_stats_t sized_stats(void)
{
    zil_stats_t s;
    memset(&s, 0, sizeof s);
    s.size = sizeof s;
    return s;
}

static zil_inpad_stats_t stats_of(const zil_inpad_t *in)
{
    zil_inpad_stats_t s = sized_inpad_stats();
    memset(&s, 0xab, sizeof s);
    CHECK_OK(zil_inpad_stats(in, &s));
    return s;
}

static void push_str(const zil_outpad_t *out, const char *text, const char *event)
{
    CHECK_OK(zil_outpad_push(out, (const uint8_t *)text, strlen(text), event));
}

/* An outpad on an ephemeral TCP port and an inpad subscribed to it, the
 * subscription arrived. */
static void pad_pair(const char *topic, const char *rpc, zil_outpad_t **out, zil_inpad_t **in)
{
    size_t n = 0;
    *out = zil_outpad_new(TEST_TCP_ANY, topic);
    CHECK(*out != NULL);
    *in = zil_inpad_new(zil_outpad_endpoint(*out), topic, rpc);
    CHECK(*in != NULL);
    CHECK_OK(zil_outpad_wait_subscribers(*out, 1, long_wait_ms(), &n));
    CHECK(n == 1);
}

/* ------------------------------------------------- the envelope on the wire */

/* Runs first: no inpad has delivered yet, so the process-wide session bus is
 * empty and an outpad without a session sends null. */
static void envelope_on_the_wire(void)
{
    zil_options_t *opts = zil_options_new();
    zil_outpad_t *out;
    zil_inport_t *raw;
    zil_stats_t st = sized_stats();
    char expected[512];
    uint8_t bin[5] = {0, 0xff, 0x10, 0x80, 0x7f};

    CHECK_OK(zil_options_set_sndhwm(opts, 50));
    out = zil_outpad_new_with_options(TEST_TCP_ANY, "audio", opts);
    zil_options_free(opts);
    CHECK(out != NULL);
    CHECK(strchr(zil_outpad_endpoint(out), '*') == NULL);
    raw = zil_inport_new(zil_outpad_endpoint(out), "audio");
    CHECK(raw != NULL);
    CHECK_OK(zil_outpad_wait_subscribers(out, 1, long_wait_ms(), NULL));

    /* no session: null */
    push_str(out, "Hi boy", "pcm");
    expect_raw(raw, "{\"data\": \"SGkgYm95\", \"session_id\": null}", "pcm");
    /* an empty payload, no event (the wire's None) */
    CHECK_OK(zil_outpad_push(out, NULL, 0, NULL));
    expect_raw(raw, "{\"data\": \"\", \"session_id\": null}", NULL);
    /* a session set: a JSON string; binary bytes in base64 */
    CHECK_OK(zil_outpad_set_session_id(out, SESSION_A));
    CHECK_OK(zil_outpad_push(out, bin, sizeof bin, "EOS"));
    envelope(bin, sizeof bin, "\"" SESSION_A "\"", expected, sizeof expected);
    CHECK_STR_EQ(expected, "{\"data\": \"AP8QgH8=\", \"session_id\": \"" SESSION_A "\"}");
    expect_raw(raw, expected, "EOS");
    /* ids are escaped the way json.dumps does (ensure_ascii) */
    CHECK_OK(zil_outpad_set_session_id(out, "s\xc3\xa9 \"q\" \\"));
    push_str(out, "x", NULL);
    expect_raw(raw, "{\"data\": \"eA==\", \"session_id\": \"s\\u00e9 \\\"q\\\" \\\\\"}", NULL);
    /* NULL clears it again */
    CHECK_OK(zil_outpad_set_session_id(out, NULL));
    push_str(out, "ab", "pcm");
    expect_raw(raw, "{\"data\": \"YWI=\", \"session_id\": null}", "pcm");

    /* the outpad counts envelopes: 5 messages, their bytes on the wire */
    CHECK_OK(zil_outpad_stats(out, &st));
    CHECK(st.counters.messages_sent == 5);
    CHECKF(st.counters.bytes_sent == strlen("{\"data\": \"SGkgYm95\", \"session_id\": null}") +
                                strlen("{\"data\": \"\", \"session_id\": null}") +
                                strlen(expected) +
                                strlen("{\"data\": \"eA==\", \"session_id\": \"s\\u00e9 "
                                       "\\\"q\\\" \\\\\"}") +
                                strlen("{\"data\": \"YWI=\", \"session_id\": null}"),
           "bytes_sent %llu", (unsigned long long)st.counters.bytes_sent);
    CHECK(st.counters.messages_received == 0);

    zil_inport_free(raw);
    zil_outpad_free(out);
    printf("the envelope on the wire: OK\n");
}

/* --------------------------------------------------------- verified flow */

static void verified_flow(authz *a)
{
    const char *rpc = zil_rpc_server_endpoint(a->server);
    zil_outpad_t *out;
    zil_inpad_t *in;
    zil_inpad_stats_t s = sized_inpad_stats();
    uint8_t bin[256];
    int calls0 = authz_calls(a);
    size_t i;

    pad_pair("audio", rpc, &out, &in);
    CHECK_STR_EQ(zil_inpad_endpoint(in), zil_outpad_endpoint(out));
    CHECK_OK(zil_inpad_set_cache_ttl(in, 60000));
    s = stats_of(in);
    CHECK(s.counters.delivered == 0 && s.counters.verify_calls == 0 && s.counters.cache_hits == 0 &&
          s.counters.dropped_unverified == 0 && s.counters.dropped_bad_json == 0);

    /* a verified session flows: payload, event, topic and session id */
    CHECK_OK(zil_outpad_set_session_id(out, SESSION_A));
    push_str(out, "hello", "pcm");
    CHECK_OK(zil_outpad_push(out, NULL, 0, NULL));
    for (i = 0; i < sizeof bin; i++)
        bin[i] = (uint8_t)(255 - i);
    CHECK_OK(zil_outpad_push(out, bin, sizeof bin, "bin"));
    expect_delivered(in, "audio", (const uint8_t *)"hello", 5, "pcm", SESSION_A);
    expect_delivered(in, "audio", (const uint8_t *)"", 0, NULL, SESSION_A);
    expect_delivered(in, "audio", bin, sizeof bin, "bin", SESSION_A);
    s = stats_of(in);
    CHECKF(s.counters.delivered == 3 && s.counters.verify_calls == 1 && s.counters.cache_hits == 2,
           "delivered %llu, verify_calls %llu, cache_hits %llu", (unsigned long long)s.counters.delivered,
           (unsigned long long)s.counters.verify_calls, (unsigned long long)s.counters.cache_hits);
    CHECK(authz_calls(a) == calls0 + 1);

    /* an unverified session is dropped and counted; what follows flows */
    CHECK_OK(zil_outpad_set_session_id(out, SESSION_BAD));
    push_str(out, "intruder", "pcm");
    CHECK_OK(zil_outpad_set_session_id(out, SESSION_A));
    push_str(out, "after", "pcm");
    expect_delivered(in, "audio", (const uint8_t *)"after", 5, "pcm", SESSION_A);
    s = stats_of(in);
    CHECK(s.counters.delivered == 4 && s.counters.dropped_unverified == 1 && s.counters.verify_calls == 2 &&
          s.counters.cache_hits == 3);
    CHECK(s.counters.dropped_bad_json == 0 && s.counters.dropped_missing_field == 0 && s.counters.dropped_bad_base64 == 0 &&
          s.counters.dropped_no_session == 0 && s.counters.dropped_rpc_failed == 0);
    /* ... nothing else is waiting */
    {
        zil_msg_t *msg = NULL;
        CHECK_RESULT(zil_inpad_recv(in, &msg, 0), ZIL_TIMEOUT);
        CHECK(msg == NULL);
    }

    zil_inpad_free(in);
    zil_outpad_free(out);
    printf("a verified session flows, an unverified one is dropped: OK\n");
}

/* ---------------------------------------------------------------- cache */

static void cache_ttl(authz *a)
{
    const char *rpc = zil_rpc_server_endpoint(a->server);
    zil_outpad_t *out;
    zil_inpad_t *in;
    zil_inpad_stats_t s0 = sized_inpad_stats(), s = sized_inpad_stats();
    int calls0, i;
    int32_t ttl;

    pad_pair("cache", rpc, &out, &in);
    CHECK_OK(zil_outpad_set_session_id(out, SESSION_B));

    /* TTL 0: every message is verified */
    CHECK_OK(zil_inpad_set_cache_ttl(in, 0));
    calls0 = authz_calls(a);
    s0 = stats_of(in);
    for (i = 0; i < 5; i++)
        push_str(out, "chunk", "pcm");
    for (i = 0; i < 5; i++)
        expect_delivered(in, "cache", (const uint8_t *)"chunk", 5, "pcm", SESSION_B);
    s = stats_of(in);
    CHECK(s.counters.verify_calls - s0.counters.verify_calls == 5 && s.counters.cache_hits == s0.counters.cache_hits);
    CHECK(authz_calls(a) - calls0 == 5);

    /* a long TTL: one call, then the cache */
    CHECK_OK(zil_inpad_set_cache_ttl(in, 60000));
    calls0 = authz_calls(a);
    s0 = s;
    for (i = 0; i < 5; i++)
        push_str(out, "chunk", "pcm");
    for (i = 0; i < 5; i++)
        expect_delivered(in, "cache", (const uint8_t *)"chunk", 5, "pcm", SESSION_B);
    s = stats_of(in);
    CHECK(s.counters.verify_calls - s0.counters.verify_calls == 1 && s.counters.cache_hits - s0.counters.cache_hits == 4);
    CHECK(authz_calls(a) - calls0 == 1);

    /* a logout is not seen while the answer is cached ... */
    authz_revoke(a, SESSION_B);
    push_str(out, "cached", "pcm");
    expect_delivered(in, "cache", (const uint8_t *)"cached", 6, "pcm", SESSION_B);
    CHECK(authz_calls(a) - calls0 == 1);
    /* ... setting the TTL forgets the cache: now it is */
    CHECK_OK(zil_inpad_set_cache_ttl(in, 60000));
    push_str(out, "revoked", "pcm");
    push_str(out, "revoked", "pcm"); /* the refusal is cached as well */
    CHECK_OK(zil_outpad_set_session_id(out, SESSION_A));
    push_str(out, "other", "pcm");
    expect_delivered(in, "cache", (const uint8_t *)"other", 5, "pcm", SESSION_A);
    s0 = s;
    s = stats_of(in);
    CHECK(s.counters.dropped_unverified - s0.counters.dropped_unverified == 2);
    CHECK(s.counters.verify_calls - s0.counters.verify_calls == 2 && s.counters.cache_hits - s0.counters.cache_hits == 2);
    authz_allow(a, SESSION_B);

    /* a short TTL expires */
    ttl = 300 * time_scale();
    CHECK_OK(zil_inpad_set_cache_ttl(in, (int32_t)ttl));
    CHECK_OK(zil_outpad_set_session_id(out, SESSION_B));
    s0 = stats_of(in);
    push_str(out, "t1", NULL);
    expect_delivered(in, "cache", (const uint8_t *)"t1", 2, NULL, SESSION_B);
    push_str(out, "t2", NULL);
    expect_delivered(in, "cache", (const uint8_t *)"t2", 2, NULL, SESSION_B);
    sleep_ms(2 * ttl);
    push_str(out, "t3", NULL);
    expect_delivered(in, "cache", (const uint8_t *)"t3", 2, NULL, SESSION_B);
    s = stats_of(in);
    CHECKF(s.counters.verify_calls - s0.counters.verify_calls == 2 && s.counters.cache_hits - s0.counters.cache_hits == 1,
           "verify_calls +%llu, cache_hits +%llu",
           (unsigned long long)(s.counters.verify_calls - s0.counters.verify_calls),
           (unsigned long long)(s.counters.cache_hits - s0.counters.cache_hits));

    zil_inpad_free(in);
    zil_outpad_free(out);
    printf("verification cache: TTL 0, TTL, forgetting, expiry: OK\n");
}

/* ---------------------------------------------------------------- link */

/* The middle stage: one message from `in` forwarded to `out` unchanged. */
static void forward(zil_inpad_t *in, zil_outpad_t *out, const char *expect_session)
{
    zil_msg_t *msg = NULL;
    CHECK_OK(zil_inpad_recv(in, &msg, long_wait_ms()));
    CHECK_STR_EQ(zil_msg_session_id(msg), expect_session);
    CHECK_OK(zil_outpad_push(out, zil_msg_data(msg), zil_msg_size(msg), zil_msg_event(msg)));
    zil_msg_free(msg);
}

static void linked_pipeline(authz *a)
{
    const char *rpc = zil_rpc_server_endpoint(a->server);
    zil_outpad_t *first, *mid_out, *fresh;
    zil_inpad_t *mid_in;
    zil_inport_t *raw, *raw_fresh;

    pad_pair("audio", rpc, &first, &mid_in);
    mid_out = zil_outpad_new(TEST_TCP_ANY, "text"); /* no session of its own */
    CHECK(mid_out != NULL);
    raw = zil_inport_new(zil_outpad_endpoint(mid_out), "text");
    CHECK(raw != NULL);
    CHECK_OK(zil_outpad_wait_subscribers(mid_out, 1, long_wait_ms(), NULL));
    CHECK_OK(zil_inpad_link_outpad(mid_in, mid_out));
    CHECK_OK(zil_inpad_set_cache_ttl(mid_in, 0));

    /* the middle outpad sends the session its inpad saw */
    CHECK_OK(zil_outpad_set_session_id(first, SESSION_A));
    push_str(first, "hello", "pcm");
    forward(mid_in, mid_out, SESSION_A);
    expect_raw(raw, "{\"data\": \"aGVsbG8=\", \"session_id\": \"" SESSION_A "\"}", "pcm");
    /* ... and follows when the session changes */
    CHECK_OK(zil_outpad_set_session_id(first, SESSION_B));
    push_str(first, "world", "FINAL");
    forward(mid_in, mid_out, SESSION_B);
    expect_raw(raw, "{\"data\": \"d29ybGQ=\", \"session_id\": \"" SESSION_B "\"}", "FINAL");

    /* unlinked (NULL), the inpad feeds the process-wide bus: the middle
     * outpad keeps the last session it was given, an outpad without a
     * session sends the bus's */
    CHECK_OK(zil_inpad_link_outpad(mid_in, NULL));
    CHECK_OK(zil_outpad_set_session_id(first, SESSION_A));
    push_str(first, "again", "pcm");
    forward(mid_in, mid_out, SESSION_A);
    expect_raw(raw, "{\"data\": \"YWdhaW4=\", \"session_id\": \"" SESSION_B "\"}", "pcm");
    fresh = zil_outpad_new(TEST_TCP_ANY, "x");
    CHECK(fresh != NULL);
    raw_fresh = zil_inport_new(zil_outpad_endpoint(fresh), "x");
    CHECK(raw_fresh != NULL);
    CHECK_OK(zil_outpad_wait_subscribers(fresh, 1, long_wait_ms(), NULL));
    push_str(fresh, "bus", NULL);
    expect_raw(raw_fresh, "{\"data\": \"YnVz\", \"session_id\": \"" SESSION_A "\"}", NULL);
    /* its own session wins over the bus */
    CHECK_OK(zil_outpad_set_session_id(fresh, SESSION_B));
    push_str(fresh, "own", NULL);
    expect_raw(raw_fresh, "{\"data\": \"b3du\", \"session_id\": \"" SESSION_B "\"}", NULL);
    zil_inport_free(raw_fresh);
    zil_outpad_free(fresh);

    /* relinked, the middle outpad may be freed first: the inpad goes on */
    CHECK_OK(zil_inpad_link_outpad(mid_in, mid_out));
    zil_inport_free(raw);
    zil_outpad_free(mid_out);
    push_str(first, "orphan", "pcm");
    expect_delivered(mid_in, "audio", (const uint8_t *)"orphan", 6, "pcm", SESSION_A);

    zil_inpad_free(mid_in);
    zil_outpad_free(first);
    printf("link: the middle outpad sends its inpad's session; unlink; free first: OK\n");
}

/* An inpad may also be freed before the outpad it feeds. */
static void link_free_inpad_first(authz *a)
{
    zil_outpad_t *first, *mid_out;
    zil_inpad_t *mid_in;
    zil_inport_t *raw;

    pad_pair("audio", zil_rpc_server_endpoint(a->server), &first, &mid_in);
    mid_out = zil_outpad_new(TEST_TCP_ANY, "text");
    CHECK(mid_out != NULL);
    CHECK_OK(zil_inpad_link_outpad(mid_in, mid_out));
    CHECK_OK(zil_outpad_set_session_id(first, SESSION_B));
    push_str(first, "x", NULL);
    forward(mid_in, mid_out, SESSION_B);
    zil_inpad_free(mid_in);
    raw = zil_inport_new(zil_outpad_endpoint(mid_out), "text");
    CHECK(raw != NULL);
    CHECK_OK(zil_outpad_wait_subscribers(mid_out, 1, long_wait_ms(), NULL));
    push_str(mid_out, "y", NULL); /* keeps the session the freed inpad gave it */
    expect_raw(raw, "{\"data\": \"eQ==\", \"session_id\": \"" SESSION_B "\"}", NULL);
    zil_inport_free(raw);
    zil_outpad_free(mid_out);
    zil_outpad_free(first);
    printf("link: the inpad freed first: OK\n");
}

/* ------------------------------------------------------ RPC server down */

static void rpc_server_down(void)
{
    const int rpc_timeout = 200;
    char rpc[512];
    zil_options_t *opts = zil_options_new();
    zil_outpad_t *out;
    zil_inpad_t *in;
    zil_inpad_stats_t s = sized_inpad_stats();
    zil_msg_t *msg = NULL;
    authz a;
    double t0, took;
    size_t n = 0;

    test_bind_address(TEST_IPC, "authz-down", rpc, sizeof rpc);
    CHECK(opts != NULL);
    CHECK_OK(zil_options_set_rpc_timeout(opts, rpc_timeout));
    out = zil_outpad_new(TEST_TCP_ANY, "audio");
    CHECK(out != NULL);
    in = zil_inpad_new_with_options(zil_outpad_endpoint(out), "audio", rpc, opts);
    CHECK(in != NULL);
    zil_options_free(opts);
    CHECK_OK(zil_outpad_wait_subscribers(out, 1, long_wait_ms(), &n));
    CHECK_OK(zil_outpad_set_session_id(out, SESSION_A));

    /* the message arrives, verify times out after 200 ms, the inpad fails
     * closed and keeps waiting until its own timeout */
    push_str(out, "lost", "pcm");
    t0 = now_ms();
    EXPECT_FAIL(zil_inpad_recv(in, &msg, 600), ZIL_TIMEOUT, zil_outpad_endpoint(out));
    took = now_ms() - t0;
    CHECKF(took >= 595 && took <= time_bound_ms(600), "recv(600) took %.0f ms", took);
    CHECK(msg == NULL);
    s = stats_of(in);
    CHECKF(s.counters.dropped_rpc_failed == 1 && s.counters.verify_calls == 1 && s.counters.delivered == 0,
           "rpc_failed %llu, verify_calls %llu", (unsigned long long)s.counters.dropped_rpc_failed,
           (unsigned long long)s.counters.verify_calls);
    CHECK(s.counters.dropped_unverified == 0 && s.counters.cache_hits == 0);

    /* a receive shorter than the RPC timeout returns within its own
     * timeout; the verify call goes on, and a later receive counts its
     * failure */
    push_str(out, "lost too", "pcm");
    sleep_ms(50);
    t0 = now_ms();
    CHECK_RESULT(zil_inpad_recv(in, &msg, 20), ZIL_TIMEOUT);
    took = now_ms() - t0;
    CHECKF(took >= 15 && took <= time_bound_ms(20),
           "recv(20) with a silent authz server took %.0f ms", took);
    s = stats_of(in);
    CHECK(s.counters.dropped_rpc_failed == 1 && s.counters.verify_calls == 2); /* still outstanding */
    CHECK_RESULT(zil_inpad_recv(in, &msg, rpc_timeout + 100), ZIL_TIMEOUT);
    s = stats_of(in);
    CHECK(s.counters.dropped_rpc_failed == 2 && s.counters.verify_calls == 2); /* failures are not cached */

    /* the authz service comes up on that address: the next message flows */
    authz_start(&a, rpc);
    push_str(out, "found", "pcm");
    expect_delivered(in, "audio", (const uint8_t *)"found", 5, "pcm", SESSION_A);
    s = stats_of(in);
    CHECK(s.counters.dropped_rpc_failed == 2 && s.counters.verify_calls == 3 && s.counters.delivered == 1);
    CHECK(authz_calls(&a) == 1);

    zil_inpad_free(in);
    zil_outpad_free(out);
    authz_stop(&a);
    printf("RPC server down: bounded ZIL_TIMEOUT, dropped_rpc_failed, recovery: OK\n");
}

/* --------------------------------------------------- malformed envelopes */

static void malformed_envelopes(authz *a)
{
    static const char *const bad_json[] = {"not json", "[1,2]", "\xff\xfe", "", "null", "\"s\""};
    static const char *const missing[] = {
        "{\"session_id\": \"" SESSION_A "\"}",
        "{\"data\": 5, \"session_id\": \"" SESSION_A "\"}",
        "{\"data\": \"AA==\"}",
        "{\"data\": \"AA==\", \"session_id\": 7}",
        "{\"data\": null, \"session_id\": \"" SESSION_A "\"}",
    };
    static const char *const bad_base64[] = {
        "{\"data\": \"!!!\", \"session_id\": \"" SESSION_A "\"}",
        "{\"data\": \"AA=\", \"session_id\": \"" SESSION_A "\"}",
    };
    static const char *const good = "{\"data\":\"aGk=\",\"session_id\":\"" SESSION_A "\"}";
    static const char *const extra =
        "{\"extra\": [1], \"session_id\": \"" SESSION_A "\", \"data\": \"eW8=\"}";
    zil_outport_t *raw_out;
    zil_inpad_t *in;
    zil_inpad_stats_t s = sized_inpad_stats();
    zil_stats_t ps = sized_stats();
    size_t i;
    int fd = -1;
    struct pollfd p;
    zil_msg_t *msg = NULL;

#define PUSH_RAW(text) CHECK_OK(zil_outport_push(raw_out, (const uint8_t *)(text), strlen(text), "pcm"))
    raw_out = zil_outport_new(TEST_TCP_ANY, "audio");
    CHECK(raw_out != NULL);
    in = zil_inpad_new(zil_outport_endpoint(raw_out), "audio", zil_rpc_server_endpoint(a->server));
    CHECK(in != NULL);
    CHECK_OK(zil_outport_wait_subscribers(raw_out, 1, long_wait_ms(), NULL));

    for (i = 0; i < sizeof bad_json / sizeof bad_json[0]; i++)
        PUSH_RAW(bad_json[i]);
    for (i = 0; i < sizeof missing / sizeof missing[0]; i++)
        PUSH_RAW(missing[i]);
    for (i = 0; i < sizeof bad_base64 / sizeof bad_base64[0]; i++)
        PUSH_RAW(bad_base64[i]);
    PUSH_RAW("{\"data\": \"AA==\", \"session_id\": null}");
    PUSH_RAW(good);
    PUSH_RAW(extra);

    /* only the well-formed ones come out (compact JSON and extra fields
     * are accepted, the data decoded) */
    expect_delivered(in, "audio", (const uint8_t *)"hi", 2, "pcm", SESSION_A);
    expect_delivered(in, "audio", (const uint8_t *)"yo", 2, "pcm", SESSION_A);
    s = stats_of(in);
    CHECKF(s.counters.dropped_bad_json == 6 && s.counters.dropped_missing_field == 5 && s.counters.dropped_bad_base64 == 2 &&
               s.counters.dropped_no_session == 1,
           "bad_json %llu, missing_field %llu, bad_base64 %llu, no_session %llu",
           (unsigned long long)s.counters.dropped_bad_json, (unsigned long long)s.counters.dropped_missing_field,
           (unsigned long long)s.counters.dropped_bad_base64, (unsigned long long)s.counters.dropped_no_session);
    CHECK(s.counters.delivered == 2 && s.counters.dropped_unverified == 0 && s.counters.dropped_rpc_failed == 0);
    CHECK(s.counters.verify_calls == 1 && s.counters.cache_hits == 1); /* malformed ones never reach the RPC */

    /* the descriptor: readable while a message is queued, even one that
     * will be dropped; recv(0) then says ZIL_TIMEOUT and it is quiet */
    CHECK_OK(zil_inpad_fd(in, &fd));
    CHECK(fd >= 0);
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    CHECK(poll(&p, 1, 0) == 0);
    PUSH_RAW("garbage");
    CHECK(poll(&p, 1, long_wait_ms()) == 1 && (p.revents & POLLIN));
    CHECK_RESULT(zil_inpad_recv(in, &msg, 0), ZIL_TIMEOUT);
    CHECK(msg == NULL);
    CHECK(poll(&p, 1, 0) == 0);
    PUSH_RAW(good);
    CHECK(poll(&p, 1, long_wait_ms()) == 1 && (p.revents & POLLIN));
    CHECK_OK(zil_inpad_recv(in, &msg, 0));
    CHECK(zil_msg_size(msg) == 2 && memcmp(zil_msg_data(msg), "hi", 2) == 0);
    zil_msg_free(msg);
    CHECK(poll(&p, 1, 0) == 0);
    {
        int fd2 = -1;
        CHECK_OK(zil_inpad_fd(in, &fd2));
        CHECK(fd2 == fd); /* the same descriptor every time */
    }
    s = stats_of(in);
    CHECK(s.counters.dropped_bad_json == 7 && s.counters.delivered == 3);
    CHECK_OK(zil_outport_stats(raw_out, &ps));
    CHECK(ps.counters.messages_sent == 18);
#undef PUSH_RAW

    zil_inpad_free(in);
    zil_outport_free(raw_out);
    printf("malformed envelopes counted by reason; inpad fd: OK\n");
}

/* ----------------------------------------------------------------- wake */

typedef struct waiter {
    const zil_inpad_t *in;
    int rc;
} waiter;

static void *wait_forever(void *arg)
{
    waiter *w = (waiter *)arg;
    zil_msg_t *msg = NULL;
    w->rc = zil_inpad_recv(w->in, &msg, -1);
    if (w->rc == ZIL_OK)
        zil_msg_free(msg);
    return NULL;
}

static void wake(authz *a)
{
    zil_outpad_t *out;
    zil_inpad_t *in;
    zil_msg_t *msg = NULL;
    test_thread thread;
    waiter w;

    pad_pair("audio", zil_rpc_server_endpoint(a->server), &out, &in);
    /* a wake-up before the receive: the next one returns at once */
    CHECK_OK(zil_inpad_wake(in));
    EXPECT_FAIL(zil_inpad_recv(in, &msg, -1), ZIL_INTERRUPTED, "woken");
    CHECK(msg == NULL);
    CHECK_RESULT(zil_inpad_recv(in, &msg, 0), ZIL_TIMEOUT); /* one wake-up, one interruption */
    /* a receive blocked forever in another thread */
    w.in = in;
    w.rc = -1;
    test_thread_start(&thread, wait_forever, &w);
    sleep_ms(50);
    CHECK_OK(zil_inpad_wake(in));
    CHECK_JOINED(&thread, long_wait_ms());
    CHECK_RESULT(w.rc, ZIL_INTERRUPTED);
    /* messages still flow */
    CHECK_OK(zil_outpad_set_session_id(out, SESSION_A));
    push_str(out, "after", NULL);
    expect_delivered(in, "audio", (const uint8_t *)"after", 5, NULL, SESSION_A);
    zil_inpad_free(in);
    zil_outpad_free(out);
    printf("inpad wake: OK\n");
}

/* --------------------------------------------------------- bad arguments */

static void bad_arguments(authz *a)
{
    const char *rpc = zil_rpc_server_endpoint(a->server);
    zil_options_t *opts = zil_options_new();
    zil_outpad_t *out;
    zil_inpad_t *in;
    zil_msg_t *marker = (zil_msg_t *)(void *)&opts, *msg = marker;
    zil_inpad_stats_t is = sized_inpad_stats();
    zil_stats_t st = sized_stats();
    int fd = -7;
    size_t n = 77;
    uint8_t data[4] = {1, 2, 3, 4};

    CHECK(opts != NULL);
    /* zil_options_set_rpc_timeout */
    EXPECT_FAIL(zil_options_set_rpc_timeout(NULL, 100), ZIL_NULL_ARGUMENT, "'opts'");
    EXPECT_FAIL(zil_options_set_rpc_timeout(opts, -2), ZIL_INVALID_ARGUMENT, "-2");
    EXPECT_FAIL(zil_options_set_rpc_timeout(opts, INT32_MIN), ZIL_INVALID_ARGUMENT, "timeout");
    CHECK_OK(zil_options_set_rpc_timeout(opts, -1));
    CHECK_OK(zil_options_set_rpc_timeout(opts, 0));

    /* constructors */
    EXPECT_NULL(zil_outpad_new(NULL, "t"), "'addr'");
    EXPECT_NULL(zil_outpad_new(TEST_TCP_ANY, NULL), "'topic'");
    EXPECT_NULL(zil_outpad_new(NOT_UTF8, "t"), "'addr'");
    EXPECT_NULL(zil_outpad_new(TEST_TCP_ANY, BROKEN_UTF8), "'topic'");
    EXPECT_NULL(zil_outpad_new("tcp://nope", "t"), "'tcp://nope'");
    EXPECT_NULL(zil_outpad_new_with_options(NULL, "t", opts), "'addr'");
    EXPECT_NULL(zil_outpad_new_with_options("bogus://x", "t", opts), "'bogus://x'");
    EXPECT_NULL(zil_inpad_new(NULL, "t", rpc), "'addr'");
    EXPECT_NULL(zil_inpad_new("tcp://127.0.0.1:1", NULL, rpc), "'topic'");
    EXPECT_NULL(zil_inpad_new("tcp://127.0.0.1:1", "t", NULL), "'rpc_addr'");
    EXPECT_NULL(zil_inpad_new(NOT_UTF8, "t", rpc), "'addr'");
    EXPECT_NULL(zil_inpad_new("tcp://127.0.0.1:1", BROKEN_UTF8, rpc), "'topic'");
    EXPECT_NULL(zil_inpad_new("tcp://127.0.0.1:1", "t", NOT_UTF8), "'rpc_addr'");
    EXPECT_NULL(zil_inpad_new("tcp://nope", "t", rpc), "'tcp://nope'");
    EXPECT_NULL(zil_inpad_new("tcp://127.0.0.1:1", "t", "tcp://nope"), "'tcp://nope'");
    EXPECT_NULL(zil_inpad_new_with_options(NULL, "t", rpc, opts), "'addr'");
    EXPECT_NULL(zil_inpad_new_with_options("tcp://127.0.0.1:1", "t", "bogus://x", opts),
                "'bogus://x'");

    /* a pair to call the rest on (NULL options are the defaults) */
    out = zil_outpad_new_with_options(TEST_TCP_ANY, "t", NULL);
    CHECK(out != NULL);
    in = zil_inpad_new_with_options(zil_outpad_endpoint(out), "t", rpc, NULL);
    CHECK(in != NULL);
    zil_options_free(opts);

    /* outpad calls */
    EXPECT_FAIL(zil_outpad_set_session_id(NULL, SESSION_A), ZIL_NULL_ARGUMENT, "'outpad'");
    EXPECT_FAIL(zil_outpad_set_session_id(out, NOT_UTF8), ZIL_INVALID_ARGUMENT, "'session_id'");
    EXPECT_FAIL(zil_outpad_push(NULL, data, 4, NULL), ZIL_NULL_ARGUMENT, "'outpad'");
    EXPECT_FAIL(zil_outpad_push(out, NULL, 4, NULL), ZIL_NULL_ARGUMENT, "'data'");
    EXPECT_FAIL(zil_outpad_push(out, data, 4, NOT_UTF8), ZIL_INVALID_ARGUMENT, "'event'");
    EXPECT_FAIL(zil_outpad_push(out, data, SIZE_MAX, NULL), ZIL_INVALID_ARGUMENT, "'data'");
    EXPECT_FAIL(zil_outpad_wait_subscribers(NULL, 1, 0, &n), ZIL_NULL_ARGUMENT, "'outpad'");
    CHECK(n == 77);
    EXPECT_FAIL(zil_outpad_wait_subscribers(out, 1, -2, &n), ZIL_INVALID_ARGUMENT, "-2");
    EXPECT_NULL(zil_outpad_endpoint(NULL), "'outpad'");
    EXPECT_FAIL(zil_outpad_stats(NULL, &st), ZIL_NULL_ARGUMENT, "'outpad'");
    EXPECT_FAIL(zil_outpad_stats(out, NULL), ZIL_NULL_ARGUMENT, "'stats'");
    CHECK_OK(zil_outpad_stats(out, &st));
    CHECK(st.counters.messages_sent == 0); /* nothing of that was sent */

    /* inpad calls */
    EXPECT_FAIL(zil_inpad_recv(NULL, &msg, 0), ZIL_NULL_ARGUMENT, "'inpad'");
    EXPECT_FAIL(zil_inpad_recv(in, NULL, 0), ZIL_NULL_ARGUMENT, "'msg'");
    EXPECT_FAIL(zil_inpad_recv(in, &msg, -2), ZIL_INVALID_ARGUMENT, "-2");
    EXPECT_FAIL(zil_inpad_recv(in, &msg, INT32_MIN), ZIL_INVALID_ARGUMENT, "timeout");
    CHECK(msg == marker);
    EXPECT_FAIL(zil_inpad_link_outpad(NULL, out), ZIL_NULL_ARGUMENT, "'inpad'");
    EXPECT_FAIL(zil_inpad_link_outpad(NULL, NULL), ZIL_NULL_ARGUMENT, "'inpad'");
    EXPECT_FAIL(zil_inpad_set_cache_ttl(NULL, 0), ZIL_NULL_ARGUMENT, "'inpad'");
    CHECK_OK(zil_inpad_set_cache_ttl(in, INT32_MAX));
    EXPECT_FAIL(zil_inpad_set_cache_ttl(in, -1), ZIL_INVALID_ARGUMENT, "cache TTL -1 ms");
    EXPECT_FAIL(zil_inpad_wake(NULL), ZIL_NULL_ARGUMENT, "'inpad'");
    EXPECT_FAIL(zil_inpad_fd(NULL, &fd), ZIL_NULL_ARGUMENT, "'inpad'");
    EXPECT_FAIL(zil_inpad_fd(in, NULL), ZIL_NULL_ARGUMENT, "'fd'");
    CHECK(fd == -7);
    EXPECT_NULL(zil_inpad_endpoint(NULL), "'inpad'");
    EXPECT_FAIL(zil_inpad_stats(NULL, &is), ZIL_NULL_ARGUMENT, "'inpad'");
    EXPECT_FAIL(zil_inpad_stats(in, NULL), ZIL_NULL_ARGUMENT, "'stats'");
    EXPECT_NULL(zil_msg_session_id(NULL), "'msg'");

    /* with no subscriber: ZIL_TIMEOUT and the count (0 checks once) */
    zil_inpad_free(in);
    n = 77;
    EXPECT_FAIL(zil_outpad_wait_subscribers(out, 2, 0, &n), ZIL_TIMEOUT, "of 2 subscribers");
    CHECK(n <= 1);

    zil_inpad_free(NULL);
    zil_outpad_free(NULL);
    zil_outpad_free(out);
    printf("bad arguments: OK\n");
}

int main(void)
{
    authz a;
    test_watchdog(60);
    envelope_on_the_wire(); /* first: the process-wide bus is still empty */
    authz_start(&a, TEST_TCP_ANY);
    bad_arguments(&a);
    verified_flow(&a);
    cache_ttl(&a);
    linked_pipeline(&a);
    link_free_inpad_first(&a);
    malformed_envelopes(&a);
    wake(&a);
    rpc_server_down();
    authz_stop(&a);
    return 0;
}
