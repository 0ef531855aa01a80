/* Lossless output ports at the C boundary: the timeout given to
 * zil_options_set_lossless is in milliseconds (a push to a full subscriber
 * returns ZIL_TIMEOUT after its 50 ms, the error saying the message was
 * dropped), and zil_stats_t counts the drop in messages_dropped;
 * zil_outport_set_interrupted(true) makes such a push return
 * ZIL_INTERRUPTED at once, counting no drop, and (false) lets pushes wait
 * again; zil_options_set_lossless refuses bad arguments. What a lossless
 * port does (every push to a full subscriber waits its timeout and is
 * dropped, never one accepted in between; what was accepted arrives, in
 * order; room again lets pushes through; an interruption ends a push
 * waiting in another thread) is tested once, in Rust: tests/stream.rs. */
#include "check.h"

#define HWM 10

int main(void)
{
    zil_options_t *out_opts = zil_options_new();
    zil_options_t *in_opts = zil_options_new();
    zil_outport_t *out;
    zil_inport_t *in;
    zil_stats_t stats = {.size = sizeof stats};
    uint32_t accepted = 0;
    double started, took;
    zil_result r;

    test_watchdog(30);
    CHECK(out_opts != NULL && in_opts != NULL);
    CHECK_OK(zil_options_set_sndhwm(out_opts, HWM));
    CHECK_OK(zil_options_set_rcvhwm(in_opts, HWM));
    CHECK_OK(zil_options_set_lossless(out_opts, true, 50));
    test_pair(TEST_INPROC, "lossless", "t", out_opts, in_opts, &out, &in);

    /* Nobody reads: the queues fill, then a push waits its 50 ms. */
    for (;;) {
        started = now_ms();
        r = zil_outport_push(out, (const uint8_t *)&accepted, sizeof accepted, NULL);
        took = now_ms() - started;
        if (r != ZIL_OK)
            break;
        accepted++;
        CHECKF(accepted < 1000, "the queues never filled");
    }
    CHECK_RESULT(r, ZIL_TIMEOUT);
    CHECK_ERROR_MENTIONS("dropped");
    CHECKF(took >= 45.0 && took <= time_bound_ms(50),
           "a push with a 50 ms lossless timeout was dropped after %.0f ms", took);
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECKF(stats.counters.messages_sent == accepted && stats.counters.messages_dropped == 1,
           "sent %llu, dropped %llu", (unsigned long long)stats.counters.messages_sent,
           (unsigned long long)stats.counters.messages_dropped);

    /* Interrupted: the full port answers at once, sends nothing and counts
     * no drop. */
    CHECK_OK(zil_outport_set_interrupted(out, true));
    started = now_ms();
    EXPECT_FAIL(zil_outport_push(out, (const uint8_t *)"no", 2, NULL), ZIL_INTERRUPTED,
                "interrupted");
    took = now_ms() - started;
    CHECKF(took < 40.0 * time_scale(), "an interrupted push took %.0f ms", took);
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECK(stats.counters.messages_sent == accepted && stats.counters.messages_dropped == 1);

    /* Cleared: a push waits its timeout again. */
    CHECK_OK(zil_outport_set_interrupted(out, false));
    started = now_ms();
    EXPECT_FAIL(zil_outport_push(out, (const uint8_t *)"no", 2, NULL), ZIL_TIMEOUT, "dropped");
    took = now_ms() - started;
    CHECKF(took >= 45.0, "with the interruption cleared a push waited only %.0f ms", took);
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECK(stats.counters.messages_sent == accepted && stats.counters.messages_dropped == 2);

    /* Bad arguments; false turns it off. */
    EXPECT_FAIL(zil_options_set_lossless(NULL, true, 10), ZIL_NULL_ARGUMENT, "opts");
    EXPECT_FAIL(zil_options_set_lossless(out_opts, true, -2), ZIL_INVALID_ARGUMENT, "timeout");
    CHECK_OK(zil_options_set_lossless(out_opts, false, -1));

    /* Freed with messages still queued for the subscriber. */
    zil_inport_free(in);
    zil_outport_free(out);
    zil_options_free(out_opts);
    zil_options_free(in_opts);
    printf("test_lossless: %u accepted, then dropped after 50 ms, interrupted at once: OK\n",
           (unsigned)accepted);
    return 0;
}
