/* zil's RPC mode from C: a zil_rpc_server_t with C handlers answering a
 * zil_rpc_client_t, in one process.
 *
 * - round trips of verify / get_token / logout and of any method with JSON
 *   params: what the handler sees (method, params_json, params_string) and
 *   what the client gets back, byte for byte;
 * - errors: a handler's error (ZIL_REMOTE_ERROR, message and code in the
 *   text), a handler answering invalid JSON (-32603), an unknown or removed
 *   method (-32601 "Command Not Supported"), answers of the wrong type
 *   (ZIL_PROTOCOL_ERROR);
 * - handlers' release functions: exactly once, on replace, removal and
 *   free, never during a call, never when set_handler fails;
 * - running: zil_rpc_server_run on a thread stopped from another thread,
 *   stop and free from inside a handler, start twice, stop timing out while
 *   a handler runs;
 * - a client whose server is down times out within its timeout + 20 % and
 *   works as soon as a server is bound to that address;
 * - every NULL, non-UTF-8, invalid-JSON and out-of-range argument.
 */
#include "check.h"

#include <stdatomic.h>

#define SESSION "4a501b51317e2c8f4a0fd7831d3e09dc"

/* ------------------------------------------------------------ handlers */

/* What a handler saw in its last call, and how its reply calls went. */
typedef struct recorder {
    pthread_mutex_t lock;
    int calls;
    char method[128];
    bool params_json_null;
    char params_json[512];
    bool params_string_null;
    char params_string[512];
    /* for handlers that test the zil_rpc_reply_* calls themselves */
    int reply_rc;
    char reply_error[512];
    /* what to answer (handler-specific) */
    const char *answer;
    /* handlers that act on their server */
    const zil_rpc_server_t *server;
    zil_rpc_server_t *server_to_free;
    int stop_rc;
    double stop_ms;
    int sleep_ms;
    atomic_int *release_count_seen;
    int release_count_in_call;
} recorder;

static void recorder_init(recorder *r)
{
    memset(r, 0, sizeof *r);
    CHECK(pthread_mutex_init(&r->lock, NULL) == 0);
    r->reply_rc = -1;
    r->stop_rc = -1;
    r->release_count_in_call = -1;
}

static void record(recorder *r, const char *method, const char *params_json,
                   const char *params_string)
{
    pthread_mutex_lock(&r->lock);
    r->calls++;
    snprintf(r->method, sizeof r->method, "%s", method != NULL ? method : "(NULL)");
    r->params_json_null = params_json == NULL;
    snprintf(r->params_json, sizeof r->params_json, "%s", params_json ? params_json : "");
    r->params_string_null = params_string == NULL;
    snprintf(r->params_string, sizeof r->params_string, "%s", params_string ? params_string : "");
    pthread_mutex_unlock(&r->lock);
}

static int recorded_calls(recorder *r)
{
    int n;
    pthread_mutex_lock(&r->lock);
    n = r->calls;
    pthread_mutex_unlock(&r->lock);
    return n;
}

/* Answers its params back (null when none). */
static void h_echo(void *user_data, const char *method, const char *params_json,
                   const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    r->reply_rc = zil_rpc_reply_set_result(reply, params_json != NULL ? params_json : "null");
}

/* verify(session): true only for SESSION. */
static void h_verify(void *user_data, const char *method, const char *params_json,
                     const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    r->reply_rc =
        zil_rpc_reply_set_bool(reply, params_string != NULL && strcmp(params_string, SESSION) == 0);
}

/* Answers r->answer as a JSON string (null when NULL). */
static void h_string(void *user_data, const char *method, const char *params_json,
                     const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    r->reply_rc = zil_rpc_reply_set_string(reply, r->answer);
}

/* Answers r->answer as JSON text, recording the result code and error. */
static void h_json(void *user_data, const char *method, const char *params_json,
                   const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    poison_last_error();
    r->reply_rc = zil_rpc_reply_set_result(reply, r->answer);
    snprintf(r->reply_error, sizeof r->reply_error, "%s", zil_last_error());
}

/* Answers true. */
static void h_true(void *user_data, const char *method, const char *params_json,
                   const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    r->reply_rc = zil_rpc_reply_set_bool(reply, true);
}

/* Refuses with an application error (message r->answer, may be NULL). */
static void h_error(void *user_data, const char *method, const char *params_json,
                    const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    r->reply_rc = zil_rpc_reply_set_error(reply, 4001, r->answer);
}

/* Does not answer: the result is null. */
static void h_silent(void *user_data, const char *method, const char *params_json,
                     const char *params_string, zil_rpc_reply_t *reply)
{
    (void)reply;
    record((recorder *)user_data, method, params_json, params_string);
}

/* Sets a result, then fails to set a non-UTF-8 string: what does the
 * client get? The earlier, valid answer. */
static void h_bad_string(void *user_data, const char *method, const char *params_json,
                         const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    CHECK_OK(zil_rpc_reply_set_result(reply, "\"kept\""));
    poison_last_error();
    r->reply_rc = zil_rpc_reply_set_string(reply, NOT_UTF8);
    snprintf(r->reply_error, sizeof r->reply_error, "%s", zil_last_error());
}

/* Like h_bad_string for zil_rpc_reply_set_error's message. */
static void h_bad_error_message(void *user_data, const char *method, const char *params_json,
                                const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    CHECK_OK(zil_rpc_reply_set_bool(reply, false));
    poison_last_error();
    r->reply_rc = zil_rpc_reply_set_error(reply, 1, BROKEN_UTF8);
    snprintf(r->reply_error, sizeof r->reply_error, "%s", zil_last_error());
}

/* add([a, b]) -> a + b (params as the compact JSON zil hands over). */
static void h_add(void *user_data, const char *method, const char *params_json,
                  const char *params_string, zil_rpc_reply_t *reply)
{
    char out[64];
    int a, b;
    record((recorder *)user_data, method, params_json, params_string);
    if (params_json == NULL || sscanf(params_json, "[%d,%d]", &a, &b) != 2) {
        zil_rpc_reply_set_error(reply, ZIL_RPC_INVALID_PARAMS, "add expects [a,b]");
        return;
    }
    snprintf(out, sizeof out, "%d", a + b);
    zil_rpc_reply_set_result(reply, out);
}

/* Sleeps r->sleep_ms, then answers true. */
static void h_slow(void *user_data, const char *method, const char *params_json,
                   const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    sleep_ms(r->sleep_ms);
    zil_rpc_reply_set_bool(reply, true);
}

