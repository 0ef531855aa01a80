/* The streaming and RPC work as a plain C program writes it on libzmq
 * (the same libzmq build that libzil links): XPUB/SUB with high-water
 * marks 0, the publisher waiting for the subscription message; REQ/REP
 * with the original's verify request and reply as fixed bytes. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

struct zq_pair {
    void *ctx, *pub, *sub;
    zmq_msg_t frames[3];
};

static void *zq_fail(struct bench_result *r, const char *what)
{
    bench_fail(r, what, zmq_strerror(zmq_errno()));
    return NULL;
}

static void zq_stream_close(void *p)
{
    struct zq_pair *z = p;
    for (int i = 0; i < 3; i++)
        zmq_msg_close(&z->frames[i]);
    if (z->pub)
        zmq_close(z->pub);
    if (z->sub)
        zmq_close(z->sub);
    zmq_ctx_term(z->ctx);
    free(z);
}

static void *zq_stream_open(const struct bench_spec *s, struct bench_result *r)
{
    struct zq_pair *z = calloc(1, sizeof *z);
    int zero = 0;
    char endpoint[256];
    size_t len = sizeof endpoint;
    zmq_msg_t sub_msg;
    if (z == NULL)
        return NULL;
    for (int i = 0; i < 3; i++)
        zmq_msg_init(&z->frames[i]);
    z->ctx = zmq_ctx_new();
    z->pub = zmq_socket(z->ctx, ZMQ_XPUB);
    z->sub = zmq_socket(z->ctx, ZMQ_SUB);
    if (z->pub == NULL || z->sub == NULL ||
        zmq_setsockopt(z->pub, ZMQ_SNDHWM, &zero, sizeof zero) != 0 ||
        zmq_setsockopt(z->sub, ZMQ_RCVHWM, &zero, sizeof zero) != 0 ||
        zmq_bind(z->pub, s->addr) != 0 ||
        zmq_getsockopt(z->pub, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0 ||
        zmq_setsockopt(z->sub, ZMQ_SUBSCRIBE, BENCH_TOPIC, strlen(BENCH_TOPIC)) != 0 ||
        zmq_connect(z->sub, endpoint) != 0) {
        zq_fail(r, "zmq setup");
        zq_stream_close(z);
        return NULL;
    }
    /* the slow-joiner cure: wait for the subscription to arrive */
    zmq_msg_init(&sub_msg);
    if (zmq_msg_recv(&sub_msg, z->pub, 0) < 0) {
        zmq_msg_close(&sub_msg);
        zq_fail(r, "zmq subscription");
        zq_stream_close(z);
        return NULL;
    }
    zmq_msg_close(&sub_msg);
    return z;
}

static int zq_stream_send(void *p, const uint8_t *data, size_t len, const char *event,
                           struct bench_result *r)
{
    struct zq_pair *z = p;
    if (zmq_send(z->pub, BENCH_TOPIC, strlen(BENCH_TOPIC), ZMQ_SNDMORE) < 0 ||
        zmq_send(z->pub, data, len, ZMQ_SNDMORE) < 0 ||
        zmq_send(z->pub, event, strlen(event), 0) < 0) {
        zq_fail(r, "zmq_send");
        return -1;
    }
    return 0;
}

static int zq_stream_recv(void *p, const uint8_t **data, size_t *len, bool *eos,
                           struct bench_result *r)
{
    struct zq_pair *z = p;
    for (int i = 0; i < 3; i++) {
        if (zmq_msg_recv(&z->frames[i], z->sub, 0) < 0) {
            zq_fail(r, "zmq_msg_recv");
            return -1;
        }
    }
    *data = zmq_msg_data(&z->frames[1]);
    *len = zmq_msg_size(&z->frames[1]);
    *eos = zmq_msg_size(&z->frames[2]) == strlen(BENCH_EOS) &&
           memcmp(zmq_msg_data(&z->frames[2]), BENCH_EOS, strlen(BENCH_EOS)) == 0;
    return 0;
}

static const struct bench_stream_ops zq_stream_ops = {
    zq_stream_open, zq_stream_send, zq_stream_recv, zq_stream_close};

int bench_zmq_stream(const struct bench_spec *s, struct bench_result *r)
{
    return bench_run_stream(s, r, &zq_stream_ops);
}

/* --- RPC ------------------------------------------------------------------- */

#define STOP "stop"

struct zq_rpc {
    void *ctx, *rep, *req;
    bench_thread *server;
    char reply[256];
};

static void *zq_serve(void *arg)
{
    struct zq_rpc *z = arg;
    char request[512];
    /* unpinned, like zil's server thread, which a user cannot pin */
    for (;;) {
        int n = zmq_recv(z->rep, request, sizeof request, 0);
        if (n < 0)
            break;
        bool stop = n == (int)strlen(STOP) && memcmp(request, STOP, strlen(STOP)) == 0;
        if (zmq_send(z->rep, BENCH_VERIFY_REPLY, strlen(BENCH_VERIFY_REPLY), 0) < 0 || stop)
            break;
    }
    return NULL;
}

static void zq_rpc_close(void *p)
{
    struct zq_rpc *z = p;
    if (z->server != NULL) {
        char reply[256];
        if (zmq_send(z->req, STOP, strlen(STOP), 0) >= 0)
            (void)zmq_recv(z->req, reply, sizeof reply, 0);
        bench_join(z->server);
    }
    if (z->req)
        zmq_close(z->req);
    if (z->rep)
        zmq_close(z->rep);
    zmq_ctx_term(z->ctx);
    free(z);
}

static void *zq_rpc_open(const struct bench_spec *s, struct bench_result *r)
{
    struct zq_rpc *z = calloc(1, sizeof *z);
    char endpoint[256];
    size_t len = sizeof endpoint;
    if (z == NULL)
        return NULL;
    z->ctx = zmq_ctx_new();
    z->rep = zmq_socket(z->ctx, ZMQ_REP);
    z->req = zmq_socket(z->ctx, ZMQ_REQ);
    if (z->rep == NULL || z->req == NULL || zmq_bind(z->rep, s->addr) != 0 ||
        zmq_getsockopt(z->rep, ZMQ_LAST_ENDPOINT, endpoint, &len) != 0 ||
        zmq_connect(z->req, endpoint) != 0 ||
        (z->server = bench_spawn(zq_serve, z)) == NULL) {
        zq_fail(r, "zmq rpc setup");
        zq_rpc_close(z);
        return NULL;
    }
    return z;
}

static int zq_rpc_call(void *p, struct bench_result *r)
{
    struct zq_rpc *z = p;
    int n;
    if (zmq_send(z->req, BENCH_VERIFY_REQUEST, strlen(BENCH_VERIFY_REQUEST), 0) < 0 ||
        (n = zmq_recv(z->req, z->reply, sizeof z->reply, 0)) < 0) {
        zq_fail(r, "zmq rpc call");
        return -1;
    }
    if (n != (int)strlen(BENCH_VERIFY_REPLY)) {
        bench_fail(r, "zmq rpc call", "unexpected reply");
        return -1;
    }
    return 0;
}

static const struct bench_rpc_ops zq_rpc_ops = {zq_rpc_open, zq_rpc_call, zq_rpc_close};

int bench_zmq_rpc(const struct bench_spec *s, struct bench_result *r)
{
    return bench_run_rpc(s, r, &zq_rpc_ops);
}
