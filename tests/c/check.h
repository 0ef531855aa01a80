/* Small helpers shared by zil's C tests (header-only, valid C11 and C++).
 *
 * - CHECK(cond) and friends: on failure print file:line, the failed
 *   expression, zil_last_error() and exit(1), so ctest reports the test as
 *   failed with a precise message.
 * - Endpoints for tests that run in parallel: ephemeral TCP ports
 *   ("tcp://127.0.0.1:*", the real one read back with zil_outport_endpoint),
 *   ipc:// paths in a fresh temp dir (mkdtemp, removed at exit) and unique
 *   inproc:// names. Never a fixed port.
 * - Time: a monotonic clock in ms, sleeps, and a scale factor
 *   (ZIL_TEST_TIME_SCALE, set when the tests run under valgrind) for upper
 *   bounds and watchdogs.
 */
#ifndef ZIL_TEST_CHECK_H
#define ZIL_TEST_CHECK_H

#include "zil.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ checks */

/* Prints a failure and exits. zil_last_error() is copied first, so nothing
 * else evaluated while printing can replace it. */
static inline void check_fail(const char *file, int line, const char *what, const char *fmt, ...)
{
    char last[1024];
    snprintf(last, sizeof last, "%s", zil_last_error());
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, what);
    if (fmt != NULL && fmt[0] != '\0') {
        va_list ap;
        va_start(ap, fmt);
        fputs("  ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    fprintf(stderr, "  zil_last_error(): \"%s\"\n", last);
    fflush(stderr);
    exit(1);
}

/* CHECK(cond): cond must hold. */
#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            check_fail(__FILE__, __LINE__, #cond, "");                                             \
    } while (0)

/* CHECKF(cond, fmt, ...): like CHECK with a printf-style explanation. */
#define CHECKF(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            check_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                                    \
    } while (0)

/* CHECK_RESULT(expr, expected): a zil call returns the expected zil_result. */
#define CHECK_RESULT(expr, expected)                                                               \
    do {                                                                                           \
        int check_got_ = (int)(expr);                                                              \
        int check_want_ = (int)(expected);                                                         \
        if (check_got_ != check_want_)                                                             \
            check_fail(__FILE__, __LINE__, #expr, "returned %s (%d), expected %s (%d)",            \
                       zil_result_str(check_got_), check_got_, zil_result_str(check_want_),        \
                       check_want_);                                                               \
    } while (0)

/* CHECK_OK(expr): a zil call succeeds. */
#define CHECK_OK(expr) CHECK_RESULT(expr, ZIL_OK)

/* CHECK_STR_EQ(a, b): two C strings are equal (NULL only equals NULL). */
#define CHECK_STR_EQ(a, b)                                                                         \
    do {                                                                                           \
        const char *check_a_ = (a);                                                                \
        const char *check_b_ = (b);                                                                \
        if (!((check_a_ == NULL && check_b_ == NULL) ||                                            \
              (check_a_ != NULL && check_b_ != NULL && strcmp(check_a_, check_b_) == 0)))          \
            check_fail(__FILE__, __LINE__, #a " == " #b, "\"%s\" != \"%s\"",                      \
                       check_a_ ? check_a_ : "(NULL)", check_b_ ? check_b_ : "(NULL)");            \
    } while (0)

/* CHECK_ERROR_MENTIONS(needle): zil_last_error() contains needle. */
#define CHECK_ERROR_MENTIONS(needle)                                                               \
    do {                                                                                           \
        const char *check_n_ = (needle);                                                           \
        if (strstr(zil_last_error(), check_n_) == NULL)                                            \
            check_fail(__FILE__, __LINE__, "zil_last_error() mentions " #needle,                   \
                       "\"%s\" not found", check_n_);                                              \
    } while (0)

/* Replaces the thread's last error with a known text that names no argument,
 * so the next CHECK_ERROR_MENTIONS proves the call under test set its own. */
static inline void poison_last_error(void)
{
    zil_options_t *opts = zil_options_new();
    if (opts == NULL || zil_options_set_sndhwm(opts, -7) != ZIL_INVALID_ARGUMENT ||
        strstr(zil_last_error(), "-7") == NULL) {
        fprintf(stderr, "poison_last_error: zil_options_set_sndhwm(-7) did not fail as expected\n");
        exit(1);
    }
    zil_options_free(opts);
}