/* Stops its own server (r->server) and answers true. */
static void h_stop(void *user_data, const char *method, const char *params_json,
                   const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    double t0 = now_ms();
    record(r, method, params_json, params_string);
    r->stop_rc = zil_rpc_server_stop(r->server, long_wait_ms());
    r->stop_ms = now_ms() - t0;
    zil_rpc_reply_set_bool(reply, true);
}

/* Frees its own server (r->server_to_free) and answers true. */
static void h_free(void *user_data, const char *method, const char *params_json,
                   const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    double t0 = now_ms();
    record(r, method, params_json, params_string);
    zil_rpc_server_free(r->server_to_free);
    r->stop_ms = now_ms() - t0;
    zil_rpc_reply_set_bool(reply, true);
}

/* Removes its own handler, notes whether its release already ran (it must
 * not, during the call), and answers true. */
static void h_remove_self(void *user_data, const char *method, const char *params_json,
                          const char *params_string, zil_rpc_reply_t *reply)
{
    recorder *r = (recorder *)user_data;
    record(r, method, params_json, params_string);
    r->stop_rc = zil_rpc_server_set_handler(r->server, method, NULL, NULL, NULL);
    r->release_count_in_call = atomic_load(r->release_count_seen);
    zil_rpc_reply_set_bool(reply, true);
}

/* Release functions count their calls in an atomic_int given as user data
 * (or in the recorder's release_count_seen). */
static void count_release(void *user_data)
{
    atomic_fetch_add((atomic_int *)user_data, 1);
}

static void count_recorder_release(void *user_data)
{
    atomic_fetch_add(((recorder *)user_data)->release_count_seen, 1);
}

static bool counter_is_one(void *counter)
{
    return atomic_load((atomic_int *)counter) == 1;
}

/* A running server on an ephemeral TCP port. */
static zil_rpc_server_t *started_server(void)
{
    zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
    CHECK(server != NULL);
    CHECK(strchr(zil_rpc_server_endpoint(server), '*') == NULL);
    CHECK(strncmp(zil_rpc_server_endpoint(server), "tcp://127.0.0.1:", 16) == 0);
    CHECK_OK(zil_rpc_server_start(server));
    return server;
}

/* ----------------------------------------------------------- round trips */

static void round_trips(void)
{
    recorder rv, rt, rl, re, rs;
    zil_rpc_server_t *server = started_server();
    zil_rpc_client_t *client;
    char *token = NULL, *result = NULL;
    bool yes = false;

    recorder_init(&rv);
    recorder_init(&rt);
    recorder_init(&rl);
    recorder_init(&re);
    recorder_init(&rs);
    rt.answer = "tok-" SESSION;
    CHECK_OK(zil_rpc_server_set_handler(server, "verify", h_verify, &rv, NULL));
    CHECK_OK(zil_rpc_server_set_handler(server, "get_token", h_string, &rt, NULL));
    CHECK_OK(zil_rpc_server_set_handler(server, "logout", h_true, &rl, NULL));
    CHECK_OK(zil_rpc_server_set_handler(server, "echo", h_echo, &re, NULL));
    CHECK_OK(zil_rpc_server_set_handler(server, "m\xc3\xa9thode", h_silent, &rs, NULL));

    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);

    /* verify: the session id arrives as a JSON string and unquoted */
    CHECK_OK(zil_rpc_client_verify(client, SESSION, &yes));
    CHECK(yes);
    CHECK(rv.calls == 1 && rv.reply_rc == ZIL_OK);
    CHECK_STR_EQ(rv.method, "verify");
    CHECK_STR_EQ(rv.params_json, "\"" SESSION "\"");
    CHECK_STR_EQ(rv.params_string, SESSION);
    CHECK_OK(zil_rpc_client_verify(client, "0000", &yes));
    CHECK(!yes);
    CHECK_STR_EQ(rv.params_string, "0000");
    yes = true;
    CHECK_OK(zil_rpc_client_verify(client, "", &yes)); /* an empty id is a string too */
    CHECK(!yes && !rv.params_string_null);
    CHECK_STR_EQ(rv.params_json, "\"\"");

    /* get_token: params {} (not a string), the token comes back owned */
    CHECK_OK(zil_rpc_client_get_token(client, &token));
    CHECK_STR_EQ(token, "tok-" SESSION);
    zil_string_free(token);
    CHECK_STR_EQ(rt.method, "get_token");
    CHECK_STR_EQ(rt.params_json, "{}");
    CHECK(rt.params_string_null && !rt.params_json_null);
    /* ... and NULL when the server answers null */
    rt.answer = NULL;
    token = (char *)(void *)&yes;
    CHECK_OK(zil_rpc_client_get_token(client, &token));
    CHECK(token == NULL);

    /* logout */
    yes = false;
    CHECK_OK(zil_rpc_client_logout(client, SESSION, &yes));
    CHECK(yes);
    CHECK_STR_EQ(rl.method, "logout");
    CHECK_STR_EQ(rl.params_json, "\"" SESSION "\"");
    CHECK_STR_EQ(rl.params_string, SESSION);

    /* any method: params arrive as compact JSON, the result comes back as
     * JSON text the caller frees */
    CHECK_OK(zil_rpc_client_call(client, "echo", " { \"a\" : [1, 2.5, \"x\"], \"b\" : null } ",
                                 &result));
    CHECK_STR_EQ(re.method, "echo");
    CHECK_STR_EQ(re.params_json, "{\"a\":[1,2.5,\"x\"],\"b\":null}");
    CHECK(re.params_string_null);
    CHECK_STR_EQ(result, "{\"a\":[1,2.5,\"x\"],\"b\":null}");
    zil_string_free(result);
    /* a JSON string param: escapes resolved in params_string, UTF-8 kept */
    CHECK_OK(zil_rpc_client_call(client, "echo", "\"caf\\u00e9 \\\"x\\\"\"", &result));
    CHECK_STR_EQ(re.params_string, "caf\xc3\xa9 \"x\"");
    CHECK_STR_EQ(re.params_json, "\"caf\xc3\xa9 \\\"x\\\"\"");
    CHECK_STR_EQ(result, "\"caf\xc3\xa9 \\\"x\\\"\"");
    zil_string_free(result);
    /* NULL params are sent as null */
    CHECK_OK(zil_rpc_client_call(client, "echo", NULL, &result));
    CHECK_STR_EQ(re.params_json, "null");
    CHECK(re.params_string_null);
    CHECK_STR_EQ(result, "null");
    zil_string_free(result);
    /* other JSON values */
    {
        static const char *const values[] = {"[]", "42", "-1.5", "true", "\"\"", "[[{}]]"};
        size_t i;
        for (i = 0; i < sizeof values / sizeof values[0]; i++) {
            CHECK_OK(zil_rpc_client_call(client, "echo", values[i], &result));
            CHECK_STR_EQ(re.params_json, values[i]);
            CHECK_STR_EQ(result, values[i]);
            zil_string_free(result);
        }
    }
    CHECK(re.reply_rc == ZIL_OK);
    /* a handler that does not answer answers null; UTF-8 method names */
    CHECK_OK(zil_rpc_client_call(client, "m\xc3\xa9thode", "{}", &result));
    CHECK_STR_EQ(rs.method, "m\xc3\xa9thode");
    CHECK_STR_EQ(result, "null");
    zil_string_free(result);

    zil_rpc_client_free(client);
    zil_rpc_server_free(server);
    printf("round trips: OK\n");
}

