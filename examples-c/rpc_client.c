/*
 * rpc_client: logs in, verifies, logs out, and checks that the session is
 * gone — against authz_server or a Python service of the original library.
 *
 * Usage: rpc_client [ADDRESS]   (default tcp://127.0.0.1:6900)
 * Exit status 0 only when every answer is the expected one.
 */
#include <zil.h>

#include <stdio.h>

/* Prints the failure with zil's explanation and returns 1. */
static int fail(const char *what, zil_result r) {
    fprintf(stderr, "rpc_client: %s: %s: %s\n", what, zil_result_str(r), zil_last_error());
    return 1;
}

int main(int argc, char **argv) {
    const char *addr = argc > 1 ? argv[1] : "tcp://127.0.0.1:6900";

    /* Every call waits at most 2 s; a dead server gives ZIL_TIMEOUT, and the
     * client reconnects by itself for the next call. */
    zil_rpc_client_t *client = zil_rpc_client_new(addr, 2000);
    if (!client) return fail("connect", ZIL_INVALID_ARGUMENT);

    char *token = NULL; /* owned by us: freed with zil_string_free */
    zil_result r = zil_rpc_client_get_token(client, &token);
    if (r != ZIL_OK || !token) return fail("get_token", r);
    printf("get_token -> %s\n", token);

    bool valid = false;
    if ((r = zil_rpc_client_verify(client, token, &valid)) != ZIL_OK) return fail("verify", r);
    printf("verify    -> %s\n", valid ? "true" : "false");

    bool done = false;
    if ((r = zil_rpc_client_logout(client, token, &done)) != ZIL_OK) return fail("logout", r);
    printf("logout    -> %s\n", done ? "true" : "false");

    bool still = true;
    if ((r = zil_rpc_client_verify(client, token, &still)) != ZIL_OK) return fail("verify", r);
    printf("verify    -> %s (after logout)\n", still ? "true" : "false");

    /* Any method can be called with JSON params; unknown ones are refused. */
    char *result = NULL;
    r = zil_rpc_client_call(client, "no_such_method", "[1, 2]", &result);
    printf("no_such_method -> %s: %s\n", zil_result_str(r), zil_last_error());

    zil_string_free(token);
    zil_string_free(result);
    zil_rpc_client_free(client);
    return (valid && done && !still && r == ZIL_REMOTE_ERROR) ? 0 : 1;
}
