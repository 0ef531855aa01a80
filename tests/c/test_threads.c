/* Threads: 4 threads push 5000 messages each to one output port while the
 * main thread receives; all 20 000 arrive whole (bytes, event and size
 * belong together), each thread's messages in its order. Meanwhile another
 * thread reads the counters and endpoints. zil_last_error() is per thread. */
#include "check.h"

#include <pthread.h>
#include <stdatomic.h>

#define THREADS 4
#define PER_THREAD 5000

/* Message `seq` of thread `id`: 8 header bytes (id, seq) and a body whose
 * length and bytes depend on both; the event names the thread. */
static size_t body_size(uint32_t id, uint32_t seq)
{
    return (seq * 13u + id * 101u) % 700u;
}

static uint32_t seed_of(uint32_t id, uint32_t seq)
{
    return id * 1000003u + seq;
}

static const char *const thread_events[THREADS] = {"t0", "t1-pcm", "t2-EOS", "t3-\xc3\xa9"};

struct pusher {
    zil_outport_t *out;
    uint32_t id;
    pthread_barrier_t *start;
    zil_result failure;
    char error[256];
};

static void *pusher_thread(void *arg)
{
    struct pusher *p = (struct pusher *)arg;
    uint8_t buf[8 + 700];
    uint32_t seq;
    pthread_barrier_wait(p->start); /* all start together: real contention */
    for (seq = 0; seq < PER_THREAD; seq++) {
        size_t size = body_size(p->id, seq);
        zil_result rc;
        memcpy(buf, &p->id, 4);
        memcpy(buf + 4, &seq, 4);
        fill_pattern(buf + 8, size, seed_of(p->id, seq));
        rc = zil_outport_push(p->out, buf, 8 + size, thread_events[p->id]);
        if (rc != ZIL_OK) {
            p->failure = rc;
            snprintf(p->error, sizeof p->error, "%s", zil_last_error());
            return NULL;
        }
    }
    return NULL;
}

struct observer {
    zil_outport_t *out;
    zil_inport_t *in;
    atomic_int stop; /* set by main after the pushers are joined */
    unsigned long reads;
    int bad;
};

/* Reads counters and endpoints while the others push and receive: the
 * counters never go backwards. */
static void *observer_thread(void *arg)
{
    struct observer *o = (struct observer *)arg;
    uint64_t last_sent = 0, last_received = 0;
    const char *ep = zil_outport_endpoint(o->out);
    while (!atomic_load(&o->stop)) {
        zil_stats_t s = {.size = sizeof s};
        if (zil_outport_stats(o->out, &s) != ZIL_OK || s.counters.messages_sent < last_sent)
            o->bad++;
        last_sent = s.counters.messages_sent;
        if (zil_inport_stats(o->in, &s) != ZIL_OK || s.counters.messages_received < last_received)
            o->bad++;
        last_received = s.counters.messages_received;
        if (zil_outport_endpoint(o->out) != ep || strcmp(zil_inport_endpoint(o->in), ep) != 0)
            o->bad++;
        o->reads++;
        sleep_ms(1);
    }
    return NULL;
}

