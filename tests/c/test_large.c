/* Large payloads at the C boundary: zil_outport_push copies the caller's
 * buffer (scribbling on it once the call returned changes nothing, over
 * inproc, where libzmq hands messages over without copying them), an odd
 * size of 4 MiB + 1 comes back exactly through size_t and zil_stats_t, and
 * a received zil_msg_t owns its data, event and topic: they stay valid
 * after both ports are freed. Large payloads over every transport, with
 * every byte and the counters checked, are tested once, in Rust:
 * tests/stream.rs. */
#include "check.h"

#define SIZE (4u * 1024u * 1024u + 1u)

int main(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    zil_stats_t stats = {.size = sizeof stats};
    uint8_t *buf = (uint8_t *)test_malloc(SIZE);
    long bad;

    test_watchdog(30);
    test_pair(TEST_INPROC, "large", "video", NULL, NULL, &out, &in);
    fill_pattern(buf, SIZE, 77);
    CHECK_OK(zil_outport_push(out, buf, SIZE, "frame"));
    /* The caller's buffer was copied: scribbling on it changes nothing. */
    memset(buf, 0xAA, SIZE);
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECK(stats.counters.messages_sent == 1 && stats.counters.bytes_sent == SIZE);

    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK_OK(zil_inport_stats(in, &stats));
    CHECK(stats.counters.messages_received == 1 && stats.counters.bytes_received == SIZE);

    /* The message outlives its ports. */
    zil_inport_free(in);
    zil_outport_free(out);
    CHECKF(zil_msg_size(msg) == SIZE, "%lu bytes, expected %lu", (unsigned long)zil_msg_size(msg),
           (unsigned long)SIZE);
    bad = find_pattern_mismatch(zil_msg_data(msg), zil_msg_size(msg), 77);
    CHECKF(bad < 0, "byte %ld differs", bad);
    CHECK_STR_EQ(zil_msg_event(msg), "frame");
    CHECK_STR_EQ(zil_msg_topic(msg), "video");
    zil_msg_free(msg);
    free(buf);
    printf("4 MiB + 1 copied at the push, the message outliving its ports: OK\n");
    return 0;
}
