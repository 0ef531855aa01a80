/* zil_inport_fd: a level-triggered descriptor for poll()-style event loops.
 *
 * - not readable while nothing is queued;
 * - readable exactly while messages are queued: 5 pushed, 5 readable
 *   rounds each giving one message with recv(0), then not readable;
 * - readable again when a new message comes;
 * - a wake-up neither leaves it readable nor hides a queued message;
 * - the same descriptor every call; NULL arguments.
 * Over inproc (the 5 messages are queued as soon as they are pushed) and
 * TCP (they trickle in: each round waits for readability).
 */
#include "check.h"

#include <poll.h>

static int readable(int fd, int timeout_ms)
{
    struct pollfd p;
    int n;
    p.fd = fd;
    p.events = POLLIN;
    p.revents = 0;
    do {
        n = poll(&p, 1, timeout_ms);
    } while (n < 0 && errno == EINTR);
    CHECK(n >= 0);
    CHECK((p.revents & (POLLERR | POLLNVAL)) == 0);
    return n == 1 && (p.revents & POLLIN) != 0;
}

static void push_n(zil_outport_t *out, int first, int count)
{
    int i;
    for (i = first; i < first + count; i++)
        CHECK_OK(zil_outport_push(out, (const uint8_t *)&i, sizeof i, "n"));
}

static void take(zil_inport_t *in, int expected)
{
    zil_msg_t *msg = NULL;
    int got;
    CHECK_OK(zil_inport_recv(in, &msg, 0));
    CHECK(zil_msg_size(msg) == sizeof got);
    memcpy(&got, zil_msg_data(msg), sizeof got);
    CHECKF(got == expected, "got message %d, expected %d", got, expected);
    zil_msg_free(msg);
}

static void level_triggered(test_transport t)
{
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = NULL;
    int fd = -1, fd2 = -1, i;
    /* with inproc all 5 are queued at once: rounds 2..5 must be readable
     * without waiting */
    int later_wait = t == TEST_INPROC ? 0 : long_wait_ms();

    test_pair(t, "fd", "t", NULL, NULL, &out, &in);
    CHECK_OK(zil_inport_fd(in, &fd));
    CHECK(fd >= 0);
    CHECK_OK(zil_inport_fd(in, &fd2));
    CHECK(fd2 == fd);

    /* idle: not readable */
    CHECK(!readable(fd, 0));
    CHECK(!readable(fd, 50));

    /* 5 queued: exactly 5 readable rounds */
    push_n(out, 0, 5);
    for (i = 0; i < 5; i++) {
        CHECKF(readable(fd, i == 0 ? long_wait_ms() : later_wait), "round %d: not readable", i);
        take(in, i);
    }
    CHECK(!readable(fd, 0));
    CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_TIMEOUT);
    CHECK(!readable(fd, 50));

    /* a new message: readable again, until it is taken */
    push_n(out, 100, 1);
    CHECK(readable(fd, long_wait_ms()));
    CHECK(readable(fd, 0)); /* polling does not consume it */
    take(in, 100);
    CHECK(!readable(fd, 0));

    /* a wake-up with nothing queued: recv(0) is interrupted, the descriptor
     * stays quiet, and the next message still makes it readable */
    CHECK_OK(zil_inport_wake(in));
    CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_INTERRUPTED);
    CHECK(!readable(fd, 0));
    CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_TIMEOUT);
    push_n(out, 200, 1);
    CHECK(readable(fd, long_wait_ms()));
    take(in, 200);
    CHECK(!readable(fd, 0));

    /* a wake-up with a message queued: interrupted first, the message is
     * still signalled and received next */
    push_n(out, 300, 1);
    CHECK(readable(fd, long_wait_ms()));
    CHECK_OK(zil_inport_wake(in));
    CHECK_RESULT(zil_inport_recv(in, &msg, 0), ZIL_INTERRUPTED);
    CHECK(readable(fd, 0));
    take(in, 300);
    CHECK(!readable(fd, 0));

    /* a blocking receive keeps it right too */
    push_n(out, 400, 2);
    CHECK_OK(zil_inport_recv(in, &msg, long_wait_ms()));
    zil_msg_free(msg);
    CHECK(readable(fd, long_wait_ms()));
    take(in, 401);
    CHECK(!readable(fd, 0));

    zil_inport_free(in);
    zil_outport_free(out);
    printf("%s: level-triggered descriptor: OK\n", test_transport_name(t));
}

static void bad_arguments(void)
{
    zil_inport_t *in = zil_inport_new("tcp://127.0.0.1:1", "t"); /* nobody there */
    int fd = -7;
    CHECK(in != NULL);
    EXPECT_FAIL(zil_inport_fd(NULL, &fd), ZIL_NULL_ARGUMENT, "'port'");
    EXPECT_FAIL(zil_inport_fd(in, NULL), ZIL_NULL_ARGUMENT, "'fd'");
    CHECK(fd == -7);
    CHECK_OK(zil_inport_fd(in, &fd));
    CHECK(fd >= 0);
    zil_inport_free(in);
    printf("bad arguments: OK\n");
}

int main(void)
{
    test_watchdog(40);
    bad_arguments();
    level_triggered(TEST_INPROC);
    level_triggered(TEST_IPC);
    level_triggered(TEST_TCP);
    return 0;
}
