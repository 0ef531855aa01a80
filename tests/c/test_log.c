/* zil's log hook: zil_set_log_callback and zil_set_log_level.
 *
 * Three real log lines are triggered:
 *   - warn:  an RPC client times out ("... timed out after 50 ms; reconnecting");
 *   - error: an inpad whose verify call fails with a remote error;
 *   - debug: an inpad dropping a malformed envelope ("not a JSON object").
 * The callback receives each with its level and user_data; the level
 * filters (OFF and ERROR hide a warning, DEBUG shows the drop); bad levels
 * are refused and change nothing; several threads may log at once; a NULL
 * callback sends the lines back to stderr (checked by capturing fd 2).
 * The user_data's release runs exactly once, when the callback is
 * replaced, removed or at zil_shutdown, never on a refused call; from
 * inside the callback, zil calls work (their own lines go to stderr) and
 * replacing the callback is refused instead of deadlocking.
 */
#include "check.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

/* ------------------------------------------------------ the host's sink */

#define MAX_LINES 64

typedef struct sink {
    pthread_mutex_t lock;
    int count;
    int levels[MAX_LINES];
    char lines[MAX_LINES][512];
} sink;

static sink host, other_host;

static void host_log(void *user_data, int32_t level, const char *message)
{
    sink *s = (sink *)user_data;
    pthread_mutex_lock(&s->lock);
    if (s->count < MAX_LINES) {
        s->levels[s->count] = level;
        snprintf(s->lines[s->count], sizeof s->lines[s->count], "%s", message);
    }
    s->count++;
    pthread_mutex_unlock(&s->lock);
}

static void sink_reset(sink *s)
{
    pthread_mutex_lock(&s->lock);
    s->count = 0;
    pthread_mutex_unlock(&s->lock);
}

static int sink_count(sink *s)
{
    int n;
    pthread_mutex_lock(&s->lock);
    n = s->count;
    pthread_mutex_unlock(&s->lock);
    return n;
}

/* The number of lines with `level` containing needle1 and (unless NULL)
 * needle2. */
static int sink_matches(sink *s, int level, const char *needle1, const char *needle2)
{
    int i, n = 0;
    pthread_mutex_lock(&s->lock);
    for (i = 0; i < s->count && i < MAX_LINES; i++)
        if (s->levels[i] == level && strstr(s->lines[i], needle1) != NULL &&
            (needle2 == NULL || strstr(s->lines[i], needle2) != NULL))
            n++;
    pthread_mutex_unlock(&s->lock);
    return n;
}

static void sink_dump(sink *s)
{
    int i;
    pthread_mutex_lock(&s->lock);
    for (i = 0; i < s->count && i < MAX_LINES; i++)
        fprintf(stderr, "  line %d (level %d): %s\n", i, s->levels[i], s->lines[i]);
    pthread_mutex_unlock(&s->lock);
}

/* ------------------------------------------------------------ triggers */

static char dead_addr[512];

/* An RPC call to an address where nothing listens: one warning. */
static void trigger_warning(void)
{
    zil_rpc_client_t *client = zil_rpc_client_new(dead_addr, 50);
    char *result = NULL;
    CHECK(client != NULL);
    CHECK_RESULT(zil_rpc_client_call(client, "ping", NULL, &result), ZIL_TIMEOUT);
    zil_rpc_client_free(client);
}

/* The pieces of the inpad triggers: a plain outport feeding an inpad. */
static zil_outport_t *raw_out;
static zil_inpad_t *inpad;
static zil_rpc_server_t *authz;

static void refuse(void *user_data, const char *method, const char *params_json,
                   const char *params_string, zil_rpc_reply_t *reply)
{
    (void)user_data;
    (void)method;
    (void)params_json;
    (void)params_string;
    zil_rpc_reply_set_error(reply, 503, "authz is down for maintenance");
}

/* Pushes `text` on raw_out and lets the inpad take (and drop) it. */
static void inpad_takes(const char *text)
{
    int fd = -1;
    struct pollfd p;
    zil_msg_t *msg = NULL;
    CHECK_OK(zil_outport_push(raw_out, (const uint8_t *)text, strlen(text), "pcm"));
    CHECK_OK(zil_inpad_fd(inpad, &fd));
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    CHECK(poll(&p, 1, long_wait_ms()) == 1);
    CHECK_RESULT(zil_inpad_recv(inpad, &msg, 0), ZIL_TIMEOUT);
}

/* A malformed envelope: one debug line. */
static void trigger_debug(void)
{
    inpad_takes("garbage");
}

/* A verify call answered with an error: one error line. A receive with
 * timeout 0 does not wait for the answer; a later receive takes it (and
 * logs). */
