/* A handler's release function may call zil, including
 * zil_rpc_server_set_handler on the same server (e.g. a plugin that
 * registers methods in pairs and removes the partner when one goes). zil
 * must not call user code while it holds an internal lock (STYLE.md: the
 * re-entry deadlock of zenoh PR #2744).
 *
 * The interleaving this guards against (src/rpc/server.rs, Shared::set_handler):
 *   table = handlers.write();                  // the handler table's lock
 *   table.insert(method, new).is_some()        // the old Arc<Handler> is a
 *                                              // temporary of this match arm,
 *   ...                                        // dropped at its end: its
 *                                              // release runs under the lock
 * so a release calling set_handler (or a serving thread looking a method
 * up, or set_handler from another thread) waits for that lock forever.
 *
 * Each step runs on a helper thread with a bounded wait, so a deadlock fails
 * the test with a message instead of hanging it. */
#include "check.h"

#include <stdatomic.h>

static zil_rpc_server_t *server;
static atomic_int released;
static atomic_int reentry_rc;

/* The release of "a": removes the partner method "b". */
static void release_partner(void *user_data)
{
    (void)user_data;
    atomic_store(&reentry_rc, (int)zil_rpc_server_set_handler(server, "b", NULL, NULL, NULL));
    atomic_fetch_add(&released, 1);
}

typedef struct step {
    const char *what;
    zil_rpc_handler callback;
    int rc;
} step;

static void *set_a(void *arg)
{
    step *s = (step *)arg;
    s->rc = zil_rpc_server_set_handler(server, "a", s->callback, NULL, NULL);
    return NULL;
}

static void run_step(const char *what, zil_rpc_handler callback)
{
    test_thread thread;
    step s;
    s.what = what;
    s.callback = callback;
    s.rc = -1;
    atomic_store(&released, 0);
    atomic_store(&reentry_rc, -1);
    CHECK_OK(zil_rpc_server_set_handler(server, "a", test_handler_yes, NULL, release_partner));
    CHECK_OK(zil_rpc_server_set_handler(server, "b", test_handler_yes, NULL, NULL));
    test_thread_start(&thread, set_a, &s);
    if (!test_thread_join_within(&thread, 500 * time_scale())) {
        fprintf(stderr,
                "BUG: %s a handler whose release function calls zil_rpc_server_set_handler on "
                "the same server deadlocks: the release runs while zil holds the handler "
                "table's lock\n",
                what);
        exit(1);
    }
    CHECK_OK(s.rc);
    CHECK(atomic_load(&released) == 1);
    CHECK_OK(atomic_load(&reentry_rc));
    printf("%s a handler whose release calls set_handler: OK\n", what);
}

int main(void)
{
    zil_rpc_client_t *client;
    char *result = NULL;

    test_watchdog(30);
    atomic_init(&released, 0);
    atomic_init(&reentry_rc, -1);
    server = zil_rpc_server_new(TEST_TCP_ANY);
    CHECK(server != NULL);
    CHECK_OK(zil_rpc_server_start(server));

    run_step("replacing", test_handler_yes);
    run_step("removing", NULL);

    /* the partner is gone, the server still answers */
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);
    EXPECT_FAIL(zil_rpc_client_call(client, "b", NULL, &result), ZIL_REMOTE_ERROR, "-32601");
    zil_rpc_client_free(client);
    zil_rpc_server_free(server);
    return 0;
}
