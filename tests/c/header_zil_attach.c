/* zil.h declares enum zil_attach, which zil_options_set_attach takes as an
 * int (so a bad number is an error, not undefined behaviour). Compiled (not
 * run) at test time against zil.h. */
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
