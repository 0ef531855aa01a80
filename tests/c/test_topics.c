/* Topics at the C boundary: a UTF-8 topic passed as a C string round trips
 * and reads back as one (zil_msg_topic); zil_options_set_prefix_match(false)
 * after true means exact matching again; an empty payload's data pointer is
 * never NULL. Topic matching itself (exact and prefix, the empty topic,
 * which ports subscribe) is tested once, in Rust: tests/stream.rs. */
#include "check.h"

/* A UTF-8 topic round trips; prefix_match(false) after true means exact. */
static void utf8_topic_and_option_reset(void)
{
    const char *topic = "caf\xc3\xa9/\xe2\x9c\x93"; /* "café/✓" */
    zil_options_t *opts = test_options(ZIL_ATTACH_DEFAULT, true, false);
    zil_outport_t *out;
    zil_inport_t *shorter, *exact;
    zil_msg_t *msg = NULL;
    zil_stats_t stats;
    double deadline;

    CHECK_OK(zil_options_set_prefix_match(opts, false)); /* back to exact */
    out = zil_outport_new(TEST_TCP_ANY, topic);
    CHECK(out != NULL);
    /* "café" is a prefix of "café/✓": libzmq delivers, zil filters */
    shorter = zil_inport_new_with_options(zil_outport_endpoint(out), "caf\xc3\xa9", opts);
    exact = zil_inport_new(zil_outport_endpoint(out), topic);
    CHECK(shorter != NULL && exact != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 2, long_wait_ms(), NULL));
    CHECK_OK(zil_outport_push(out, NULL, 0, "EOS"));

    CHECK_OK(zil_inport_recv(exact, &msg, long_wait_ms()));
    CHECK_STR_EQ(zil_msg_topic(msg), topic);
    CHECK_STR_EQ(zil_msg_event(msg), "EOS");
    CHECK(zil_msg_size(msg) == 0);
    CHECK(zil_msg_data(msg) != NULL); /* never NULL, even when empty */
    zil_msg_free(msg);

    deadline = now_ms() + long_wait_ms();
    do {
        CHECK_RESULT(zil_inport_recv(shorter, &msg, 50), ZIL_TIMEOUT);
        CHECK_OK(zil_inport_stats(shorter, &stats));
    } while (stats.messages_filtered == 0 && now_ms() < deadline);
    CHECK(stats.messages_filtered == 1);
    CHECK(stats.messages_received == 0);

    zil_inport_free(shorter);
    zil_inport_free(exact);
    zil_outport_free(out);
    zil_options_free(opts);
    printf("UTF-8 topic: OK\n");
}

int main(void)
{
    test_watchdog(50);
    utf8_topic_and_option_reset();
    return 0;
}