static void many_pushers(test_transport t)
{
    zil_options_t *opts = test_unlimited_options(); /* 0 = no limit: nothing dropped */
    zil_outport_t *out;
    zil_inport_t *in;
    pthread_t threads[THREADS], obs_thread;
    struct pusher pushers[THREADS];
    struct observer obs;
    pthread_barrier_t start;
    uint32_t next_seq[THREADS] = {0, 0, 0, 0};
    uint64_t bytes = 0;
    zil_stats_t stats = {.size = sizeof stats};
    uint32_t i;
    double t0 = now_ms();

    test_pair(t, "threads", "mt", opts, opts, &out, &in);
    CHECK(pthread_barrier_init(&start, NULL, THREADS + 1) == 0);
    for (i = 0; i < THREADS; i++) {
        pushers[i].out = out;
        pushers[i].id = i;
        pushers[i].start = &start;
        pushers[i].failure = ZIL_OK;
        pushers[i].error[0] = '\0';
        CHECK(pthread_create(&threads[i], NULL, pusher_thread, &pushers[i]) == 0);
    }
    memset(&obs, 0, sizeof obs);
    atomic_init(&obs.stop, 0);
    obs.out = out;
    obs.in = in;
    CHECK(pthread_create(&obs_thread, NULL, observer_thread, &obs) == 0);
    pthread_barrier_wait(&start);

    /* Receive concurrently with the pushes. */
    for (i = 0; i < THREADS * PER_THREAD; i++) {
        zil_msg_t *msg = NULL;
        const uint8_t *data;
        size_t size;
        uint32_t id, seq;
        long bad;
        CHECKF(zil_inport_recv(in, &msg, long_wait_ms()) == ZIL_OK,
               "message %u of %d did not arrive", i, THREADS * PER_THREAD);
        data = zil_msg_data(msg);
        size = zil_msg_size(msg);
        CHECKF(size >= 8, "message %u: %lu bytes", i, (unsigned long)size);
        memcpy(&id, data, 4);
        memcpy(&seq, data + 4, 4);
        CHECKF(id < THREADS, "message %u: thread id %u", i, id);
        /* one socket, so each thread's messages keep their order */
        CHECKF(seq == next_seq[id], "thread %u: message %u arrived, expected %u", id, seq,
               next_seq[id]);
        next_seq[id]++;
        CHECKF(size == 8 + body_size(id, seq), "thread %u message %u: %lu bytes, expected %lu", id,
               seq, (unsigned long)size, (unsigned long)(8 + body_size(id, seq)));
        bad = find_pattern_mismatch(data + 8, size - 8, seed_of(id, seq));
        CHECKF(bad < 0, "thread %u message %u: byte %ld differs", id, seq, bad);
        CHECK_STR_EQ(zil_msg_event(msg), thread_events[id]); /* event stays with its data */
        bytes += size;
        zil_msg_free(msg);
    }
    for (i = 0; i < THREADS; i++) {
        CHECK(pthread_join(threads[i], NULL) == 0);
        CHECKF(pushers[i].failure == ZIL_OK, "thread %u: push failed: %s: %s", i,
               zil_result_str(pushers[i].failure), pushers[i].error);
        CHECK(next_seq[i] == PER_THREAD);
    }
    atomic_store(&obs.stop, 1);
    CHECK(pthread_join(obs_thread, NULL) == 0);
    CHECKF(obs.bad == 0, "the observer saw %d inconsistencies", obs.bad);
    pthread_barrier_destroy(&start);

    {
        zil_msg_t *msg = NULL;
        CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_TIMEOUT);
    }
    CHECK_OK(zil_outport_stats(out, &stats));
    CHECK(stats.counters.messages_sent == THREADS * PER_THREAD && stats.counters.bytes_sent == bytes);
    CHECK_OK(zil_inport_stats(in, &stats));
    CHECK(stats.counters.messages_received == THREADS * PER_THREAD && stats.counters.bytes_received == bytes);

    zil_inport_free(in);
    zil_outport_free(out);
    zil_options_free(opts);
    printf("%-6s %d threads x %d messages, all intact (%lu observer reads, %.0f ms): OK\n",
           test_transport_name(t), THREADS, PER_THREAD, obs.reads, now_ms() - t0);
}

/* zil_last_error() belongs to the thread: "" in a thread where nothing
 * failed, untouched by another thread's failure and by successful calls. */
struct error_probe {
    char before[256], after[256];
};

static void *fresh_thread(void *arg)
{
    struct error_probe *p = (struct error_probe *)arg;
    zil_outport_t *bad;
    snprintf(p->before, sizeof p->before, "%s", zil_last_error());
    bad = zil_outport_new("bogus://thread", "t");
    if (bad != NULL)
        zil_outport_free(bad);
    snprintf(p->after, sizeof p->after, "%s", zil_last_error());
    return NULL;
}

static void last_error_per_thread(void)
{
    struct error_probe probe;
    pthread_t thread;
    zil_options_t *opts;
    char mine[256];

    poison_last_error(); /* this thread: "sndhwm -7 ..." */
    snprintf(mine, sizeof mine, "%s", zil_last_error());
    CHECK(pthread_create(&thread, NULL, fresh_thread, &probe) == 0);
    CHECK(pthread_join(thread, NULL) == 0);
    CHECK_STR_EQ(probe.before, ""); /* nothing failed there yet */
    CHECKF(strstr(probe.after, "bogus://thread") != NULL, "other thread: \"%s\"", probe.after);
    CHECK_STR_EQ(zil_last_error(), mine); /* ours is untouched */

    /* a successful call leaves it as it was */
    opts = zil_options_new();
    CHECK_OK(zil_options_set_sndhwm(opts, 5));
    CHECK_STR_EQ(zil_last_error(), mine);
    zil_options_free(opts);
    CHECK(zil_last_error() != NULL);
    printf("zil_last_error is per thread: OK\n");
}

int main(void)
{
    test_watchdog(55);
    many_pushers(TEST_TCP);
    many_pushers(TEST_IPC);
    many_pushers(TEST_INPROC);
    last_error_per_thread();
    return 0;
}
