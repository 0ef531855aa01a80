/* The same streaming and RPC work on zil's C API, written as a zil user
 * writes it: ports with high-water marks 0, zil_outport_wait_subscribers,
 * a receive loop reusing one zil_msg_t; a verify handler and the typed
 * zil_rpc_client_verify; and session-aware streaming (outpad -> inpad,
 * verified by an authz server, cache on). */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <zil.h>

#define WAIT_MS 5000

static int zl_failed(struct bench_result *r, const char *what)
{
    bench_fail(r, what, zil_last_error());
    return -1;
}

static zil_options_t *unlimited_options(void)
{
    zil_options_t *opts = zil_options_new();
    if (opts != NULL &&
        (zil_options_set_sndhwm(opts, 0) != ZIL_OK || zil_options_set_rcvhwm(opts, 0) != ZIL_OK)) {
        zil_options_free(opts);
        return NULL;
    }
    return opts;
}

/* --- streaming ------------------------------------------------------------ */

struct zl_pair {
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg;
};

static void zl_stream_close(void *p)
{
    struct zl_pair *z = p;
    zil_inport_free(z->in);
    zil_outport_free(z->out);
    zil_msg_free(z->msg);
    free(z);
}

static void *zl_stream_open(const struct bench_spec *s, struct bench_result *r)
{
    struct zl_pair *z = calloc(1, sizeof *z);
    zil_options_t *opts = unlimited_options();
    if (z == NULL || opts == NULL) {
        free(z);
        zil_options_free(opts);
        bench_fail(r, "zil setup", "out of memory");
        return NULL;
    }
    z->msg = zil_msg_new();
    z->out = zil_outport_new_with_options(s->addr, BENCH_TOPIC, opts);
    if (z->out != NULL)
        z->in = zil_inport_new_with_options(zil_outport_endpoint(z->out), BENCH_TOPIC, opts);
    zil_options_free(opts);
    if (z->msg == NULL || z->out == NULL || z->in == NULL ||
        zil_outport_wait_subscribers(z->out, 1, WAIT_MS, NULL) != ZIL_OK) {
        zl_failed(r, "zil setup");
        zl_stream_close(z);
        return NULL;
    }
    return z;
}

static int zl_stream_send(void *p, const uint8_t *data, size_t len, const char *event,
                           struct bench_result *r)
{
    struct zl_pair *z = p;
    return zil_outport_push(z->out, data, len, event) == ZIL_OK ? 0
                                                                : zl_failed(r, "zil_outport_push");
}

static int zl_msg_out(zil_msg_t *msg, const uint8_t **data, size_t *len, bool *eos)
{
    const char *event = zil_msg_event(msg);
    *data = zil_msg_data(msg);
    *len = zil_msg_size(msg);
    *eos = event != NULL && strcmp(event, BENCH_EOS) == 0;
    return 0;
}

static int zl_stream_recv(void *p, const uint8_t **data, size_t *len, bool *eos,
                           struct bench_result *r)
{
    struct zl_pair *z = p;
    if (zil_inport_recv_into(z->in, z->msg, WAIT_MS) != ZIL_OK)
        return zl_failed(r, "zil_inport_recv_into");
    return zl_msg_out(z->msg, data, len, eos);
}

static const struct bench_stream_ops zl_stream_ops = {
    zl_stream_open, zl_stream_send, zl_stream_recv, zl_stream_close};

int bench_zil_stream(const struct bench_spec *s, struct bench_result *r)
{
    return bench_run_stream(s, r, &zl_stream_ops);
}

/* --- RPC ------------------------------------------------------------------- */

static void verify_true(void *user_data, const char *method, const char *params_json,
                        const char *params_string, zil_rpc_reply_t *reply)
{
    (void)user_data;
    (void)method;
    (void)params_json;
    zil_rpc_reply_set_bool(reply, params_string != NULL);
}

static zil_rpc_server_t *authz_server(const char *addr)
{
    zil_rpc_server_t *server = zil_rpc_server_new(addr);
    if (server != NULL &&
        (zil_rpc_server_set_handler(server, "verify", verify_true, NULL, NULL) != ZIL_OK ||
         zil_rpc_server_start(server) != ZIL_OK)) {
        zil_rpc_server_free(server);
        return NULL;
    }
    return server;
}

