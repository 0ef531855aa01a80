/* Counters and subscribers at the C boundary: zil_outport_stats and
 * zil_inport_stats fill zil_stats_t field by field (zero at first, then the
 * counts of a push and a receive); a push refused at the boundary counts
 * nothing; zil_outport_wait_subscribers writes the count it saw also when it
 * times out. What the counters count (every message and byte, filtered ones
 * apart) and how subscribers join and leave are tested once, in Rust:
 * tests/stream.rs. */
#include "check.h"

static void check_zero(const zil_stats_t *s)
{
    CHECK(s->messages_sent == 0 && s->messages_received == 0 && s->messages_rejected == 0 &&
          s->messages_filtered == 0 && s->bytes_sent == 0 && s->bytes_received == 0);
}

static void counts_through_the_struct(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    zil_stats_t s;
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
    CHECK(s.messages_sent == 1 && s.bytes_sent == sizeof data);
    CHECK(s.messages_received == 0 && s.bytes_received == 0 && s.messages_rejected == 0 &&
          s.messages_filtered == 0 && s.messages_dropped == 0 && s.messages_oversized == 0);

    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    zil_msg_free(msg);
    CHECK_OK(zil_inport_stats(in, &s));
    CHECK(s.messages_received == 1 && s.bytes_received == sizeof data);
    CHECK(s.messages_sent == 0 && s.bytes_sent == 0 && s.messages_rejected == 0 &&
          s.messages_filtered == 0 && s.peers_refused == 0 && s.peers_dropped == 0);

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

int main(void)
{
    test_watchdog(50);
    counts_through_the_struct();
    subscriber_count_out_argument();
    return 0;
}
