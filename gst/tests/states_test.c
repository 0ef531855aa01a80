/*
 * gstzil_test_states: zilsrc's and zilsink's unlock handling under state
 * changes, in one process (zil's inproc:// transport, no files).
 *
 * 1. zilsrc (plain, then session-aware with an in-process authz server)
 *    receives from a publisher thread that pushes a message every 1 ms
 *    into a slow fakesink. 30 times: PLAYING, then a flush (flush-start /
 *    flush-stop: unlock, unlock_stop), PAUSED or READY. Each state change
 *    must complete within 2 s (unlock wakes a blocked receive), and new
 *    buffers must arrive within 2 s after each (a wake-up that no receive
 *    consumed must not stop the stream: zil's wake is one-shot and sticky,
 *    so create() meets it later and retries). Finally the publisher sends
 *    the EOS event, which must reach the bus.
 * 2. zilsink blocked in wait-subscribers (no subscriber, wait-timeout=-1)
 *    must let the pipeline go to NULL at once.
 *
 * Exit status 0 on success. Every wait is bounded.
 */
#include <gst/gst.h>
#include <zil.h>

#include "check.h"

#include <stdio.h>
#include <string.h>

#define CYCLES 30
#define STEP_TIMEOUT (2 * GST_SECOND)
#define SESSION "4a501b51317e2c8f4a0fd7831d3e09dc"

#define CHECK(cond, ...)                                   \
  do {                                                     \
    if (!(cond)) {                                         \
      FAIL (__VA_ARGS__);                                  \
      return FALSE;                                        \
    }                                                      \
  } while (0)

/* ------------------------------------------------------------------ */

typedef struct
{
  zil_outport_t *port;
  zil_outpad_t *pad;
  gint stop;
  gint sent;
} publisher_t;

static gpointer
publish (gpointer data)
{
  publisher_t *pub = data;
  gchar text[32];

  while (!g_atomic_int_get (&pub->stop)) {
    gint n = g_atomic_int_add (&pub->sent, 1);
    gint len = g_snprintf (text, sizeof text, "message %d", n);
    if (pub->pad)
      zil_outpad_push (pub->pad, (const uint8_t *) text, (size_t) len, NULL);
    else
      zil_outport_push (pub->port, (const uint8_t *) text, (size_t) len, NULL);
    g_usleep (1000);
  }
  return NULL;
}

static gint buffers;
static gint slow_downstream;
static gint woken_up;
static gint stale_wakeups;

static void
on_handoff (GstElement * sink, GstBuffer * buf, GstPad * pad, gpointer data)
{
  (void) sink;
  (void) buf;
  (void) pad;
  (void) data;
  g_atomic_int_inc (&buffers);
  /* Every other cycle a slow downstream: the streaming thread is then
   * mostly outside create() when the element is unlocked, so zilsrc's
   * wake-up is not consumed there; otherwise create() mostly blocks in
   * zil's receive and is woken up. */
  if (g_atomic_int_get (&slow_downstream))
    g_usleep (2000);
}

/* Counts zilsrc's "stale wake-up consumed" debug lines (informational). */
static void
log_hook (GstDebugCategory * category, GstDebugLevel level, const gchar * file,
    const gchar * function, gint line, GObject * object, GstDebugMessage * msg,
    gpointer data)
{
  const gchar *text;
  (void) file;
  (void) function;
  (void) line;
  (void) object;
  (void) data;
  if (level <= GST_LEVEL_WARNING)
    fprintf (stderr, "%s %s: %s\n", gst_debug_level_get_name (level),
        gst_debug_category_get_name (category), gst_debug_message_get (msg));
  if (strcmp (gst_debug_category_get_name (category), "zilsrc") != 0)
    return;
  text = gst_debug_message_get (msg);
  if (text && strstr (text, "stale wake-up"))
    g_atomic_int_inc (&stale_wakeups);
  if (text && strstr (text, "woken up: flushing"))
    g_atomic_int_inc (&woken_up);
}

static gboolean
set_state (GstElement * pipe, GstState state)
{
  GstStateChangeReturn r;
  gint64 start = g_get_monotonic_time ();

  gst_element_set_state (pipe, state);
  r = gst_element_get_state (pipe, NULL, NULL, STEP_TIMEOUT);
  CHECK (r == GST_STATE_CHANGE_SUCCESS || r == GST_STATE_CHANGE_NO_PREROLL,
      "state change to %s: %s after %" G_GINT64_FORMAT " ms",
      gst_element_state_get_name (state), gst_element_state_change_return_get_name (r),
      (g_get_monotonic_time () - start) / 1000);
  return TRUE;
}

static gboolean
wait_for_buffers (gint more)
{
  gint target = g_atomic_int_get (&buffers) + more;
  gint64 deadline = g_get_monotonic_time () + STEP_TIMEOUT / 1000;

  while (g_atomic_int_get (&buffers) < target) {
    if (g_get_monotonic_time () > deadline)
      return FALSE;
    g_usleep (1000);
  }
  return TRUE;
}

static void
on_verify (void *user_data, const char *method, const char *params_json,
    const char *params_string, zil_rpc_reply_t * reply)
{
  (void) user_data;
  (void) method;
  (void) params_json;
  zil_rpc_reply_set_bool (reply, params_string
      && strcmp (params_string, SESSION) == 0);
}

