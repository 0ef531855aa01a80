/* KNOWN BUG (fails with zil 0.1.0; ctest test header_declares_zil_attach,
 * label "known_bug"). Compiled (not run) at test time against zil.h.
 *
 * zil_options_set_attach takes "a `zil_attach` value", and src/capi/options.rs
 * defines `enum zil_attach { ZIL_ATTACH_DEFAULT, ZIL_ATTACH_BIND,
 * ZIL_ATTACH_CONNECT }`, but cbindgen leaves the enum out of zil.h because
 * no exported function names the type (the parameter is an `int`). C users
 * must hard-code 0/1/2. This file compiles once the header declares it. */
#include "zil.h"

int main(void)
{
    zil_options_t *opts = zil_options_new();
    enum zil_attach how = ZIL_ATTACH_BIND;
    int rc = zil_options_set_attach(opts, how) == ZIL_OK &&
             zil_options_set_attach(opts, ZIL_ATTACH_CONNECT) == ZIL_OK &&
             zil_options_set_attach(opts, ZIL_ATTACH_DEFAULT) == ZIL_OK;
    zil_options_free(opts);
    return rc ? 0 : 1;
}
