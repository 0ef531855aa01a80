/*
 * authz_server: a small authorization service over zil's RPC mode.
 *
 * It answers the three methods of the Python original from an in-memory
 * session table:
 *   get_token()        -> a new 32-hex-digit session id (a "login")
 *   verify(session_id) -> true while the session is in the table
 *   logout(session_id) -> true, and the session is gone
 * Python services and C clients call it alike (same JSON-RPC on the wire).
 *
 * Usage: authz_server [ADDRESS] [SECONDS]
 *   ADDRESS defaults to tcp://127.0.0.1:6900; the server stops after
 *   SECONDS (default 10) so the example never runs away.
 */
#include <zil.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_SESSIONS 64

/* The handlers' shared state: passed to every handler as user_data. The
 * server runs handlers one at a time on its thread; the mutex only guards
 * against the main thread reading the table meanwhile. */
typedef struct {
    pthread_mutex_t lock;
    char sessions[MAX_SESSIONS][33];
    unsigned next;
} session_table;

static int find(session_table *t, const char *id) {
    for (int i = 0; i < MAX_SESSIONS; i++)
        if (t->sessions[i][0] && strcmp(t->sessions[i], id) == 0) return i;
    return -1;
}

/* get_token(): params are ignored; answers a fresh session id. */
static void on_get_token(void *user_data, const char *method, const char *params_json,
                         const char *params_string, zil_rpc_reply_t *reply) {
    (void)method; (void)params_json; (void)params_string;
    session_table *t = user_data;
    pthread_mutex_lock(&t->lock);
    unsigned slot = t->next++ % MAX_SESSIONS;
    snprintf(t->sessions[slot], sizeof t->sessions[slot], "%08x%08x%08x%08x",
             (unsigned)rand(), (unsigned)rand(), slot, t->next);
    zil_rpc_reply_set_string(reply, t->sessions[slot]);
    pthread_mutex_unlock(&t->lock);
}

/* verify(session_id): params is a JSON string, handed over unquoted in
 * params_string. Anything else is refused with an "invalid params" error. */
static void on_verify(void *user_data, const char *method, const char *params_json,
                      const char *params_string, zil_rpc_reply_t *reply) {
    (void)method; (void)params_json;
    session_table *t = user_data;
    if (!params_string) {
        zil_rpc_reply_set_error(reply, ZIL_RPC_INVALID_PARAMS, "verify expects a session id string");
        return;
    }
    pthread_mutex_lock(&t->lock);
    zil_rpc_reply_set_bool(reply, find(t, params_string) >= 0);
    pthread_mutex_unlock(&t->lock);
}

/* logout(session_id): removes the session; answers true like the original. */
static void on_logout(void *user_data, const char *method, const char *params_json,
                      const char *params_string, zil_rpc_reply_t *reply) {
    (void)method; (void)params_json;
    session_table *t = user_data;
    pthread_mutex_lock(&t->lock);
    int i = params_string ? find(t, params_string) : -1;
    if (i >= 0) t->sessions[i][0] = '\0';
    pthread_mutex_unlock(&t->lock);
    zil_rpc_reply_set_bool(reply, true);
}

int main(int argc, char **argv) {
    const char *addr = argc > 1 ? argv[1] : "tcp://127.0.0.1:6900";
    int seconds = argc > 2 ? atoi(argv[2]) : 10;
    static session_table table = {.lock = PTHREAD_MUTEX_INITIALIZER};

    zil_rpc_server_t *server = zil_rpc_server_new(addr);
    if (!server) {
        fprintf(stderr, "authz_server: %s\n", zil_last_error());
        return 1;
    }
    /* One handler per method; no release function: the table is static. */
    zil_rpc_server_set_handler(server, "get_token", on_get_token, &table, NULL);
    zil_rpc_server_set_handler(server, "verify", on_verify, &table, NULL);
    zil_rpc_server_set_handler(server, "logout", on_logout, &table, NULL);

    /* Serve on a zil thread; this thread only keeps time. */
    if (zil_rpc_server_start(server) != ZIL_OK) {
        fprintf(stderr, "authz_server: %s\n", zil_last_error());
        zil_rpc_server_free(server);
        return 1;
    }
    printf("authz_server: serving on %s for %d s\n", zil_rpc_server_endpoint(server), seconds);
    fflush(stdout);
    sleep((unsigned)seconds);
    zil_rpc_server_stop(server, 1000);
    zil_rpc_server_free(server);
    return 0;
}