static void trigger_error(void)
{
    int before = sink_count(&host), tries = 0;
    zil_msg_t *msg = NULL;
    inpad_takes("{\"data\": \"aGk=\", \"session_id\": \"4a501b51317e2c8f4a0fd7831d3e09dc\"}");
    while (sink_count(&host) == before && tries++ < 50)
        CHECK_RESULT(zil_inpad_recv(inpad, &msg, 100), ZIL_TIMEOUT);
}

/* ---------------------------------------------------------------- tests */

static void callback_and_levels(void)
{
    char quoted[600];

    snprintf(quoted, sizeof quoted, "'%s'", dead_addr);

    /* warn: the timeout's line, with its level and our user_data */
    CHECK_OK(zil_set_log_callback(host_log, &host, NULL, ZIL_LOG_WARN));
    sink_reset(&host);
    trigger_warning();
    CHECK(sink_count(&host) == 1);
    CHECK(sink_matches(&host, ZIL_LOG_WARN, "timed out after 50 ms", "reconnecting") == 1);
    CHECK(sink_matches(&host, ZIL_LOG_WARN, "'ping'", quoted) == 1);
    /* at warn, an inpad's per-message drop (debug) is not delivered, its
     * failed verify (error) is */
    sink_reset(&host);
    trigger_debug();
    CHECK(sink_count(&host) == 0);
    trigger_error();
    if (sink_count(&host) != 1)
        sink_dump(&host);
    CHECK(sink_count(&host) == 1);
    CHECK(sink_matches(&host, ZIL_LOG_ERROR, "verify failed", "authz is down for maintenance") ==
          1);
    CHECK(sink_matches(&host, ZIL_LOG_ERROR, zil_inpad_endpoint(inpad), NULL) == 1);

    /* debug: the drop's reason */
    CHECK_OK(zil_set_log_level(ZIL_LOG_DEBUG));
    sink_reset(&host);
    trigger_debug();
    if (sink_count(&host) != 1)
        sink_dump(&host);
    CHECK(sink_count(&host) == 1);
    CHECK(sink_matches(&host, ZIL_LOG_DEBUG, "dropped a message", "not a JSON object") == 1);
    CHECK(sink_matches(&host, ZIL_LOG_DEBUG, zil_inpad_endpoint(inpad), NULL) == 1);
    trigger_warning();
    CHECK(sink_count(&host) == 2); /* more verbose levels include the severe ones */

    /* error: a warning is filtered, an error is not */
    CHECK_OK(zil_set_log_level(ZIL_LOG_ERROR));
    sink_reset(&host);
    trigger_warning();
    trigger_debug();
    CHECK(sink_count(&host) == 0);
    trigger_error();
    CHECK(sink_count(&host) == 1 && sink_matches(&host, ZIL_LOG_ERROR, "verify failed", NULL) == 1);

    /* off: nothing at all */
    CHECK_OK(zil_set_log_level(ZIL_LOG_OFF));
    sink_reset(&host);
    trigger_warning();
    trigger_error();
    trigger_debug();
    CHECK(sink_count(&host) == 0);
    /* ... also when set through zil_set_log_callback */
    CHECK_OK(zil_set_log_callback(host_log, &host, NULL, ZIL_LOG_OFF));
    trigger_warning();
    CHECK(sink_count(&host) == 0);

    /* trace: everything */
    CHECK_OK(zil_set_log_level(ZIL_LOG_TRACE));
    trigger_warning();
    trigger_debug();
    CHECK(sink_matches(&host, ZIL_LOG_WARN, "timed out", NULL) == 1);
    CHECK(sink_matches(&host, ZIL_LOG_DEBUG, "not a JSON object", NULL) == 1);
    CHECK_OK(zil_set_log_level(ZIL_LOG_INFO));
    sink_reset(&host);
    trigger_debug();
    CHECK(sink_count(&host) == 0);
    printf("callback, levels and filtering: OK\n");
}

