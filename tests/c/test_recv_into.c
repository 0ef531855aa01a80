/* Receiving into a reused message: zil_msg_new, zil_inport_recv_into and
 * zil_inpad_recv_into. One message object carries a whole stream (bytes and
 * events checked each time), stays usable after a timeout, and every bad
 * argument is refused with the argument named. */
#include "check.h"

#define COUNT 10000
#define SESSION "4a501b51317e2c8f4a0fd7831d3e09dc"

static void on_verify(void *user_data, const char *method, const char *params_json,
                      const char *params_string, zil_rpc_reply_t *reply)
{
    (void)user_data;
    (void)method;
    (void)params_json;
    CHECK_OK(zil_rpc_reply_set_bool(reply, params_string != NULL && strcmp(params_string, SESSION) == 0));
}

static void stream_into_one_message(void)
{
    zil_options_t *opts = test_unlimited_options();
    zil_outport_t *out;
    zil_inport_t *in;
    zil_msg_t *msg = zil_msg_new();
    uint8_t buf[64];
    int i;

    CHECK(msg != NULL);
    CHECK(zil_msg_size(msg) == 0 && zil_msg_data(msg) != NULL && zil_msg_event(msg) == NULL);
    test_pair(TEST_TCP, "into", "t", opts, opts, &out, &in);
    for (i = 0; i < COUNT; i++) {
        fill_pattern(buf, sizeof buf, (uint32_t)i);
        CHECK_OK(zil_outport_push(out, buf, (size_t)(i % 64), i % 2 ? "pcm" : NULL));
    }
    for (i = 0; i < COUNT; i++) {
        CHECK_OK(zil_inport_recv_into(in, msg, long_wait_ms()));
        CHECKF(zil_msg_size(msg) == (size_t)(i % 64), "message %d: size %zu", i, zil_msg_size(msg));
        CHECK(find_pattern_mismatch(zil_msg_data(msg), zil_msg_size(msg), (uint32_t)i) < 0);
        if (i % 2)
            CHECK_STR_EQ(zil_msg_event(msg), "pcm");
        else
            CHECK(zil_msg_event(msg) == NULL);
        CHECK_STR_EQ(zil_msg_topic(msg), "t");
    }
    /* A timeout leaves the message usable for the next receive. */
    EXPECT_FAIL(zil_inport_recv_into(in, msg, 0), ZIL_TIMEOUT, "before the timeout");
    CHECK_OK(zil_outport_push(out, (const uint8_t *)"again", 5, "EOS"));
    CHECK_OK(zil_inport_recv_into(in, msg, long_wait_ms()));
    CHECK(zil_msg_size(msg) == 5 && memcmp(zil_msg_data(msg), "again", 5) == 0);
    CHECK_STR_EQ(zil_msg_event(msg), "EOS");

    /* Bad arguments. */
    EXPECT_FAIL(zil_inport_recv_into(NULL, msg, 0), ZIL_NULL_ARGUMENT, "port");
    EXPECT_FAIL(zil_inport_recv_into(in, NULL, 0), ZIL_NULL_ARGUMENT, "msg");
    EXPECT_FAIL(zil_inport_recv_into(in, msg, -2), ZIL_INVALID_ARGUMENT, "timeout");

    zil_msg_free(msg);
    zil_inport_free(in);
    zil_outport_free(out);
    zil_options_free(opts);
}

static void inpad_into_one_message(void)
{
    zil_rpc_server_t *server = zil_rpc_server_new(TEST_TCP_ANY);
    zil_outpad_t *out;
    zil_inpad_t *in;
    zil_msg_t *msg = zil_msg_new();
    int i;

    CHECK(server != NULL && msg != NULL);
    CHECK_OK(zil_rpc_server_set_handler(server, "verify", on_verify, NULL, NULL));
    CHECK_OK(zil_rpc_server_start(server));
    out = zil_outpad_new(TEST_TCP_ANY, "pad");
    CHECK(out != NULL);
    in = zil_inpad_new(zil_outpad_endpoint(out), "pad", zil_rpc_server_endpoint(server));
    CHECK(in != NULL);
    CHECK_OK(zil_outpad_wait_subscribers(out, 1, long_wait_ms(), NULL));
    CHECK_OK(zil_outpad_set_session_id(out, SESSION));
    for (i = 0; i < 100; i++) {
        uint8_t byte = (uint8_t)i;
        CHECK_OK(zil_outpad_push(out, &byte, 1, "pcm"));
    }
    for (i = 0; i < 100; i++) {
        CHECK_OK(zil_inpad_recv_into(in, msg, long_wait_ms()));
        CHECK(zil_msg_size(msg) == 1 && zil_msg_data(msg)[0] == (uint8_t)i);
        CHECK_STR_EQ(zil_msg_session_id(msg), SESSION);
        CHECK_STR_EQ(zil_msg_event(msg), "pcm");
    }
    /* An unknown session is dropped: nothing is delivered into the message. */
    CHECK_OK(zil_outpad_set_session_id(out, "unknown"));
    CHECK_OK(zil_outpad_push(out, (const uint8_t *)"x", 1, NULL));
    EXPECT_FAIL(zil_inpad_recv_into(in, msg, 300), ZIL_TIMEOUT, "timeout");

    EXPECT_FAIL(zil_inpad_recv_into(NULL, msg, 0), ZIL_NULL_ARGUMENT, "inpad");
    EXPECT_FAIL(zil_inpad_recv_into(in, NULL, 0), ZIL_NULL_ARGUMENT, "msg");
    EXPECT_FAIL(zil_inpad_recv_into(in, msg, -5), ZIL_INVALID_ARGUMENT, "timeout");

    zil_msg_free(msg);
    zil_inpad_free(in);
    zil_outpad_free(out);
    zil_rpc_server_free(server);
}

int main(void)
{
    test_watchdog(60);
    stream_into_one_message();
    inpad_into_one_message();
    printf("test_recv_into: OK\n");
    return 0;
}
