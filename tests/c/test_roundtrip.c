/* A message's conversions at the C boundary, over tcp, ipc and inproc with
 * the plain constructors: payloads as pointer and length (an empty one
 * given as NULL or not, received with a non-NULL data pointer), the event
 * as a C string (NULL is no event, "" is an empty event, multi-byte UTF-8
 * comes back byte for byte), the topic as a C string, no session id on a
 * plain input port, views that stay the same pointers, a poll with nothing
 * queued leaving *msg alone, the input port's endpoint, and the counters
 * through zil_stats_t. Many messages, of every size and event, in order
 * and intact over every transport, are tested once, in Rust:
 * tests/stream.rs. Also built as C++ (test_roundtrip_cxx) to prove zil.h
 * is valid C++: keep this file in the common subset of C11 and C++11. */
#include "check.h"

#define TOPIC "roundtrip"

/* Message i: its size, whether its payload is given as NULL (empty ones
 * only), and its event (NULL = none). */
static const struct {
    size_t size;
    int null_data;
    const char *event;
} messages[] = {
    {0, 1, NULL},
    {0, 0, "pcm"},
    {1, 0, ""}, /* an empty event is not "no event" */
    {1500, 0, "\xc3\xbc-utf8-\xe2\x9c\x93"}, /* "ü-utf8-✓": multi-byte UTF-8 */
    {65536 + 3, 0, "EOS"},
    {64, 0, NULL},
};
#define COUNT (sizeof messages / sizeof messages[0])

static void roundtrip(test_transport t)
{
    char addr[512];
    zil_outport_t *out;
    zil_inport_t *in;
    uint8_t *buf = (uint8_t *)test_malloc(65536 + 16);
    uint64_t bytes = 0;
    zil_msg_t *msg = NULL;
    zil_msg_t *untouched = (zil_msg_t *)(void *)&bytes; /* any non-NULL marker */
    zil_stats_t out_stats, in_stats; /* C++ before C++20 has no designated initializers */
    uint32_t i;

    test_bind_address(t, "roundtrip", addr, sizeof addr);
    out = zil_outport_new(addr, TOPIC);
    CHECK(out != NULL);
    in = zil_inport_new(zil_outport_endpoint(out), TOPIC);
    CHECK(in != NULL);
    CHECK_STR_EQ(zil_inport_endpoint(in), zil_outport_endpoint(out));
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), NULL));

    for (i = 0; i < COUNT; i++) {
        fill_pattern(buf, messages[i].size, i);
        CHECK_OK(zil_outport_push(out, messages[i].null_data ? NULL : buf, messages[i].size,
                                  messages[i].event));
        bytes += messages[i].size;
    }

    for (i = 0; i < COUNT; i++) {
        const uint8_t *data;
        size_t size;
        long bad;
        msg = NULL;
        CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
        CHECK(msg != NULL);
        data = zil_msg_data(msg);
        size = zil_msg_size(msg);
        CHECKF(data != NULL, "message %u: data is NULL (size %lu)", i, (unsigned long)size);
        CHECKF(size == messages[i].size, "message %u over %s: %lu bytes, expected %lu", i,
               test_transport_name(t), (unsigned long)size, (unsigned long)messages[i].size);
        bad = find_pattern_mismatch(data, size, i);
        CHECKF(bad < 0, "message %u over %s: byte %ld differs", i, test_transport_name(t), bad);
        CHECK_STR_EQ(zil_msg_event(msg), messages[i].event);
        CHECK_STR_EQ(zil_msg_topic(msg), TOPIC);
        /* views are stable: asking twice gives the same pointers */
        CHECK(zil_msg_topic(msg) == zil_msg_topic(msg));
        CHECK(zil_msg_event(msg) == zil_msg_event(msg));
        CHECK(zil_msg_data(msg) == data);
        /* plain input ports carry no session id */
        CHECK(zil_msg_session_id(msg) == NULL);
        zil_msg_free(msg);
    }

    /* Nothing more: a poll times out and leaves *msg alone. */
    msg = untouched;
    CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_TIMEOUT);
    CHECK(msg == untouched);

    out_stats.size = sizeof out_stats;
    in_stats.size = sizeof in_stats;
    CHECK_OK(zil_outport_stats(out, &out_stats));
    CHECK_OK(zil_inport_stats(in, &in_stats));
    CHECK(out_stats.counters.messages_sent == COUNT);
    CHECK(out_stats.counters.bytes_sent == bytes);
    CHECK(out_stats.counters.messages_received == 0);
    CHECK(in_stats.counters.messages_received == COUNT);
    CHECK(in_stats.counters.bytes_received == bytes);
    CHECK(in_stats.counters.messages_rejected == 0);
    CHECK(in_stats.counters.messages_filtered == 0);
    CHECK(in_stats.counters.messages_sent == 0);

    zil_inport_free(in);
    zil_outport_free(out);
    free(buf);
    printf("%-6s %lu messages through the C API: OK\n", test_transport_name(t),
           (unsigned long)COUNT);
}

int main(void)
{
    test_watchdog(50);
    roundtrip(TEST_TCP);
    roundtrip(TEST_IPC);
    roundtrip(TEST_INPROC);
    return 0;
}
