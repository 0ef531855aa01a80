/* Timeout arguments at the C boundary, for zil_inport_recv and
 * zil_outport_wait_subscribers (int32_t milliseconds): 0 polls (ZIL_TIMEOUT
 * at once), n > 0 waits n ms (ZIL_TIMEOUT after about n ms), -1 waits
 * forever and returns as soon as what it waits for is there, and a value
 * below -1 is refused with ZIL_INVALID_ARGUMENT and an error naming it. A
 * timeout or a refusal leaves *msg alone; wait_subscribers writes the count
 * it saw on a timeout and leaves it alone on a refusal. How long the waits
 * last in every case (repeated, 1 ms, from an address nobody binds, a
 * message arriving, filtered traffic, other subscribers) is tested once, in
 * Rust: tests/stream.rs; -1 ended by a wake-up in test_wake.c. */
#include "check.h"

/* Upper bound for a wait of `ms`: generous (loaded CI machines, ctest -j),
 * scaled under valgrind. */
static double upper_ms(double ms)
{
    return (ms + 900.0) * time_scale();
}

#define CHECK_ELAPSED(elapsed, lo, hi)                                                             \
    CHECKF((elapsed) >= (lo) && (elapsed) <= (hi), "took %.1f ms, expected %.0f..%.0f ms",         \
           (double)(elapsed), (double)(lo), (double)(hi))

static const int32_t invalid[] = {-2, -1000, INT32_MIN};

static void recv_timeouts(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *marker = (zil_msg_t *)(void *)&out;
    zil_msg_t *msg = marker;
    double t;
    size_t i;

    test_pair(TEST_INPROC, "recv", "t", NULL, NULL, &out, &in);

    /* 0: only what is already queued */
    poison_last_error();
    t = now_ms();
    CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 0, upper_ms(0));
    CHECK(msg == marker); /* left untouched */
    CHECK_ERROR_MENTIONS("before the timeout");

    /* 100: about 100 ms */
    t = now_ms();
    CHECK_RESULT(zil_inport_recv(in, &msg, 100), ZIL_TIMEOUT);
    CHECK_ELAPSED(now_ms() - t, 90, upper_ms(100));
    CHECK(msg == marker);

    /* below -1: refused, nothing written */
    for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char text[32];
        snprintf(text, sizeof text, "%ld", (long)invalid[i]);
        poison_last_error();
        CHECK_RESULT(zil_inport_recv(in, &msg, invalid[i]), ZIL_INVALID_ARGUMENT);
        CHECK(msg == marker);
        CHECK_ERROR_MENTIONS(text);
        CHECK_ERROR_MENTIONS("timeout");
    }

    /* -1: returns with the message (the port still works) */
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"q", 1, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, -1));
    CHECK(msg != marker && zil_msg_size(msg) == 1);
    zil_msg_free(msg);

    zil_inport_free(in);
    zil_outport_free(out);
    printf("zil_inport_recv timeouts 0, 100, -1, below -1: OK\n");
}

static void wait_subscribers_timeouts(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_inport_t *in;
    size_t n = 77;
    double t;
    size_t i;

    CHECK(out != NULL);

    /* nobody there: 0 checks once, 100 waits about 100 ms; the count is
     * written, or not asked for */
    poison_last_error();
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
    CHECK_RESULT(zil_outport_wait_subscribers(out, 1, 0, NULL), ZIL_TIMEOUT);
    /* waiting for 0 subscribers succeeds at once, also forever */
    n = 77;
    CHECK_OK(zil_outport_wait_subscribers(out, 0, 0, &n));
    CHECK(n == 0);
    CHECK_OK(zil_outport_wait_subscribers(out, 0, -1, NULL));

    /* below -1: refused, nothing written */
    for (i = 0; i < sizeof invalid / sizeof invalid[0]; i++) {
        char text[32];
        snprintf(text, sizeof text, "%ld", (long)invalid[i]);
        n = 77;
        poison_last_error();
        CHECK_RESULT(zil_outport_wait_subscribers(out, 1, invalid[i], &n), ZIL_INVALID_ARGUMENT);
        CHECK(n == 77);
        CHECK_ERROR_MENTIONS(text);
        CHECK_ERROR_MENTIONS("timeout");
    }

    /* -1 returns at once when the count is reached */
    in = zil_inport_new(zil_outport_endpoint(out), "t");
    CHECK(in != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), NULL));
    t = now_ms();
    CHECK_OK(zil_outport_wait_subscribers(out, 1, -1, &n));
    CHECK_ELAPSED(now_ms() - t, 0, upper_ms(0));
    CHECK(n == 1);

    zil_inport_free(in);
    zil_outport_free(out);
    printf("zil_outport_wait_subscribers timeouts 0, 100, -1, below -1: OK\n");
}

int main(void)
{
    test_watchdog(50);
    recv_timeouts();
    wait_subscribers_timeouts();
    return 0;
}
