/* Freeing a monitor must not break zil: zil_monitor_free documents no
 * ordering, so a monitor may be freed while its port lives, just before it,
 * or right after it.
 *
 * What this guards against (src/monitor.rs): the monitor is a PAIR socket
 * connected to the inproc endpoint libzmq's zmq_socket_monitor() binds for
 * the port, and libzmq sends each event to it with a BLOCKING zmq_msg_send
 * (socket_base.cpp, monitor_event). Were zil to close its PAIR with the
 * user's monitor, the next event of that port would block the libzmq thread
 * that emits it, forever:
 *   1. freed while its port lives: the next connection event (a subscriber
 *      arriving) blocks the I/O thread: no port of the process moves a
 *      message any more;
 *   2. freed before its port: freeing the port emits MONITOR_STOPPED from
 *      the reaper thread, which blocks: every port freed afterwards is never
 *      closed (its connections stay, subscribers never leave);
 *   3. freed right after its port: the same, since libzmq closes the port
 *      asynchronously (after zil_outport_free returned).
 * zil keeps the PAIR as long as the port lives and stops monitoring before
 * the port's socket closes, so every order is safe.
 *
 * Each case runs in its own process (forked before any zil call), with
 * bounded waits; the test fails if any case wedges zil. */
#include "check.h"

#include <sys/types.h>
#include <sys/wait.h>

/* How long something that normally takes a few ms may take here. */
#define WAIT_MS (500 * time_scale())

/* Subscribers of `out` right now. */
static size_t subscribers_now(zil_outport_t *out)
{
    size_t n = 12345;
    CHECK_RESULT(zil_outport_wait_subscribers(out, SIZE_MAX, 0, &n), ZIL_TIMEOUT);
    return n;
}

/* After the damage: does a fresh pair still exchange a message, and does a
 * freed input port leave? Returns 0 if zil still works. */
static int zil_still_works(const char *what)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    double deadline;

    CHECK(out != NULL);
    in = zil_inport_new(zil_outport_endpoint(out), "t");
    CHECK(in != NULL);
    if (zil_outport_wait_subscribers(out, 1, WAIT_MS, NULL) != ZIL_OK) {
        printf("BUG (%s): a new subscriber never arrived: libzmq's I/O thread is blocked\n", what);
        zil_inport_free(in);
        zil_outport_free(out);
        return 1;
    }
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"hi", 2, NULL));
    if (zil_inport_recv(in, &msg, WAIT_MS) != ZIL_OK) {
        printf("BUG (%s): a message never arrived\n", what);
        zil_inport_free(in);
        zil_outport_free(out);
        return 1;
    }
    zil_msg_free(msg);
    zil_inport_free(in);
    deadline = now_ms() + WAIT_MS;
    while (subscribers_now(out) != 0) {
        if (now_ms() > deadline) {
            printf("BUG (%s): a freed input port is never closed (still a subscriber %d ms "
                   "later): libzmq's reaper thread is blocked\n",
                   what, (int)WAIT_MS);
            zil_outport_free(out);
            return 1;
        }
        sleep_ms(5);
    }
    zil_outport_free(out);
    return 0;
}

static int freed_while_port_lives(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_monitor_t *mon;
    zil_inport_t *in;
    int rc;
    CHECK(out != NULL);
    mon = zil_outport_monitor(out);
    CHECK(mon != NULL);
    zil_monitor_free(mon);
    in = zil_inport_new(zil_outport_endpoint(out), "t"); /* an ACCEPTED event */
    CHECK(in != NULL);
    sleep_ms(100);
    rc = zil_still_works("monitor freed while its port lives, then a subscriber connects");
    zil_inport_free(in);
    zil_outport_free(out);
    return rc;
}

static int freed_before_port(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_monitor_t *mon;
    CHECK(out != NULL);
    mon = zil_outport_monitor(out);
    CHECK(mon != NULL);
    zil_monitor_free(mon);
    zil_outport_free(out); /* MONITOR_STOPPED */
    sleep_ms(100);
    return zil_still_works("monitor freed, then its port");
}

static int freed_after_port(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_monitor_t *mon;
    CHECK(out != NULL);
    mon = zil_outport_monitor(out);
    CHECK(mon != NULL);
    zil_outport_free(out);
    zil_monitor_free(mon); /* before ZIL_PEER_STOPPED was read */
    sleep_ms(100);
    return zil_still_works("port freed, then its monitor at once");
}

/* The safe order today, as a control: it must pass. */
static int freed_after_stopped(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "t");
    zil_monitor_t *mon;
    zil_peer_event_t ev;
    CHECK(out != NULL);
    mon = zil_outport_monitor(out);
    CHECK(mon != NULL);
    zil_outport_free(out);
    CHECK_OK(zil_monitor_next(mon, &ev, long_wait_ms()));
    CHECK(ev.kind == ZIL_PEER_STOPPED);
    zil_monitor_free(mon);
    return zil_still_works("monitor freed after ZIL_PEER_STOPPED");
}

static int in_child(int (*scenario)(void))
{
    pid_t pid;
    int status = 0;
    fflush(stdout);
    fflush(stderr);
    pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        int rc;
        test_tmpdir_path[0] = '\0';
        test_watchdog(30);
        rc = scenario();
        fflush(stdout);
        /* _exit: no atexit handlers; a wedged libzmq thread is left behind */
        _exit(rc);
    }
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECKF(WIFEXITED(status), "the scenario's process died (status %d)", status);
    return WEXITSTATUS(status);
}

int main(void)
{
    int control, bugs = 0;
    test_watchdog(100);
    control = in_child(freed_after_stopped);
    CHECKF(control == 0, "the control case (free after ZIL_PEER_STOPPED) failed");
    printf("monitor freed after ZIL_PEER_STOPPED: zil still works\n");
    bugs += in_child(freed_while_port_lives);
    bugs += in_child(freed_before_port);
    bugs += in_child(freed_after_port);
    CHECKF(bugs == 0, "BUG: %d of 3 orders of freeing a monitor wedge libzmq (see above)", bugs);
    return 0;
}
