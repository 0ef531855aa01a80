/* Counters and subscribers: zil_outport_stats / zil_inport_stats count
 * messages and payload bytes exactly (filtered messages apart), starting
 * from zero; zil_outport_wait_subscribers counts subscribers as they join
 * and as they leave. */
#include "check.h"

static void check_zero(const zil_stats_t *s)
{
    CHECK(s->counters.messages_sent == 0 && s->counters.messages_received == 0 && s->counters.messages_rejected == 0 &&
          s->counters.messages_filtered == 0 && s->counters.bytes_sent == 0 && s->counters.bytes_received == 0);
}

static void exact_counts(void)
{
    zil_outport_t *out, *other;
    zil_inport_t *in;
    zil_stats_t s = {.size = sizeof s};
    uint8_t buf[1000];
    uint64_t bytes = 0;
    unsigned i, count = 0;

    test_pair(TEST_TCP, "stats", "asr", NULL, NULL, &out, &in);
    CHECK_OK(zil_outport_stats(out, &s));
    check_zero(&s);
    CHECK_OK(zil_inport_stats(in, &s));
    check_zero(&s);

    /* sizes 0..999 step 37, with and without events */
    memset(buf, 0x5a, sizeof buf);
    for (i = 0; i < sizeof buf; i += 37) {
        CHECK_OK(zil_outport_push(out, buf, i, i % 2 ? "pcm" : NULL));
        bytes += i;
        count++;
    }
    CHECK_OK(zil_outport_stats(out, &s));
    CHECK(s.counters.messages_sent == count && s.counters.bytes_sent == bytes);
    CHECK(s.counters.messages_received == 0 && s.counters.bytes_received == 0);
    CHECK(s.counters.messages_rejected == 0 && s.counters.messages_filtered == 0);

    /* received after each message: the counters follow one by one */
    for (i = 0; i < count; i++) {
        zil_msg_t *msg = NULL;
        uint64_t before;
        CHECK_OK(zil_inport_stats(in, &s));
        CHECK(s.counters.messages_received == i);
        before = s.counters.bytes_received;
        CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
        CHECK_OK(zil_inport_stats(in, &s));
        CHECK(s.counters.messages_received == i + 1);
        CHECK(s.counters.bytes_received == before + zil_msg_size(msg));
        zil_msg_free(msg);
    }
    CHECK_OK(zil_inport_stats(in, &s));
    CHECK(s.counters.messages_received == count && s.counters.bytes_received == bytes);
    CHECK(s.counters.messages_sent == 0 && s.counters.bytes_sent == 0 && s.counters.messages_rejected == 0);
    CHECK(s.counters.messages_filtered == 0);

    /* failed pushes are not counted */
    CHECK_RESULT(zil_outport_push(out, NULL, 3, NULL), ZIL_NULL_ARGUMENT);
    CHECK_OK(zil_outport_stats(out, &s));
    CHECK(s.counters.messages_sent == count && s.counters.bytes_sent == bytes);

    /* filtered messages: counted as such, not as received, no bytes */
    other = zil_outport_new_with_options(TEST_TCP_ANY, "asr2", NULL);
    CHECK(other != NULL);
    zil_inport_free(in);
    in = zil_inport_new(zil_outport_endpoint(other), "asr");
    CHECK(in != NULL);
    CHECK_OK(zil_outport_wait_subscribers(other, 1, long_wait_ms(), NULL));
    for (i = 0; i < 3; i++)
        CHECK_OK(zil_outport_push(other, buf, 100, NULL));
    {
        double deadline = now_ms() + long_wait_ms();
        zil_msg_t *msg = NULL;
        do {
            CHECK_RESULT(zil_inport_recv(in, &msg, 20), ZIL_TIMEOUT);
            CHECK_OK(zil_inport_stats(in, &s));
        } while (s.counters.messages_filtered < 3 && now_ms() < deadline);
    }
    CHECK(s.counters.messages_filtered == 3);
    CHECK(s.counters.messages_received == 0 && s.counters.bytes_received == 0 && s.counters.messages_rejected == 0);
    CHECK_OK(zil_outport_stats(other, &s));
    CHECK(s.counters.messages_sent == 3 && s.counters.bytes_sent == 300);

    zil_inport_free(in);
    zil_outport_free(other);
    zil_outport_free(out);
    printf("exact counters (%u messages, %llu bytes): OK\n", count, (unsigned long long)bytes);
}

/* The number of subscribers right now (waiting 0 ms for more than can
 * exist writes it). */
static size_t subscribers_now(zil_outport_t *out)
{
    size_t n = 12345;
    CHECK_RESULT(zil_outport_wait_subscribers(out, SIZE_MAX, 0, &n), ZIL_TIMEOUT);
    CHECK(n != 12345);
    return n;
}

/* Waits until exactly `want` subscribers are counted (bounded). */
static void wait_exactly(zil_outport_t *out, size_t want)
{
    double deadline = now_ms() + long_wait_ms();
    size_t n;
    while ((n = subscribers_now(out)) != want) {
        CHECKF(now_ms() < deadline, "%lu subscribers, expected %lu", (unsigned long)n,
               (unsigned long)want);
        sleep_ms(5);
    }
}

