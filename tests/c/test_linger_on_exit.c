/* A publisher that pushes, frees its port, calls zil_shutdown() and exits
 * delivers everything: zil_shutdown() releases zil's ZeroMQ context, and
 * with every handle freed that terminates it, which sends what the freed
 * port still holds (linger -1: until sent) before the process exits.
 *
 * The test forks (before any zil call) a publisher process that pushes
 * COUNT messages and an EOS with linger -1 and unlimited high-water marks,
 * frees the port, calls zil_shutdown and exits normally. The parent expects
 * every message and the EOS. */
#include "check.h"

#include <sys/types.h>
#include <sys/wait.h>

#define COUNT 20000
#define SIZE 3200

static int publisher(const char *addr)
{
    zil_options_t *opts = test_unlimited_options();
    zil_outport_t *out;
    uint8_t *buf = (uint8_t *)test_malloc(SIZE);
    int i;

    CHECK_OK(zil_options_set_linger(opts, -1)); /* keep unsent messages until sent */
    out = zil_outport_new_with_options(addr, "audio", opts);
    CHECK(out != NULL);
    zil_options_free(opts);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), NULL));
    for (i = 0; i < COUNT; i++) {
        fill_pattern(buf, SIZE, (uint32_t)i);
        CHECK_OK(zil_outport_push(out, buf, SIZE, "pcm"));
    }
    CHECK_OK(zil_outport_push(out, NULL, 0, "EOS"));
    zil_outport_free(out); /* unsent messages linger per the options ... */
    free(buf);
    CHECK_OK(zil_shutdown(30000 * time_scale())); /* ... and are delivered before exit */
    return 0; /* a normal exit, as from main() */
}

int main(void)
{
    char addr[512];
    pid_t pid;
    int status = 0, received = 0, eos = 0;
    zil_options_t *opts;
    zil_inport_t *in;

    test_watchdog(50);
    test_bind_address(TEST_IPC, "linger", addr, sizeof addr);
    fflush(stdout);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        test_tmpdir_path[0] = '\0'; /* the parent removes the temp dir */
        exit(publisher(addr));
    }

    opts = test_unlimited_options();
    in = zil_inport_new_with_options(addr, "audio", opts); /* connects when the child binds */
    CHECK(in != NULL);
    zil_options_free(opts);
    for (;;) {
        zil_msg_t *msg = NULL;
        const char *event;
        /* 2 s of silence: the publisher is gone */
        if (zil_inport_recv(in, &msg, 2000 * time_scale()) != ZIL_OK)
            break;
        event = zil_msg_event(msg);
        if (event != NULL && strcmp(event, "EOS") == 0)
            eos = 1;
        else
            received++;
        zil_msg_free(msg);
        if (eos)
            break;
    }
    zil_inport_free(in);
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECKF(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the publisher process failed");
    printf("publisher pushed %d messages + EOS, freed its port (linger -1) and exited; "
           "received %d messages%s\n",
           COUNT, received, eos ? " + EOS" : ", no EOS");
    CHECKF(received == COUNT && eos,
           "messages pushed before zil_outport_free + zil_shutdown + exit were lost (%d of %d, EOS %s)",
           received, COUNT, eos ? "received" : "lost");
    return 0;
}
