/* Lossless output ports (zil_options_set_lossless): a push waits while a
 * subscriber is full, at most the timeout; then the message is dropped for
 * all, counted in messages_dropped, and the push returns ZIL_TIMEOUT; an
 * interrupted port returns ZIL_INTERRUPTED at once. A receiver that catches
 * up gets every message that was accepted, in order. */
#include "check.h"

#define HWM 10

int main(void)
{
    zil_options_t *out_opts = zil_options_new();
    zil_options_t *in_opts = zil_options_new();
    zil_outport_t *out;
    zil_inport_t *in;
    zil_stats_t stats = {.size = sizeof stats};
    int accepted = 0, dropped = 0, i;
    double started, took;

    test_watchdog(60);
    CHECK(out_opts != NULL && in_opts != NULL);
    CHECK_OK(zil_options_set_sndhwm(out_opts, HWM));
    CHECK_OK(zil_options_set_rcvhwm(in_opts, HWM));
    CHECK_OK(zil_options_set_lossless(out_opts, true, 50));
    test_pair(TEST_INPROC, "lossless", "t", out_opts, in_opts, &out, &in);

    /* Nobody reads: the queues fill (about 2 x HWM), then pushes time out. */
    started = now_ms();
    for (i = 0; i < 4 * HWM; i++) {
        uint32_t seq = (uint32_t)i;
        zil_result r = zil_outport_push(out, (const uint8_t *)&seq, sizeof seq, NULL);
        if (r == ZIL_OK) {
            CHECKF(dropped == 0, "push %d accepted after a drop", i);
            accepted++;
        } else {
            CHECKF(r == ZIL_TIMEOUT, "push %d: %s", i, zil_result_str((int)r));
            CHECK_ERROR_MENTIONS("dropped");
            dropped++;
        }
    }
    took = now_ms() - started;
    CHECKF(accepted >= HWM && dropped > 0, "accepted %d, dropped %d", accepted, dropped);
    CHECKF(took >= dropped * 45.0, "each drop waited its 50 ms: %.0f ms for %d", took, dropped);
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECK(stats.counters.messages_sent == (uint64_t)accepted && stats.counters.messages_dropped == (uint64_t)dropped);

    /* Interrupted (zil_outport_set_interrupted): a full port answers at
     * once with ZIL_INTERRUPTED, sends nothing and counts no drop. */
    CHECK_OK(zil_outport_set_interrupted(out, true));
    started = now_ms();
    EXPECT_FAIL(zil_outport_push(out, (const uint8_t *)"no", 2, NULL), ZIL_INTERRUPTED,
                "interrupted");
    CHECKF(now_ms() - started < 40.0, "an interrupted push took %.0f ms", now_ms() - started);
    CHECK_OK(zil_outport_set_interrupted(out, false));
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECK(stats.counters.messages_dropped == (uint64_t)dropped);

    /* Everything accepted arrives, in order. */
    for (i = 0; i < accepted; i++) {
        zil_msg_t *msg = NULL;
        uint32_t seq;
        CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
        CHECK(zil_msg_size(msg) == sizeof seq);
        memcpy(&seq, zil_msg_data(msg), sizeof seq);
        CHECKF(seq == (uint32_t)i, "message %d carries %u", i, seq);
        zil_msg_free(msg);
    }
    /* With room again, pushes go through. */
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"ok", 2, NULL));

    /* Bad arguments; false turns it off (any timeout accepted then). */
    EXPECT_FAIL(zil_options_set_lossless(NULL, true, 10), ZIL_NULL_ARGUMENT, "opts");
    EXPECT_FAIL(zil_options_set_lossless(out_opts, true, -2), ZIL_INVALID_ARGUMENT, "timeout");
    CHECK_OK(zil_options_set_lossless(out_opts, false, -1));

    zil_inport_free(in);
    zil_outport_free(out);
    zil_options_free(out_opts);
    zil_options_free(in_opts);
    printf("test_lossless: accepted %d, dropped %d in %.0f ms: OK\n", accepted, dropped, took);
    return 0;
}