/* Several threads share one client: calls are serialized, each gets its
 * own answer. */
#define CALLERS 4
#define CALLS_EACH 25

typedef struct caller {
    zil_rpc_client_t *client;
    int index;
    int ok;
} caller;

static void *caller_thread(void *arg)
{
    caller *c = (caller *)arg;
    int i;
    for (i = 0; i < CALLS_EACH; i++) {
        char params[64], expected[32], *result = NULL;
        snprintf(params, sizeof params, "[%d, %d]", c->index * 1000, i);
        snprintf(expected, sizeof expected, "%d", c->index * 1000 + i);
        if (zil_rpc_client_call(c->client, "add", params, &result) != ZIL_OK) {
            fprintf(stderr, "caller %d call %d: %s\n", c->index, i, zil_last_error());
            return NULL;
        }
        if (strcmp(result, expected) == 0)
            c->ok++;
        else
            fprintf(stderr, "caller %d: got %s, expected %s\n", c->index, result, expected);
        zil_string_free(result);
    }
    return NULL;
}

static void shared_client(void)
{
    recorder r;
    zil_rpc_server_t *server = started_server();
    zil_rpc_client_t *client;
    test_thread threads[CALLERS];
    caller callers[CALLERS];
    int i;

    recorder_init(&r);
    CHECK_OK(zil_rpc_server_set_handler(server, "add", h_add, &r, NULL));
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);
    for (i = 0; i < CALLERS; i++) {
        callers[i].client = client;
        callers[i].index = i + 1;
        callers[i].ok = 0;
        test_thread_start(&threads[i], caller_thread, &callers[i]);
    }
    for (i = 0; i < CALLERS; i++) {
        CHECK_JOINED(&threads[i], 4 * long_wait_ms());
        CHECKF(callers[i].ok == CALLS_EACH, "caller %d: %d of %d right answers", i + 1,
               callers[i].ok, CALLS_EACH);
    }
    CHECK(recorded_calls(&r) == CALLERS * CALLS_EACH);
    zil_rpc_client_free(client);
    zil_rpc_server_free(server);
    printf("one client, %d threads: OK\n", CALLERS);
}

/* ---------------------------------------------------------------- errors */

