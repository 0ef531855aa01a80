/* zil_outport_push_zero_copy: the caller's buffer is sent without a copy and
 * released through its free function exactly once.
 *
 * - 64 KiB and 4 MiB buffers arrive byte-identical; each free_fn runs once
 *   with its own data and hint (counted after everything was received and
 *   the port freed; libzmq releases from its I/O thread, so the count is
 *   awaited with a bound);
 * - on every failure (NULL port, NULL data with len > 0, non-UTF-8 event)
 *   free_fn has run once when the call returns, and the result is right;
 * - len 0 works (free_fn runs at once); free_fn NULL with a static buffer;
 * - a message no subscriber takes is released too.
 */
#include "check.h"

#include <stdatomic.h>

#define SMALL (64 * 1024)
#define LARGE (4 * 1024 * 1024)
#define N_SMALL 8
#define N_LARGE 3
#define N_BUFFERS (N_SMALL + N_LARGE)

/* One pushed buffer: its data, and how often (and with what) it was
 * released. The hint given to zil is the slot itself. */
typedef struct slot {
    uint8_t *data;
    atomic_int released;
    atomic_int wrong_data; /* free_fn called with another pointer */
} slot;

static atomic_int total_released;

static void release(void *data, void *hint)
{
    slot *s = (slot *)hint;
    if (data != (void *)s->data)
        atomic_fetch_add(&s->wrong_data, 1);
    free(data);
    atomic_fetch_add(&s->released, 1);
    atomic_fetch_add(&total_released, 1);
}

static void slot_init(slot *s, uint8_t *data)
{
    s->data = data;
    atomic_init(&s->released, 0);
    atomic_init(&s->wrong_data, 0);
}

typedef struct target {
    atomic_int *counter;
    int value;
} target;

static bool reached(void *arg)
{
    target *t = (target *)arg;
    return atomic_load(t->counter) >= t->value;
}

static void wait_released(atomic_int *counter, int value)
{
    target t;
    t.counter = counter;
    t.value = value;
    CHECKF(test_wait_for(reached, &t, long_wait_ms()), "%d of %d buffers released",
           atomic_load(counter), value);
    sleep_ms(20); /* and not more */
    CHECKF(atomic_load(counter) == value, "%d releases, expected %d", atomic_load(counter), value);
}

static size_t size_of(int i)
{
    return i < N_SMALL ? SMALL : LARGE;
}

/* Large buffers, several of each size, over TCP; then the releases. */
static void large_buffers(void)
{
    zil_options_t *opts = test_unlimited_options();
    zil_outport_t *out;
    zil_inport_t *in;
    zil_stats_t st = {.size = sizeof st};
    slot *slots = (slot *)test_malloc(N_BUFFERS * sizeof(slot));
    uint64_t bytes = 0;
    int i;

    test_pair(TEST_TCP, "zc", "video", opts, opts, &out, &in);
    zil_options_free(opts);
    atomic_store(&total_released, 0);
    for (i = 0; i < N_BUFFERS; i++) {
        size_t len = size_of(i);
        uint8_t *buf = (uint8_t *)test_malloc(len);
        fill_pattern(buf, len, (uint32_t)i);
        slot_init(&slots[i], buf);
        CHECK_OK(zil_outport_push_zero_copy(out, buf, len, i + 1 < N_BUFFERS ? "frame" : "EOS",
                                            release, &slots[i]));
        bytes += len;
        /* buf belongs to zil now: not touched again */
    }
    for (i = 0; i < N_BUFFERS; i++) {
        zil_msg_t *msg = NULL;
        long bad;
        CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
        CHECKF(zil_msg_size(msg) == size_of(i), "message %d: %lu bytes", i,
               (unsigned long)zil_msg_size(msg));
        bad = find_pattern_mismatch(zil_msg_data(msg), zil_msg_size(msg), (uint32_t)i);
        CHECKF(bad < 0, "message %d differs at byte %ld", i, bad);
        CHECK_STR_EQ(zil_msg_event(msg), i + 1 < N_BUFFERS ? "frame" : "EOS");
        CHECK_STR_EQ(zil_msg_topic(msg), "video");
        zil_msg_free(msg);
    }
    CHECK_OK(zil_outport_stats(out, &st));
    CHECK(st.counters.messages_sent == N_BUFFERS && st.counters.bytes_sent == bytes);
    zil_inport_free(in);
    zil_outport_free(out);

    wait_released(&total_released, N_BUFFERS);
    for (i = 0; i < N_BUFFERS; i++) {
        CHECKF(atomic_load(&slots[i].released) == 1, "buffer %d released %d times", i,
               atomic_load(&slots[i].released));
        CHECKF(atomic_load(&slots[i].wrong_data) == 0, "buffer %d: free_fn got another pointer",
               i);
    }
    free(slots);
    printf("%d x 64 KiB and %d x 4 MiB zero-copy: byte-identical, each released once: OK\n",
           N_SMALL, N_LARGE);
}

