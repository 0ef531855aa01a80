/* subscriber: receives a stream from `publisher` (publisher.c) until "EOS".
 *
 *   subscriber ADDRESS [COUNT]
 *
 *   ADDRESS  the publisher's address, e.g. tcp://127.0.0.1:5555
 *   COUNT    if given, the number of "pcm" messages expected: the exit
 *            status is 1 when another number arrived
 *
 * Prints how many messages and bytes crossed, and the rate. Gives up when
 * nothing arrives for 30 s.
 */
#include "zil.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOPIC "audio"
#define IDLE_TIMEOUT_MS 30000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    const char *addr;
    long expected = -1;
    zil_options_t *opts;
    zil_inport_t *port;
    unsigned long long messages = 0, bytes = 0;
    double first = 0, last = 0;
    int eos = 0;
    int status = 0;

    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s ADDRESS [COUNT]\n", argv[0]);
        return 2;
    }
    addr = argv[1];
    if (argc == 3)
        expected = strtol(argv[2], NULL, 10);

    /* Like the publisher, lift the receive high-water mark (0 = unlimited)
     * so a burst is queued rather than dropped. */
    opts = zil_options_new();
    if (opts == NULL || zil_options_set_rcvhwm(opts, 0) != ZIL_OK) {
        fprintf(stderr, "subscriber: options: %s\n", zil_last_error());
        return 1;
    }
    /* Connect and subscribe. Connecting succeeds even before the publisher
     * is up: ZeroMQ keeps retrying in the background. Only messages whose
     * topic is exactly "audio" are received (zil_options_set_prefix_match
     * gives the Python original's prefix matching). */
    port = zil_inport_new_with_options(addr, TOPIC, opts);
    zil_options_free(opts);
    if (port == NULL) {
        fprintf(stderr, "subscriber: %s\n", zil_last_error());
        return 1;
    }
    printf("subscriber: connected to %s, topic \"%s\"\n", zil_inport_endpoint(port), TOPIC);
    fflush(stdout);

    while (!eos) {
        zil_msg_t *msg = NULL;
        const char *event;
        /* Wait for the next message, at most IDLE_TIMEOUT_MS. */
        zil_result rc = zil_inport_recv(port, &msg, IDLE_TIMEOUT_MS);
        if (rc == ZIL_TIMEOUT) {
            fprintf(stderr, "subscriber: nothing received for %d s, giving up\n",
                    IDLE_TIMEOUT_MS / 1000);
            status = 1;
            break;
        }
        if (rc != ZIL_OK) {
            fprintf(stderr, "subscriber: %s: %s\n", zil_result_str(rc), zil_last_error());
            status = 1;
            break;
        }
        /* The event is NULL when the sender gave none. */
        event = zil_msg_event(msg);
        if (event != NULL && strcmp(event, "EOS") == 0) {
            eos = 1;
        } else {
            if (messages == 0)
                first = now_s();
            messages++;
            /* zil_msg_data points into the message: no copy was made. */
            bytes += zil_msg_size(msg);
        }
        last = now_s();
        /* Frees the message and the views taken from it. */
        zil_msg_free(msg);
    }

    {
        double seconds = last - first;
        printf("subscriber: received %llu messages, %llu bytes%s", messages, bytes,
               eos ? " and EOS" : " (no EOS)");
        if (messages > 1 && seconds > 0)
            printf(" in %.3f s: %.0f messages/s, %.1f MB/s", seconds, (double)messages / seconds,
                   (double)bytes / seconds / 1e6);
        printf("\n");
    }
    if (expected >= 0 && messages != (unsigned long long)expected) {
        fprintf(stderr, "subscriber: expected %ld messages, received %llu\n", expected, messages);
        status = 1;
    }
    /* Freeing the port unsubscribes: the publisher sees it leave. */
    zil_inport_free(port);
    return status;
}