/* EXPECT_FAIL(expr, code, needle): `expr` (a zil_result) is `code`, and the
 * error text it set (the previous one is poisoned first) contains `needle`. */
#define EXPECT_FAIL(expr, code, needle)                                                            \
    do {                                                                                           \
        poison_last_error();                                                                       \
        CHECK_RESULT(expr, code);                                                                  \
        CHECK_ERROR_MENTIONS(needle);                                                              \
    } while (0)

/* EXPECT_NULL(expr, needle): `expr` (a pointer) is NULL, and the error text
 * it set contains `needle`. */
#define EXPECT_NULL(expr, needle)                                                                  \
    do {                                                                                           \
        poison_last_error();                                                                       \
        CHECK((expr) == NULL);                                                                     \
        CHECK_ERROR_MENTIONS(needle);                                                              \
    } while (0)

/* Strings that are not UTF-8: invalid bytes, and a cut multi-byte sequence. */
#define NOT_UTF8 "\xff\xfe"
#define BROKEN_UTF8 "asr\xc3("

/* -------------------------------------------------------------------- time */

/* A monotonic clock in milliseconds. */
static inline double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static inline void sleep_ms(long ms)
{
    struct timespec ts;
    ts.tv_sec = ms / 1000;
    ts.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

/* How much slower than usual the tests run (ZIL_TEST_TIME_SCALE, e.g. 10
 * under valgrind): multiply upper bounds and generous waits by it. */
static inline int time_scale(void)
{
    const char *s = getenv("ZIL_TEST_TIME_SCALE");
    int scale = s != NULL ? atoi(s) : 1;
    return scale >= 1 ? scale : 1;
}

/* A generous wait for things that normally take milliseconds (subscriptions
 * arriving, a message crossing): 5 s, scaled. */
static inline int32_t long_wait_ms(void)
{
    return (int32_t)(5000 * time_scale());
}

/* Kills the test (SIGALRM) if it runs longer than `seconds` (scaled): a
 * blocked call fails the test instead of hanging it. */
static inline void test_watchdog(unsigned seconds)
{
    alarm(seconds * (unsigned)time_scale());
}

/* The upper bound for a call that should take `expected_ms`: 20 % more,
 * the margin scaled (valgrind), plus 30 ms of scheduling noise. */
static inline double time_bound_ms(double expected_ms)
{
    return expected_ms + (0.2 * expected_ms + 30.0) * time_scale();
}

/* Polls `done(arg)` every millisecond until it is true or `timeout_ms`
 * passed; returns its last value. For effects that happen asynchronously
 * (libzmq releasing a buffer, a thread finishing). */
static inline bool test_wait_for(bool (*done)(void *), void *arg, int32_t timeout_ms)
{
    double deadline = now_ms() + timeout_ms;
    while (!done(arg)) {
        if (now_ms() > deadline)
            return done(arg);
        sleep_ms(1);
    }
    return true;
}

/* -------------------------------------------------------------- threads */

/* A thread whose end can be awaited with a bound (pthread_join has none):
 * a blocked call then fails the test with a message instead of hanging it
 * until the watchdog. */
typedef struct test_thread {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int done;
    void *(*fn)(void *);
    void *arg;
    void *result;
} test_thread;

static inline void *test_thread_main(void *p)
{
    test_thread *t = (test_thread *)p;
    void *result = t->fn(t->arg);
    pthread_mutex_lock(&t->lock);
    t->result = result;
    t->done = 1;
    pthread_cond_broadcast(&t->cond);
    pthread_mutex_unlock(&t->lock);
    return NULL;
}

static inline void test_thread_start(test_thread *t, void *(*fn)(void *), void *arg)
{
    memset(t, 0, sizeof *t);
    t->fn = fn;
    t->arg = arg;
    CHECK(pthread_mutex_init(&t->lock, NULL) == 0);
    CHECK(pthread_cond_init(&t->cond, NULL) == 0);
    CHECK(pthread_create(&t->thread, NULL, test_thread_main, t) == 0);
}

/* True (and the thread joined) if it ended within `timeout_ms`; false if it
 * is still running (then it is left alone: the test should fail). */
static inline bool test_thread_join_within(test_thread *t, int32_t timeout_ms)
{
    struct timespec until;
    int done;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&t->lock);
    while (!t->done && pthread_cond_timedwait(&t->cond, &t->lock, &until) == 0) {
    }
    done = t->done;
    pthread_mutex_unlock(&t->lock);
    if (!done)
        return false;
    CHECK(pthread_join(t->thread, NULL) == 0);
    pthread_mutex_destroy(&t->lock);
    pthread_cond_destroy(&t->cond);
    return true;
}

