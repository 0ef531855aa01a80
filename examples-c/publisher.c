/* publisher: streams COUNT chunks of fake audio with zil, then "EOS".
 *
 *   publisher ADDRESS COUNT [SIZE]
 *
 *   ADDRESS  where to bind: tcp://127.0.0.1:5555, tcp://127.0.0.1:* (any free
 *            port: the real one is printed), ipc:///tmp/zil.sock, ...
 *   COUNT    number of messages with event "pcm"
 *   SIZE     bytes per message (default 3200: 100 ms of 16 kHz 16-bit mono)
 *
 * Run `subscriber ADDRESS` (subscriber.c) against it. Every message is the
 * 3-frame [topic, data, event] of Python's zmq_integration_lib, so a Python
 * subscriber on topic "audio" receives it too.
 */
#include "zil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOPIC "audio"

/* Waits until every subscriber has left, at most timeout_ms. zil has no
 * "how many subscribers" getter: waiting a little (10 ms) for more
 * subscribers than can exist returns ZIL_TIMEOUT and writes the current
 * number. */
static size_t wait_until_subscribers_left(const zil_outport_t *port, int timeout_ms)
{
    size_t n = 1;
    int waited;
    for (waited = 0; n > 0 && waited < timeout_ms; waited += 10)
        zil_outport_wait_subscribers(port, SIZE_MAX, 10, &n);
    return n;
}

int main(int argc, char **argv)
{
    const char *addr;
    long count;
    long size = 3200;
    zil_options_t *opts;
    zil_outport_t *port;
    uint8_t *chunk;
    size_t subscribers = 0;
    long i;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s ADDRESS COUNT [SIZE]\n", argv[0]);
        return 2;
    }
    addr = argv[1];
    count = strtol(argv[2], NULL, 10);
    if (argc == 4)
        size = strtol(argv[3], NULL, 10);
    if (count < 0 || size < 0) {
        fprintf(stderr, "publisher: COUNT and SIZE must be >= 0\n");
        return 2;
    }

    /* Options: a PUB socket drops messages for a subscriber that is more
     * than "send high-water mark" messages behind. This example wants every
     * message to arrive, so it lifts the limit (0 = unlimited; memory grows
     * if the subscriber is slow). A live audio source would rather keep a
     * limit and let a stalled subscriber miss data. */
    opts = zil_options_new();
    if (opts == NULL || zil_options_set_sndhwm(opts, 0) != ZIL_OK) {
        fprintf(stderr, "publisher: options: %s\n", zil_last_error());
        return 1;
    }

    /* Bind the address. On failure zil_last_error() says why (bad address,
     * address in use, ...). */
    port = zil_outport_new_with_options(addr, TOPIC, opts);
    zil_options_free(opts); /* only read during the call */
    if (port == NULL) {
        fprintf(stderr, "publisher: %s\n", zil_last_error());
        return 1;
    }
    /* For tcp://...:* this is the port the system chose. */
    printf("publisher: listening on %s, topic \"%s\"\n", zil_outport_endpoint(port), TOPIC);
    fflush(stdout);

    /* ZeroMQ's "slow joiner": messages published before a subscriber's
     * subscription arrived are lost. Wait (at most 30 s) for one. */
    if (zil_outport_wait_subscribers(port, 1, 30000, &subscribers) != ZIL_OK) {
        fprintf(stderr, "publisher: %s\n", zil_last_error());
        zil_outport_free(port);
        return 1;
    }
    printf("publisher: %zu subscriber(s) connected, sending %ld messages of %ld bytes\n",
           subscribers, count, size);
    fflush(stdout);

    chunk = (uint8_t *)calloc((size_t)size + 1, 1);
    if (chunk == NULL) {
        fprintf(stderr, "publisher: out of memory\n");
        zil_outport_free(port);
        return 1;
    }
    for (i = 0; i < count; i++) {
        /* Fake audio: the chunk's number in its first bytes. */
        memcpy(chunk, &i, (size_t)size < sizeof i ? (size_t)size : sizeof i);
        /* zil copies the data: the buffer can be reused at once. */
        if (zil_outport_push(port, chunk, (size_t)size, "pcm") != ZIL_OK) {
            fprintf(stderr, "publisher: push %ld: %s\n", i, zil_last_error());
            free(chunk);
            zil_outport_free(port);
            return 1;
        }
    }
    free(chunk);

    /* The end of the stream: an empty message with event "EOS" (NULL data
     * is fine with length 0). */
    if (zil_outport_push(port, NULL, 0, "EOS") != ZIL_OK) {
        fprintf(stderr, "publisher: push EOS: %s\n", zil_last_error());
        zil_outport_free(port);
        return 1;
    }

    /* zil sends in the background. Freeing the port and exiting right away
     * can lose the messages still queued (the tail of the stream, EOS
     * included), so wait (at most 30 s) until the subscriber, having seen
     * EOS, has left. */
    if (wait_until_subscribers_left(port, 30000) > 0)
        fprintf(stderr, "publisher: subscribers still connected after 30 s\n");

    {
        zil_stats_t stats = {.size = sizeof stats};
        zil_outport_stats(port, &stats);
        printf("publisher: sent %llu messages, %llu bytes\n",
               (unsigned long long)stats.counters.messages_sent, (unsigned long long)stats.counters.bytes_sent);
    }
    zil_outport_free(port);
    return 0;
}