static void subscribers_join_and_leave(test_transport t)
{
    char addr[512];
    zil_outport_t *out;
    zil_inport_t *in[3];
    size_t n = 0;
    int i;

    test_bind_address(t, "subs", addr, sizeof addr);
    out = zil_outport_new(addr, "room");
    CHECK(out != NULL);
    CHECK(subscribers_now(out) == 0);
    for (i = 0; i < 3; i++) {
        in[i] = zil_inport_new(zil_outport_endpoint(out), "room");
        CHECK(in[i] != NULL);
        CHECK_OK(zil_outport_wait_subscribers(out, (size_t)i + 1, long_wait_ms(), &n));
        CHECK(n == (size_t)i + 1);
    }
    /* no more than 3 */
    CHECK_RESULT(zil_outport_wait_subscribers(out, 4, 100, &n), ZIL_TIMEOUT);
    CHECK(n == 3);

    /* they leave one by one */
    for (i = 2; i >= 0; i--) {
        zil_inport_free(in[i]);
        wait_exactly(out, (size_t)i);
    }
    /* and a new one is counted again */
    in[0] = zil_inport_new(zil_outport_endpoint(out), "room");
    CHECK(in[0] != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), &n));
    CHECK(n == 1);
    zil_inport_free(in[0]);
    zil_outport_free(out);
    printf("%-6s subscribers join and leave: OK\n", test_transport_name(t));
}

/* The sized structs: a caller built against an older, smaller struct gets
 * only the counters it has (the bytes after them untouched), a newer,
 * larger one gets zil's counters and its own tail untouched, with `size`
 * telling how much zil wrote; a size that holds no counter is refused. */
typedef struct older_stats {
    size_t size;
    uint64_t messages_sent, messages_received;
} older_stats;

#define GUARD 0xA5

static void sized_structs(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "sized");
    zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
    unsigned char buf[sizeof(zil_inpad_stats_t) + 64];
    older_stats *older = (older_stats *)(void *)buf;
    zil_stats_t *full = (zil_stats_t *)(void *)buf;
    zil_stats_t whole = {.size = sizeof whole};
    size_t i;
    CHECK(out != NULL && server != NULL);
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"abc", 3, NULL));
    CHECK_OK(zil_outport_stats(out, &whole));
    CHECK(whole.size == sizeof whole && whole.counters.messages_sent == 1);
    CHECK(whole.counters.bytes_sent == 3);

    /* older: two counters, then guard bytes */
    memset(buf, GUARD, sizeof buf);
    older->size = sizeof *older;
    CHECK_OK(zil_outport_stats(out, (zil_stats_t *)(void *)older));
    CHECK(older->size == sizeof *older);
    CHECK(older->messages_sent == 1 && older->messages_received == 0);
    for (i = sizeof *older; i < sizeof buf; i++)
        CHECKF(buf[i] == GUARD, "byte %zu after the older struct was written", i);

    /* a size that ends inside a counter: only the whole ones are written */
    memset(buf, GUARD, sizeof buf);
    older->size = sizeof *older - 3;
    CHECK_OK(zil_outport_stats(out, (zil_stats_t *)(void *)older));
    CHECK(older->size == offsetof(older_stats, messages_received));
    CHECK(older->messages_sent == 1);
    for (i = offsetof(older_stats, messages_received); i < sizeof buf; i++)
        CHECKF(buf[i] == GUARD, "byte %zu of a partial counter was written", i);

    /* newer: larger than zil's struct; its tail stays the caller's */
    memset(buf, GUARD, sizeof buf);
    full->size = sizeof(zil_stats_t) + 16;
    CHECK_OK(zil_outport_stats(out, full));
    CHECK(full->size == sizeof(zil_stats_t));
    CHECK(full->counters.messages_sent == 1 && full->counters.bytes_sent == 3);
    for (i = sizeof(zil_stats_t); i < sizeof buf; i++)
        CHECKF(buf[i] == GUARD, "byte %zu after zil's struct was written", i);

    /* too small (size unset, or no room for the first counter): refused,
     * nothing written */
    memset(buf, GUARD, sizeof buf);
    full->size = 0;
    EXPECT_FAIL(zil_outport_stats(out, full), ZIL_INVALID_ARGUMENT, "stats size 0 is too small");
    CHECK(full->size == 0);
    for (i = sizeof(size_t); i < sizeof buf; i++)
        CHECK(buf[i] == GUARD);
    full->size = offsetof(zil_stats_t, counters) + 7;
    EXPECT_FAIL(zil_outport_stats(out, full), ZIL_INVALID_ARGUMENT, "sizeof");
    {
        zil_rpc_server_stats_t server_stats = {.size = 1};
        EXPECT_FAIL(zil_rpc_server_stats(server, &server_stats), ZIL_INVALID_ARGUMENT, "size 1");
        server_stats.size = sizeof server_stats;
        CHECK_OK(zil_rpc_server_stats(server, &server_stats));
        CHECK(server_stats.size == sizeof server_stats && server_stats.counters.requests == 0);
    }
    zil_rpc_server_free(server);
    zil_outport_free(out);
    printf("sized stats structs: older, partial, newer, too small: OK\n");
}

int main(void)
{
    test_watchdog(50);
    exact_counts();
    sized_structs();
    subscribers_join_and_leave(TEST_TCP);
    subscribers_join_and_leave(TEST_IPC);
    subscribers_join_and_leave(TEST_INPROC);
    return 0;
}
