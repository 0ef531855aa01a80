/* demo: zil's streaming in one process, a publisher and a subscriber thread
 * talking over TCP loopback.
 *
 *   demo [COUNT] [SIZE]      (default 100000 messages of 3200 bytes)
 *
 * The main thread binds an output port on an ephemeral port
 * (tcp://127.0.0.1:*), a second thread connects an input port to it, the
 * main thread waits for the subscription, then pushes COUNT messages with
 * event "pcm" and an empty one with event "EOS". The subscriber checks that
 * every message arrived in order and intact, and both sides report what
 * crossed. Exit status 0 only if everything arrived.
 */
#include "zil.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOPIC "audio"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Fake audio: message number `seq` stored in the first 8 bytes, then bytes
 * derived from it, so the subscriber can check order and content. */
static void fill_chunk(uint8_t *buf, size_t size, uint64_t seq)
{
    size_t i;
    for (i = 0; i < size; i++)
        buf[i] = (uint8_t)(seq * 7 + i);
    memcpy(buf, &seq, size < sizeof seq ? size : sizeof seq);
}

struct subscriber {
    const char *endpoint;   /* in: where to connect */
    size_t size;            /* in: expected message size */
    unsigned long long messages, bytes, errors; /* out */
    int eos;                /* out: EOS seen */
    double first, last;     /* out: times of the first message and of EOS */
    char error[512];        /* out: what went wrong, if anything */
};

static void *subscriber_thread(void *arg)
{
    struct subscriber *sub = (struct subscriber *)arg;
    zil_options_t *opts = zil_options_new();
    zil_inport_t *port;
    uint8_t *expected = (uint8_t *)malloc(sub->size + 1);

    /* Unlimited receive queue: the demo wants every message. */
    zil_options_set_rcvhwm(opts, 0);
    port = zil_inport_new_with_options(sub->endpoint, TOPIC, opts);
    zil_options_free(opts);
    if (port == NULL || expected == NULL) {
        snprintf(sub->error, sizeof sub->error, "inport: %s", zil_last_error());
        free(expected);
        return NULL;
    }
    while (!sub->eos) {
        zil_msg_t *msg = NULL;
        const char *event;
        zil_result rc = zil_inport_recv(port, &msg, 10000); /* never wait forever */
        if (rc != ZIL_OK) {
            snprintf(sub->error, sizeof sub->error, "recv after %llu messages: %s: %s",
                     sub->messages, zil_result_str(rc), zil_last_error());
            break;
        }
        event = zil_msg_event(msg);
        if (event != NULL && strcmp(event, "EOS") == 0) {
            sub->eos = 1;
            sub->last = now_s();
        } else {
            if (sub->messages == 0)
                sub->first = now_s();
            fill_chunk(expected, sub->size, sub->messages);
            if (zil_msg_size(msg) != sub->size ||
                memcmp(zil_msg_data(msg), expected, sub->size) != 0)
                sub->errors++;
            sub->messages++;
            sub->bytes += zil_msg_size(msg);
        }
        zil_msg_free(msg);
    }
    zil_inport_free(port);
    free(expected);
    return NULL;
}

int main(int argc, char **argv)
{
    unsigned long long count = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    size_t size = argc > 2 ? (size_t)strtoul(argv[2], NULL, 10) : 3200;
    zil_options_t *opts;
    zil_outport_t *port;
    struct subscriber sub;
    pthread_t thread;
    uint8_t *chunk;
    zil_stats_t stats = {.size = sizeof stats};
    double start, pushed;
    unsigned long long i;

    printf("zil %s demo: %llu messages of %zu bytes over TCP loopback\n", zil_version(), count,
           size);

    /* The publisher: an ephemeral TCP port, no send limit (0) so nothing is
     * dropped even if the subscriber thread falls behind for a moment. */
    opts = zil_options_new();
    zil_options_set_sndhwm(opts, 0);
    port = zil_outport_new_with_options("tcp://127.0.0.1:*", TOPIC, opts);
    zil_options_free(opts);
    if (port == NULL) {
        fprintf(stderr, "demo: %s\n", zil_last_error());
        return 1;
    }
    printf("publisher bound %s\n", zil_outport_endpoint(port));

    memset(&sub, 0, sizeof sub);
    sub.endpoint = zil_outport_endpoint(port); /* valid while the port lives */
    sub.size = size;
    if (pthread_create(&thread, NULL, subscriber_thread, &sub) != 0) {
        fprintf(stderr, "demo: cannot start the subscriber thread\n");
        return 1;
    }

    /* Slow joiner: wait until the subscription has arrived. */
    if (zil_outport_wait_subscribers(port, 1, 10000, NULL) != ZIL_OK) {
        fprintf(stderr, "demo: %s\n", zil_last_error());
        return 1;
    }

    chunk = (uint8_t *)malloc(size + 1);
    if (chunk == NULL)
        return 1;
    start = now_s();
    for (i = 0; i < count; i++) {
        fill_chunk(chunk, size, i);
        if (zil_outport_push(port, chunk, size, "pcm") != ZIL_OK) {
            fprintf(stderr, "demo: push: %s\n", zil_last_error());
            return 1;
        }
    }
    zil_outport_push(port, NULL, 0, "EOS");
    pushed = now_s();
    free(chunk);

    /* The subscriber returns at EOS (or after 10 s without a message). */
    pthread_join(thread, NULL);
    zil_outport_stats(port, &stats);
    zil_outport_free(port);

    printf("pushed   %llu messages (EOS included), %llu bytes in %.3f s\n",
           (unsigned long long)stats.counters.messages_sent, (unsigned long long)stats.counters.bytes_sent,
           pushed - start);
    if (sub.error[0] != '\0')
        fprintf(stderr, "subscriber: %s\n", sub.error);
    printf("received %llu messages, %llu bytes%s, %llu corrupted\n", sub.messages, sub.bytes,
           sub.eos ? " and EOS" : " (no EOS)", sub.errors);
    if (sub.eos && sub.last > start) {
        double seconds = sub.last - start;
        printf("crossed in %.3f s: %.0f messages/s, %.1f MB/s\n", seconds,
               (double)sub.messages / seconds, (double)sub.bytes / seconds / 1e6);
    }
    if (!sub.eos || sub.messages != count || sub.errors != 0) {
        fprintf(stderr, "demo: FAILED (%llu of %llu messages arrived intact)\n",
                sub.messages - sub.errors, count);
        return 1;
    }
    printf("demo: OK\n");
    return 0;
}
