/* Topic matching: exact by default (a port on "asr" does not receive "asr2",
 * and counts it in messages_filtered), prefix with
 * zil_options_set_prefix_match (the Python original's behaviour); the
 * empty topic; UTF-8 topics; subscriber counting per topic. */
#include "check.h"

/* Receives from `in` until `want` messages arrived and the port counted
 * `filtered` filtered ones (bounded). Returns the messages received; every
 * one must have a topic in `topics` (NULL-terminated), counted per topic in
 * `per_topic`. */
static void collect(zil_inport_t *in, unsigned want, unsigned filtered, const char *const *topics,
                    unsigned *per_topic)
{
    double deadline = now_ms() + long_wait_ms();
    unsigned got = 0;
    zil_stats_t stats = {.size = sizeof stats};
    for (;;) {
        zil_msg_t *msg = NULL;
        zil_result rc;
        CHECK_OK(zil_inport_stats(in, &stats));
        if (got == want && stats.counters.messages_filtered >= filtered)
            break;
        CHECKF(now_ms() < deadline, "after %u of %u messages, %llu of %u filtered: gave up", got,
               want, (unsigned long long)stats.counters.messages_filtered, filtered);
        rc = zil_inport_recv(in, &msg, 50);
        if (rc == ZIL_TIMEOUT)
            continue;
        CHECK_OK(rc);
        {
            unsigned k;
            int known = 0;
            for (k = 0; topics[k] != NULL; k++) {
                if (strcmp(zil_msg_topic(msg), topics[k]) == 0) {
                    per_topic[k]++;
                    known = 1;
                }
            }
            CHECKF(known, "unexpected topic \"%s\"", zil_msg_topic(msg));
        }
        got++;
        CHECKF(got <= want, "more than %u messages", want);
        zil_msg_free(msg);
    }
    /* Nothing else is on its way. */
    {
        zil_msg_t *msg = NULL;
        CHECK_RESULT(zil_inport_recv(in, &msg, 100), ZIL_TIMEOUT);
    }
    CHECK_OK(zil_inport_stats(in, &stats));
    CHECK(stats.counters.messages_received == want);
    CHECK(stats.counters.messages_filtered == filtered);
    CHECK(stats.counters.messages_rejected == 0);
}

/* One input port bound on an ephemeral port, with two output ports ("asr"
 * and "asr2") connected to it: the case of WIRE.md. */
static void asr_vs_asr2(bool prefix)
{
    static const char *const topics[] = {"asr", "asr2", NULL};
    unsigned per_topic[2] = {0, 0};
    zil_options_t *in_opts = test_options(ZIL_ATTACH_BIND, prefix, false);
    zil_options_t *out_opts = test_options(ZIL_ATTACH_CONNECT, false, false);
    zil_inport_t *in = zil_inport_new_with_options(TEST_TCP_ANY, "asr", in_opts);
    zil_outport_t *asr, *asr2;
    uint8_t data[3] = {1, 2, 3};
    int i;

    CHECK(in != NULL);
    asr = zil_outport_new_with_options(zil_inport_endpoint(in), "asr", out_opts);
    asr2 = zil_outport_new_with_options(zil_inport_endpoint(in), "asr2", out_opts);
    CHECK(asr != NULL && asr2 != NULL);
    test_wait_subscribers_serving(asr, in, 1);
    /* The subscription "asr" is a prefix of "asr2": libzmq delivers, so it
     * counts as a subscriber of "asr2" too, whatever the port's matching. */
    test_wait_subscribers_serving(asr2, in, 1);

    for (i = 0; i < 5; i++) {
        CHECK_OK(zil_outport_push(asr2, data, sizeof data, "INTERMEDIATE"));
        CHECK_OK(zil_outport_push(asr, data, sizeof data, "FINAL"));
    }
    if (prefix) {
        collect(in, 10, 0, topics, per_topic);
        CHECK(per_topic[0] == 5 && per_topic[1] == 5);
    } else {
        collect(in, 5, 5, topics, per_topic);
        CHECK(per_topic[0] == 5 && per_topic[1] == 0);
    }
    zil_outport_free(asr);
    zil_outport_free(asr2);
    zil_inport_free(in);
    zil_options_free(in_opts);
    zil_options_free(out_opts);
    printf("asr vs asr2, %s matching: OK\n", prefix ? "prefix" : "exact");
}