/* Failures release the buffer before returning. */
static void failures(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    zil_stats_t st = {.size = sizeof st};
    slot s;
    uint8_t *buf;

    test_pair(TEST_INPROC, "zc-fail", "t", NULL, NULL, &out, &in);

    buf = (uint8_t *)test_malloc(100);
    slot_init(&s, buf);
    EXPECT_FAIL(zil_outport_push_zero_copy(NULL, buf, 100, NULL, release, &s), ZIL_NULL_ARGUMENT,
                "'port'");
    CHECK(atomic_load(&s.released) == 1 && atomic_load(&s.wrong_data) == 0);

    /* NULL data with a length: free_fn still runs (with NULL) */
    slot_init(&s, NULL);
    EXPECT_FAIL(zil_outport_push_zero_copy(out, NULL, 100, NULL, release, &s), ZIL_NULL_ARGUMENT,
                "'data'");
    CHECK(atomic_load(&s.released) == 1 && atomic_load(&s.wrong_data) == 0);

    buf = (uint8_t *)test_malloc(100);
    slot_init(&s, buf);
    EXPECT_FAIL(zil_outport_push_zero_copy(out, buf, 100, NOT_UTF8, release, &s),
                ZIL_INVALID_ARGUMENT, "'event'");
    CHECK_ERROR_MENTIONS("UTF-8");
    CHECK(atomic_load(&s.released) == 1 && atomic_load(&s.wrong_data) == 0);

    buf = (uint8_t *)test_malloc(100);
    slot_init(&s, buf);
    EXPECT_FAIL(zil_outport_push_zero_copy(out, buf, SIZE_MAX, NULL, release, &s),
                ZIL_INVALID_ARGUMENT, "'data'");
    CHECK(atomic_load(&s.released) == 1);

    /* everything NULL at once */
    slot_init(&s, NULL);
    EXPECT_FAIL(zil_outport_push_zero_copy(NULL, NULL, 1, BROKEN_UTF8, release, &s),
                ZIL_NULL_ARGUMENT, "'port'");
    CHECK(atomic_load(&s.released) == 1);
    /* ... and with no free_fn, nothing to release */
    EXPECT_FAIL(zil_outport_push_zero_copy(NULL, NULL, 1, NULL, NULL, NULL), ZIL_NULL_ARGUMENT,
                "'port'");

    /* nothing of that was sent */
    CHECK_RESULT(zil_inport_recv(in, &msg, 50), ZIL_TIMEOUT);
    CHECK_OK(zil_outport_stats(out, &st));
    CHECK(st.counters.messages_sent == 0);
    zil_inport_free(in);
    zil_outport_free(out);
    printf("failures release the buffer once, before returning: OK\n");
}

/* Length 0, a static buffer without free_fn, and a message nobody takes. */
static void edge_cases(void)
{
    static uint8_t static_buf[1000];
    zil_outport_t *out, *lonely;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    slot s;
    uint8_t *buf;

    test_pair(TEST_IPC, "zc-edge", "t", NULL, NULL, &out, &in);

    /* len 0 with a buffer: an empty message sent, the buffer released once
     * libzmq has taken it, like any other (a sender's EOS can be tracked) */
    buf = (uint8_t *)test_malloc(16);
    slot_init(&s, buf);
    CHECK_OK(zil_outport_push_zero_copy(out, buf, 0, "EOS", release, &s));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    wait_released(&s.released, 1);
    CHECK(atomic_load(&s.wrong_data) == 0);
    CHECK(zil_msg_size(msg) == 0 && zil_msg_data(msg) != NULL);
    CHECK_STR_EQ(zil_msg_event(msg), "EOS");
    zil_msg_free(msg);
    /* len 0 and NULL data: fine too (free_fn gets NULL) */
    slot_init(&s, NULL);
    CHECK_OK(zil_outport_push_zero_copy(out, NULL, 0, NULL, release, &s));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    wait_released(&s.released, 1);
    CHECK(atomic_load(&s.wrong_data) == 0);
    CHECK(zil_msg_size(msg) == 0 && zil_msg_event(msg) == NULL);
    zil_msg_free(msg);
    CHECK_OK(zil_outport_push_zero_copy(out, NULL, 0, NULL, NULL, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 0);
    zil_msg_free(msg);

    /* free_fn NULL: a static buffer is sent and never released */
    fill_pattern(static_buf, sizeof static_buf, 99);
    CHECK_OK(zil_outport_push_zero_copy(out, static_buf, sizeof static_buf, "pcm", NULL, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == sizeof static_buf);
    CHECK(memcmp(zil_msg_data(msg), static_buf, sizeof static_buf) == 0);
    CHECK(zil_msg_data(msg) != static_buf); /* it crossed a socket */
    zil_msg_free(msg);

    /* a port without subscribers drops the message: released all the same */
    lonely = zil_outport_new(TEST_TCP_ANY, "t");
    CHECK(lonely != NULL);
    buf = (uint8_t *)test_malloc(SMALL);
    slot_init(&s, buf);
    CHECK_OK(zil_outport_push_zero_copy(lonely, buf, SMALL, "pcm", release, &s));
    wait_released(&s.released, 1);
    CHECK(atomic_load(&s.wrong_data) == 0);
    zil_outport_free(lonely);

    zil_inport_free(in);
    zil_outport_free(out);
    printf("len 0, free_fn NULL, no subscriber: OK\n");
}

int main(void)
{
    test_watchdog(60);
    atomic_init(&total_released, 0);
    failures();
    edge_cases();
    large_buffers();
    return 0;
}