static void errors(void)
{
    recorder r_err, r_json, r_str, r_msg, r_answer, r_nul;
    zil_rpc_server_t *server = started_server();
    zil_rpc_client_t *client;
    char *untouched = (char *)(void *)&server;
    char *result = untouched;
    char *token = untouched;
    bool flag = true;
    char where[300];

    recorder_init(&r_err);
    recorder_init(&r_json);
    recorder_init(&r_str);
    recorder_init(&r_msg);
    recorder_init(&r_answer);
    recorder_init(&r_nul);
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);
    snprintf(where, sizeof where, "'%s'", zil_rpc_server_endpoint(server));

    /* a handler's error: ZIL_REMOTE_ERROR, its message and code in the
     * text, the method and server named, *result_json untouched */
    r_err.answer = "no such account: 42";
    CHECK_OK(zil_rpc_server_set_handler(server, "fails", h_error, &r_err, NULL));
    EXPECT_FAIL(zil_rpc_client_call(client, "fails", "[42]", &result), ZIL_REMOTE_ERROR,
                "no such account: 42");
    CHECK_ERROR_MENTIONS("code 4001");
    CHECK_ERROR_MENTIONS("'fails'");
    CHECK_ERROR_MENTIONS(where);
    CHECK(result == untouched);
    CHECK(r_err.reply_rc == ZIL_OK);
    /* ... a NULL message gives "error" */
    r_err.answer = NULL;
    EXPECT_FAIL(zil_rpc_client_call(client, "fails", NULL, &result), ZIL_REMOTE_ERROR,
                "error (code 4001)");
    /* ... the typed calls report it alike */
    CHECK_OK(zil_rpc_server_set_handler(server, "verify", h_error, &r_err, NULL));
    CHECK_OK(zil_rpc_server_set_handler(server, "get_token", h_error, &r_err, NULL));
    CHECK_OK(zil_rpc_server_set_handler(server, "logout", h_error, &r_err, NULL));
    r_err.answer = "authz is closed";
    EXPECT_FAIL(zil_rpc_client_verify(client, SESSION, &flag), ZIL_REMOTE_ERROR,
                "authz is closed (code 4001)");
    CHECK(flag == true);
    EXPECT_FAIL(zil_rpc_client_get_token(client, &token), ZIL_REMOTE_ERROR, "authz is closed");
    CHECK(token == untouched);
    EXPECT_FAIL(zil_rpc_client_logout(client, SESSION, &flag), ZIL_REMOTE_ERROR,
                "authz is closed");
    CHECK(flag == true);

    /* a string param holding a NUL would reach a C handler cut short: it
     * is refused with -32602 before the handler runs, and the server keeps
     * serving (a clean string reaches the handler unchanged) */
    CHECK_OK(zil_rpc_server_set_handler(server, "echo", h_echo, &r_nul, NULL));
    EXPECT_FAIL(zil_rpc_client_call(client, "echo", "\"good-\\u0000x\"", &result),
                ZIL_REMOTE_ERROR, "the string holds a NUL character");
    CHECK_ERROR_MENTIONS("code -32602");
    CHECK(recorded_calls(&r_nul) == 0);
    CHECK(result == untouched);
    CHECK_OK(zil_rpc_client_call(client, "echo", "\"good-x\"", &result));
    CHECK(strcmp(result, "\"good-x\"") == 0);
    CHECK(recorded_calls(&r_nul) == 1 && strcmp(r_nul.params_string, "good-x") == 0);
    zil_string_free(result);
    result = untouched;

    /* a handler answering invalid JSON: set_result refuses it inside the
     * handler, the client gets -32603 */
    r_json.answer = "{not json";
    CHECK_OK(zil_rpc_server_set_handler(server, "bad_json", h_json, &r_json, NULL));
    EXPECT_FAIL(zil_rpc_client_call(client, "bad_json", "{}", &result), ZIL_REMOTE_ERROR,
                "-32603");
    CHECK_ERROR_MENTIONS("invalid JSON");
    CHECK(result == untouched);
    CHECKF(r_json.reply_rc == ZIL_INVALID_ARGUMENT, "set_result returned %s",
           zil_result_str(r_json.reply_rc));
    CHECKF(strstr(r_json.reply_error, "result_json") != NULL, "handler saw \"%s\"",
           r_json.reply_error);
    /* ... trailing garbage and an empty text are no JSON either */
    r_json.answer = "true false";
    EXPECT_FAIL(zil_rpc_client_call(client, "bad_json", "{}", &result), ZIL_REMOTE_ERROR,
                "-32603");
    CHECK(r_json.reply_rc == ZIL_INVALID_ARGUMENT);
    r_json.answer = "";
    EXPECT_FAIL(zil_rpc_client_call(client, "bad_json", "{}", &result), ZIL_REMOTE_ERROR,
                "-32603");
    CHECK(r_json.reply_rc == ZIL_INVALID_ARGUMENT);
    r_json.answer = NOT_UTF8;
    EXPECT_FAIL(zil_rpc_client_call(client, "bad_json", "{}", &result), ZIL_REMOTE_ERROR,
                "-32603");
    CHECK(r_json.reply_rc == ZIL_INVALID_ARGUMENT);
    CHECK(strstr(r_json.reply_error, "UTF-8") != NULL);
    /* ... and NULL (a NULL pointer: ZIL_NULL_ARGUMENT, like every NULL) */
    r_json.answer = NULL;
    EXPECT_FAIL(zil_rpc_client_call(client, "bad_json", "{}", &result), ZIL_REMOTE_ERROR,
                "-32603");
    CHECKF(r_json.reply_rc == ZIL_NULL_ARGUMENT, "set_result(NULL) returned %s",
           zil_result_str(r_json.reply_rc));
    CHECK(strstr(r_json.reply_error, "'result_json'") != NULL);
    /* valid JSON still works through set_result */
    r_json.answer = "{\"nested\":{\"list\":[true,null]}}";
    CHECK_OK(zil_rpc_client_call(client, "bad_json", "{}", &result));
    CHECK_STR_EQ(result, "{\"nested\":{\"list\":[true,null]}}");
    zil_string_free(result);
    result = untouched;
    CHECK(r_json.reply_rc == ZIL_OK);

    /* a failed set_string / set_error keeps the answer set before */
    CHECK_OK(zil_rpc_server_set_handler(server, "bad_string", h_bad_string, &r_str, NULL));
    CHECK_OK(zil_rpc_client_call(client, "bad_string", "{}", &result));
    CHECK_STR_EQ(result, "\"kept\"");
    zil_string_free(result);
    result = untouched;
    CHECK(r_str.reply_rc == ZIL_INVALID_ARGUMENT);
    CHECKF(strstr(r_str.reply_error, "'text'") != NULL && strstr(r_str.reply_error, "UTF-8"),
           "handler saw \"%s\"", r_str.reply_error);
    CHECK_OK(zil_rpc_server_set_handler(server, "bad_message", h_bad_error_message, &r_msg, NULL));
    CHECK_OK(zil_rpc_client_call(client, "bad_message", "{}", &result));
    CHECK_STR_EQ(result, "false");
    zil_string_free(result);
    result = untouched;
    CHECK(r_msg.reply_rc == ZIL_INVALID_ARGUMENT);
    CHECKF(strstr(r_msg.reply_error, "'message'") != NULL, "handler saw \"%s\"", r_msg.reply_error);

    /* an unknown method: -32601, the original's words, the method named */
    EXPECT_FAIL(zil_rpc_client_call(client, "no_such_method", "[1, 2]", &result),
                ZIL_REMOTE_ERROR, "Command Not Supported");
    CHECK_ERROR_MENTIONS("-32601");
    CHECK_ERROR_MENTIONS("no_such_method");
    CHECK(result == untouched);
    /* ... names are case-sensitive */
    CHECK_OK(zil_rpc_server_set_handler(server, "echo", h_true, &r_answer, NULL));
    EXPECT_FAIL(zil_rpc_client_call(client, "Echo", NULL, &result), ZIL_REMOTE_ERROR, "-32601");

    /* verify/logout answers that are not booleans: read by Python's
     * truthiness, as the original reads them; get_token's of the wrong
     * type: ZIL_PROTOCOL_ERROR naming what came and what was expected */
    r_answer.answer = "42";
    CHECK_OK(zil_rpc_server_set_handler(server, "verify", h_json, &r_answer, NULL));
    CHECK_OK(zil_rpc_server_set_handler(server, "get_token", h_json, &r_answer, NULL));
    CHECK_OK(zil_rpc_server_set_handler(server, "logout", h_json, &r_answer, NULL));
    flag = false;
    CHECK_OK(zil_rpc_client_verify(client, SESSION, &flag));
    CHECK(flag == true);
    EXPECT_FAIL(zil_rpc_client_get_token(client, &token), ZIL_PROTOCOL_ERROR, "'get_token'");
    CHECK_ERROR_MENTIONS("a string or null");
    CHECK(token == untouched);
    r_answer.answer = "\"\"";
    CHECK_OK(zil_rpc_client_logout(client, SESSION, &flag));
    CHECK(flag == false);
    r_answer.answer = "[\"admin\"]";
    CHECK_OK(zil_rpc_client_verify(client, SESSION, &flag));
    CHECK(flag == true);
    r_answer.answer = "null";
    CHECK_OK(zil_rpc_client_verify(client, SESSION, &flag));
    CHECK(flag == false);

    /* after all these errors the connection still works */
    r_answer.answer = "false";
    CHECK_OK(zil_rpc_client_verify(client, SESSION, &flag));
    CHECK(flag == false);

    zil_rpc_client_free(client);
    zil_rpc_server_free(server);
    printf("errors: OK\n");
}

/* ------------------------------------------------------- release rules */

