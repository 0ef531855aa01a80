/* Timeouts: zil_inport_recv and zil_outport_wait_subscribers give up in
 * bounded time with ZIL_TIMEOUT (0 polls, n ms waits about n ms), return as
 * soon as what they wait for happens, keep the deadline while filtered
 * messages keep arriving, and refuse timeouts below -1. */
#include "check.h"

#include <pthread.h>

/* Upper bound for a wait of `ms`: generous (loaded CI machines, ctest -j),
 * scaled under valgrind. */
static double upper_ms(double ms)
{
    return (ms + 900.0) * time_scale();
}

#define CHECK_ELAPSED(elapsed, lo, hi)                                                             \
    CHECKF((elapsed) >= (lo) && (elapsed) <= (hi), "took %.1f ms, expected %.0f..%.0f ms",         \
           (double)(elapsed), (double)(lo), (double)(hi))

static void recv_timeouts(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *marker = (zil_msg_t *)(void *)&out;
    zil_msg_t *msg = marker;
    double t;
    int i;

    test_pair(TEST_TCP, "timeouts", "t", NULL, NULL, &out, &in);

    /* 0: only what is already queued */
    t = now_ms();
    CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 0, upper_ms(0));
    CHECK(msg == marker); /* left untouched */
    CHECK_ERROR_MENTIONS("timeout");

    /* 100 ms, a few times */
    for (i = 0; i < 3; i++) {
        t = now_ms();
        CHECK_RESULT(zil_inport_recv(in, &msg, 100), ZIL_TIMEOUT);
        CHECK_ELAPSED(now_ms() - t, 90, upper_ms(100));
        CHECK(msg == marker);
    }
    /* 1 ms and 250 ms */
    t = now_ms();
    CHECK_RESULT(zil_inport_recv(in, &msg, 1), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 0.9, upper_ms(1));
    t = now_ms();
    CHECK_RESULT(zil_inport_recv(in, &msg, 250), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 240, upper_ms(250));

    /* a queued message is taken by a poll */
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"q", 1, NULL));
    {
        double deadline = now_ms() + long_wait_ms();
        zil_result rc;
        while ((rc = zil_inport_recv(in, &msg, 0)) == ZIL_TIMEOUT && now_ms() < deadline)
            sleep_ms(1);
        CHECK_OK(rc);
        CHECK(msg != marker && zil_msg_size(msg) == 1);
        zil_msg_free(msg);
    }

    zil_inport_free(in);
    zil_outport_free(out);
    printf("recv timeouts: OK\n");
}

/* A port connected to an address nobody binds: receives time out. */
static void recv_from_nobody(void)
{
    char addr[512];
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    double t;

    test_bind_address(TEST_IPC, "nobody", addr, sizeof addr);
    in = zil_inport_new(addr, "t"); /* connecting needs no peer yet */
    CHECK(in != NULL);
    t = now_ms();
    CHECK_RESULT(zil_inport_recv(in, &msg, 100), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 90, upper_ms(100));
    zil_inport_free(in);
    printf("recv from nobody: OK\n");
}

struct delayed_push {
    zil_outport_t *out;
    const char *event;
    long delay_ms;
    int repeat;      /* pushes, every 1 ms */
};

static void *delayed_push_thread(void *arg)
{
    struct delayed_push *p = (struct delayed_push *)arg;
    int i;
    sleep_ms(p->delay_ms);
    for (i = 0; i < p->repeat; i++) {
        if (zil_outport_push(p->out, (const uint8_t *)"late", 4, p->event) != ZIL_OK) {
            fprintf(stderr, "push failed: %s\n", zil_last_error());
            exit(1);
        }
        if (p->repeat > 1)
            sleep_ms(1);
    }
    return NULL;
}

/* recv returns as soon as a message arrives, long before its timeout. */
static void recv_returns_on_arrival(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    pthread_t thread;
    struct delayed_push push;
    double t, elapsed;

    test_pair(TEST_TCP, "arrival", "t", NULL, NULL, &out, &in);
    push.out = out;
    push.event = "pcm";
    push.delay_ms = 100;
    push.repeat = 1;
    t = now_ms();
    CHECK(pthread_create(&thread, NULL, delayed_push_thread, &push) == 0);
    CHECK_OK(zil_inport_recv(in, &msg, 20000));
    elapsed = now_ms() - t;
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK_ELAPSED(elapsed, 90, upper_ms(100));
    CHECK(zil_msg_size(msg) == 4 && memcmp(zil_msg_data(msg), "late", 4) == 0);
    zil_msg_free(msg);
    zil_inport_free(in);
    zil_outport_free(out);
    printf("recv returns on arrival (%.0f ms): OK\n", elapsed);
}

/* Filtered messages (another topic sharing the prefix) arriving all the
 * time do not extend the deadline. */
