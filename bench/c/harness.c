/* Timing, pinning, payload checks and threads shared by the plain-C peers. */
#define _GNU_SOURCE
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void bench_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

void bench_pin(bool pin, int cpu)
{
    cpu_set_t set;
    if (!pin)
        return;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof set, &set);
}

void bench_fail(struct bench_result *r, const char *what, const char *why)
{
    if (r->error[0] == 0)
        snprintf(r->error, sizeof r->error, "%s: %s", what, why);
}

static uint8_t pattern(size_t i)
{
    return (uint8_t)(i * 131u + 7u);
}

void bench_stamp(uint8_t *buf, size_t size, uint64_t seq)
{
    memcpy(buf, &seq, sizeof seq);
    (void)size;
}

uint64_t bench_check(struct bench_result *r, const uint8_t *data, size_t len, size_t size,
                     uint64_t next)
{
    uint64_t seq;
    if (len != size || len < sizeof seq) {
        r->bad++;
        return next;
    }
    memcpy(&seq, data, sizeof seq);
    if (seq < next) { /* duplicated or out of order; a gap is a loss */
        r->bad++;
        return next;
    }
    if (seq % 64 == 0) {
        for (size_t i = sizeof seq; i < len; i++) {
            if (data[i] != pattern(i)) {
                r->bad++;
                break;
            }
        }
    }
    return seq + 1;
}

uint8_t *bench_template(size_t size)
{
    uint8_t *buf = malloc(size);
    if (buf != NULL)
        for (size_t i = 0; i < size; i++)
            buf[i] = pattern(i);
    return buf;
}

struct bench_thread {
    pthread_t id;
};

bench_thread *bench_spawn(void *(*fn)(void *), void *arg)
{
    bench_thread *t = malloc(sizeof *t);
    if (t == NULL)
        return NULL;
    if (pthread_create(&t->id, NULL, fn, arg) != 0) {
        free(t);
        return NULL;
    }
    return t;
}

void bench_join(bench_thread *t)
{
    if (t == NULL)
        return;
    pthread_join(t->id, NULL);
    free(t);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

void bench_latencies(struct bench_result *r, double *us, uint64_t n)
{
    if (n == 0)
        return;
    qsort(us, n, sizeof *us, cmp_double);
    r->p50_us = us[n / 2];
    r->p99_us = us[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1];
}

struct receiver {
    const struct bench_spec *spec;
    const struct bench_stream_ops *ops;
    void *pair;
    struct bench_result *r;
    double first, last;
};

static void *receive_all(void *arg)
{
    struct receiver *rx = arg;
    const struct bench_spec *s = rx->spec;
    uint64_t next = 0;
    bench_pin(s->pin, 1);
    for (;;) {
        const uint8_t *data;
        size_t len;
        bool eos = false;
        if (rx->ops->recv(rx->pair, &data, &len, &eos, rx->r) != 0)
            break;
        if (eos)
            break;
        next = bench_check(rx->r, data, len, s->size, next);
        if (next > s->warmup) { /* a timed message */
            double t = bench_now();
            if (rx->r->received++ == 0)
                rx->first = t;
            rx->last = t;
        }
    }
    return NULL;
}

int bench_run_stream(const struct bench_spec *s, struct bench_result *r,
                     const struct bench_stream_ops *ops)
{
    struct receiver rx = {s, ops, NULL, r, 0, 0};
    uint64_t total = s->warmup + s->count;
    uint8_t *buf = bench_template(s->size);
    bench_thread *thread;
    if (buf == NULL) {
        bench_fail(r, "payload", "out of memory");
        return -1;
    }
    rx.pair = ops->open(s, r);
    if (rx.pair == NULL) {
        free(buf);
        return -1;
    }
    thread = bench_spawn(receive_all, &rx);
    if (thread == NULL) {
        bench_fail(r, "receiver", "cannot start a thread");
    } else {
        bench_pin(s->pin, 0);
        for (uint64_t seq = 0; seq < total; seq++) {
            bench_stamp(buf, s->size, seq);
            if (ops->send(rx.pair, buf, s->size, BENCH_EVENT, r) != 0)
                break;
            if (seq >= s->warmup)
                r->sent++;
        }
        (void)ops->send(rx.pair, (const uint8_t *)"", 0, BENCH_EOS, r);
        bench_join(thread);
    }
    ops->close(rx.pair);
    free(buf);
    /* warm-up messages are sent and received, but not timed or counted */
    r->seconds = rx.last - rx.first;
    return r->error[0] == 0 ? 0 : -1;
}

int bench_run_rpc(const struct bench_spec *s, struct bench_result *r,
                  const struct bench_rpc_ops *ops)
{
    double *us = malloc(sizeof *us * (s->count ? s->count : 1));
    void *pair;
    double started;
    if (us == NULL) {
        bench_fail(r, "latencies", "out of memory");
        return -1;
    }
    pair = ops->open(s, r);
    if (pair == NULL) {
        free(us);
        return -1;
    }
    bench_pin(s->pin, 0);
    for (uint64_t i = 0; i < s->warmup; i++)
        if (ops->call(pair, r) != 0)
            break;
    started = bench_now();
    for (uint64_t i = 0; i < s->count && r->error[0] == 0; i++) {
        double t = bench_now();
        if (ops->call(pair, r) != 0)
            break;
        us[r->received++] = (bench_now() - t) * 1e6;
    }
    r->seconds = bench_now() - started;
    r->sent = r->received;
    ops->close(pair);
    bench_latencies(r, us, r->received);
    free(us);
    return r->error[0] == 0 ? 0 : -1;
}