static void release_rules(void)
{
    recorder r, r_self;
    atomic_int rel_a, rel_b, rel_c, rel_d, rel_self, rel_never;
    zil_rpc_server_t *server = started_server();
    zil_rpc_client_t *client;
    char *result = NULL;

    recorder_init(&r);
    recorder_init(&r_self);
    atomic_init(&rel_a, 0);
    atomic_init(&rel_b, 0);
    atomic_init(&rel_c, 0);
    atomic_init(&rel_d, 0);
    atomic_init(&rel_self, 0);
    atomic_init(&rel_never, 0);
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);

    /* replacing a handler releases the old one's user_data, once */
    CHECK_OK(zil_rpc_server_set_handler(server, "m", test_handler_yes, &rel_a, count_release));
    CHECK_OK(zil_rpc_client_call(client, "m", NULL, &result));
    zil_string_free(result);
    CHECK(atomic_load(&rel_a) == 0);
    CHECK_OK(zil_rpc_server_set_handler(server, "m", h_echo, &r, NULL));
    CHECK(atomic_load(&rel_a) == 1);
    CHECK_OK(zil_rpc_client_call(client, "m", "[7]", &result)); /* the new one answers */
    CHECK_STR_EQ(result, "[7]");
    zil_string_free(result);
    CHECK(r.calls == 1);

    /* removing (NULL callback) releases and makes the method unknown */
    CHECK_OK(zil_rpc_server_set_handler(server, "gone", test_handler_yes, &rel_b, count_release));
    CHECK_OK(zil_rpc_server_set_handler(server, "gone", NULL, &rel_never, count_release));
    CHECK(atomic_load(&rel_b) == 1);
    EXPECT_FAIL(zil_rpc_client_call(client, "gone", NULL, &result), ZIL_REMOTE_ERROR, "-32601");
    CHECK_ERROR_MENTIONS("Command Not Supported");
    /* removing what is not there is fine, and releases nothing */
    CHECK_OK(zil_rpc_server_set_handler(server, "gone", NULL, &rel_never, count_release));
    CHECK_OK(zil_rpc_server_set_handler(server, "never_set", NULL, NULL, NULL));
    /* a failed set_handler does not call release */
    EXPECT_FAIL(zil_rpc_server_set_handler(NULL, "x", test_handler_yes, &rel_never, count_release),
                ZIL_NULL_ARGUMENT, "'server'");
    EXPECT_FAIL(zil_rpc_server_set_handler(server, NULL, test_handler_yes, &rel_never, count_release),
                ZIL_NULL_ARGUMENT, "'method'");
    EXPECT_FAIL(zil_rpc_server_set_handler(server, NOT_UTF8, test_handler_yes, &rel_never, count_release),
                ZIL_INVALID_ARGUMENT, "'method'");
    CHECK_ERROR_MENTIONS("UTF-8");
    EXPECT_FAIL(zil_rpc_server_set_handler(server, NOT_UTF8, NULL, &rel_never, count_release),
                ZIL_INVALID_ARGUMENT, "'method'");

    /* a handler removing itself: its release runs after the call, never
     * during it */
    r_self.server = server;
    r_self.release_count_seen = &rel_self;
    CHECK_OK(zil_rpc_server_set_handler(server, "once", h_remove_self, &r_self,
                                        count_recorder_release));
    CHECK_OK(zil_rpc_client_call(client, "once", NULL, &result));
    CHECK_STR_EQ(result, "true");
    zil_string_free(result);
    CHECK(r_self.stop_rc == ZIL_OK);
    CHECKF(r_self.release_count_in_call == 0, "release ran %d times during the handler's call",
           r_self.release_count_in_call);
    CHECKF(test_wait_for(counter_is_one, &rel_self, long_wait_ms()),
           "release of a self-removed handler ran %d times", atomic_load(&rel_self));
    EXPECT_FAIL(zil_rpc_client_call(client, "once", NULL, &result), ZIL_REMOTE_ERROR, "-32601");

    /* freeing the server releases every handler once. (That this happens
     * before zil_rpc_server_free returns is test_rpc_free_release's
     * subject: it sometimes happens just after, on the server's thread, so
     * here the counts are awaited.) */
    CHECK_OK(zil_rpc_server_set_handler(server, "c", test_handler_yes, &rel_c, count_release));
    CHECK_OK(zil_rpc_server_set_handler(server, "d", test_handler_yes, &rel_d, count_release));
    CHECK_OK(zil_rpc_client_call(client, "c", NULL, &result));
    zil_string_free(result);
    zil_rpc_server_free(server);
    CHECKF(test_wait_for(counter_is_one, &rel_c, long_wait_ms()) &&
               test_wait_for(counter_is_one, &rel_d, long_wait_ms()),
           "after zil_rpc_server_free, release ran %d and %d times (expected 1 and 1)",
           atomic_load(&rel_c), atomic_load(&rel_d));
    sleep_ms(50);
    CHECK(atomic_load(&rel_a) == 1 && atomic_load(&rel_b) == 1 && atomic_load(&rel_self) == 1);
    CHECK(atomic_load(&rel_c) == 1 && atomic_load(&rel_d) == 1);
    CHECK(atomic_load(&rel_never) == 0);

    zil_rpc_client_free(client);
    printf("release rules: OK\n");
}

/* A server that never ran releases its handlers in zil_rpc_server_free. */
static void release_unstarted(void)
{
    atomic_int rel;
    zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
    CHECK(server != NULL);
    atomic_init(&rel, 0);
    CHECK_OK(zil_rpc_server_set_handler(server, "a", test_handler_yes, &rel, count_release));
    CHECK_OK(zil_rpc_server_set_handler(server, "b", test_handler_yes, &rel, count_release));
    zil_rpc_server_free(server);
    CHECK(atomic_load(&rel) == 2);
    printf("release of a server that never ran: OK\n");
}

/* ------------------------------------------------------ run, stop, free */

typedef struct runner {
    const zil_rpc_server_t *server;
    int rc;
    char error[512];
} runner;

static void *run_thread(void *arg)
{
    runner *r = (runner *)arg;
    r->rc = zil_rpc_server_run(r->server);
    snprintf(r->error, sizeof r->error, "%s", zil_last_error());
    return NULL;
}

