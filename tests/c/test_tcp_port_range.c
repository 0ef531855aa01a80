/* A TCP port number out of range is refused. The bundled libzmq (4.3.4)
 * parses the port with static_cast<uint16_t>(atoi(...)): unchecked,
 * "tcp://127.0.0.1:99999" would bind port 34463 (99999 mod 65536) and a
 * connect to ":70000" would reach port 4464. zil checks the range first:
 * NULL, and zil_last_error() quotes the address. */
#include "check.h"

static void out_of_range(const char *addr)
{
    zil_outport_t *out;
    poison_last_error();
    out = zil_outport_new(addr, "t");
    if (out != NULL) {
        char ep[256];
        snprintf(ep, sizeof ep, "%s", zil_outport_endpoint(out));
        zil_outport_free(out);
        CHECKF(out == NULL, "BUG: zil_outport_new(\"%s\") succeeded, bound %s", addr, ep);
    }
    CHECK_ERROR_MENTIONS(addr);
}

int main(void)
{
    test_watchdog(30);
    out_of_range("tcp://127.0.0.1:99999");
    out_of_range("tcp://127.0.0.1:70000");
    printf("out-of-range TCP ports are refused: OK\n");
    return 0;
}
