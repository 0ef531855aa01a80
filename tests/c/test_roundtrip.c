/* Round trips: 10 000 messages over tcp, ipc and inproc, with and without
 * events, empty and non-empty payloads; every byte, event and topic
 * compared, order kept, counters exact. Also built as C++
 * (test_roundtrip_cxx) to prove zil.h is valid C++: keep this file in the
 * common subset of C11 and C++11. */
#include "check.h"

#define COUNT 10000
#define TOPIC "roundtrip"

/* Message i: its size, and its event (NULL = none). */
static size_t size_of(uint32_t i)
{
    if (i % 10 == 0)
        return 0; /* every tenth payload is empty */
    if (i % 1000 == 999)
        return 65536 + i % 7; /* a few bigger ones */
    return (i * 37u) % 1500u + 1u;
}

static const char *event_of(uint32_t i)
{
    static const char *const events[] = {
        NULL,                     /* no event: the wire carries "None" */
        "pcm",
        "EOS",
        "",                       /* an empty event is not "no event" */
        "FINAL",
        "\xc3\xbc-utf8-\xe2\x9c\x93", /* "ü-utf8-✓": multi-byte UTF-8 */
    };
    return events[i % (sizeof events / sizeof events[0])];
}

static void roundtrip(test_transport t)
{
    zil_options_t *opts = test_unlimited_options();
    zil_outport_t *out = NULL;
    zil_inport_t *in = NULL;
    uint8_t *buf = (uint8_t *)test_malloc(65536 + 16);
    uint64_t bytes = 0;
    zil_msg_t *msg = NULL;
    zil_msg_t *untouched = (zil_msg_t *)(void *)&bytes; /* any non-NULL marker */
    zil_stats_t out_stats, in_stats; /* C++ before C++20 has no designated initializers */
    uint32_t i;
    double start = now_ms();

    test_pair(t, "roundtrip", TOPIC, opts, opts, &out, &in);

    /* Push everything first (unlimited high-water marks: nothing dropped)... */
    for (i = 0; i < COUNT; i++) {
        size_t size = size_of(i);
        fill_pattern(buf, size, i);
        /* an empty payload may come as NULL with length 0 */
        CHECK_OK(zil_outport_push(out, size == 0 && i % 20 == 0 ? NULL : buf, size, event_of(i)));
        bytes += size;
    }

    /* ... then receive it all, in order and intact. */
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
        CHECKF(size == size_of(i), "message %u over %s: %lu bytes, expected %lu", i,
               test_transport_name(t), (unsigned long)size, (unsigned long)size_of(i));
        bad = find_pattern_mismatch(data, size, i);
        CHECKF(bad < 0, "message %u over %s: byte %ld differs", i, test_transport_name(t), bad);
        CHECK_STR_EQ(zil_msg_event(msg), event_of(i));
        CHECK_STR_EQ(zil_msg_topic(msg), TOPIC);
        /* views are stable: asking twice gives the same pointers */
        CHECK(zil_msg_topic(msg) == zil_msg_topic(msg));
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
    zil_options_free(opts);
    free(buf);
    printf("%-6s %d messages, %llu bytes: OK (%.0f ms)\n", test_transport_name(t), COUNT,
           (unsigned long long)bytes, now_ms() - start);
}

/* Default options (high-water marks 1000) and the plain constructors:
 * one message in flight at a time, so nothing can be dropped. */
static void lockstep(test_transport t)
{
    char addr[512];
    zil_outport_t *out;
    zil_inport_t *in;
    uint8_t buf[64];
    uint32_t i;

    test_bind_address(t, "lockstep", addr, sizeof addr);
    out = zil_outport_new(addr, TOPIC);
    CHECK(out != NULL);
    in = zil_inport_new(zil_outport_endpoint(out), TOPIC);
    CHECK(in != NULL);
    CHECK_STR_EQ(zil_inport_endpoint(in), zil_outport_endpoint(out));
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), NULL));
    for (i = 0; i < 2000; i++) {
        zil_msg_t *msg = NULL;
        fill_pattern(buf, sizeof buf, i);
        CHECK_OK(zil_outport_push(out, buf, sizeof buf, i % 2 ? "pcm" : NULL));
        CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
        CHECK(zil_msg_size(msg) == sizeof buf);
        CHECK(memcmp(zil_msg_data(msg), buf, sizeof buf) == 0);
        CHECK_STR_EQ(zil_msg_event(msg), i % 2 ? "pcm" : NULL);
        zil_msg_free(msg);
    }
    zil_inport_free(in);
    zil_outport_free(out);
    printf("%-6s lockstep with default options: OK\n", test_transport_name(t));
}

int main(void)
{
    test_watchdog(50);
    roundtrip(TEST_TCP);
    roundtrip(TEST_IPC);
    roundtrip(TEST_INPROC);
    lockstep(TEST_TCP);
    lockstep(TEST_IPC);
    lockstep(TEST_INPROC);
    return 0;
}