static void deadline_kept_while_filtering(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "asr2");
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    pthread_t thread;
    struct delayed_push push;
    zil_stats_t stats = {.size = sizeof stats};
    double t, elapsed;

    CHECK(out != NULL);
    in = zil_inport_new(zil_outport_endpoint(out), "asr"); /* exact: filters "asr2" */
    CHECK(in != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), NULL));
    push.out = out;
    push.event = NULL;
    push.delay_ms = 0;
    push.repeat = 400; /* about 400 ms of traffic */
    CHECK(pthread_create(&thread, NULL, delayed_push_thread, &push) == 0);
    sleep_ms(20);
    t = now_ms();
    CHECK_RESULT(zil_inport_recv(in, &msg, 200), ZIL_TIMEOUT);
    elapsed = now_ms() - t;
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK_ELAPSED(elapsed, 190, upper_ms(200));
    CHECK_OK(zil_inport_stats(in, &stats));
    CHECKF(stats.counters.messages_filtered > 0, "no message was filtered during the wait");
    CHECK(stats.counters.messages_received == 0);
    zil_inport_free(in);
    zil_outport_free(out);
    printf("deadline kept while filtering (%llu filtered): OK\n",
           (unsigned long long)stats.counters.messages_filtered);
}

static void wait_subscribers_timeouts(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_inport_t *in;
    size_t n = 77;
    double t;

    CHECK(out != NULL);

    /* nobody there: 0 checks once, 100 ms waits, the count is written */
    t = now_ms();
    CHECK_RESULT(zil_outport_wait_subscribers(out, 1, 0, &n), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 0, upper_ms(0));
    CHECK(n == 0);
    CHECK_ERROR_MENTIONS("0 of 1 subscribers");
    CHECK_ERROR_MENTIONS(zil_outport_endpoint(out));
    n = 77;
    t = now_ms();
    CHECK_RESULT(zil_outport_wait_subscribers(out, 1, 100, &n), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 90, upper_ms(100));
    CHECK(n == 0);
    /* the out-argument is optional */
    t = now_ms();
    CHECK_RESULT(zil_outport_wait_subscribers(out, 1, 100, NULL), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 90, upper_ms(100));
    /* waiting for 0 subscribers succeeds at once */
    n = 77;
    CHECK_OK(zil_outport_wait_subscribers(out, 0, 0, &n));
    CHECK(n == 0);
    CHECK_OK(zil_outport_wait_subscribers(out, 0, -1, NULL));

    /* one subscriber: waiting for two times out, and reports one */
    in = zil_inport_new(zil_outport_endpoint(out), "t");
    CHECK(in != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), &n));
    CHECK(n == 1);
    n = 77;
    t = now_ms();
    CHECK_RESULT(zil_outport_wait_subscribers(out, 2, 100, &n), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 90, upper_ms(100));
    CHECK(n == 1);
    CHECK_ERROR_MENTIONS("1 of 2 subscribers");
    /* -1 waits forever, but returns at once when the count is reached */
    t = now_ms();
    CHECK_OK(zil_outport_wait_subscribers(out, 1, -1, &n));
    CHECK_ELAPSED(now_ms() - t, 0, upper_ms(0));

    zil_inport_free(in);
    zil_outport_free(out);
    printf("wait_subscribers timeouts: OK\n");
}

/* Timeouts below -1 are refused, and nothing is written. */
static void invalid_timeouts(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *marker = (zil_msg_t *)(void *)&out;
    zil_msg_t *msg = marker;
    size_t n = 77;
    static const int32_t bad[] = {-2, -1000, INT32_MIN};
    size_t i;

    test_pair(TEST_INPROC, "invalid", "t", NULL, NULL, &out, &in);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char text[32];
        snprintf(text, sizeof text, "%ld", (long)bad[i]);
        poison_last_error();
        CHECK_RESULT(zil_inport_recv(in, &msg, bad[i]), ZIL_INVALID_ARGUMENT);
        CHECK(msg == marker);
        CHECK_ERROR_MENTIONS(text);
        CHECK_ERROR_MENTIONS("timeout");
        poison_last_error();
        CHECK_RESULT(zil_outport_wait_subscribers(out, 1, bad[i], &n), ZIL_INVALID_ARGUMENT);
        CHECK(n == 77);
        CHECK_ERROR_MENTIONS(text);
    }
    /* the port still works */
    CHECK_OK(zil_outport_push(out, NULL, 0, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    zil_msg_free(msg);
    zil_inport_free(in);
    zil_outport_free(out);
    printf("invalid timeouts: OK\n");
}

int main(void)
{
    test_watchdog(50);
    recv_timeouts();
    recv_from_nobody();
    recv_returns_on_arrival();
    deadline_kept_while_filtering();
    wait_subscribers_timeouts();
    invalid_timeouts();
    return 0;
}
