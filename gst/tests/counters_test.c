/*
 * gstzil_test_counters: the read-only counters (zilsink's sent and dropped,
 * zilsrc's received and lost) after EOS, against the buffers pushed and
 * the element messages posted. Both ends in one process (zil's inproc://
 * transport, no files): a sender faster than the receiver (sync=false,
 * send-meta numbers the buffers), a receiver that sleeps 1 ms per buffer,
 * small queues (sndhwm=rcvhwm=50).
 *
 *  A. lossless=false, the sender at twice the receiver's pace: libzmq
 *     drops for the slow subscriber, unseen by the sender: zilsink
 *     sent = N, dropped = 0, no "zilsink-dropped"; zilsrc lost > 0,
 *     lost = the sum of its "zilsrc-lost" gaps = the last total-lost,
 *     received + lost = N.
 *  B. lossless=true lossless-timeout=0, the sender as fast as it can go:
 *     zilsink drops what finds the queue full and counts it: dropped > 0 =
 *     the last "zilsink-dropped" message's dropped, sent = its sent,
 *     sent + dropped = N; zilsrc received = sent, lost = dropped (and the
 *     gaps add up to it).
 *  C. lossless=true (wait for room): nothing lost anywhere, no messages:
 *     sent = received = N, dropped = lost = 0.
 *
 * Exit status 0 on success. Every wait is bounded.
 */
#include <gst/gst.h>

#include "check.h"

#include <stdio.h>
#include <string.h>

#define CAPS "audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved"
#define RUN_TIMEOUT (15 * G_TIME_SPAN_SECOND)

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      FAIL (__VA_ARGS__);                                  \
      ok = FALSE;                                          \
    }                                                      \
  } while (0)

/* What the element messages of one run said. */
typedef struct
{
  guint64 drop_messages;        /* "zilsink-dropped" */
  guint64 msg_dropped, msg_sent;        /* ... the last one's fields */
  guint64 gaps;                 /* "zilsrc-lost" */
  guint64 gaps_lost;            /* ... the sum of their "lost" */
  guint64 msg_total_lost;       /* ... the last one's "total-lost" */
} tally_t;

static guint64
field (const GstStructure * s, const gchar * name)
{
  guint64 v = 0;

  if (!gst_structure_get_uint64 (s, name, &v)) {
    FAIL ("%s has no guint64 %s",
        gst_structure_get_name (s), name);
  }
  return v;
}

static void
tally (tally_t * t, GstMessage * msg)
{
  const GstStructure *s = gst_message_get_structure (msg);

  if (gst_structure_has_name (s, "zilsink-dropped")) {
    t->drop_messages++;
    t->msg_dropped = field (s, "dropped");
    t->msg_sent = field (s, "sent");
  } else if (gst_structure_has_name (s, "zilsrc-lost")) {
    t->gaps++;
    t->gaps_lost += field (s, "lost");
    t->msg_total_lost = field (s, "total-lost");
  }
}

/* Pops `pipe`'s messages until its EOS (FALSE on an error or after
 * `deadline`), tallying the element messages. */
static gboolean
until_eos (GstElement * pipe, const gchar * what, gint64 deadline, tally_t * t)
{
  GstBus *bus = gst_element_get_bus (pipe);
  gboolean eos = FALSE;

  for (;;) {
    gint64 left = MAX (deadline - g_get_monotonic_time (), 0);
    GstMessage *msg = gst_bus_timed_pop_filtered (bus, left * GST_USECOND,
        GST_MESSAGE_EOS | GST_MESSAGE_ERROR | GST_MESSAGE_ELEMENT);
    GstMessageType type;

    if (!msg) {
      fprintf (stderr, "FAIL: %s: no EOS within %d s\n", what,
          (gint) (RUN_TIMEOUT / G_TIME_SPAN_SECOND));
      break;
    }
    type = GST_MESSAGE_TYPE (msg);
    if (type == GST_MESSAGE_ELEMENT) {
      tally (t, msg);
    } else if (type == GST_MESSAGE_ERROR) {
      GError *err = NULL;
      gchar *dbg = NULL;
      gst_message_parse_error (msg, &err, &dbg);
      fprintf (stderr, "FAIL: %s: %s (%s)\n", what, err->message,
          GST_STR_NULL (dbg));
      g_clear_error (&err);
      g_free (dbg);
    } else {
      eos = TRUE;
    }
    gst_message_unref (msg);
    if (type != GST_MESSAGE_ELEMENT)
      break;
  }
  gst_object_unref (bus);
  if (!eos)
    failures++;
  return eos;
}

/* Where a run may lose buffers. */
typedef enum
{
  LOSSY,                        /* lossless=false: libzmq, unseen by zilsink */
  DROPPING,                     /* lossless-timeout=0: zilsink, counted */
  LOSSLESS                      /* lossless-timeout=-1: nowhere */
} loss_mode;

static const gchar *const sink_props[] = {
  [LOSSY] = "lossless=false",
  [DROPPING] = "lossless=true lossless-timeout=0",
  [LOSSLESS] = "lossless=true lossless-timeout=-1",
};

static guint64
counter (GstElement * pipe, const gchar * element, const gchar * name)
{
  GstElement *e = gst_bin_get_by_name (GST_BIN (pipe), element);
  guint64 v;

  g_object_get (e, name, &v, NULL);
  gst_object_unref (e);
  return v;
}

/* One stream of `n` buffers into a slow receiver; checks what both ends
 * count. `sender_sleep_us` paces the sender (0: as fast as it can go). */