/* Joins a thread that must end within `timeout_ms`, or fails the test. */
#define CHECK_JOINED(t, timeout_ms)                                                                \
    CHECKF(test_thread_join_within((t), (timeout_ms)), "thread still running after %ld ms",        \
           (long)(timeout_ms))

/* --------------------------------------------------------------- endpoints */

/* Binding here makes the system choose a free port; read the real endpoint
 * back with zil_outport_endpoint / zil_inport_endpoint. */
#define TEST_TCP_ANY "tcp://127.0.0.1:*"

typedef enum test_transport { TEST_TCP = 0, TEST_IPC = 1, TEST_INPROC = 2 } test_transport;

static inline const char *test_transport_name(test_transport t)
{
    switch (t) {
    case TEST_TCP: return "tcp";
    case TEST_IPC: return "ipc";
    case TEST_INPROC: return "inproc";
    }
    return "?";
}

static char test_tmpdir_path[256];

/* Removes the temp dir and whatever sockets were left in it. */
static inline void test_tmpdir_cleanup(void)
{
    DIR *dir;
    struct dirent *entry;
    char path[512];
    if (test_tmpdir_path[0] == '\0')
        return;
    dir = opendir(test_tmpdir_path);
    if (dir != NULL) {
        while ((entry = readdir(dir)) != NULL) {
            if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
                continue;
            snprintf(path, sizeof path, "%s/%s", test_tmpdir_path, entry->d_name);
            unlink(path);
        }
        closedir(dir);
    }
    rmdir(test_tmpdir_path);
}

/* A fresh private directory for this process (created once, removed at
 * exit). */
static inline const char *test_tmpdir(void)
{
    if (test_tmpdir_path[0] == '\0') {
        const char *base = getenv("TMPDIR");
        snprintf(test_tmpdir_path, sizeof test_tmpdir_path, "%s/zil-test-XXXXXX",
                 base != NULL && base[0] != '\0' ? base : "/tmp");
        if (mkdtemp(test_tmpdir_path) == NULL) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(test_tmpdir_cleanup);
    }
    return test_tmpdir_path;
}

/* Writes an address to bind for `t` into buf: tcp → TEST_TCP_ANY, ipc → a
 * socket in the temp dir, inproc → a name unique in the process. `name`
 * keeps addresses of one test apart. */
static inline void test_bind_address(test_transport t, const char *name, char *buf, size_t size)
{
    static unsigned counter;
    counter++;
    switch (t) {
    case TEST_TCP:
        snprintf(buf, size, "%s", TEST_TCP_ANY);
        return;
    case TEST_IPC:
        snprintf(buf, size, "ipc://%s/%s-%u.sock", test_tmpdir(), name, counter);
        return;
    case TEST_INPROC:
        snprintf(buf, size, "inproc://zil-test-%ld-%s-%u", (long)getpid(), name, counter);
        return;
    }
}

/* -------------------------------------------------------------- port pairs */

/* Options with unlimited high-water marks (0), so a test that pushes
 * thousands of messages before receiving them loses none. Free with
 * zil_options_free. */
static inline zil_options_t *test_unlimited_options(void)
{
    zil_options_t *opts = zil_options_new();
    CHECK(opts != NULL);
    CHECK_OK(zil_options_set_sndhwm(opts, 0));
    CHECK_OK(zil_options_set_rcvhwm(opts, 0));
    return opts;
}

/* Creates an output port bound on transport `t` and an input port connected
 * to its real endpoint, both on `topic`, and waits until the subscription
 * has arrived (so no message is lost to the slow joiner). */
