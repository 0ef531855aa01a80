/* An application that links its own libzmq (the system's) next to libzil:
 * its zmq_* calls must reach its libzmq, never the copy inside libzil, and
 * zil must keep its own (with CURVE), whatever the link order.
 * Built and run by scripts/check-install.sh. */
#include <stdio.h>
#include <zil.h>
#include <zmq.h>

int main(void)
{
    int major = 0, minor = 0, patch = 0;
    zmq_version(&major, &minor, &patch);
    if (ZMQ_MAKE_VERSION(major, minor, patch) != ZMQ_VERSION) {
        fprintf(stderr, "zmq_version() is %d.%d.%d but the app's zmq.h is %d.%d.%d: "
                "the app got another libzmq\n",
                major, minor, patch, ZMQ_VERSION_MAJOR, ZMQ_VERSION_MINOR, ZMQ_VERSION_PATCH);
        return 1;
    }
    if (!zil_curve_supported()) {
        fprintf(stderr, "zil_curve_supported() is false: zil got the app's libzmq\n");
        return 1;
    }
    /* both libraries work side by side */
    void *ctx = zmq_ctx_new();
    void *sock = ctx ? zmq_socket(ctx, ZMQ_PUB) : NULL;
    zil_outport_t *port = zil_outport_new("tcp://127.0.0.1:*", "t");
    if (!sock || !port) {
        fprintf(stderr, "cannot open sockets: %s\n", port ? zmq_strerror(zmq_errno()) : zil_last_error());
        return 1;
    }
    zil_outport_free(port);
    zmq_close(sock);
    zmq_ctx_term(ctx);
    printf("libzmq %d.%d.%d for the app, zil with CURVE: OK\n", major, minor, patch);
    return 0;
}