/* zil_rpc_server_run on a thread, stopped from the main thread. */
static void run_and_stop(void)
{
    recorder r;
    zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
    zil_rpc_client_t *client;
    test_thread thread, second;
    runner run, run2;
    bool yes = false;
    double t0, stop_ms;

    CHECK(server != NULL);
    recorder_init(&r);
    CHECK_OK(zil_rpc_server_set_handler(server, "verify", h_verify, &r, NULL));
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);

    run.server = server;
    run.rc = -1;
    test_thread_start(&thread, run_thread, &run);
    CHECK_OK(zil_rpc_client_verify(client, SESSION, &yes)); /* it serves */
    CHECK(yes);
    /* a second run, or a start, while it runs: ZIL_CLOSED */
    run2.server = server;
    run2.rc = -1;
    test_thread_start(&second, run_thread, &run2);
    CHECK_JOINED(&second, long_wait_ms());
    CHECK_RESULT(run2.rc, ZIL_CLOSED);
    CHECKF(strstr(run2.error, "already running") != NULL, "run: \"%s\"", run2.error);
    EXPECT_FAIL(zil_rpc_server_start(server), ZIL_CLOSED, "already running");
    CHECK_ERROR_MENTIONS(zil_rpc_server_endpoint(server));
    /* still serving */
    CHECK_OK(zil_rpc_client_verify(client, SESSION, &yes));

    /* stop from here: an idle loop ends at once, run() returns ZIL_OK */
    t0 = now_ms();
    CHECK_OK(zil_rpc_server_stop(server, long_wait_ms()));
    stop_ms = now_ms() - t0;
    CHECKF(stop_ms < time_bound_ms(100), "stopping an idle server took %.0f ms", stop_ms);
    CHECK_JOINED(&thread, long_wait_ms());
    CHECK_RESULT(run.rc, ZIL_OK);

    /* stopping is final */
    EXPECT_FAIL(zil_rpc_server_run(server), ZIL_CLOSED, "stopped");
    EXPECT_FAIL(zil_rpc_server_start(server), ZIL_CLOSED, "stopped");
    CHECK_OK(zil_rpc_server_stop(server, 0)); /* stopping again is harmless */
    CHECK_OK(zil_rpc_server_stop(server, -1));
    zil_rpc_client_free(client);
    zil_rpc_server_free(server);

    /* a server stopped before it ever ran cannot start */
    server = zil_rpc_server_new(TEST_TCP_ANY);
    CHECK(server != NULL);
    CHECK_OK(zil_rpc_server_stop(server, 0));
    EXPECT_FAIL(zil_rpc_server_start(server), ZIL_CLOSED, "stopped");
    EXPECT_FAIL(zil_rpc_server_run(server), ZIL_CLOSED, "stopped");
    zil_rpc_server_free(server);

    /* start twice */
    server = zil_rpc_server_new(TEST_TCP_ANY);
    CHECK(server != NULL);
    CHECK_OK(zil_rpc_server_start(server));
    EXPECT_FAIL(zil_rpc_server_start(server), ZIL_CLOSED, "already running");
    EXPECT_FAIL(zil_rpc_server_run(server), ZIL_CLOSED, "already running");
    CHECK_OK(zil_rpc_server_stop(server, long_wait_ms()));
    zil_rpc_server_free(server);
    printf("run on a thread, stop from another, start twice: OK\n");
}

/* A caller of `method` on its own thread (the main thread stops or frees
 * the server meanwhile). */
typedef struct pending_call {
    zil_rpc_client_t *client;
    const char *method;
    int rc;
    char result[64];
    char error[512];
} pending_call;

static void *call_thread(void *arg)
{
    pending_call *c = (pending_call *)arg;
    char *result = NULL;
    c->rc = zil_rpc_client_call(c->client, c->method, NULL, &result);
    snprintf(c->error, sizeof c->error, "%s", zil_last_error());
    if (c->rc == ZIL_OK) {
        snprintf(c->result, sizeof c->result, "%s", result);
        zil_string_free(result);
    }
    return NULL;
}

/* stop() while a handler runs: ZIL_TIMEOUT if it outlasts the wait; the
 * handler finishes, its caller gets the answer, then the loop ends. */
static void stop_during_handler(void)
{
    recorder r;
    zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
    zil_rpc_client_t *client, *late;
    test_thread thread, caller_t;
    runner run;
    pending_call call;
    double t0, took;

    CHECK(server != NULL);
    recorder_init(&r);
    r.sleep_ms = 300 * time_scale();
    CHECK_OK(zil_rpc_server_set_handler(server, "slow", h_slow, &r, NULL));
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);
    run.server = server;
    test_thread_start(&thread, run_thread, &run);

    call.client = client;
    call.method = "slow";
    test_thread_start(&caller_t, call_thread, &call);
    /* wait until the handler is in its call */
    t0 = now_ms();
    while (recorded_calls(&r) == 0) {
        CHECK(now_ms() - t0 < long_wait_ms());
        sleep_ms(1);
    }
    t0 = now_ms();
    EXPECT_FAIL(zil_rpc_server_stop(server, 20), ZIL_TIMEOUT, "still in a handler");
    took = now_ms() - t0;
    CHECKF(took >= 19 && took < time_bound_ms(20), "stop(20) took %.0f ms", took);
    /* the handler's caller still gets its answer, then run() returns */
    CHECK_JOINED(&caller_t, long_wait_ms());
    CHECKF(call.rc == ZIL_OK, "the call during stop: %s: %s", zil_result_str(call.rc), call.error);
    CHECK_STR_EQ(call.result, "true");
    CHECK_JOINED(&thread, long_wait_ms());
    CHECK_RESULT(run.rc, ZIL_OK);
    /* nothing is answered any more */
    late = zil_rpc_client_new(zil_rpc_server_endpoint(server), 200);
    CHECK(late != NULL);
    call.client = late;
    call_thread(&call);
    CHECK_RESULT(call.rc, ZIL_TIMEOUT);
    zil_rpc_client_free(late);
    zil_rpc_client_free(client);
    zil_rpc_server_free(server);
    printf("stop while a handler runs: OK\n");
}

/* A handler stops its own server: stop returns at once, the answer is
 * still sent, then run() returns. */
static void stop_inside_handler(void)
{
    recorder r;
    zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
    zil_rpc_client_t *client;
    test_thread thread;
    runner run;
    char *result = NULL;

    CHECK(server != NULL);
    recorder_init(&r);
    r.server = server;
    CHECK_OK(zil_rpc_server_set_handler(server, "shutdown", h_stop, &r, NULL));
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);
    run.server = server;
    test_thread_start(&thread, run_thread, &run);

    CHECK_OK(zil_rpc_client_call(client, "shutdown", NULL, &result));
    CHECK_STR_EQ(result, "true");
    zil_string_free(result);
    CHECK_RESULT(r.stop_rc, ZIL_OK);
    CHECKF(r.stop_ms < time_bound_ms(50), "stop inside the handler took %.0f ms", r.stop_ms);
    CHECK_JOINED(&thread, long_wait_ms());
    CHECK_RESULT(run.rc, ZIL_OK);
    EXPECT_FAIL(zil_rpc_server_start(server), ZIL_CLOSED, "stopped");
    zil_rpc_client_free(client);
    zil_rpc_server_free(server);
    printf("stop from inside a handler: OK\n");
}

/* A handler frees its own server, which runs by zil_rpc_server_run
 * (`use_run`) or on zil's thread: no deadlock, the answer is sent, run()
 * returns, every release runs once. */
