/* A tiny program outside the zil tree: built against an installed zil
 * (pkg-config or CMake find_package) to prove the install works. It sends
 * one message to itself over inproc and checks it. */
#include <zil.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    zil_outport_t *out = zil_outport_new("inproc://consumer", "t");
    zil_inport_t *in = zil_inport_new("inproc://consumer", "t");
    if (!out || !in || zil_outport_wait_subscribers(out, 1, 2000, NULL) != ZIL_OK) {
        fprintf(stderr, "consumer: %s\n", zil_last_error());
        return 1;
    }
    zil_outport_push(out, (const uint8_t *)"installed", 9, "EOS");
    zil_msg_t *msg = NULL;
    int ok = zil_inport_recv(in, &msg, 2000) == ZIL_OK && zil_msg_size(msg) == 9 &&
             memcmp(zil_msg_data(msg), "installed", 9) == 0 && strcmp(zil_msg_event(msg), "EOS") == 0;
    printf("consumer: zil %s (header %s): %s\n", zil_version(), ZIL_VERSION, ok ? "OK" : "FAILED");
    zil_msg_free(msg);
    zil_inport_free(in);
    zil_outport_free(out);
    return ok && strcmp(zil_version(), ZIL_VERSION) == 0 ? 0 : 1;
}