static void bad_levels(void)
{
    CHECK_OK(zil_set_log_callback(host_log, &host, NULL, ZIL_LOG_WARN));
    EXPECT_FAIL(zil_set_log_level(-1), ZIL_INVALID_ARGUMENT, "-1");
    EXPECT_FAIL(zil_set_log_level(6), ZIL_INVALID_ARGUMENT, "6");
    EXPECT_FAIL(zil_set_log_level(INT32_MIN), ZIL_INVALID_ARGUMENT, "log level");
    EXPECT_FAIL(zil_set_log_callback(host_log, &other_host, NULL, 6), ZIL_INVALID_ARGUMENT, "6");
    EXPECT_FAIL(zil_set_log_callback(host_log, &other_host, NULL, -1), ZIL_INVALID_ARGUMENT, "-1");
    EXPECT_FAIL(zil_set_log_callback(NULL, NULL, NULL, 99), ZIL_INVALID_ARGUMENT, "99");
    /* none of that changed the callback, its user_data or the level */
    sink_reset(&host);
    sink_reset(&other_host);
    trigger_warning();
    trigger_debug();
    CHECK(sink_count(&host) == 1 && sink_matches(&host, ZIL_LOG_WARN, "timed out", NULL) == 1);
    CHECK(sink_count(&other_host) == 0);
    /* a new callback with its own user_data replaces the first */
    CHECK_OK(zil_set_log_callback(host_log, &other_host, NULL, ZIL_LOG_WARN));
    trigger_warning();
    CHECK(sink_count(&host) == 1 && sink_count(&other_host) == 1);
    printf("bad levels refused, nothing changed: OK\n");
}

#define LOGGERS 4

static void *log_thread(void *arg)
{
    (void)arg;
    trigger_warning();
    return NULL;
}

/* Several threads log at the same time; every line arrives whole. */
static void concurrent(void)
{
    test_thread threads[LOGGERS];
    int i;
    CHECK_OK(zil_set_log_callback(host_log, &host, NULL, ZIL_LOG_WARN));
    sink_reset(&host);
    for (i = 0; i < LOGGERS; i++)
        test_thread_start(&threads[i], log_thread, NULL);
    for (i = 0; i < LOGGERS; i++)
        CHECK_JOINED(&threads[i], long_wait_ms());
    CHECK(sink_count(&host) == LOGGERS);
    CHECK(sink_matches(&host, ZIL_LOG_WARN, "timed out after 50 ms", "reconnecting") == LOGGERS);
    printf("%d threads logging at once: OK\n", LOGGERS);
}

/* Runs `trigger` with fd 2 redirected to a file; returns what was written. */
static void capture_stderr(void (*trigger)(void), char *out, size_t size)
{
    char path[600];
    int saved, file;
    ssize_t n;
    snprintf(path, sizeof path, "%s/stderr.txt", test_tmpdir());
    file = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
    CHECK(file >= 0);
    fflush(stderr);
    saved = dup(2);
    CHECK(saved >= 0);
    CHECK(dup2(file, 2) == 2);
    trigger();
    fflush(stderr);
    CHECK(dup2(saved, 2) == 2);
    close(saved);
    CHECK(lseek(file, 0, SEEK_SET) == 0);
    n = read(file, out, size - 1);
    CHECK(n >= 0);
    out[n] = '\0';
    close(file);
    unlink(path);
}

/* ------------------------------------------------ release and re-entry */

static int released[3];

static void count_release(void *user_data)
{
    released[(int *)user_data - released]++;
}

static void replace_removes_and_releases(void)
{
    CHECK_OK(zil_set_log_callback(host_log, &released[0], count_release, ZIL_LOG_WARN));
    /* refused calls keep the callback and release nothing, not even the
     * user_data they brought */
    EXPECT_FAIL(zil_set_log_callback(host_log, &released[1], count_release, 9),
                ZIL_INVALID_ARGUMENT, "9");
    CHECK(released[0] == 0 && released[1] == 0);
    /* replaced: the first is released, once */
    CHECK_OK(zil_set_log_callback(host_log, &released[1], count_release, ZIL_LOG_WARN));
    CHECK(released[0] == 1 && released[1] == 0);
    /* removed: the second is released, once */
    CHECK_OK(zil_set_log_callback(NULL, NULL, NULL, ZIL_LOG_WARN));
    CHECK(released[0] == 1 && released[1] == 1);
    /* a NULL callback's user_data and release are not used */
    CHECK_OK(zil_set_log_callback(NULL, &released[2], count_release, ZIL_LOG_WARN));
    CHECK_OK(zil_set_log_callback(NULL, NULL, NULL, ZIL_LOG_WARN));
    CHECK(released[2] == 0);
    printf("release once on replace and remove, never on failure: OK\n");
}

static zil_result reentry_set, reentry_ok, reentry_shutdown;
static char reentry_error[256];

/* Calls zil from inside the callback: a harmless call, one that logs (a
 * client that times out), and the two refused there. */
