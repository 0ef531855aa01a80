/* NULL-and-garbage sweep of EVERY function declared in zil.h.
 *
 * Each function is called with NULL for each pointer argument (one at a
 * time, the others valid), zero and huge lengths (SIZE_MAX with a non-NULL
 * pointer is refused, never read), non-UTF-8 strings, bad endpoints and
 * out-of-range ints and enums. A refused call returns an error code (or
 * NULL / 0) and sets a non-empty zil_last_error() of its own (the previous
 * one is poisoned first). Arguments documented as optional (the *_free
 * functions, zil_string_free, zil_set_log_callback(NULL), `event`, `opts`,
 * `subscribers`, zil_inpad_link_outpad(inpad, NULL),
 * zil_outpad_set_session_id(pad, NULL), params_json NULL,
 * zil_rpc_reply_set_string(reply, NULL), free_fn NULL) are checked to
 * succeed or be a no-op instead.
 *
 * The ctest `c_api_coverage` fails when a function declared in
 * zil.h is not called in this file: a new function must be added here.
 */
#include "check.h"

/* A refused call: not ZIL_OK, and an error text of its own. */
static void sweep_check_error(const char *file, int line, const char *what)
{
    const char *e = zil_last_error();
    if (e == NULL || e[0] == '\0' || strstr(e, "sndhwm -7") != NULL)
        check_fail(file, line, what, "no error text of its own");
}