/* The usual topology (output port binds): an exact "asr" port next to a
 * prefix "asr" port, both on an "asr2" publisher. */
static void exact_and_prefix_on_one_publisher(void)
{
    static const char *const topics[] = {"asr2", NULL};
    unsigned per_topic[1] = {0};
    zil_options_t *prefix_opts = test_options(ZIL_ATTACH_DEFAULT, true, false);
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "asr2");
    zil_inport_t *exact, *prefix;
    size_t subscribers = 0;
    int i;

    CHECK(out != NULL);
    exact = zil_inport_new(zil_outport_endpoint(out), "asr");
    prefix = zil_inport_new_with_options(zil_outport_endpoint(out), "asr", prefix_opts);
    CHECK(exact != NULL && prefix != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 2, long_wait_ms(), &subscribers));
    CHECK(subscribers == 2);
    for (i = 0; i < 7; i++)
        CHECK_OK(zil_outport_push(out, NULL, 0, NULL));

    collect(prefix, 7, 0, topics, per_topic);
    CHECK(per_topic[0] == 7);
    per_topic[0] = 0;
    collect(exact, 0, 7, topics, per_topic);

    zil_inport_free(exact);
    zil_inport_free(prefix);
    zil_outport_free(out);
    zil_options_free(prefix_opts);
    printf("exact and prefix ports on one \"asr2\" publisher: OK\n");
}

/* A port on "asr2" is no subscriber of an "asr" publisher: libzmq never
 * sends it anything, and wait_subscribers does not count it. */
static void longer_topic_is_no_subscriber(void)
{
    zil_outport_t *out = zil_outport_new(TEST_TCP_ANY, "asr");
    zil_inport_t *in;
    zil_stats_t stats = {.size = sizeof stats};
    zil_msg_t *msg = NULL;
    size_t subscribers = 99;

    CHECK(out != NULL);
    in = zil_inport_new(zil_outport_endpoint(out), "asr2");
    CHECK(in != NULL);
    /* The connection is up once a matching port, connected after it, has
     * joined and received a message; the "asr2" port is still not counted. */
    {
        zil_inport_t *matching = zil_inport_new(zil_outport_endpoint(out), "asr");
        CHECK(matching != NULL);
        CHECK_OK(zil_outport_wait_subscribers(out, 1, long_wait_ms(), &subscribers));
        CHECK_RESULT(zil_outport_wait_subscribers(out, 2, 300, &subscribers), ZIL_TIMEOUT);
        CHECKF(subscribers == 1, "%lu subscribers, expected 1 (\"asr2\" must not count)",
               (unsigned long)subscribers);
        CHECK_OK(zil_outport_push(out, (const uint8_t *)"x", 1, NULL));
        CHECK_OK(zil_inport_recv(matching, &msg, long_wait_ms()));
        zil_msg_free(msg);
        zil_inport_free(matching);
    }
    CHECK_RESULT(zil_inport_recv(in, &msg, 200), ZIL_TIMEOUT);
    CHECK_OK(zil_inport_stats(in, &stats));
    CHECK(stats.counters.messages_received == 0 && stats.counters.messages_filtered == 0);
    zil_inport_free(in);
    zil_outport_free(out);
    printf("a longer topic is no subscriber: OK\n");
}