static void reentrant_log(void *user_data, int32_t level, const char *message)
{
    (void)level;
    (void)message;
    if (*(int *)user_data == 0) {
        *(int *)user_data = 1;
        reentry_ok = zil_set_log_level(ZIL_LOG_WARN);
        trigger_warning(); /* logs again from inside: to stderr */
        reentry_set = zil_set_log_callback(NULL, NULL, NULL, ZIL_LOG_WARN);
        snprintf(reentry_error, sizeof reentry_error, "%s", zil_last_error());
        reentry_shutdown = zil_shutdown(0);
    }
}

static int reentered;

static void trigger_reentry(void)
{
    trigger_warning();
}

static void calls_from_inside(void)
{
    char text[4096];
    CHECK_OK(zil_set_log_callback(reentrant_log, &reentered, NULL, ZIL_LOG_WARN));
    capture_stderr(trigger_reentry, text, sizeof text);
    CHECK(reentered == 1);
    CHECK_RESULT(reentry_ok, ZIL_OK);
    CHECK_RESULT(reentry_set, ZIL_INVALID_ARGUMENT);
    CHECK_RESULT(reentry_shutdown, ZIL_INVALID_ARGUMENT);
    CHECKF(strstr(reentry_error, "inside the log callback") != NULL, "error \"%s\"", reentry_error);
    CHECKF(strstr(text, "timed out") != NULL, "the inner line went to stderr: \"%s\"", text);
    /* the callback is still installed: a later line reaches it */
    CHECK_OK(zil_set_log_callback(host_log, &host, NULL, ZIL_LOG_WARN));
    printf("zil calls from inside the callback; replacing it there refused: OK\n");
}

static void back_to_stderr(void)
{
    char text[4096];
    CHECK_OK(zil_set_log_callback(host_log, &host, NULL, ZIL_LOG_WARN));
    sink_reset(&host);
    CHECK_OK(zil_set_log_callback(NULL, NULL, NULL, ZIL_LOG_WARN));
    capture_stderr(trigger_warning, text, sizeof text);
    CHECK(sink_count(&host) == 0); /* the callback is gone */
    CHECKF(strstr(text, "[WARN] zil: rpc 'ping'") != NULL && strstr(text, "timed out") != NULL,
           "stderr got \"%s\"", text);
    /* the level still filters stderr */
    CHECK_OK(zil_set_log_level(ZIL_LOG_OFF));
    capture_stderr(trigger_warning, text, sizeof text);
    CHECKF(text[0] == '\0', "stderr got \"%s\" at ZIL_LOG_OFF", text);
    CHECK_OK(zil_set_log_level(ZIL_LOG_DEBUG));
    capture_stderr(trigger_debug, text, sizeof text);
    CHECKF(strstr(text, "[DEBUG] zil: inpad") != NULL && strstr(text, "not a JSON object"),
           "stderr got \"%s\"", text);
    CHECK_OK(zil_set_log_level(ZIL_LOG_WARN));
    printf("NULL callback: back to stderr: OK\n");
}

int main(void)
{
    test_watchdog(60);
    CHECK(pthread_mutex_init(&host.lock, NULL) == 0);
    CHECK(pthread_mutex_init(&other_host.lock, NULL) == 0);
    test_bind_address(TEST_IPC, "nobody", dead_addr, sizeof dead_addr);

    /* the inpad pieces: an authz service refusing every verify */
    authz = zil_rpc_server_new(TEST_TCP_ANY);
    CHECK(authz != NULL);
    CHECK_OK(zil_rpc_server_set_handler(authz, "verify", refuse, NULL, NULL));
    CHECK_OK(zil_rpc_server_start(authz));
    raw_out = zil_outport_new(TEST_TCP_ANY, "audio");
    CHECK(raw_out != NULL);
    inpad = zil_inpad_new(zil_outport_endpoint(raw_out), "audio", zil_rpc_server_endpoint(authz));
    CHECK(inpad != NULL);
    CHECK_OK(zil_inpad_set_cache_ttl(inpad, 0));
    CHECK_OK(zil_outport_wait_subscribers(raw_out, 1, long_wait_ms(), NULL));

    callback_and_levels();
    bad_levels();
    concurrent();
    back_to_stderr();
    replace_removes_and_releases();
    calls_from_inside();

    zil_inpad_free(inpad);
    zil_outport_free(raw_out);
    zil_rpc_server_free(authz);

    /* zil_shutdown removes the callback and releases its user_data once */
    CHECK_OK(zil_set_log_callback(host_log, &released[2], count_release, ZIL_LOG_WARN));
    CHECK_OK(zil_shutdown(long_wait_ms()));
    CHECK(released[2] == 1);
    CHECK_OK(zil_shutdown(long_wait_ms()));
    CHECK(released[2] == 1);
    printf("zil_shutdown releases the callback once: OK\n");
    return 0;
}
