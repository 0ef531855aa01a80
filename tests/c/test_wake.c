/* zil_inport_wake at the C boundary: one handle shared by two threads (a
 * receive blocked forever in one, the wake-up from the other) returns
 * ZIL_INTERRUPTED; an interrupted receive leaves its out-argument alone and
 * says why in zil_last_error(). What a wake-up does (each one interrupts one
 * receive, none is lost, a queued message survives it, every transport) is
 * tested once, in Rust: tests/stream.rs. Every wait is bounded (timed
 * condition waits and a watchdog). */
#include "check.h"

#include <pthread.h>

/* A receiver thread that loops on zil_inport_recv(timeout) and reports
 * each result under a lock. */
struct receiver {
    zil_inport_t *in;
    int32_t timeout_ms;
    int stop_after_interruptions; /* return after this many ZIL_INTERRUPTED */
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int started, done;
    int interruptions, messages, others;
    zil_result last;
    double blocked_since, returned_at;
};

static void *receiver_thread(void *arg)
{
    struct receiver *r = (struct receiver *)arg;
    for (;;) {
        zil_msg_t *msg = NULL;
        zil_result rc;
        pthread_mutex_lock(&r->lock);
        r->started = 1;
        r->blocked_since = now_ms();
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);

        rc = zil_inport_recv(r->in, &msg, r->timeout_ms);

        pthread_mutex_lock(&r->lock);
        r->returned_at = now_ms();
        r->last = rc;
        if (rc == ZIL_OK) {
            r->messages++;
            zil_msg_free(msg);
        } else if (rc == ZIL_INTERRUPTED) {
            r->interruptions++;
        } else {
            r->others++;
        }
        if (r->interruptions >= r->stop_after_interruptions || r->others > 0)
            r->done = 1;
        pthread_cond_broadcast(&r->changed);
        pthread_mutex_unlock(&r->lock);
        if (r->done)
            return NULL;
    }
}

static void receiver_start(struct receiver *r, pthread_t *thread, zil_inport_t *in,
                           int32_t timeout_ms, int stop_after)
{
    memset(r, 0, sizeof *r);
    r->in = in;
    r->timeout_ms = timeout_ms;
    r->stop_after_interruptions = stop_after;
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    CHECK(pthread_create(thread, NULL, receiver_thread, r) == 0);
}

static int wait_timed(struct receiver *r, double deadline)
{
    struct timespec ts;
    double left = deadline - now_ms();
    if (left <= 0)
        return 0;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(left / 1000);
    ts.tv_nsec += (long)((left - (double)(long)(left / 1000) * 1000) * 1e6);
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&r->changed, &r->lock, &ts);
    return 1;
}

/* The receiver's state, read under its lock, until pred(r) or deadline. */
typedef int (*receiver_pred)(const struct receiver *r, int arg);

static int wait_for_ms(struct receiver *r, receiver_pred pred, int arg, double ms)
{
    double deadline = now_ms() + ms;
    int ok;
    pthread_mutex_lock(&r->lock);
    while (!(ok = pred(r, arg)) && wait_timed(r, deadline)) {
    }
    pthread_mutex_unlock(&r->lock);
    return ok;
}

static int wait_for(struct receiver *r, receiver_pred pred, int arg)
{
    return wait_for_ms(r, pred, arg, long_wait_ms());
}

static int is_started(const struct receiver *r, int arg) { (void)arg; return r->started; }
static int is_done(const struct receiver *r, int arg) { (void)arg; return r->done; }

/* Joins a receiver that reported done (it cannot block any more). */
static void receiver_join(struct receiver *r, pthread_t thread)
{
    CHECKF(wait_for(r, is_done, 0), "the receiver thread did not finish in time");
    CHECK(pthread_join(thread, NULL) == 0);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->changed);
}

/* A thread blocked in recv(-1) is woken from the main thread. */
static void wake_blocked_forever(test_transport t)
{
    zil_outport_t *out;
    zil_inport_t *in;
    struct receiver r;
    pthread_t thread;
    double woke;

    test_pair(t, "wake", "t", NULL, NULL, &out, &in);
    receiver_start(&r, &thread, in, -1, 1);
    CHECK(wait_for(&r, is_started, 0));
    /* let it block: 100 ms later it is still blocked */
    CHECK(wait_for_ms(&r, is_done, 0, 100) == 0);
    woke = now_ms();
    CHECK_OK(zil_inport_wake(in));
    receiver_join(&r, thread);
    CHECK_RESULT(r.last, ZIL_INTERRUPTED);
    CHECK(r.interruptions == 1 && r.messages == 0 && r.others == 0);
    CHECKF(r.returned_at - r.blocked_since >= 90, "recv(-1) returned after %.0f ms, before the wake",
           r.returned_at - r.blocked_since);
    CHECKF(r.returned_at - woke <= 1000.0 * time_scale(), "woken after %.0f ms",
           r.returned_at - woke);
    zil_inport_free(in);
    zil_outport_free(out);
    printf("%-6s wake a recv(-1) blocked in another thread: OK\n", test_transport_name(t));
}

/* A wake-up with nobody receiving interrupts the next receive at once with
 * ZIL_INTERRUPTED: the message out-argument is left as it was and the
 * error names the wake-up. */
static void wake_before_recv(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *marker = (zil_msg_t *)(void *)&out;
    zil_msg_t *msg = marker;
    double t;

    test_pair(TEST_INPROC, "early", "t", NULL, NULL, &out, &in);

    CHECK_OK(zil_inport_wake(in));
    t = now_ms();
    CHECK_RESULT(zil_inport_recv(in, &msg, -1), ZIL_INTERRUPTED);
    CHECK(now_ms() - t < 1000.0 * time_scale());
    CHECK(msg == marker);
    CHECK_ERROR_MENTIONS("woken");
    CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_TIMEOUT);
    CHECK(msg == marker);

    zil_inport_free(in);
    zil_outport_free(out);
    printf("wake before recv: OK\n");
}

int main(void)
{
    test_watchdog(50);
    wake_blocked_forever(TEST_INPROC);
    wake_before_recv();
    return 0;
}