struct zl_rpc {
    zil_rpc_server_t *server;
    zil_rpc_client_t *client;
};

static void zl_rpc_close(void *p)
{
    struct zl_rpc *z = p;
    zil_rpc_client_free(z->client);
    zil_rpc_server_free(z->server);
    free(z);
}

static void *zl_rpc_open(const struct bench_spec *s, struct bench_result *r)
{
    struct zl_rpc *z = calloc(1, sizeof *z);
    if (z == NULL)
        return NULL;
    z->server = authz_server(s->addr);
    if (z->server != NULL)
        z->client = zil_rpc_client_new(zil_rpc_server_endpoint(z->server), WAIT_MS);
    if (z->client == NULL) {
        zl_failed(r, "zil rpc setup");
        zl_rpc_close(z);
        return NULL;
    }
    return z;
}

static int zl_rpc_call(void *p, struct bench_result *r)
{
    struct zl_rpc *z = p;
    bool valid = false;
    if (zil_rpc_client_verify(z->client, BENCH_SESSION, &valid) != ZIL_OK)
        return zl_failed(r, "zil_rpc_client_verify");
    if (!valid) {
        bench_fail(r, "zil_rpc_client_verify", "answered false");
        return -1;
    }
    return 0;
}

static const struct bench_rpc_ops zl_rpc_ops = {zl_rpc_open, zl_rpc_call, zl_rpc_close};

int bench_zil_rpc(const struct bench_spec *s, struct bench_result *r)
{
    return bench_run_rpc(s, r, &zl_rpc_ops);
}

/* --- session-aware streaming ---------------------------------------------- */

struct zl_session {
    zil_rpc_server_t *server;
    zil_outpad_t *out;
    zil_inpad_t *in;
    zil_msg_t *msg;
};

static void zl_session_close(void *p)
{
    struct zl_session *z = p;
    zil_inpad_free(z->in);
    zil_outpad_free(z->out);
    zil_rpc_server_free(z->server);
    zil_msg_free(z->msg);
    free(z);
}

static void *zl_session_open(const struct bench_spec *s, struct bench_result *r)
{
    struct zl_session *z = calloc(1, sizeof *z);
    zil_options_t *opts = unlimited_options();
    if (z == NULL || opts == NULL) {
        free(z);
        zil_options_free(opts);
        bench_fail(r, "zil session setup", "out of memory");
        return NULL;
    }
    z->msg = zil_msg_new();
    z->server = authz_server("tcp://127.0.0.1:*");
    z->out = zil_outpad_new_with_options(s->addr, BENCH_TOPIC, opts);
    if (z->server != NULL && z->out != NULL)
        z->in = zil_inpad_new_with_options(zil_outpad_endpoint(z->out), BENCH_TOPIC,
                                           zil_rpc_server_endpoint(z->server), opts);
    zil_options_free(opts);
    if (z->msg == NULL || z->in == NULL ||
        zil_outpad_set_session_id(z->out, BENCH_SESSION) != ZIL_OK ||
        zil_outpad_wait_subscribers(z->out, 1, WAIT_MS, NULL) != ZIL_OK) {
        zl_failed(r, "zil session setup");
        zl_session_close(z);
        return NULL;
    }
    return z;
}

static int zl_session_send(void *p, const uint8_t *data, size_t len, const char *event,
                            struct bench_result *r)
{
    struct zl_session *z = p;
    return zil_outpad_push(z->out, data, len, event) == ZIL_OK ? 0
                                                               : zl_failed(r, "zil_outpad_push");
}

static int zl_session_recv(void *p, const uint8_t **data, size_t *len, bool *eos,
                            struct bench_result *r)
{
    struct zl_session *z = p;
    if (zil_inpad_recv_into(z->in, z->msg, WAIT_MS) != ZIL_OK)
        return zl_failed(r, "zil_inpad_recv_into");
    return zl_msg_out(z->msg, data, len, eos);
}

static const struct bench_stream_ops zl_session_ops = {
    zl_session_open, zl_session_send, zl_session_recv, zl_session_close};

int bench_zil_session(const struct bench_spec *s, struct bench_result *r)
{
    return bench_run_stream(s, r, &zl_session_ops);
}
