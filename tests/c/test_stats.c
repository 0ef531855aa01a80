/* Counters and subscribers at the C boundary: zil_outport_stats and
 * zil_inport_stats fill zil_stats_t field by field (zero at first, then the
 * counts of a push and a receive); a push refused at the boundary counts
 * nothing; zil_outport_wait_subscribers writes the count it saw also when it
 * times out. What the counters count (every message and byte, filtered ones
 * apart) and how subscribers join and leave are tested once, in Rust:
 * tests/stream.rs. The sized structs: older, partial, newer and too small
 * callers (guard bytes after the caller's struct checked). */
#include "check.h"

static void check_zero(const zil_stats_t *s)
{
    CHECK(s->counters.messages_sent == 0 && s->counters.messages_received == 0 && s->counters.messages_rejected == 0 &&
          s->counters.messages_filtered == 0 && s->counters.bytes_sent == 0 && s->counters.bytes_received == 0);
}

static void counts_through_the_struct(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    zil_stats_t s = {.size = sizeof s};
    const uint8_t data[5] = {1, 2, 3, 4, 5};

    test_pair(TEST_INPROC, "stats", "asr", NULL, NULL, &out, &in);
    CHECK_OK(zil_outport_stats(out, &s));
    check_zero(&s);
    CHECK_OK(zil_inport_stats(in, &s));
    check_zero(&s);

    CHECK_OK(zil_outport_push(out, data, sizeof data, "pcm"));
    /* refused at the boundary: not counted */
    CHECK_RESULT(zil_outport_push(out, NULL, 3, NULL), ZIL_NULL_ARGUMENT);
    CHECK_OK(zil_outport_stats(out, &s));
    CHECK(s.counters.messages_sent == 1 && s.counters.bytes_sent == sizeof data);
    CHECK(s.counters.messages_received == 0 && s.counters.bytes_received == 0 && s.counters.messages_rejected == 0 &&
          s.counters.messages_filtered == 0 && s.counters.messages_dropped == 0 && s.counters.messages_oversized == 0);

    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    zil_msg_free(msg);
    CHECK_OK(zil_inport_stats(in, &s));
    CHECK(s.counters.messages_received == 1 && s.counters.bytes_received == sizeof data);
    CHECK(s.counters.messages_sent == 0 && s.counters.bytes_sent == 0 && s.counters.messages_rejected == 0 &&
          s.counters.messages_filtered == 0 && s.counters.peers_refused == 0 && s.counters.peers_dropped == 0);

    zil_inport_free(in);
    zil_outport_free(out);
    printf("counters through zil_stats_t: OK\n");
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

/* The count is written whether the wait succeeds or times out. */
static void subscriber_count_out_argument(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "room");
    zil_inport_t *in;
    size_t n = 0;

    CHECK(out != NULL);
    CHECK(subscribers_now(out) == 0);
    in = zil_inport_new(zil_outport_endpoint(out), "room");
    CHECK(in != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), &n));
    CHECK(n == 1);
    n = 12345;
    CHECK_RESULT(zil_outport_wait_subscribers(out, 2, 100, &n), ZIL_TIMEOUT);
    CHECK(n == 1);
    CHECK(subscribers_now(out) == 1);
    /* the count is optional */
    CHECK_OK(zil_outport_wait_subscribers(out, 1, 0, NULL));
    zil_inport_free(in);
    zil_outport_free(out);
    printf("subscriber count out-argument: OK\n");
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
    counts_through_the_struct();
    subscriber_count_out_argument();
    sized_structs();
    return 0;
}
