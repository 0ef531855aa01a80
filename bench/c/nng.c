/* The same work on NNG (Debian's libnng): pub0/sub0 for streaming and
 * req0/rep0 for RPC. NNG messages have no frames: a streaming message is
 * the topic, one byte of event length, the event, then the payload, and
 * the subscriber filters on the topic prefix as ZeroMQ's SUB does. NNG's
 * pub0 never blocks: past the subscriber's receive buffer (set to its
 * maximum, 8192 messages) messages are dropped, which the driver reports
 * as lost; a subscriber that hears nothing for 2 s ends the run. */
#include "harness.h"

#include <nng/nng.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUIET_END_MS 2000
#define BUFFER_MSGS 8192

static int ng_failed(struct bench_result *r, const char *what, int rv)
{
    bench_fail(r, what, nng_strerror(rv));
    return -1;
}

/* Listens on addr ("tcp://127.0.0.1:0" picks a port) and writes the
 * address to dial to url. */
static int listen_at(nng_socket sock, const char *addr, char *url, size_t size)
{
    nng_listener listener;
    int port, rv = nng_listen(sock, addr, &listener, 0);
    if (rv != 0)
        return rv;
    if (strncmp(addr, "tcp://", 6) != 0) {
        snprintf(url, size, "%s", addr);
        return 0;
    }
    rv = nng_listener_get_int(listener, NNG_OPT_TCP_BOUND_PORT, &port);
    if (rv == 0)
        snprintf(url, size, "tcp://127.0.0.1:%d", port);
    return rv;
}

/* --- streaming ------------------------------------------------------------ */

struct ng_pair {
    nng_socket pub, sub;
    nng_msg *msg;
    uint8_t *frame;
    size_t frame_size;
};

static void ng_stream_close(void *p)
{
    struct ng_pair *z = p;
    nng_msg_free(z->msg);
    nng_close(z->sub);
    nng_close(z->pub);
    free(z->frame);
    free(z);
}

static void *ng_stream_open(const struct bench_spec *s, struct bench_result *r)
{
    struct ng_pair *z = calloc(1, sizeof *z);
    char url[256];
    int rv;
    if (z == NULL)
        return NULL;
    z->frame_size = strlen(BENCH_TOPIC) + 1 + 8 + s->size;
    z->frame = malloc(z->frame_size);
    if (z->frame == NULL || (rv = nng_pub0_open(&z->pub)) != 0 || (rv = nng_sub0_open(&z->sub)) != 0 ||
        (rv = nng_socket_set_int(z->pub, NNG_OPT_SENDBUF, BUFFER_MSGS)) != 0 ||
        (rv = nng_socket_set_int(z->sub, NNG_OPT_RECVBUF, BUFFER_MSGS)) != 0 ||
        (rv = nng_socket_set_ms(z->sub, NNG_OPT_RECVTIMEO, QUIET_END_MS)) != 0 ||
        (rv = nng_socket_set(z->sub, NNG_OPT_SUB_SUBSCRIBE, BENCH_TOPIC, strlen(BENCH_TOPIC))) != 0 ||
        (rv = listen_at(z->pub, s->addr, url, sizeof url)) != 0 ||
        (rv = nng_dial(z->sub, url, NULL, 0)) != 0) {
        ng_failed(r, "nng setup", z->frame == NULL ? NNG_ENOMEM : rv);
        ng_stream_close(z);
        return NULL;
    }
    /* pub0 has no subscription handshake: give the dial time to land */
    bench_sleep_ms(200);
    return z;
}

static int ng_stream_send(void *p, const uint8_t *data, size_t len, const char *event,
                           struct bench_result *r)
{
    struct ng_pair *z = p;
    size_t topic = strlen(BENCH_TOPIC), ev = strlen(event), n = topic + 1 + ev + len;
    int rv;
    if (n > z->frame_size)
        return ng_failed(r, "nng send", NNG_EINVAL);
    memcpy(z->frame, BENCH_TOPIC, topic);
    z->frame[topic] = (uint8_t)ev;
    memcpy(z->frame + topic + 1, event, ev);
    memcpy(z->frame + topic + 1 + ev, data, len);
    rv = nng_send(z->pub, z->frame, n, 0);
    return rv == 0 ? 0 : ng_failed(r, "nng_send", rv);
}