/* The empty topic: exact matches only "", prefix matches everything. */
static void empty_topic(void)
{
    static const char *const empty[] = {"", NULL};
    static const char *const abc[] = {"abc", NULL};
    unsigned count[1] = {0};
    zil_options_t *prefix_opts = test_options(ZIL_ATTACH_DEFAULT, true, false);
    zil_outport_t *out_empty = zil_outport_new(TEST_TCP_ANY, "");
    zil_outport_t *out_abc = zil_outport_new(TEST_TCP_ANY, "abc");
    zil_inport_t *in_empty, *in_all, *in_exact_empty;

    CHECK(out_empty != NULL && out_abc != NULL);
    in_empty = zil_inport_new(zil_outport_endpoint(out_empty), "");
    in_all = zil_inport_new_with_options(zil_outport_endpoint(out_abc), "", prefix_opts);
    in_exact_empty = zil_inport_new(zil_outport_endpoint(out_abc), "");
    CHECK(in_empty != NULL && in_all != NULL && in_exact_empty != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out_empty, 1, long_wait_ms(), NULL));
    CHECK_OK(zil_outport_wait_subscribers(out_abc, 2, long_wait_ms(), NULL));

    CHECK_OK(zil_outport_push(out_empty, (const uint8_t *)"e", 1, "pcm"));
    CHECK_OK(zil_outport_push(out_abc, (const uint8_t *)"a", 1, "pcm"));
    CHECK_OK(zil_outport_push(out_abc, (const uint8_t *)"b", 1, "pcm"));

    collect(in_empty, 1, 0, empty, count);
    count[0] = 0;
    collect(in_all, 2, 0, abc, count);
    CHECK(count[0] == 2);
    collect(in_exact_empty, 0, 2, abc, count);

    zil_inport_free(in_empty);
    zil_inport_free(in_all);
    zil_inport_free(in_exact_empty);
    zil_outport_free(out_empty);
    zil_outport_free(out_abc);
    zil_options_free(prefix_opts);
    printf("empty topic: OK\n");
}

/* A UTF-8 topic round trips; prefix_match(false) after true means exact. */
static void utf8_topic_and_option_reset(void)
{
    const char *topic = "caf\xc3\xa9/\xe2\x9c\x93"; /* "café/✓" */
    zil_options_t *opts = test_options(ZIL_ATTACH_DEFAULT, true, false);
    zil_outport_t *out;
    zil_inport_t *shorter, *exact;
    zil_msg_t *msg = NULL;
    zil_stats_t stats = {.size = sizeof stats};
    double deadline;

    CHECK_OK(zil_options_set_prefix_match(opts, false)); /* back to exact */
    out = zil_outport_new(TEST_TCP_ANY, topic);
    CHECK(out != NULL);
    /* "café" is a prefix of "café/✓": libzmq delivers, zil filters */
    shorter = zil_inport_new_with_options(zil_outport_endpoint(out), "caf\xc3\xa9", opts);
    exact = zil_inport_new(zil_outport_endpoint(out), topic);
    CHECK(shorter != NULL && exact != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 2, long_wait_ms(), NULL));
    CHECK_OK(zil_outport_push(out, NULL, 0, "EOS"));

    CHECK_OK(zil_inport_recv(exact, &msg, long_wait_ms()));
    CHECK_STR_EQ(zil_msg_topic(msg), topic);
    CHECK_STR_EQ(zil_msg_event(msg), "EOS");
    CHECK(zil_msg_size(msg) == 0);
    CHECK(zil_msg_data(msg) != NULL); /* never NULL, even when empty */
    zil_msg_free(msg);

    deadline = now_ms() + long_wait_ms();
    do {
        CHECK_RESULT(zil_inport_recv(shorter, &msg, 50), ZIL_TIMEOUT);
        CHECK_OK(zil_inport_stats(shorter, &stats));
    } while (stats.counters.messages_filtered == 0 && now_ms() < deadline);
    CHECK(stats.counters.messages_filtered == 1);
    CHECK(stats.counters.messages_received == 0);

    zil_inport_free(shorter);
    zil_inport_free(exact);
    zil_outport_free(out);
    zil_options_free(opts);
    printf("UTF-8 topic: OK\n");
}

int main(void)
{
    test_watchdog(50);
    asr_vs_asr2(false);
    asr_vs_asr2(true);
    exact_and_prefix_on_one_publisher();
    longer_topic_is_no_subscriber();
    empty_topic();
    utf8_topic_and_option_reset();
    return 0;
}