static inline void test_pair(test_transport t, const char *name, const char *topic,
                             const zil_options_t *out_opts, const zil_options_t *in_opts,
                             zil_outport_t **out, zil_inport_t **in)
{
    char addr[512];
    size_t subscribers = 0;
    test_bind_address(t, name, addr, sizeof addr);
    *out = zil_outport_new_with_options(addr, topic, out_opts);
    CHECKF(*out != NULL, "cannot bind %s", addr);
    CHECK(zil_outport_endpoint(*out) != NULL);
    CHECKF(strchr(zil_outport_endpoint(*out), '*') == NULL, "endpoint %s not resolved",
           zil_outport_endpoint(*out));
    *in = zil_inport_new_with_options(zil_outport_endpoint(*out), topic, in_opts);
    CHECKF(*in != NULL, "cannot connect to %s", zil_outport_endpoint(*out));
    CHECK_OK(zil_outport_wait_subscribers(*out, 1, long_wait_ms(), &subscribers));
    CHECK(subscribers == 1);
}


/* Options for one side: attach (ZIL_ATTACH_*), prefix matching, and
 * unlimited high-water marks if `unlimited`. Free with zil_options_free. */
static inline zil_options_t *test_options(int attach, bool prefix, bool unlimited)
{
    zil_options_t *opts = zil_options_new();
    CHECK(opts != NULL);
    CHECK_OK(zil_options_set_attach(opts, attach));
    CHECK_OK(zil_options_set_prefix_match(opts, prefix));
    if (unlimited) {
        CHECK_OK(zil_options_set_sndhwm(opts, 0));
        CHECK_OK(zil_options_set_rcvhwm(opts, 0));
    }
    return opts;
}

/* Waits until `out` has `count` subscribers while keeping the bound input
 * port `in` serviced. In the reverse topology (input port binds, output
 * ports connect) libzmq attaches a new connection to the bound SUB socket,
 * and sends it the subscription, only when that socket is used (libzmq
 * issue #2267): an idle bound input port never subscribes. A receiving
 * thread does that; single-threaded tests poll the port (timeout 0) here.
 * The port must have nothing queued yet. */
static inline void test_wait_subscribers_serving(zil_outport_t *out, zil_inport_t *in,
                                                 size_t count)
{
    double deadline = now_ms() + long_wait_ms();
    size_t n = 0;
    for (;;) {
        zil_msg_t *msg = NULL;
        CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_TIMEOUT);
        if (zil_outport_wait_subscribers(out, count, 10, &n) == ZIL_OK)
            return;
        CHECKF(now_ms() < deadline, "%lu of %lu subscribers on %s", (unsigned long)n,
               (unsigned long)count, zil_outport_endpoint(out));
    }
}

/* ---------------------------------------------------------------- payloads */

/* A byte pattern that differs per message (seed) and per position, so a
 * swapped, truncated or shifted payload is detected. */
static inline uint8_t pattern_byte(uint32_t seed, size_t i)
{
    uint32_t x = seed * 2654435761u + (uint32_t)i * 40503u + (uint32_t)(i >> 8);
    return (uint8_t)(x ^ (x >> 13) ^ (x >> 24));
}

static inline void fill_pattern(uint8_t *buf, size_t len, uint32_t seed)
{
    size_t i;
    for (i = 0; i < len; i++)
        buf[i] = pattern_byte(seed, i);
}

/* Index of the first byte that breaks the pattern, or -1 if none does. */
static inline long find_pattern_mismatch(const uint8_t *buf, size_t len, uint32_t seed)
{
    size_t i;
    for (i = 0; i < len; i++)
        if (buf[i] != pattern_byte(seed, i))
            return (long)i;
    return -1;
}

/* Allocates or dies. */
static inline void *test_malloc(size_t size)
{
    void *p = malloc(size > 0 ? size : 1);
    CHECKF(p != NULL, "out of memory (%lu bytes)", (unsigned long)size);
    return p;
}

/* An RPC handler that answers true, whatever it is asked; its user_data is
 * free for the test (e.g. a release counter). */
static inline void test_handler_yes(void *user_data, const char *method, const char *params_json,
                                    const char *params_string, zil_rpc_reply_t *reply)
{
    (void)user_data;
    (void)method;
    (void)params_json;
    (void)params_string;
    zil_rpc_reply_set_bool(reply, true);
}

#endif /* ZIL_TEST_CHECK_H */