#define REFUSED(expr)                                                                              \
    do {                                                                                           \
        int sweep_r_;                                                                              \
        poison_last_error();                                                                       \
        sweep_r_ = (int)(expr);                                                                    \
        CHECKF(sweep_r_ != ZIL_OK && zil_result_str(sweep_r_) != NULL &&                           \
                   strcmp(zil_result_name(sweep_r_), "ZIL_UNKNOWN") != 0,                           \
               "%s returned %d", #expr, sweep_r_);                                                 \
        sweep_check_error(__FILE__, __LINE__, #expr);                                              \
        refused++;                                                                                 \
    } while (0)

#define REFUSED_NULL(expr)                                                                         \
    do {                                                                                           \
        poison_last_error();                                                                       \
        CHECK((expr) == NULL);                                                                     \
        sweep_check_error(__FILE__, __LINE__, #expr);                                              \
        refused++;                                                                                 \
    } while (0)

static unsigned refused;

static const uint8_t data[4] = {1, 2, 3, 4};

/* ------------------------------------------------------------- misc */
static void misc(void)
{
    poison_last_error();
    CHECK(zil_last_error() != NULL && zil_last_error()[0] != '\0');
    CHECK(zil_version() != NULL && zil_version()[0] != '\0');
    CHECK_STR_EQ(zil_result_name(ZIL_OK), "ZIL_OK");
    CHECK_STR_EQ(zil_result_name(-1), "ZIL_UNKNOWN");
    CHECK_STR_EQ(zil_result_name(12), "ZIL_UNKNOWN");
    CHECK_STR_EQ(zil_result_name(INT32_MAX), "ZIL_UNKNOWN");
    CHECK_STR_EQ(zil_result_name(INT32_MIN), "ZIL_UNKNOWN");
    CHECK_STR_EQ(zil_result_str(ZIL_OK), "success");
    CHECK_STR_EQ(zil_result_str(INT32_MIN), "not a zil result code");

    REFUSED(zil_set_log_level(-1));
    REFUSED(zil_set_log_level(6));
    REFUSED(zil_set_log_level(INT32_MAX));
    REFUSED(zil_set_log_callback(NULL, NULL, NULL, -1));
    REFUSED(zil_set_log_callback(NULL, NULL, NULL, 99));
    CHECK_OK(zil_set_log_callback(NULL, NULL, NULL, ZIL_LOG_WARN)); /* NULL: back to stderr */
    CHECK_OK(zil_set_log_level(ZIL_LOG_WARN));

    REFUSED(zil_shutdown(-2));
    REFUSED(zil_shutdown(INT32_MIN));

    zil_string_free(NULL); /* no-op */
    printf("misc: OK\n");
}

/* ---------------------------------------------------------- options */
static void options(void)
{
    zil_options_t *o = zil_options_new();
    int a = 0;
    CHECK(o != NULL);
    REFUSED(zil_options_set_sndhwm(NULL, 1));
    REFUSED(zil_options_set_sndhwm(o, -1));
    REFUSED(zil_options_set_sndhwm(o, INT32_MIN));
    REFUSED(zil_options_set_rcvhwm(NULL, 1));
    REFUSED(zil_options_set_rcvhwm(o, -1));
    REFUSED(zil_options_set_linger(NULL, 1));
    REFUSED(zil_options_set_linger(o, -2));
    REFUSED(zil_options_set_attach(NULL, ZIL_ATTACH_BIND));
    REFUSED(zil_options_set_attach(o, 3));
    REFUSED(zil_options_set_attach(o, -1));
    REFUSED(zil_options_set_attach(o, INT32_MAX));
    REFUSED(zil_options_set_prefix_match(NULL, true));
    REFUSED(zil_options_set_lossless(NULL, true, 10));
    REFUSED(zil_options_set_lossless(o, true, -2));
    REFUSED(zil_options_set_lossless(o, true, INT32_MIN));
    REFUSED(zil_options_set_rpc_timeout(NULL, 10));
    REFUSED(zil_options_set_rpc_timeout(o, -2));
    REFUSED(zil_options_get(NULL, &a, &a, &a));
    REFUSED(zil_options_set_max_msg_size(NULL, 1));
    REFUSED(zil_options_set_max_msg_size(o, -2));
    REFUSED(zil_options_set_max_msg_size(o, INT64_MIN));
    CHECK_OK(zil_options_set_max_msg_size(o, -1));
    /* any out-argument may be NULL */
    CHECK_OK(zil_options_get(o, NULL, NULL, NULL));
    CHECK_OK(zil_options_set_lossless(o, false, -1));
    CHECK_OK(zil_options_set_rpc_timeout(o, -1));
    REFUSED(zil_options_set_max_session_id_len(NULL, 64));
    REFUSED(zil_options_set_max_session_id_len(o, 0));
    CHECK_OK(zil_options_set_max_session_id_len(o, 64));
    REFUSED(zil_options_set_tcp_keepalive(NULL, 10, 2, 5));
    REFUSED(zil_options_set_tcp_keepalive(o, -1, 2, 5));
    REFUSED(zil_options_set_tcp_keepalive(o, 32768, 2, 5));
    REFUSED(zil_options_set_tcp_keepalive(o, 10, 0, 5));
    REFUSED(zil_options_set_tcp_keepalive(o, 10, 2, 0));
    REFUSED(zil_options_set_tcp_keepalive(o, 10, 2, 128));
    REFUSED(zil_options_set_tcp_keepalive(o, INT32_MIN, INT32_MIN, INT32_MIN));
    CHECK_OK(zil_options_set_tcp_keepalive(o, 0, -7, 1000)); /* off: the rest ignored */
    REFUSED(zil_options_get_tcp_keepalive(NULL, &a, &a, &a));
    CHECK_OK(zil_options_get_tcp_keepalive(o, NULL, NULL, NULL));
    zil_options_free(o);
    zil_options_free(NULL);
    printf("options: OK\n");
}

/* ------------------------------------------------------------ curve */
static void curve(void)
{
    static const char *const bad[] = {"", "short", NOT_UTF8, BROKEN_UTF8,
                                      "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hI ",
                                      "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hIDX"};
    static const char good[] = "Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID";
    zil_options_t *o = zil_options_new();
    char k1[ZIL_CURVE_KEY_SIZE], k2[ZIL_CURVE_KEY_SIZE];
    size_t i;
    (void)zil_curve_supported();
    REFUSED(zil_curve_keypair(NULL, k2));
    REFUSED(zil_curve_keypair(k1, NULL));
    REFUSED(zil_curve_public_key(NULL, k1));
    REFUSED(zil_curve_public_key(good, NULL));
    REFUSED(zil_options_set_curve_server(NULL, good));
    REFUSED(zil_options_set_curve_server(o, NULL));
    REFUSED(zil_options_allow_curve_client(NULL, good));
    REFUSED(zil_options_allow_curve_client(o, NULL));
    REFUSED(zil_options_set_curve_client(NULL, good, NULL, NULL));
    REFUSED(zil_options_set_curve_client(o, NULL, NULL, NULL));
    REFUSED(zil_options_set_curve_client(o, good, good, NULL));
    REFUSED(zil_options_set_curve_client(o, good, NULL, good));
    REFUSED(zil_options_set_curve_rpc_server_key(NULL, good));
    REFUSED(zil_options_set_curve_rpc_server_key(o, NULL));
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        REFUSED(zil_curve_public_key(bad[i], k1));
        REFUSED(zil_options_set_curve_server(o, bad[i]));
        REFUSED(zil_options_allow_curve_client(o, bad[i]));
        REFUSED(zil_options_set_curve_client(o, bad[i], NULL, NULL));
        REFUSED(zil_options_set_curve_client(o, good, bad[i], good));
        REFUSED(zil_options_set_curve_client(o, good, good, bad[i]));
        REFUSED(zil_options_set_curve_rpc_server_key(o, bad[i]));
    }
    zil_options_free(o);
    printf("curve: OK\n");
}

/* ------------------------------------------------------ ports, msgs */
static void ports(void)
{
    static const char *const bad[] = {"", "tcp://nope", "bogus://x", "tcp://", "inproc://",
                                      NOT_UTF8, BROKEN_UTF8};
    zil_options_t *bind = zil_options_new();
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    zil_stats_t st = {.size = sizeof st};
    zil_peer_event_t ev;
    zil_monitor_t *mon;
    size_t n = 0, i;
    int32_t fd = -1;
    uint8_t *zc;

    CHECK_OK(zil_options_set_attach(bind, ZIL_ATTACH_BIND));
    REFUSED_NULL(zil_outport_new(NULL, "t"));
    REFUSED_NULL(zil_outport_new(TEST_TCP_ANY, NULL));
    REFUSED_NULL(zil_outport_new(TEST_TCP_ANY, NOT_UTF8));
    REFUSED_NULL(zil_outport_new_with_options(NULL, "t", NULL));
    REFUSED_NULL(zil_outport_new_with_options(TEST_TCP_ANY, NULL, NULL));
    REFUSED_NULL(zil_inport_new(NULL, "t"));
    REFUSED_NULL(zil_inport_new("tcp://127.0.0.1:1", NULL));
    REFUSED_NULL(zil_inport_new("tcp://127.0.0.1:1", BROKEN_UTF8));
    REFUSED_NULL(zil_inport_new_with_options(NULL, "t", NULL));
    REFUSED_NULL(zil_inport_new_with_options("tcp://127.0.0.1:1", NULL, bind));
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        REFUSED_NULL(zil_outport_new(bad[i], "t"));
        REFUSED_NULL(zil_outport_new_with_options(bad[i], "t", NULL));
        REFUSED_NULL(zil_inport_new(bad[i], "t"));
        REFUSED_NULL(zil_inport_new_with_options(bad[i], "t", bind));
    }

    /* opts NULL: defaults */
    test_pair(TEST_INPROC, "sweep", "t", NULL, NULL, &out, &in);

    REFUSED(zil_outport_push(NULL, data, 1, NULL));
    REFUSED(zil_outport_set_interrupted(NULL, true));
    CHECK_OK(zil_outport_set_interrupted(out, false)); /* no effect: not lossless */
    REFUSED(zil_outport_push(out, NULL, 1, NULL));
    REFUSED(zil_outport_push(out, data, SIZE_MAX, NULL));
    REFUSED(zil_outport_push(out, data, SIZE_MAX / 2 + 1, NULL));
    REFUSED(zil_outport_push(out, data, 1, NOT_UTF8));
    REFUSED(zil_outport_push_zero_copy(NULL, (uint8_t *)data, 1, NULL, NULL, NULL));
    REFUSED(zil_outport_push_zero_copy(out, NULL, 1, NULL, NULL, NULL));
    REFUSED(zil_outport_push_zero_copy(out, (uint8_t *)data, SIZE_MAX, NULL, NULL, NULL));
    REFUSED(zil_outport_push_zero_copy(out, (uint8_t *)data, 1, BROKEN_UTF8, NULL, NULL));
    REFUSED(zil_outport_wait_subscribers(NULL, 1, 0, &n));
    REFUSED(zil_outport_wait_subscribers(out, 1, -2, &n));
    REFUSED_NULL(zil_outport_endpoint(NULL));
    REFUSED(zil_outport_stats(NULL, &st));
    REFUSED(zil_outport_stats(out, NULL));
    REFUSED_NULL(zil_outport_monitor(NULL));

    REFUSED(zil_inport_recv(NULL, &msg, 0));
    REFUSED(zil_inport_recv(in, NULL, 0));
    REFUSED(zil_inport_recv(in, &msg, -2));
    REFUSED(zil_inport_recv_into(NULL, msg, 0));
    REFUSED(zil_inport_recv_into(in, NULL, 0));
    REFUSED(zil_inport_wake(NULL));
    REFUSED(zil_inport_fd(NULL, &fd));
    REFUSED(zil_inport_fd(in, NULL));
    REFUSED_NULL(zil_inport_endpoint(NULL));
    REFUSED(zil_inport_stats(NULL, &st));
    REFUSED(zil_inport_stats(in, NULL));
    REFUSED_NULL(zil_inport_monitor(NULL));

    /* the optional arguments: event NULL, subscribers NULL, free_fn NULL,
     * zero length with NULL data */
    CHECK_OK(zil_outport_wait_subscribers(out, 1, 0, NULL));
    CHECK_OK(zil_outport_push(out, NULL, 0, NULL));
    CHECK_OK(zil_outport_push(out, data, 0, NULL));
    CHECK_OK(zil_outport_push_zero_copy(out, (uint8_t *)data, sizeof data, NULL, NULL, NULL));
    zc = (uint8_t *)test_malloc(8);
    CHECK_OK(zil_outport_push_zero_copy(out, zc, 8, "e", NULL, NULL));
    for (i = 0; i < 4; i++) {
        CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
        zil_msg_free(msg);
        msg = NULL;
    }
    free(zc); /* free_fn NULL: ours again once sent and received */

    /* msg accessors */
    REFUSED_NULL(zil_msg_data(NULL));
    poison_last_error();
    CHECK(zil_msg_size(NULL) == 0);
    sweep_check_error(__FILE__, __LINE__, "zil_msg_size(NULL)");
    REFUSED_NULL(zil_msg_event(NULL));
    REFUSED_NULL(zil_msg_topic(NULL));
    REFUSED_NULL(zil_msg_session_id(NULL));
    msg = zil_msg_new();
    CHECK(msg != NULL);
    CHECK_RESULT(zil_inport_recv_into(in, msg, 0), ZIL_TIMEOUT);
    CHECK(zil_msg_size(msg) == 0);
    zil_msg_free(msg);
    zil_msg_free(NULL);

    /* monitors */
    mon = zil_outport_monitor(out);
    CHECK(mon != NULL);
    REFUSED(zil_monitor_next(NULL, &ev, 0));
    REFUSED(zil_monitor_next(mon, &ev, -2));
    CHECK(zil_monitor_next(mon, NULL, 0) != ZIL_PANIC); /* event may be NULL (skip) */
    zil_monitor_free(mon);
    zil_monitor_free(NULL);

    CHECK_OK(zil_inport_fd(in, &fd));
    CHECK(fd >= 0);
    zil_inport_free(in);
    zil_outport_free(out);
    zil_inport_free(NULL);
    zil_outport_free(NULL);
    zil_options_free(bind);
    printf("ports, messages, monitors: OK\n");
}

/* ------------------------------------------------------------- rpc */
struct reply_findings {
    int bad; /* number of failed checks */
    char why[512];
};
static struct reply_findings findings;

#define IN_HANDLER(expr, want)                                                                     \
    do {                                                                                           \
        int r_;                                                                                    \
        poison_last_error();                                                                       \
        r_ = (int)(expr);                                                                          \
        if (r_ != (int)(want) ||                                                                   \
            ((want) != ZIL_OK && (zil_last_error()[0] == '\0' ||                                   \
                                  strstr(zil_last_error(), "sndhwm -7") != NULL))) {               \
            findings.bad++;                                                                        \
            snprintf(findings.why, sizeof findings.why, "%s returned %d, error \"%s\"", #expr,    \
                     r_, zil_last_error());                                                        \
        }                                                                                          \
    } while (0)

static void garbage_handler(void *user_data, const char *method, const char *params_json,
                            const char *params_string, zil_rpc_reply_t *reply)
{
    (void)user_data;
    (void)method;
    (void)params_json;
    (void)params_string;
    IN_HANDLER(zil_rpc_reply_set_result(reply, NULL), ZIL_NULL_ARGUMENT);
    IN_HANDLER(zil_rpc_reply_set_result(reply, "{not json"), ZIL_INVALID_ARGUMENT);
    IN_HANDLER(zil_rpc_reply_set_result(reply, NOT_UTF8), ZIL_INVALID_ARGUMENT);
    IN_HANDLER(zil_rpc_reply_set_string(reply, BROKEN_UTF8), ZIL_INVALID_ARGUMENT);
    IN_HANDLER(zil_rpc_reply_set_error(reply, 1, NOT_UTF8), ZIL_INVALID_ARGUMENT);
    IN_HANDLER(zil_rpc_reply_set_error(reply, INT64_MIN, NULL), ZIL_OK); /* NULL: "error" */
    IN_HANDLER(zil_rpc_reply_set_string(reply, NULL), ZIL_OK);          /* NULL: null */
}

static void rpc(void)
{
    zil_rpc_server_t *srv;
    zil_rpc_client_t *cli;
    zil_rpc_server_stats_t stats = {.size = sizeof stats};
    char *res = NULL;
    char ep[512];
    bool b = false;
    size_t i;

    REFUSED(zil_rpc_reply_set_result(NULL, "true"));
    REFUSED(zil_rpc_reply_set_string(NULL, "x"));
    REFUSED(zil_rpc_reply_set_bool(NULL, true));
    REFUSED(zil_rpc_reply_set_error(NULL, 1, "x"));

    REFUSED_NULL(zil_rpc_server_new(NULL));
    REFUSED_NULL(zil_rpc_server_new(NOT_UTF8));
    REFUSED_NULL(zil_rpc_server_new(""));
    REFUSED_NULL(zil_rpc_server_new("bogus://x"));
    REFUSED_NULL(zil_rpc_client_new(NULL, 100));
    REFUSED_NULL(zil_rpc_client_new(BROKEN_UTF8, 100));
    REFUSED_NULL(zil_rpc_client_new("", 100));
    REFUSED_NULL(zil_rpc_client_new("tcp://nope", 100));
    REFUSED_NULL(zil_rpc_client_new("tcp://127.0.0.1:1", -2));
    REFUSED_NULL(zil_rpc_server_new_with_options(NULL, NULL));
    REFUSED_NULL(zil_rpc_server_new_with_options(NOT_UTF8, NULL));
    REFUSED_NULL(zil_rpc_server_new_with_options("bogus://x", NULL));
    REFUSED_NULL(zil_rpc_client_new_with_options(NULL, 100, NULL));
    REFUSED_NULL(zil_rpc_client_new_with_options("tcp://nope", 100, NULL));
    REFUSED_NULL(zil_rpc_client_new_with_options("tcp://127.0.0.1:1", -2, NULL));

    srv = zil_rpc_server_new(TEST_TCP_ANY);
    CHECK(srv != NULL);
    REFUSED(zil_rpc_server_set_handler(NULL, "m", test_handler_yes, NULL, NULL));
    REFUSED(zil_rpc_server_set_handler(srv, NULL, test_handler_yes, NULL, NULL));
    REFUSED(zil_rpc_server_set_handler(srv, NOT_UTF8, test_handler_yes, NULL, NULL));
    CHECK_OK(zil_rpc_server_set_handler(srv, "nothing", NULL, NULL, NULL)); /* removes */
    CHECK_OK(zil_rpc_server_set_handler(srv, "garbage", garbage_handler, NULL, NULL));
    CHECK_OK(zil_rpc_server_set_handler(srv, "yes", test_handler_yes, NULL, NULL));
    CHECK_OK(zil_rpc_server_set_handler(srv, "verify", test_handler_yes, NULL, NULL));
    REFUSED(zil_rpc_server_stats(NULL, &stats));
    REFUSED(zil_rpc_server_stats(srv, NULL));
    REFUSED(zil_rpc_server_run(NULL));
    REFUSED(zil_rpc_server_start(NULL));
    REFUSED(zil_rpc_server_stop(NULL, 0));
    REFUSED(zil_rpc_server_stop(srv, -2));
    REFUSED_NULL(zil_rpc_server_endpoint(NULL));
    snprintf(ep, sizeof ep, "%s", zil_rpc_server_endpoint(srv));
    CHECK_OK(zil_rpc_server_start(srv));
    /* running already: run and start are refused */
    REFUSED(zil_rpc_server_start(srv));
    REFUSED(zil_rpc_server_run(srv));

    cli = zil_rpc_client_new(ep, long_wait_ms());
    CHECK(cli != NULL);
    REFUSED(zil_rpc_client_call(NULL, "yes", "1", &res));
    REFUSED(zil_rpc_client_call(cli, NULL, "1", &res));
    REFUSED(zil_rpc_client_call(cli, NOT_UTF8, "1", &res));
    REFUSED(zil_rpc_client_call(cli, "yes", "{bad", &res));
    REFUSED(zil_rpc_client_call(cli, "yes", BROKEN_UTF8, &res));
    REFUSED(zil_rpc_client_call(cli, "yes", "1", NULL));
    CHECK(res == NULL);
    REFUSED(zil_rpc_client_verify(NULL, "s", &b));
    REFUSED(zil_rpc_client_verify(cli, NULL, &b));
    REFUSED(zil_rpc_client_verify(cli, NOT_UTF8, &b));
    REFUSED(zil_rpc_client_verify(cli, "s", NULL));
    REFUSED(zil_rpc_client_get_token(NULL, &res));
    REFUSED(zil_rpc_client_get_token(cli, NULL));
    REFUSED(zil_rpc_client_logout(NULL, "t", &b));
    REFUSED(zil_rpc_client_logout(cli, NULL, &b));
    REFUSED(zil_rpc_client_logout(cli, BROKEN_UTF8, &b));
    REFUSED(zil_rpc_client_logout(cli, "t", NULL));
    /* unknown method: a remote error */
    REFUSED(zil_rpc_client_call(cli, "nothing", NULL, &res));
    CHECK(res == NULL);
    /* params_json NULL sends null */
    CHECK_OK(zil_rpc_client_call(cli, "yes", NULL, &res));
    CHECK_STR_EQ(res, "true");
    zil_string_free(res);
    res = NULL;
    /* the handler's own checks: reply with garbage, then a valid answer */
    (void)zil_rpc_client_call(cli, "garbage", NULL, &res);
    zil_string_free(res);
    res = NULL;
    CHECKF(findings.bad == 0, "in the handler: %s", findings.why);
    /* the server survived all that */
    for (i = 0; i < 3; i++) {
        CHECK_OK(zil_rpc_client_verify(cli, "s", &b));
        CHECK(b);
    }
    CHECK_OK(zil_rpc_server_stop(srv, long_wait_ms()));
    REFUSED(zil_rpc_server_run(srv)); /* stopped */
    zil_rpc_client_free(cli);
    zil_rpc_client_free(NULL);
    zil_rpc_server_free(srv);
    zil_rpc_server_free(NULL);
    printf("rpc: OK\n");
}

/* ------------------------------------------------------------- pads */
static void pads(void)
{
    zil_outpad_t *op;
    zil_inpad_t *ip;
    zil_rpc_server_t *srv = zil_rpc_server_new(TEST_TCP_ANY);
    zil_msg_t *msg = NULL;
    zil_stats_t st = {.size = sizeof st};
    zil_inpad_stats_t ist = {.size = sizeof ist};
    zil_options_t *o = zil_options_new();
    char rpc_ep[512];
    size_t n = 0;
    int32_t fd = -1;

    CHECK(srv != NULL);
    CHECK_OK(zil_rpc_server_set_handler(srv, "verify", test_handler_yes, NULL, NULL));
    CHECK_OK(zil_rpc_server_start(srv));
    snprintf(rpc_ep, sizeof rpc_ep, "%s", zil_rpc_server_endpoint(srv));

    REFUSED_NULL(zil_outpad_new(NULL, "t"));
    REFUSED_NULL(zil_outpad_new(TEST_TCP_ANY, NULL));
    REFUSED_NULL(zil_outpad_new(NOT_UTF8, "t"));
    REFUSED_NULL(zil_outpad_new("bogus://x", "t"));
    REFUSED_NULL(zil_outpad_new_with_options(NULL, "t", o));
    REFUSED_NULL(zil_outpad_new_with_options(TEST_TCP_ANY, BROKEN_UTF8, o));
    REFUSED_NULL(zil_inpad_new(NULL, "t", rpc_ep));
    REFUSED_NULL(zil_inpad_new("tcp://127.0.0.1:1", NULL, rpc_ep));
    REFUSED_NULL(zil_inpad_new("tcp://127.0.0.1:1", "t", NULL));
    REFUSED_NULL(zil_inpad_new("tcp://127.0.0.1:1", "t", NOT_UTF8));
    REFUSED_NULL(zil_inpad_new("tcp://127.0.0.1:1", "t", "bogus://x"));
    REFUSED_NULL(zil_inpad_new("", "t", rpc_ep));
    REFUSED_NULL(zil_inpad_new_with_options(NULL, "t", rpc_ep, o));
    REFUSED_NULL(zil_inpad_new_with_options("tcp://127.0.0.1:1", "t", NULL, o));
    REFUSED_NULL(zil_inpad_new_with_options("tcp://127.0.0.1:1", NOT_UTF8, rpc_ep, NULL));

    op = zil_outpad_new_with_options(TEST_TCP_ANY, "t", NULL); /* opts NULL */
    CHECK(op != NULL);
    ip = zil_inpad_new_with_options(zil_outpad_endpoint(op), "t", rpc_ep, NULL);
    CHECK(ip != NULL);

    REFUSED(zil_outpad_set_session_id(NULL, "s"));
    REFUSED(zil_outpad_set_session_id(op, NOT_UTF8));
    CHECK_OK(zil_outpad_set_session_id(op, NULL)); /* NULL: no session of its own */
    REFUSED(zil_outpad_push(NULL, data, 1, NULL));
    REFUSED(zil_outpad_push(op, NULL, 1, NULL));
    REFUSED(zil_outpad_push(op, data, SIZE_MAX, NULL));
    REFUSED(zil_outpad_push(op, data, 1, BROKEN_UTF8));
    REFUSED(zil_outpad_wait_subscribers(NULL, 1, 0, &n));
    REFUSED(zil_outpad_set_interrupted(NULL, true));
    CHECK_OK(zil_outpad_set_interrupted(op, false));
    REFUSED(zil_outpad_wait_subscribers(op, 1, -2, &n));
    REFUSED_NULL(zil_outpad_endpoint(NULL));
    REFUSED(zil_outpad_stats(NULL, &st));
    REFUSED(zil_outpad_stats(op, NULL));
    REFUSED_NULL(zil_outpad_monitor(NULL));

    REFUSED(zil_inpad_recv(NULL, &msg, 0));
    REFUSED(zil_inpad_recv(ip, NULL, 0));
    REFUSED(zil_inpad_recv(ip, &msg, -2));
    REFUSED(zil_inpad_recv_into(NULL, msg, 0));
    REFUSED(zil_inpad_recv_into(ip, NULL, 0));
    REFUSED(zil_inpad_link_outpad(NULL, op));
    CHECK_OK(zil_inpad_link_outpad(ip, op));
    CHECK_OK(zil_inpad_link_outpad(ip, NULL)); /* back to the bus */
    REFUSED(zil_inpad_set_cache_ttl(NULL, 0));
    CHECK_OK(zil_inpad_set_cache_ttl(ip, 0));
    CHECK_OK(zil_inpad_set_cache_ttl(ip, INT32_MAX));
    REFUSED(zil_inpad_set_cache_ttl(ip, -1));
    REFUSED(zil_inpad_wake(NULL));
    REFUSED(zil_inpad_fd(NULL, &fd));
    REFUSED(zil_inpad_fd(ip, NULL));
    REFUSED_NULL(zil_inpad_endpoint(NULL));
    REFUSED(zil_inpad_stats(NULL, &ist));
    REFUSED(zil_inpad_stats(ip, NULL));
    REFUSED_NULL(zil_inpad_monitor(NULL));

    /* valid: a message with a session flows, event NULL */
    CHECK_OK(zil_outpad_wait_subscribers(op, 1, long_wait_ms(), NULL));
    CHECK_OK(zil_outpad_set_session_id(op, "sess"));
    CHECK_OK(zil_outpad_push(op, data, sizeof data, NULL));
    CHECK_OK(zil_inpad_recv(ip, &msg, long_wait_ms()));
    CHECK_STR_EQ(zil_msg_session_id(msg), "sess");
    zil_msg_free(msg);
    CHECK_OK(zil_inpad_wake(ip));
    CHECK_OK(zil_inpad_fd(ip, &fd));
    CHECK_OK(zil_inpad_stats(ip, &ist));
    CHECK_OK(zil_outpad_stats(op, &st));
    zil_monitor_free(zil_inpad_monitor(ip));
    zil_monitor_free(zil_outpad_monitor(op));
    zil_monitor_free(zil_inport_monitor(NULL));

    zil_inpad_free(ip);
    zil_outpad_free(op);
    zil_inpad_free(NULL);
    zil_outpad_free(NULL);
    zil_options_free(o);
    zil_rpc_server_free(srv);
    printf("pads: OK\n");
}

int main(void)
{
    test_watchdog(60);
    misc();
    options();
    curve();
    ports();
    rpc();
    pads();
    CHECK_OK(zil_shutdown(long_wait_ms()));
    printf("null sweep: %u refused calls checked\n", refused);
    return 0;
}
