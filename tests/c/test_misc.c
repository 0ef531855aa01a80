/* zil_result_name and zil_result_str for every code and for numbers
 * that are no code,
 * zil_version() against the header's ZIL_VERSION macros, and
 * zil_last_error() before anything failed. */
#include "check.h"

static void last_error_initially_empty(void)
{
    /* must run before any zil call fails on this thread */
    const char *e = zil_last_error();
    CHECK(e != NULL);
    CHECK_STR_EQ(e, "");
    /* successful calls keep it empty */
    CHECK(zil_version() != NULL);
    CHECK_STR_EQ(zil_last_error(), "");
    printf("zil_last_error() before any failure: \"\": OK\n");
}

static void result_names(void)
{
    static const struct {
        zil_result code;
        int number;
        const char *name;
        const char *text;
    } codes[] = {
        {ZIL_OK, 0, "ZIL_OK", "success"},
        {ZIL_INVALID_ARGUMENT, 1, "ZIL_INVALID_ARGUMENT", "invalid argument"},
        {ZIL_NULL_ARGUMENT, 2, "ZIL_NULL_ARGUMENT", "a required pointer argument was NULL"},
        {ZIL_TIMEOUT, 3, "ZIL_TIMEOUT", "no answer or message before the timeout"},
        {ZIL_INTERRUPTED, 4, "ZIL_INTERRUPTED", "woken up on purpose"},
        {ZIL_PROTOCOL_ERROR, 5, "ZIL_PROTOCOL_ERROR", "the peer broke the wire format"},
        {ZIL_REMOTE_ERROR, 6, "ZIL_REMOTE_ERROR", "the RPC server answered with an error"},
        {ZIL_UNAUTHORIZED, 7, "ZIL_UNAUTHORIZED", "the session was not confirmed"},
        {ZIL_ZMQ_ERROR, 8, "ZIL_ZMQ_ERROR", "libzmq reported an error"},
        {ZIL_CLOSED, 9, "ZIL_CLOSED", "the object was stopped or closed"},
        {ZIL_NOT_SUPPORTED, 10, "ZIL_NOT_SUPPORTED", "not available in this build or state"},
        {ZIL_PANIC, 11, "ZIL_PANIC", "internal error in zil (please report it)"},
    };
    static const int unknown[] = {-1, 12, 13, 100, 1000, -2147483647 - 1, 2147483647};
    size_t i;

    for (i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        /* the numbers are stable: part of the ABI */
        CHECKF((int)codes[i].code == codes[i].number, "%s is %d, expected %d", codes[i].name,
               (int)codes[i].code, codes[i].number);
        CHECK_STR_EQ(zil_result_name((int)codes[i].code), codes[i].name);
        CHECK_STR_EQ(zil_result_str((int)codes[i].code), codes[i].text);
        /* static strings: the same pointer every time */
        CHECK(zil_result_name((int)codes[i].code) == zil_result_name(codes[i].number));
        CHECK(zil_result_str((int)codes[i].code) == zil_result_str(codes[i].number));
    }
    for (i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        CHECK_STR_EQ(zil_result_name(unknown[i]), "ZIL_UNKNOWN");
        CHECK_STR_EQ(zil_result_str(unknown[i]), "not a zil result code");
    }
    printf("zil_result_name/_str: %lu codes and %lu unknown numbers: OK\n",
           (unsigned long)(sizeof codes / sizeof codes[0]),
           (unsigned long)(sizeof unknown / sizeof unknown[0]));
}

static void version(void)
{
    char expected[64];
    const char *v = zil_version();
    CHECK(v != NULL);
    CHECK_STR_EQ(v, ZIL_VERSION);
    snprintf(expected, sizeof expected, "%d.%d.%d", ZIL_VERSION_MAJOR, ZIL_VERSION_MINOR,
             ZIL_VERSION_PATCH);
    CHECK_STR_EQ(v, expected);
    CHECK(zil_version() == v); /* static */
    printf("zil_version() = \"%s\" = ZIL_VERSION: OK\n", v);
}

int main(void)
{
    test_watchdog(30);
    last_error_initially_empty();
    result_names();
    version();
    return 0;
}