static gboolean
test_source (gboolean session)
{
  const gchar *addr = session ? "inproc://zil-states-session" :
      "inproc://zil-states-plain";
  publisher_t pub = { 0 };
  zil_rpc_server_t *authz = NULL;
  GstElement *pipe, *sink, *src = NULL;
  GstBus *bus;
  GstMessage *msg;
  GThread *thread;
  gchar *desc;
  gboolean ok = FALSE;
  gint i, resumed = 0;

  g_atomic_int_set (&buffers, 0);

  if (session) {
    authz = zil_rpc_server_new ("inproc://zil-states-authz");
    CHECK (authz, "authz server: %s", zil_last_error ());
    zil_rpc_server_set_handler (authz, "verify", on_verify, NULL, NULL);
    zil_rpc_server_start (authz);
    pub.pad = zil_outpad_new (addr, "t");
    CHECK (pub.pad, "outpad: %s", zil_last_error ());
    zil_outpad_set_session_id (pub.pad, SESSION);
  } else {
    pub.port = zil_outport_new (addr, "t");
    CHECK (pub.port, "outport: %s", zil_last_error ());
  }

  desc = g_strdup_printf ("zilsrc name=src address=%s topic=t%s ! "
      "fakesink name=sink signal-handoffs=true", addr,
      session ? " rpc-address=inproc://zil-states-authz" : "");
  pipe = gst_parse_launch (desc, NULL);
  g_free (desc);
  CHECK (pipe, "pipeline");
  sink = gst_bin_get_by_name (GST_BIN (pipe), "sink");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), NULL);
  gst_object_unref (sink);

  thread = g_thread_new ("publisher", publish, &pub);

  src = gst_bin_get_by_name (GST_BIN (pipe), "src");
  for (i = 0; i < CYCLES; i++) {
    if (!set_state (pipe, GST_STATE_PLAYING))
      goto done;
    if (!wait_for_buffers (3)) {
      FAIL ("no buffers within 2 s after resume %d "
          "(%s mode)", i, session ? "session" : "plain");
      goto done;
    }
    resumed++;
    g_atomic_int_set (&slow_downstream, i % 2);
    switch (i % 3) {
      case 0:                  /* a flush while playing: unlock, unlock_stop */
        gst_element_send_event (src, gst_event_new_flush_start ());
        gst_element_send_event (src, gst_event_new_flush_stop (FALSE));
        break;
      case 1:
        if (!set_state (pipe, GST_STATE_PAUSED))
          goto done;
        break;
      default:                 /* stop and start: a new zil port */
        if (!set_state (pipe, GST_STATE_READY))
          goto done;
        break;
    }
    /* Sometimes with a receive blocked, sometimes not. */
    g_usleep ((i % 2) ? 5000 : 0);
  }

  if (!set_state (pipe, GST_STATE_PLAYING) || !wait_for_buffers (3))
    goto done;
  g_atomic_int_set (&pub.stop, 1);
  g_thread_join (thread);
  thread = NULL;
  if (pub.pad)
    zil_outpad_push (pub.pad, NULL, 0, "EOS");
  else
    zil_outport_push (pub.port, NULL, 0, "EOS");

  bus = gst_element_get_bus (pipe);
  msg = gst_bus_timed_pop_filtered (bus, STEP_TIMEOUT,
      GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_object_unref (bus);
  if (!msg || GST_MESSAGE_TYPE (msg) != GST_MESSAGE_EOS) {
    FAIL ("no EOS after the EOS event (%s mode)",
        session ? "session" : "plain");
  } else {
    ok = TRUE;
  }
  if (msg)
    gst_message_unref (msg);
  printf ("zilsrc (%s): %d resumes, %d buffers of %d messages sent, "
      "EOS %s\n", session ? "session-aware" : "plain", resumed,
      g_atomic_int_get (&buffers), g_atomic_int_get (&pub.sent),
      ok ? "received" : "MISSING");

done:
  if (src)
    gst_object_unref (src);
  if (thread) {
    g_atomic_int_set (&pub.stop, 1);
    g_thread_join (thread);
  }
  if (!set_state (pipe, GST_STATE_NULL))
    ok = FALSE;
  gst_object_unref (pipe);
  zil_outport_free (pub.port);
  zil_outpad_free (pub.pad);
  zil_rpc_server_free (authz);
  return ok;
}

static gboolean
test_sink_unlock (void)
{
  GstElement *pipe = gst_parse_launch ("fakesrc num-buffers=3 sizetype=fixed "
      "sizemax=16 ! zilsink address=inproc://zil-states-nobody "
      "wait-subscribers=1 wait-timeout=-1", NULL);
  gint64 start;

  CHECK (pipe, "sink pipeline");
  gst_element_set_state (pipe, GST_STATE_PLAYING);
  g_usleep (300 * 1000);        /* render now waits for a subscriber */
  start = g_get_monotonic_time ();
  if (!set_state (pipe, GST_STATE_NULL))
    return FALSE;
  printf ("zilsink: left a forever wait-subscribers in %" G_GINT64_FORMAT
      " ms\n", (g_get_monotonic_time () - start) / 1000);
  gst_object_unref (pipe);
  return TRUE;
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  gst_debug_set_threshold_for_name ("zilsrc", GST_LEVEL_DEBUG);
  gst_debug_remove_log_function (gst_debug_log_default);
  gst_debug_add_log_function (log_hook, NULL, NULL);

  test_source (FALSE);
  test_source (TRUE);
  test_sink_unlock ();
  printf ("zilsrc unlocks: %d woke a blocked receive, %d stale wake-ups "
      "consumed by retrying\n", g_atomic_int_get (&woken_up),
      g_atomic_int_get (&stale_wakeups));

  return finish ("states");
}
