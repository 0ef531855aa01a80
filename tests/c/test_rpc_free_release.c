/* When zil_rpc_server_free returns, the release functions of the server's
 * handlers have run: after that the caller may destroy what user_data
 * points to (a struct on its stack, a plugin about to be unloaded), so zil
 * must not call release any later.
 *
 * The interleaving this guards against (src/rpc/server.rs, Server::start):
 *   server thread:  serve() returns ... finish(): runner = None ........ drops its Arc<Shared>
 *   caller:         zil_rpc_server_free: stop() sees runner == None, returns,
 *                   drops its Arc<Shared> (not the last one) and returns
 * The last Arc<Shared>, which owns the handler table, is then the server
 * thread's: the handlers' release functions run on that thread, after
 * zil_rpc_server_free has returned. The same holds for a server run by
 * zil_rpc_server_run on a caller's thread (the run call holds an Arc until
 * it returns).
 *
 * The window is narrow, so the test repeats "start a server with one
 * handler, call it, free the server, look at the release count" for up to
 * 3 s (or 400 rounds) and fails at the first release that had not run. Each
 * release counts into a heap cell owned by the round, so a late release
 * stays harmless here. */
#include "check.h"

#include <stdatomic.h>

static pthread_t main_thread;
static atomic_int off_main; /* releases run on another thread than main's */

static void count_release(void *user_data)
{
    if (!pthread_equal(pthread_self(), main_thread))
        atomic_fetch_add(&off_main, 1);
    atomic_fetch_add((atomic_int *)user_data, 1);
}

static bool counter_is_one(void *counter)
{
    return atomic_load((atomic_int *)counter) == 1;
}

typedef struct runner {
    const zil_rpc_server_t *server;
    int rc;
} runner;

static void *run_thread(void *arg)
{
    runner *r = (runner *)arg;
    r->rc = zil_rpc_server_run(r->server);
    return NULL;
}

int main(void)
{
    double end;
    int rounds = 0, late = 0, first_late = -1;
    /* kept until exit: a late release still writes into valid memory */
    atomic_int *counters = (atomic_int *)test_malloc(400 * sizeof(atomic_int));

    test_watchdog(50);
    main_thread = pthread_self();
    atomic_init(&off_main, 0);
    end = now_ms() + 3000;
    while (rounds < 400 && now_ms() < end) {
        atomic_int *released = &counters[rounds];
        bool use_run = rounds % 2 == 1;
        zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
        zil_rpc_client_t *client;
        test_thread thread;
        runner run;
        char *result = NULL;

        CHECK(server != NULL);
        atomic_init(released, 0);
        CHECK_OK(zil_rpc_server_set_handler(server, "yes", test_handler_yes, released, count_release));
        if (use_run) {
            run.server = server;
            run.rc = -1;
            test_thread_start(&thread, run_thread, &run);
        } else {
            CHECK_OK(zil_rpc_server_start(server));
        }
        client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
        CHECK(client != NULL);
        CHECK_OK(zil_rpc_client_call(client, "yes", NULL, &result));
        CHECK_STR_EQ(result, "true");
        zil_string_free(result);
        zil_rpc_client_free(client);

        zil_rpc_server_free(server);
        if (atomic_load(released) != 1) {
            late++;
            if (first_late < 0)
                first_late = rounds;
        }
        /* it does run, once, a little later */
        CHECKF(test_wait_for(counter_is_one, released, long_wait_ms()), "release ran %d times",
               atomic_load(released));
        if (use_run) {
            CHECK_JOINED(&thread, long_wait_ms());
            CHECK_RESULT(run.rc, ZIL_OK);
        }
        rounds++;
        if (late > 0)
            break;
    }
    printf("%d rounds, %d with the release not yet run when zil_rpc_server_free returned, "
           "%d releases run on the server's thread\n",
           rounds, late, atomic_load(&off_main));
    CHECKF(late == 0,
           "BUG: zil_rpc_server_free returned before the handler's release function ran "
           "(round %d, %s); it ran later on the server's thread",
           first_late, first_late % 2 == 1 ? "zil_rpc_server_run" : "zil_rpc_server_start");
    free(counters);
    return 0;
}