static void free_inside_handler(bool use_run)
{
    recorder r;
    atomic_int rel;
    zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
    zil_rpc_client_t *client;
    test_thread thread;
    runner run;
    char *result = NULL;

    CHECK(server != NULL);
    recorder_init(&r);
    atomic_init(&rel, 0);
    r.server_to_free = server;
    r.release_count_seen = &rel;
    CHECK_OK(zil_rpc_server_set_handler(server, "quit", h_free, &r, count_recorder_release));
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);
    if (use_run) {
        run.server = server;
        test_thread_start(&thread, run_thread, &run);
    } else {
        CHECK_OK(zil_rpc_server_start(server));
    }
    /* the server is gone once this returns: do not touch `server` again */
    CHECK_OK(zil_rpc_client_call(client, "quit", NULL, &result));
    CHECK_STR_EQ(result, "true");
    zil_string_free(result);
    CHECKF(r.stop_ms < time_bound_ms(50), "zil_rpc_server_free inside the handler took %.0f ms",
           r.stop_ms);
    if (use_run) {
        CHECK_JOINED(&thread, long_wait_ms());
        CHECK_RESULT(run.rc, ZIL_OK);
    }
    CHECKF(test_wait_for(counter_is_one, &rel, long_wait_ms()), "release ran %d times",
           atomic_load(&rel));
    sleep_ms(20);
    CHECK(atomic_load(&rel) == 1);
    /* nothing answers any more */
    zil_rpc_client_free(client);
    printf("zil_rpc_server_free from inside its handler (%s): OK\n",
           use_run ? "zil_rpc_server_run" : "zil_rpc_server_start");
}

/* ------------------------------------------------ a server that is down */

static void client_timeout_and_recovery(void)
{
    const int32_t timeout = 500;
    recorder r;
    char addr[512], quoted[600];
    zil_rpc_client_t *client;
    zil_rpc_server_t *server;
    char *untouched = (char *)(void *)&r, *result = untouched, *token = untouched;
    bool flag = true;
    double t0, took;
    int round;

    recorder_init(&r);
    test_bind_address(TEST_IPC, "authz", addr, sizeof addr);
    snprintf(quoted, sizeof quoted, "'%s'", addr);
    client = zil_rpc_client_new(addr, timeout); /* never blocks, nothing bound yet */
    CHECK(client != NULL);

    for (round = 0; round < 2; round++) {
        /* every kind of call times out within timeout + 20 %, naming the
         * address, and leaves the out-arguments alone */
        t0 = now_ms();
        EXPECT_FAIL(zil_rpc_client_call(client, "echo", "[1]", &result), ZIL_TIMEOUT, quoted);
        took = now_ms() - t0;
        CHECK_ERROR_MENTIONS("500 ms");
        CHECKF(took >= timeout - 5 && took <= time_bound_ms(timeout),
               "a call to a dead server took %.0f ms (timeout %d ms)", took, (int)timeout);
        CHECK(result == untouched);
        t0 = now_ms();
        EXPECT_FAIL(zil_rpc_client_verify(client, SESSION, &flag), ZIL_TIMEOUT, quoted);
        took = now_ms() - t0;
        CHECKF(took >= timeout - 5 && took <= time_bound_ms(timeout), "verify took %.0f ms", took);
        CHECK(flag == true);
        EXPECT_FAIL(zil_rpc_client_get_token(client, &token), ZIL_TIMEOUT, quoted);
        CHECK(token == untouched);
        EXPECT_FAIL(zil_rpc_client_logout(client, SESSION, &flag), ZIL_TIMEOUT, "'logout'");
        CHECK(flag == true);

        /* a server appears on that address: the same client works */
        server = zil_rpc_server_new(addr);
        CHECKF(server != NULL, "cannot bind %s again", addr);
        CHECK_STR_EQ(zil_rpc_server_endpoint(server), addr);
        CHECK_OK(zil_rpc_server_set_handler(server, "echo", h_echo, &r, NULL));
        CHECK_OK(zil_rpc_server_set_handler(server, "verify", h_verify, &r, NULL));
        CHECK_OK(zil_rpc_server_start(server));
        t0 = now_ms();
        CHECK_OK(zil_rpc_client_call(client, "echo", "[1]", &result));
        took = now_ms() - t0;
        CHECK_STR_EQ(result, "[1]");
        zil_string_free(result);
        result = untouched;
        CHECKF(took < time_bound_ms(timeout), "the first call to the new server took %.0f ms",
               took);
        CHECK_OK(zil_rpc_client_verify(client, SESSION, &flag));
        CHECK(flag == true);
        /* ... and it goes away again (its ipc path with it) */
        zil_rpc_server_free(server);
    }
    zil_rpc_client_free(client);

    /* a client with timeout 0 gives up at once */
    client = zil_rpc_client_new(addr, 0);
    CHECK(client != NULL);
    t0 = now_ms();
    EXPECT_FAIL(zil_rpc_client_call(client, "echo", NULL, &result), ZIL_TIMEOUT, quoted);
    took = now_ms() - t0;
    CHECKF(took < time_bound_ms(20), "timeout 0 took %.0f ms", took);
    zil_rpc_client_free(client);
    printf("a dead server: ZIL_TIMEOUT within timeout + 20 %%, then recovery: OK\n");
}

/* --------------------------------------------------------- bad arguments */