static int ng_stream_recv(void *p, const uint8_t **data, size_t *len, bool *eos,
                           struct bench_result *r)
{
    struct ng_pair *z = p;
    size_t topic = strlen(BENCH_TOPIC), ev;
    const uint8_t *body;
    int rv;
    nng_msg_free(z->msg);
    z->msg = NULL;
    rv = nng_recvmsg(z->sub, &z->msg, 0);
    if (rv == NNG_ETIMEDOUT) {
        *eos = true; /* the EOS itself was dropped: the quiet ends the run */
        return 0;
    }
    if (rv != 0)
        return ng_failed(r, "nng_recvmsg", rv);
    body = nng_msg_body(z->msg);
    if (nng_msg_len(z->msg) < topic + 1 ||
        nng_msg_len(z->msg) < topic + 1 + (ev = body[topic]))
        return ng_failed(r, "nng_recvmsg", NNG_EPROTO);
    *eos = ev == strlen(BENCH_EOS) && memcmp(body + topic + 1, BENCH_EOS, ev) == 0;
    *data = body + topic + 1 + ev;
    *len = nng_msg_len(z->msg) - topic - 1 - ev;
    return 0;
}

static const struct bench_stream_ops ng_stream_ops = {
    ng_stream_open, ng_stream_send, ng_stream_recv, ng_stream_close};

int bench_nng_stream(const struct bench_spec *s, struct bench_result *r)
{
    return bench_run_stream(s, r, &ng_stream_ops);
}

/* --- RPC ------------------------------------------------------------------- */

#define STOP "stop"

struct ng_rpc {
    nng_socket rep, req;
    bench_thread *server;
    char reply[256];
};

static void *ng_serve(void *arg)
{
    struct ng_rpc *z = arg;
    char request[512];
    /* unpinned, like zil's server thread, which a user cannot pin */
    for (;;) {
        size_t n = sizeof request;
        if (nng_recv(z->rep, request, &n, 0) != 0)
            break;
        bool stop = n == strlen(STOP) && memcmp(request, STOP, n) == 0;
        if (nng_send(z->rep, BENCH_VERIFY_REPLY, strlen(BENCH_VERIFY_REPLY), 0) != 0 || stop)
            break;
    }
    return NULL;
}

static void ng_rpc_close(void *p)
{
    struct ng_rpc *z = p;
    if (z->server != NULL) {
        char reply[256];
        size_t n = sizeof reply;
        if (nng_send(z->req, STOP, strlen(STOP), 0) == 0)
            (void)nng_recv(z->req, reply, &n, 0);
        bench_join(z->server);
    }
    nng_close(z->req);
    nng_close(z->rep);
    free(z);
}

static void *ng_rpc_open(const struct bench_spec *s, struct bench_result *r)
{
    struct ng_rpc *z = calloc(1, sizeof *z);
    char url[256];
    int rv;
    if (z == NULL)
        return NULL;
    if ((rv = nng_rep0_open(&z->rep)) != 0 || (rv = nng_req0_open(&z->req)) != 0 ||
        (rv = listen_at(z->rep, s->addr, url, sizeof url)) != 0 ||
        (rv = nng_dial(z->req, url, NULL, 0)) != 0) {
        ng_failed(r, "nng rpc setup", rv);
        ng_rpc_close(z);
        return NULL;
    }
    z->server = bench_spawn(ng_serve, z);
    if (z->server == NULL) {
        bench_fail(r, "nng rpc setup", "cannot start a thread");
        ng_rpc_close(z);
        return NULL;
    }
    return z;
}

static int ng_rpc_call(void *p, struct bench_result *r)
{
    struct ng_rpc *z = p;
    size_t n = sizeof z->reply;
    int rv = nng_send(z->req, BENCH_VERIFY_REQUEST, strlen(BENCH_VERIFY_REQUEST), 0);
    if (rv == 0)
        rv = nng_recv(z->req, z->reply, &n, 0);
    if (rv != 0)
        return ng_failed(r, "nng rpc call", rv);
    if (n != strlen(BENCH_VERIFY_REPLY)) {
        bench_fail(r, "nng rpc call", "unexpected reply");
        return -1;
    }
    return 0;
}

static const struct bench_rpc_ops ng_rpc_ops = {ng_rpc_open, ng_rpc_call, ng_rpc_close};

int bench_nng_rpc(const struct bench_spec *s, struct bench_result *r)
{
    return bench_run_rpc(s, r, &ng_rpc_ops);
}
