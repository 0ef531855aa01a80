/*
 * session_pipeline: the original library's session-aware pipeline, in C.
 *
 *   first sender --(topic "audio")--> middle stage --(topic "text")--> last receiver
 *      outpad         inpad + outpad (never touches session ids)        inpad
 *                           \______________ verify ______________/
 *                                      authz RPC server
 *
 * The first sender sets the session id of a login explicitly. The middle
 * stage's inpad verifies each message's session with the authz server and
 * passes the session on to the middle outpad it is linked to; the last
 * receiver verifies again. After logout, nothing more flows.
 *
 * In production every stage is its own process (C or Python); here they run
 * in one process, one step at a time, so the example is easy to follow and
 * ctest can check it. Exit status 0 when everything flowed as expected.
 */
#include <zil.h>

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define CHUNKS 5

/* --- the authz service: one valid session, until logout ---------------- */
static char valid_session[33] = "4a501b51317e2c8f4a0fd7831d3e09dc";

static void on_verify(void *user_data, const char *method, const char *params_json,
                      const char *params_string, zil_rpc_reply_t *reply) {
    (void)user_data; (void)method; (void)params_json;
    zil_rpc_reply_set_bool(reply, params_string && strcmp(params_string, valid_session) == 0);
}

static void on_logout(void *user_data, const char *method, const char *params_json,
                      const char *params_string, zil_rpc_reply_t *reply) {
    (void)user_data; (void)method; (void)params_json;
    if (params_string && strcmp(params_string, valid_session) == 0) valid_session[0] = '\0';
    zil_rpc_reply_set_bool(reply, true);
}

#define CHECK(cond, what)                                                         \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "session_pipeline: %s failed (%s)\n", what, zil_last_error()); \
            return 1;                                                             \
        }                                                                         \
    } while (0)

/* The middle stage's work: upper-case the text. It forwards the event and
 * never sees a session id: the link carries it. */
static int middle_stage(zil_inpad_t *in, zil_outpad_t *out, int timeout_ms) {
    zil_msg_t *msg = NULL;
    zil_result r = zil_inpad_recv(in, &msg, timeout_ms);
    if (r != ZIL_OK) return (int)r;
    char text[256];
    size_t n = zil_msg_size(msg) < sizeof text ? zil_msg_size(msg) : sizeof text;
    for (size_t i = 0; i < n; i++) text[i] = (char)toupper(zil_msg_data(msg)[i]);
    r = zil_outpad_push(out, (const uint8_t *)text, n, zil_msg_event(msg));
    zil_msg_free(msg);
    return (int)r;
}

int main(void) {
    /* The authz server on an ephemeral loopback port. */
    zil_rpc_server_t *authz = zil_rpc_server_new("tcp://127.0.0.1:*");
    CHECK(authz, "authz server");
    zil_rpc_server_set_handler(authz, "verify", on_verify, NULL, NULL);
    zil_rpc_server_set_handler(authz, "logout", on_logout, NULL, NULL);
    CHECK(zil_rpc_server_start(authz) == ZIL_OK, "authz start");
    const char *rpc = zil_rpc_server_endpoint(authz);

    /* First sender: an outpad with the session of a login. */
    zil_outpad_t *first = zil_outpad_new("tcp://127.0.0.1:*", "audio");
    CHECK(first, "first outpad");
    CHECK(zil_outpad_set_session_id(first, valid_session) == ZIL_OK, "set session");

    /* Middle stage: inpad linked to its outpad. */
    zil_inpad_t *mid_in = zil_inpad_new(zil_outpad_endpoint(first), "audio", rpc);
    zil_outpad_t *mid_out = zil_outpad_new("tcp://127.0.0.1:*", "text");
    CHECK(mid_in && mid_out, "middle stage");
    CHECK(zil_inpad_link_outpad(mid_in, mid_out) == ZIL_OK, "link");

    /* Last receiver. */
    zil_inpad_t *last = zil_inpad_new(zil_outpad_endpoint(mid_out), "text", rpc);
    CHECK(last, "last inpad");

    /* Verify every message (TTL 0) so the logout below is seen at once; the
     * default TTL of 1000 ms would show it within a second. */
    zil_inpad_set_cache_ttl(mid_in, 0);
    zil_inpad_set_cache_ttl(last, 0);

    /* No message may fall into ZeroMQ's slow-joiner gap. */
    CHECK(zil_outpad_wait_subscribers(first, 1, 5000, NULL) == ZIL_OK, "first subscribers");
    CHECK(zil_outpad_wait_subscribers(mid_out, 1, 5000, NULL) == ZIL_OK, "middle subscribers");

    /* A valid session flows through both hops, events included. */
    for (int i = 0; i <= CHUNKS; i++) {
        char chunk[32];
        int n = snprintf(chunk, sizeof chunk, "chunk %d", i);
        const char *event = i < CHUNKS ? "pcm" : "EOS";
        CHECK(zil_outpad_push(first, (const uint8_t *)chunk, (size_t)n, event) == ZIL_OK, "push");
        CHECK(middle_stage(mid_in, mid_out, 2000) == ZIL_OK, "middle stage");

        zil_msg_t *msg = NULL;
        CHECK(zil_inpad_recv(last, &msg, 2000) == ZIL_OK, "last receive");
        char expected[32];
        snprintf(expected, sizeof expected, "CHUNK %d", i);
        CHECK(zil_msg_size(msg) == strlen(expected) &&
                  memcmp(zil_msg_data(msg), expected, zil_msg_size(msg)) == 0, "payload");
        CHECK(strcmp(zil_msg_event(msg), event) == 0, "event");
        CHECK(strcmp(zil_msg_session_id(msg), valid_session) == 0, "session passed on");
        printf("last receiver: %.*s  event=%s  session=%s\n", (int)zil_msg_size(msg),
               (const char *)zil_msg_data(msg), zil_msg_event(msg), zil_msg_session_id(msg));
        zil_msg_free(msg);
    }

    /* Logout: the authz table drops the session. */
    zil_rpc_client_t *client = zil_rpc_client_new(rpc, 2000);
    bool out = false;
    CHECK(client && zil_rpc_client_logout(client, valid_session, &out) == ZIL_OK && out, "logout");

    /* Nothing of the revoked session is delivered any more. */
    const char *late = "after logout";
    CHECK(zil_outpad_push(first, (const uint8_t *)late, strlen(late), "pcm") == ZIL_OK, "push");
    CHECK(middle_stage(mid_in, mid_out, 500) == ZIL_TIMEOUT, "revoked session dropped");
    zil_inpad_stats_t stats = {.size = sizeof stats};
    CHECK(zil_inpad_stats(mid_in, &stats) == ZIL_OK, "stats");
    printf("middle inpad: delivered %llu, dropped as unverified %llu\n",
           (unsigned long long)stats.counters.delivered, (unsigned long long)stats.counters.dropped_unverified);
    CHECK(stats.counters.delivered == CHUNKS + 1 && stats.counters.dropped_unverified == 1, "counters");

    zil_rpc_client_free(client);
    zil_inpad_free(last);
    zil_outpad_free(mid_out);
    zil_inpad_free(mid_in);
    zil_outpad_free(first);
    zil_rpc_server_free(authz);
    printf("session_pipeline: OK\n");
    return 0;
}
