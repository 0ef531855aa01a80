/* zil_shutdown: its bad argument, its timeout, and zil working afterwards.
 * (test_linger_on_exit.c checks that it delivers what freed ports hold.)
 *
 * - a timeout below -1 is refused;
 * - with nothing created yet, or twice in a row, it returns ZIL_OK;
 * - after every handle was freed it returns ZIL_OK, and new ports, pads,
 *   RPC servers and clients work (a new context), several times over;
 * - with handles still open it returns at once and they keep working;
 * - ZIL_TIMEOUT when a freed port (linger -1) still holds messages for a
 *   subscriber that does not read (a stopped process): within the timeout
 *   + 20 %; zil works afterwards.
 */
#include "check.h"

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>

/* A message crosses a fresh pair over `t`. */
static void pair_works(test_transport t)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    test_pair(t, "after", "t", NULL, NULL, &out, &in);
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"alive", 5, "pcm"));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 5 && memcmp(zil_msg_data(msg), "alive", 5) == 0);
    zil_msg_free(msg);
    zil_inport_free(in);
    zil_outport_free(out);
}

/* An RPC round trip, and a session message through an outpad and inpad. */
static void rpc_and_pads_work(void)
{
    zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
    zil_rpc_client_t *client;
    zil_outpad_t *out;
    zil_inpad_t *in;
    zil_msg_t *msg = NULL;
    bool yes = false;

    CHECK(server != NULL);
    CHECK_OK(zil_rpc_server_set_handler(server, "verify", test_handler_yes, NULL, NULL));
    CHECK_OK(zil_rpc_server_start(server));
    client = zil_rpc_client_new(zil_rpc_server_endpoint(server), long_wait_ms());
    CHECK(client != NULL);
    CHECK_OK(zil_rpc_client_verify(client, "s", &yes));
    CHECK(yes);
    zil_rpc_client_free(client);

    out = zil_outpad_new(TEST_TCP_ANY, "t");
    CHECK(out != NULL);
    in = zil_inpad_new(zil_outpad_endpoint(out), "t", zil_rpc_server_endpoint(server));
    CHECK(in != NULL);
    CHECK_OK(zil_outpad_wait_subscribers(out, 1, long_wait_ms(), NULL));
    CHECK_OK(zil_outpad_set_session_id(out, "s"));
    CHECK_OK(zil_outpad_push(out, (const uint8_t *)"x", 1, NULL));
    CHECK_OK(zil_inpad_recv(in, &msg, long_wait_ms()));
    CHECK_STR_EQ(zil_msg_session_id(msg), "s");
    zil_msg_free(msg);
    zil_inpad_free(in);
    zil_outpad_free(out);
    zil_rpc_server_free(server);
}

static void everything_works(void)
{
    pair_works(TEST_INPROC);
    pair_works(TEST_IPC);
    pair_works(TEST_TCP);
    rpc_and_pads_work();
}

static void bad_argument(void)
{
    EXPECT_FAIL(zil_shutdown(-2), ZIL_INVALID_ARGUMENT, "-2");
    EXPECT_FAIL(zil_shutdown(INT32_MIN), ZIL_INVALID_ARGUMENT, "timeout");
    printf("bad timeout refused: OK\n");
}

static void after_everything_was_freed(void)
{
    int round;
    double t0, took;
    for (round = 0; round < 3; round++) {
        everything_works();
        t0 = now_ms();
        CHECK_OK(zil_shutdown(long_wait_ms()));
        took = now_ms() - t0;
        CHECKF(took < time_bound_ms(1000), "shutdown took %.0f ms", took);
        CHECK_OK(zil_shutdown(0)); /* nothing left to shut down */
        CHECK_OK(zil_shutdown(-1));
    }
    everything_works();
    printf("shutdown after the last free, and zil works afterwards (3 rounds): OK\n");
}

static void with_handles_open(void)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    double t0, took;

    test_pair(TEST_TCP, "open", "t", NULL, NULL, &out, &in);
    t0 = now_ms();
    CHECK_OK(zil_shutdown(long_wait_ms()));
    took = now_ms() - t0;
    CHECKF(took < time_bound_ms(100), "shutdown with open handles took %.0f ms", took);
    /* the open pair is unaffected */
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"still", 5, NULL));
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 5);
    zil_msg_free(msg);
    /* and new ones work beside it */
    everything_works();
    zil_inport_free(in);
    zil_outport_free(out);
    CHECK_OK(zil_shutdown(long_wait_ms()));
    everything_works();
    printf("shutdown with handles open returns at once, they keep working: OK\n");
}

/* A subscriber process that connects and is then stopped (SIGSTOP by the
 * parent): what a freed port holds for it cannot be delivered. */
static void stopped_subscriber(const char *addr)
{
    zil_options_t *opts = zil_options_new();
    zil_inport_t *in;
    CHECK_OK(zil_options_set_rcvhwm(opts, 1));
    in = zil_inport_new_with_options(addr, "t", opts);
    CHECK(in != NULL);
    zil_options_free(opts);
    for (;;)
        sleep_ms(1000); /* killed by the parent (or the watchdog) */
}

static void times_out(void)
{
    const int32_t timeout = 300;
    char addr[512];
    zil_options_t *opts;
    zil_outport_t *out;
    uint8_t *chunk;
    pid_t pid;
    int i, status = 0;
    double t0, took;

    test_bind_address(TEST_IPC, "stuck", addr, sizeof addr);
    fflush(stdout);
    pid = fork(); /* no zil handle is open: the child starts clean */
    CHECK(pid >= 0);
    if (pid == 0) {
        test_tmpdir_path[0] = '\0';
        test_watchdog(60);
        stopped_subscriber(addr);
        _exit(0);
    }

    opts = test_unlimited_options();
    CHECK_OK(zil_options_set_linger(opts, -1)); /* keep until sent */
    out = zil_outport_new_with_options(addr, "t", opts);
    CHECK(out != NULL);
    zil_options_free(opts);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), NULL));
    CHECK(kill(pid, SIGSTOP) == 0);
    /* far more than the socket buffers hold */
    chunk = (uint8_t *)test_malloc(256 * 1024);
    memset(chunk, 7, 256 * 1024);
    for (i = 0; i < 64; i++)
        CHECK_OK(zil_outport_push(out, chunk, 256 * 1024, "pcm"));
    free(chunk);
    zil_outport_free(out);

    t0 = now_ms();
    EXPECT_FAIL(zil_shutdown(timeout), ZIL_TIMEOUT, "300 ms");
    took = now_ms() - t0;
    CHECKF(took >= timeout - 5 && took <= time_bound_ms(timeout),
           "shutdown(%d) took %.0f ms", (int)timeout, took);

    /* zil works meanwhile (a new context) */
    everything_works();
    CHECK(kill(pid, SIGKILL) == 0);
    CHECK(waitpid(pid, &status, 0) == pid);
    everything_works();
    CHECK_OK(zil_shutdown(long_wait_ms()));
    printf("ZIL_TIMEOUT within %d ms + 20 %% while a freed port still delivers: OK\n",
           (int)timeout);
}

int main(void)
{
    test_watchdog(60);
    bad_argument();
    CHECK_OK(zil_shutdown(0)); /* before anything was created */
    CHECK_OK(zil_shutdown(-1));
    times_out(); /* forks: first, while no zil thread runs yet */
    after_everything_was_freed();
    with_handles_open();
    return 0;
}
