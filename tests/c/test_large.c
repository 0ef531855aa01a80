/* Large payloads (4 MiB and more, odd sizes) over tcp, ipc and inproc with
 * default options: every byte checked, counters exact. */
#include "check.h"

#define MIB (1024u * 1024u)

static void large(test_transport t)
{
    static const size_t sizes[] = {4 * MIB, 4 * MIB + 1, 16 * MIB - 3, 4 * MIB, 1, 0, 8 * MIB};
    const size_t n = sizeof sizes / sizeof sizes[0];
    size_t max = 16 * MIB;
    uint8_t *buf = (uint8_t *)test_malloc(max);
    zil_outport_t *out;
    zil_inport_t *in;
    zil_stats_t stats = {.size = sizeof stats};
    uint64_t total = 0;
    size_t i;
    double start = now_ms();

    test_pair(t, "large", "video", NULL, NULL, &out, &in);
    for (i = 0; i < n; i++) {
        fill_pattern(buf, sizes[i], (uint32_t)(1000 + i));
        CHECK_OK(zil_outport_push(out, buf, sizes[i], i % 2 ? "frame" : NULL));
        total += sizes[i];
    }
    /* The caller's buffer was copied: scribbling on it changes nothing. */
    memset(buf, 0xAA, max);

    for (i = 0; i < n; i++) {
        zil_msg_t *msg = NULL;
        long bad;
        CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
        CHECKF(zil_msg_size(msg) == sizes[i], "message %lu: %lu bytes, expected %lu",
               (unsigned long)i, (unsigned long)zil_msg_size(msg), (unsigned long)sizes[i]);
        bad = find_pattern_mismatch(zil_msg_data(msg), zil_msg_size(msg), (uint32_t)(1000 + i));
        CHECKF(bad < 0, "message %lu over %s: byte %ld differs", (unsigned long)i,
               test_transport_name(t), bad);
        CHECK_STR_EQ(zil_msg_event(msg), i % 2 ? "frame" : NULL);
        zil_msg_free(msg);
    }
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECK(stats.counters.messages_sent == n && stats.counters.bytes_sent == total);
    CHECK_OK(zil_inport_stats(in, &stats));
    CHECK(stats.counters.messages_received == n && stats.counters.bytes_received == total);

    zil_inport_free(in);
    zil_outport_free(out);
    free(buf);
    printf("%-6s %lu messages, %llu bytes: OK (%.0f ms)\n", test_transport_name(t),
           (unsigned long)n, (unsigned long long)total, now_ms() - start);
}

/* A message outlives its port: data stays valid after zil_inport_free. */
static void message_outlives_port(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    size_t size = 4 * MIB;
    uint8_t *buf = (uint8_t *)test_malloc(size);

    test_pair(TEST_INPROC, "outlive", "video", NULL, NULL, &out, &in);
    fill_pattern(buf, size, 77);
    CHECK_OK(zil_outport_push(out, buf, size, "frame"));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    zil_inport_free(in);
    zil_outport_free(out);
    CHECK(zil_msg_size(msg) == size);
    CHECK(memcmp(zil_msg_data(msg), buf, size) == 0);
    CHECK_STR_EQ(zil_msg_event(msg), "frame");
    CHECK_STR_EQ(zil_msg_topic(msg), "video");
    zil_msg_free(msg);
    free(buf);
    printf("a message outlives its port: OK\n");
}

int main(void)
{
    test_watchdog(50);
    large(TEST_TCP);
    large(TEST_IPC);
    large(TEST_INPROC);
    message_outlives_port();
    return 0;
}