static void bad_arguments(void)
{
    zil_rpc_server_t *server, *other;
    zil_rpc_client_t *client;
    char *untouched = (char *)(void *)&server, *result = untouched, *token = untouched;
    bool flag = true;
    char ep[256];

    /* zil_rpc_server_new */
    EXPECT_NULL(zil_rpc_server_new(NULL), "'addr'");
    EXPECT_NULL(zil_rpc_server_new(NOT_UTF8), "'addr'");
    CHECK_ERROR_MENTIONS("UTF-8");
    EXPECT_NULL(zil_rpc_server_new("tcp://nope"), "'tcp://nope'");
    EXPECT_NULL(zil_rpc_server_new("bogus://x"), "'bogus://x'");
    EXPECT_NULL(zil_rpc_server_new(""), "''");
    server = zil_rpc_server_new(TEST_TCP_ANY);
    CHECK(server != NULL);
    snprintf(ep, sizeof ep, "%s", zil_rpc_server_endpoint(server));
    EXPECT_NULL(zil_rpc_server_new(ep), ep); /* in use */
    CHECK_ERROR_MENTIONS("in use");
    /* an output port cannot take the server's address either, and vice versa */
    EXPECT_NULL(zil_outport_new(ep, "t"), "in use");
    {
        zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
        CHECK(out != NULL);
        other = zil_rpc_server_new(zil_outport_endpoint(out));
        CHECK(other == NULL);
        CHECK_ERROR_MENTIONS("in use");
        zil_outport_free(out);
    }

    /* handles that are NULL */
    EXPECT_FAIL(zil_rpc_server_set_handler(NULL, "m", test_handler_yes, NULL, NULL), ZIL_NULL_ARGUMENT,
                "'server'");
    EXPECT_FAIL(zil_rpc_server_run(NULL), ZIL_NULL_ARGUMENT, "'server'");
    EXPECT_FAIL(zil_rpc_server_start(NULL), ZIL_NULL_ARGUMENT, "'server'");
    EXPECT_FAIL(zil_rpc_server_stop(NULL, 0), ZIL_NULL_ARGUMENT, "'server'");
    EXPECT_NULL(zil_rpc_server_endpoint(NULL), "'server'");
    /* a timeout below -1 is refused, and does not stop the server */
    EXPECT_FAIL(zil_rpc_server_stop(server, -2), ZIL_INVALID_ARGUMENT, "-2");
    EXPECT_FAIL(zil_rpc_server_stop(server, INT32_MIN), ZIL_INVALID_ARGUMENT, "timeout");
    CHECK_OK(zil_rpc_server_set_handler(server, "echo", test_handler_yes, NULL, NULL));
    CHECK_OK(zil_rpc_server_start(server));

    /* zil_rpc_client_new */
    EXPECT_NULL(zil_rpc_client_new(NULL, 100), "'addr'");
    EXPECT_NULL(zil_rpc_client_new(BROKEN_UTF8, 100), "'addr'");
    CHECK_ERROR_MENTIONS("UTF-8");
    EXPECT_NULL(zil_rpc_client_new("tcp://nope", 100), "'tcp://nope'");
    EXPECT_NULL(zil_rpc_client_new("bogus://x", 100), "'bogus://x'");
    EXPECT_NULL(zil_rpc_client_new(ep, -2), "-2");
    EXPECT_NULL(zil_rpc_client_new(ep, INT32_MIN), "timeout");
    client = zil_rpc_client_new(ep, -1); /* -1 (forever) is allowed */
    CHECK(client != NULL);
    zil_rpc_client_free(client);
    client = zil_rpc_client_new(ep, long_wait_ms());
    CHECK(client != NULL);

    /* zil_rpc_client_call */
    EXPECT_FAIL(zil_rpc_client_call(NULL, "echo", "{}", &result), ZIL_NULL_ARGUMENT, "'client'");
    EXPECT_FAIL(zil_rpc_client_call(client, NULL, "{}", &result), ZIL_NULL_ARGUMENT, "'method'");
    EXPECT_FAIL(zil_rpc_client_call(client, "echo", "{}", NULL), ZIL_NULL_ARGUMENT,
                "'result_json'");
    EXPECT_FAIL(zil_rpc_client_call(client, NOT_UTF8, "{}", &result), ZIL_INVALID_ARGUMENT,
                "'method'");
    EXPECT_FAIL(zil_rpc_client_call(client, "echo", BROKEN_UTF8, &result), ZIL_INVALID_ARGUMENT,
                "'params_json'");
    EXPECT_FAIL(zil_rpc_client_call(client, "echo", "{\"a\":", &result), ZIL_INVALID_ARGUMENT,
                "params_json is not valid JSON");
    EXPECT_FAIL(zil_rpc_client_call(client, "echo", "", &result), ZIL_INVALID_ARGUMENT,
                "params_json");
    EXPECT_FAIL(zil_rpc_client_call(client, "echo", "abc", &result), ZIL_INVALID_ARGUMENT,
                "params_json");
    EXPECT_FAIL(zil_rpc_client_call(client, "echo", "[1] [2]", &result), ZIL_INVALID_ARGUMENT,
                "params_json");
    CHECK(result == untouched);

    /* zil_rpc_client_verify / get_token / logout */
    EXPECT_FAIL(zil_rpc_client_verify(NULL, SESSION, &flag), ZIL_NULL_ARGUMENT, "'client'");
    EXPECT_FAIL(zil_rpc_client_verify(client, NULL, &flag), ZIL_NULL_ARGUMENT, "'session_id'");
    EXPECT_FAIL(zil_rpc_client_verify(client, SESSION, NULL), ZIL_NULL_ARGUMENT, "'verified'");
    EXPECT_FAIL(zil_rpc_client_verify(client, NOT_UTF8, &flag), ZIL_INVALID_ARGUMENT,
                "'session_id'");
    EXPECT_FAIL(zil_rpc_client_get_token(NULL, &token), ZIL_NULL_ARGUMENT, "'client'");
    EXPECT_FAIL(zil_rpc_client_get_token(client, NULL), ZIL_NULL_ARGUMENT, "'token'");
    EXPECT_FAIL(zil_rpc_client_logout(NULL, SESSION, &flag), ZIL_NULL_ARGUMENT, "'client'");
    EXPECT_FAIL(zil_rpc_client_logout(client, NULL, &flag), ZIL_NULL_ARGUMENT, "'token'");
    EXPECT_FAIL(zil_rpc_client_logout(client, SESSION, NULL), ZIL_NULL_ARGUMENT, "'logged_out'");
    EXPECT_FAIL(zil_rpc_client_logout(client, BROKEN_UTF8, &flag), ZIL_INVALID_ARGUMENT,
                "'token'");
    CHECK(flag == true && token == untouched);

    /* zil_rpc_reply_*: a NULL reply */
    EXPECT_FAIL(zil_rpc_reply_set_result(NULL, "true"), ZIL_NULL_ARGUMENT, "'reply'");
    EXPECT_FAIL(zil_rpc_reply_set_string(NULL, "x"), ZIL_NULL_ARGUMENT, "'reply'");
    EXPECT_FAIL(zil_rpc_reply_set_bool(NULL, true), ZIL_NULL_ARGUMENT, "'reply'");
    EXPECT_FAIL(zil_rpc_reply_set_error(NULL, 1, "x"), ZIL_NULL_ARGUMENT, "'reply'");

    /* none of that disturbed the client or the server */
    CHECK_OK(zil_rpc_client_call(client, "echo", "{}", &result));
    CHECK_STR_EQ(result, "true");
    zil_string_free(result);

    /* freeing NULL is a no-op */
    zil_rpc_server_free(NULL);
    zil_rpc_client_free(NULL);
    zil_string_free(NULL);

    zil_rpc_client_free(client);
    zil_rpc_server_free(server);
    printf("bad arguments: OK\n");
}

int main(void)
{
    test_watchdog(50);
    bad_arguments();
    round_trips();
    shared_client();
    errors();
    release_unstarted();
    run_and_stop();
    stop_during_handler();
    stop_inside_handler();
    free_inside_handler(true);
    free_inside_handler(false);
    client_timeout_and_recovery();
    release_rules();
    return 0;
}