static gboolean
run (const gchar * tag, loss_mode mode, guint n, gint sender_sleep_us)
{
  gchar *desc;
  GstElement *tx, *rx;
  tally_t t = { 0 };
  guint64 sent, dropped, received, lost;
  gint64 deadline;
  gboolean ok = TRUE;

  desc = g_strdup_printf ("audiotestsrc num-buffers=%u wave=silence ! " CAPS
      " ! identity sleep-time=%d ! zilsink name=sink "
      "address=inproc://zil-counters-%s topic=t sync=false send-meta=true "
      "sndhwm=50 %s", n, sender_sleep_us, tag, sink_props[mode]);
  tx = gst_parse_launch (desc, NULL);
  g_free (desc);
  /* inproc:// hands zilsink's zero-copy buffers to zilsrc as they are: a
   * fakesink keeping its last sample would hold the sender's EOS drain
   * for drain-timeout. */
  desc = g_strdup_printf ("zilsrc name=src address=inproc://zil-counters-%s "
      "topic=t rcvhwm=50 ! identity sleep-time=1000 ! fakesink sync=false "
      "enable-last-sample=false", tag);
  rx = gst_parse_launch (desc, NULL);
  g_free (desc);
  if (!tx || !rx) {
    FAIL ("%s: the pipelines", tag);
    return FALSE;
  }

  /* The sender binds (NULL to READY, done when set_state returns), then
   * waits in render for the receiver (wait-subscribers=1). */
  deadline = g_get_monotonic_time () + RUN_TIMEOUT;
  gst_element_set_state (tx, GST_STATE_PLAYING);
  gst_element_set_state (rx, GST_STATE_PLAYING);
  if (!until_eos (tx, "sender", deadline, &t)
      || !until_eos (rx, "receiver", deadline, &t)) {
    fprintf (stderr, "FAIL: %s: the stream did not end\n", tag);
    ok = FALSE;
    goto done;
  }

  sent = counter (tx, "sink", "sent");
  dropped = counter (tx, "sink", "dropped");
  received = counter (rx, "src", "received");
  lost = counter (rx, "src", "lost");
  printf ("%s: zilsink sent %" G_GUINT64_FORMAT ", dropped %" G_GUINT64_FORMAT
      " (%" G_GUINT64_FORMAT " messages); zilsrc received %" G_GUINT64_FORMAT
      ", lost %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " gaps); of %u\n",
      tag, sent, dropped, t.drop_messages, received, lost, t.gaps, n);

  /* Every buffer is counted once at each end. */
  CHECK (sent + dropped == n, "%s: sent %" G_GUINT64_FORMAT " + dropped %"
      G_GUINT64_FORMAT " != the %u pushed", tag, sent, dropped, n);
  CHECK (received + lost == n, "%s: received %" G_GUINT64_FORMAT " + lost %"
      G_GUINT64_FORMAT " != %u", tag, received, lost, n);
  /* The properties say what the messages said. */
  CHECK (lost == t.gaps_lost, "%s: lost %" G_GUINT64_FORMAT ", the gaps "
      "reported add up to %" G_GUINT64_FORMAT, tag, lost, t.gaps_lost);
  CHECK (lost == t.msg_total_lost, "%s: lost %" G_GUINT64_FORMAT ", the last "
      "zilsrc-lost says %" G_GUINT64_FORMAT, tag, lost, t.msg_total_lost);
  CHECK (dropped == t.msg_dropped, "%s: dropped %" G_GUINT64_FORMAT ", the "
      "last zilsink-dropped says %" G_GUINT64_FORMAT, tag, dropped,
      t.msg_dropped);
  if (t.drop_messages > 0)
    CHECK (sent == t.msg_sent, "%s: sent %" G_GUINT64_FORMAT ", the last "
        "zilsink-dropped says %" G_GUINT64_FORMAT, tag, sent, t.msg_sent);
  /* Each mode loses where it may, and only there. */
  switch (mode) {
    case LOSSY:
      CHECK (dropped == 0 && t.drop_messages == 0, "%s: zilsink dropped %"
          G_GUINT64_FORMAT " without lossless", tag, dropped);
      CHECK (lost > 0 && t.gaps > 0, "%s: nothing lost: no loss to count "
          "(received %" G_GUINT64_FORMAT ")", tag, received);
      break;
    case DROPPING:
      CHECK (dropped > 0 && t.drop_messages > 0, "%s: zilsink dropped "
          "nothing: no drop to count", tag);
      CHECK (received == sent && lost == dropped, "%s: sent %"
          G_GUINT64_FORMAT " and dropped %" G_GUINT64_FORMAT ", but received %"
          G_GUINT64_FORMAT " and lost %" G_GUINT64_FORMAT, tag, sent, dropped,
          received, lost);
      break;
    case LOSSLESS:
      CHECK (sent == n && received == n && t.drop_messages == 0
          && t.gaps == 0, "%s: a lossless stream lost buffers", tag);
      break;
  }

done:
  gst_element_set_state (rx, GST_STATE_NULL);
  gst_element_set_state (tx, GST_STATE_NULL);
  gst_object_unref (rx);
  gst_object_unref (tx);
  return ok;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);

  /* The lossy sender at twice the receiver's pace: gaps all along. */
  if (run ("a", LOSSY, 1000, 500))
    printf ("A. lossy: the receiver's counters add up: OK\n");
  if (run ("b", DROPPING, 1000, 0))
    printf ("B. counted drops: both ends' counters agree: OK\n");
  if (run ("c", LOSSLESS, 300, 0))
    printf ("C. lossless: nothing lost, nothing dropped: OK\n");

  return finish ("counters");
}
