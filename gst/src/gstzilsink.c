/**
 * SECTION:element-zilsink
 * @title: zilsink
 *
 * Publishes every buffer as one zil message on a ZeroMQ PUB socket that
 * binds #GstZilSink:address: three frames `[topic, data, event]`, the wire
 * format of Python's zmq_integration_lib. Any Python or C subscriber of
 * #GstZilSink:topic (zilsrc, `zil_inport_recv`, the original's
 * `InPort`) receives the buffers.
 *
 * - The event frame carries #GstZilSink:event, or the literal `None` when
 *   it is unset (the default), like the original.
 * - End of stream is sent as an empty message with the event `EOS`.
 * - With #GstZilSink:session-aware, buffers go out through a zil outpad:
 *   the data frame becomes `{"data": "<base64>", "session_id": "<id>"}`
 *   with #GstZilSink:session-id (or, when unset, the session of a zilsrc
 *   with #GstZilSrc:rpc-address in the same process: zil's process-wide
 *   session bus, as in the original's middle stages).
 * - #GstZilSink:wait-subscribers (default 1) holds the first message until
 *   that many subscribers are connected (ZeroMQ's slow joiner otherwise
 *   loses the first messages); after #GstZilSink:wait-timeout ms (default
 *   5000) it posts a warning and sends anyway.
 * - #GstZilSink:lossless makes a full subscriber queue (#GstZilSink:sndhwm)
 *   slow the pipeline down instead of losing buffers; a buffer that waited
 *   #GstZilSink:lossless-timeout is dropped, counted (#GstZilSink:dropped)
 *   and reported ("zilsink-dropped" element messages, warnings).
 * - #GstZilSink:send-meta (off by default, so the default wire stays the
 *   original's) also sends caps and timestamps:
 *   a message with empty data and the event `caps:<caps string>` before
 *   the first buffer and after every caps change, and as each buffer's
 *   event `pts=<ns>;dur=<ns>` (values in nanoseconds, or `none`), followed
 *   by `;delta=1` for delta units and by `;event=<event>` when
 *   #GstZilSink:event is set. zilsrc adopts those caps and restores the
 *   timestamps; each buffer is numbered (`;seq=<n>`) and the EOS message's
 *   data is `seq=<count>`, so zilsrc can count what it lost.
 *
 * Buffers are sent without a copy (`zil_outport_push_zero_copy`: the
 * mapped buffer is released when libzmq has sent it); session-aware
 * buffers are base64-encoded, hence copied. At EOS the sink waits up to
 * #GstZilSink:drain-timeout ms until libzmq has taken every zero-copy
 * buffer and then the EOS message, plus 200 ms (and twice the time the
 * EOS message waited, for a slow receiver) for the last write to the
 * receiver's socket (zil cannot report that one), so a process that exits
 * right after EOS does not lose the tail of the stream.
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 audiotestsrc num-buffers=100 ! audio/x-raw,format=S16LE,rate=16000,channels=1 ! \
 *     zilsink address=tcp://127.0.0.1:5555 topic=audio wait-subscribers=1 wait-timeout=5000
 * gst-launch-1.0 videotestsrc num-buffers=100 ! zilsink address=ipc:///tmp/video topic=video send-meta=true
 * ]|
 */
#include "gstzilsink.h"

#include "gstzil.h"
#include "gstzilmeta.h"
#include "gstziluri.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_zil_sink_debug);
#define GST_CAT_DEFAULT gst_zil_sink_debug

#define DEFAULT_WAIT_SUBSCRIBERS 1
#define DEFAULT_WAIT_TIMEOUT 5000
#define DEFAULT_DRAIN_TIMEOUT 5000
#define DEFAULT_SNDHWM 1000
#define DEFAULT_LOSSLESS FALSE
#define DEFAULT_LOSSLESS_TIMEOUT 5000
/* Drops: an element message at most every 100 ms (and one at EOS), a
 * warning at most once a second. */
#define DROP_MESSAGE_INTERVAL (100 * G_TIME_SPAN_MILLISECOND)
#define DROP_WARNING_INTERVAL (G_TIME_SPAN_SECOND)
/* Before the EOS and between two tries of a lossless EOS that found the
 * queue full: longer than libzmq's throttle of its command processing
 * (about a millisecond), so the sending socket has heard that the
 * subscribers' queues have room again. */
#define EOS_SETTLE_MS 5
/* How often a wait checks whether the element was unlocked. */
#define WAIT_SLICE_MS 50
/* At EOS, once libzmq has taken the EOS message: the least time left for
 * it to write the last bytes to the receiver's socket (see send_eos). A
 * receiver whose socket is full takes them when its own queue has room
 * again: with rcvhwm=50 and 1 ms per buffer, every 25 ms; on a busy
 * machine later. */
#define LAST_WRITE_GRACE_MS 200

enum
{
  PROP_0,
  PROP_ADDRESS,
  PROP_TOPIC,
  PROP_EVENT,
  PROP_SESSION_AWARE,
  PROP_SESSION_ID,
  PROP_WAIT_SUBSCRIBERS,
  PROP_WAIT_TIMEOUT,
  PROP_SEND_META,
  PROP_DRAIN_TIMEOUT,
  PROP_SNDHWM,
  PROP_LOSSLESS,
  PROP_LOSSLESS_TIMEOUT,
  PROP_SENT,
  PROP_DROPPED,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE ("sink",
    GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE_WITH_CODE (GstZilSink, gst_zil_sink, GST_TYPE_BASE_SINK,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_zil_uri_sink_handler_init));

/* ------------------------------------------------------------------ */
/* Zero-copy buffers in flight                                          */

/* Counts buffers handed to libzmq and not yet released. Reference-counted
 * (GAtomicRcBox): each buffer in flight holds a reference, so a release
 * arriving after the element is gone is harmless. */
struct _GstZilDrain
{
  GMutex lock;
  GCond cond;
  guint inflight;
  gboolean unlocked;            /* wake waiters: the element is flushing */
};

typedef struct
{
  GstBuffer *buffer;
  GstMapInfo map;
  GstZilDrain *drain;
} GstZilSent;

static void
drain_clear (gpointer data)
{
  GstZilDrain *drain = data;
  g_mutex_clear (&drain->lock);
  g_cond_clear (&drain->cond);
}

static GstZilDrain *
drain_new (void)
{
  GstZilDrain *drain = g_atomic_rc_box_new0 (GstZilDrain);
  g_mutex_init (&drain->lock);
  g_cond_init (&drain->cond);
  return drain;
}

/* zil_free_fn: libzmq is done with the buffer (any thread; calls no zil). */
static void
sent_release (void *data, void *hint)
{
  GstZilSent *sent = hint;
  GstZilDrain *drain = sent->drain;
  (void) data;

  gst_buffer_unmap (sent->buffer, &sent->map);
  gst_buffer_unref (sent->buffer);
  g_free (sent);

  g_mutex_lock (&drain->lock);
  if (--drain->inflight == 0)
    g_cond_broadcast (&drain->cond);
  g_mutex_unlock (&drain->lock);
  g_atomic_rc_box_release_full (drain, drain_clear);
}

/* Waits until every zero-copy buffer has been released by libzmq, at most
 * timeout_ms (-1 forever), or until the element is unlocked. */
static gboolean
drain_wait (GstZilDrain * drain, gint timeout_ms)
{
  gint64 deadline = timeout_ms < 0 ? G_MAXINT64 :
      g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;
  gboolean drained;

  g_mutex_lock (&drain->lock);
  while (drain->inflight > 0 && !drain->unlocked
      && g_get_monotonic_time () < deadline)
    g_cond_wait_until (&drain->cond, &drain->lock, deadline);
  drained = drain->inflight == 0;
  g_mutex_unlock (&drain->lock);
  return drained;
}

static void
drain_set_unlocked (GstZilDrain * drain, gboolean unlocked)
{
  g_mutex_lock (&drain->lock);
  drain->unlocked = unlocked;
  g_cond_broadcast (&drain->cond);
  g_mutex_unlock (&drain->lock);
}

/* ------------------------------------------------------------------ */
/* Sending                                                              */

static GstFlowReturn
send_failed (GstZilSink * self, zil_result r, const gchar * what)
{
  GST_ELEMENT_ERROR (self, RESOURCE, WRITE, ("Could not send %s.", what),
      ("%s: %s", zil_result_str (r), zil_last_error ()));
  return GST_FLOW_ERROR;
}

/* Sends bytes that are copied (small control messages, outpads). */
static zil_result
push_copy (GstZilSink * self, const guint8 * data, gsize size,
    const gchar * event)
{
  if (self->pad)
    return zil_outpad_push (self->pad, data, size, event);
  return zil_outport_push (self->port, data, size, event);
}

static GstFlowReturn
map_failed (GstZilSink * self)
{
  GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Could not map a buffer."),
      (NULL));
  return GST_FLOW_ERROR;
}

/* Posts the drop count: an element message "zilsink-dropped" (at most
 * every 100 ms, and always when `final`) and a warning (at most once a
 * second, and always when `final`). */
static void
report_drops (GstZilSink * self, gboolean final)
{
  guint64 dropped, sent;
  gint64 now = g_get_monotonic_time ();

  GST_OBJECT_LOCK (self);
  dropped = self->dropped;
  sent = self->sent;
  GST_OBJECT_UNLOCK (self);
  if (dropped == self->drops_posted)
    return;
  if (final || now - self->drops_posted_at >= DROP_MESSAGE_INTERVAL) {
    self->drops_posted = dropped;
    self->drops_posted_at = now;
    gst_element_post_message (GST_ELEMENT (self),
        gst_message_new_element (GST_OBJECT (self),
            gst_structure_new ("zilsink-dropped", "dropped", G_TYPE_UINT64,
                dropped, "sent", G_TYPE_UINT64, sent, NULL)));
  }
  if (final || self->drops_warned_at == 0
      || now - self->drops_warned_at >= DROP_WARNING_INTERVAL) {
    self->drops_warned_at = now;
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Dropped %" G_GUINT64_FORMAT " buffers so far (%" G_GUINT64_FORMAT
            " sent): a subscriber stayed full for lossless-timeout.",
            dropped, sent), ("raise lossless-timeout or sndhwm"));
  }
}

/* The outcome of one buffer's push: a lossless push that timed out drops
 * the buffer (counted and reported) and the stream goes on. */
static GstFlowReturn
pushed (GstZilSink * self, zil_result r)
{
  if (r == ZIL_OK) {
    GST_OBJECT_LOCK (self);
    self->sent++;
    GST_OBJECT_UNLOCK (self);
    return GST_FLOW_OK;
  }
  if (r == ZIL_INTERRUPTED)
    return GST_FLOW_FLUSHING;   /* unlocked while a lossless push waited */
  if (r == ZIL_TIMEOUT) {
    GST_OBJECT_LOCK (self);
    self->dropped++;
    GST_OBJECT_UNLOCK (self);
    report_drops (self, FALSE);
    return GST_FLOW_OK;
  }
  return send_failed (self, r, "a buffer");
}

/* Hands a buffer to zil: an output port sends it without a copy, holding a
 * reference until libzmq has taken it (counted in the drain, empty buffers
 * included, so that the EOS message is tracked too); an outpad copies it
 * into its envelope. FALSE when the buffer cannot be mapped (*r unset). */
static gboolean
send_buffer (GstZilSink * self, GstBuffer * buffer, const gchar * event,
    zil_result * r)
{
  GstZilSent *sent;

  if (self->pad) {
    GstMapInfo map;
    if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
      return FALSE;
    *r = push_copy (self, map.data, map.size, event);
    gst_buffer_unmap (buffer, &map);
    return TRUE;
  }

  sent = g_new0 (GstZilSent, 1);
  sent->buffer = gst_buffer_ref (buffer);
  if (!gst_buffer_map (sent->buffer, &sent->map, GST_MAP_READ)) {
    gst_buffer_unref (sent->buffer);
    g_free (sent);
    return FALSE;
  }
  sent->drain = g_atomic_rc_box_acquire (self->drain);
  g_mutex_lock (&self->drain->lock);
  self->drain->inflight++;
  g_mutex_unlock (&self->drain->lock);

  /* zil only reads the bytes (the API takes a non-const pointer because
   * it takes ownership); sent_release runs exactly once, also on failure. */
  *r = zil_outport_push_zero_copy (self->port, (uint8_t *) sent->map.data,
      sent->map.size, event, sent_release, sent);
  return TRUE;
}

/* Sends one of the stream's buffers. */
static GstFlowReturn
push_buffer (GstZilSink * self, GstBuffer * buffer, const gchar * event)
{
  zil_result r;

  if (!send_buffer (self, buffer, event, &r))
    return map_failed (self);
  return pushed (self, r);
}

/* Holds the first message until wait-subscribers subscribers are there. */
static GstFlowReturn
ensure_subscribers (GstZilSink * self)
{
  guint count;
  gint timeout_ms;
  gint64 deadline;
  size_t subscribers = 0;

  if (self->waited)
    return GST_FLOW_OK;

  GST_OBJECT_LOCK (self);
  count = self->wait_subscribers;
  timeout_ms = self->wait_timeout;
  GST_OBJECT_UNLOCK (self);

  if (count == 0) {
    self->waited = TRUE;
    return GST_FLOW_OK;
  }

  GST_DEBUG_OBJECT (self, "waiting for %u subscribers (%d ms)", count,
      timeout_ms);
  deadline = timeout_ms < 0 ? -1 :
      g_get_monotonic_time () + (gint64) timeout_ms * G_TIME_SPAN_MILLISECOND;

  for (;;) {
    gint slice = WAIT_SLICE_MS;
    zil_result r;

    if (g_atomic_int_get (&self->unlocked))
      return GST_FLOW_FLUSHING;
    if (deadline >= 0) {
      gint64 left = (deadline - g_get_monotonic_time ()) /
          G_TIME_SPAN_MILLISECOND;
      if (left <= 0)
        break;
      slice = (gint) MIN (left, (gint64) slice);
    }
    if (self->pad)
      r = zil_outpad_wait_subscribers (self->pad, count, slice, &subscribers);
    else
      r = zil_outport_wait_subscribers (self->port, count, slice,
          &subscribers);
    if (r == ZIL_OK) {
      GST_INFO_OBJECT (self, "%zu subscribers connected", subscribers);
      self->waited = TRUE;
      return GST_FLOW_OK;
    }
    if (r != ZIL_TIMEOUT) {
      GST_ELEMENT_ERROR (self, RESOURCE, FAILED,
          ("Could not wait for subscribers."), ("%s: %s", zil_result_str (r),
              zil_last_error ()));
      return GST_FLOW_ERROR;
    }
  }

  GST_ELEMENT_WARNING (self, RESOURCE, FAILED,
      ("Only %zu of %u subscribers connected after %d ms; sending anyway.",
          subscribers, count, timeout_ms), (NULL));
  self->waited = TRUE;
  return GST_FLOW_OK;
}

/* send-meta: announces the current caps if they are new to the wire. */
static GstFlowReturn
announce_caps (GstZilSink * self)
{
  gchar *event;
  zil_result r;

  if (!self->caps_pending || !self->caps_str)
    return GST_FLOW_OK;
  event = g_strconcat (GST_ZIL_CAPS_EVENT_PREFIX, self->caps_str, NULL);
  GST_DEBUG_OBJECT (self, "announcing %s", event);
  r = push_copy (self, NULL, 0, event);
  g_free (event);
  if (r != ZIL_OK)
    return send_failed (self, r, "the caps");
  self->caps_pending = FALSE;
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_zil_sink_render (GstBaseSink * bsink, GstBuffer * buffer)
{
  GstZilSink *self = GST_ZIL_SINK (bsink);
  GstFlowReturn ret;
  gchar *event, *frame_event;
  gboolean send_meta;

  ret = ensure_subscribers (self);
  if (ret != GST_FLOW_OK)
    return ret;

  GST_OBJECT_LOCK (self);
  event = g_strdup (self->event);
  send_meta = self->send_meta;
  GST_OBJECT_UNLOCK (self);

  if (send_meta) {
    ret = announce_caps (self);
    if (ret != GST_FLOW_OK) {
      g_free (event);
      return ret;
    }
    frame_event = gst_zil_meta_format (buffer, self->seq++, event);
    g_free (event);
  } else {
    frame_event = event;
  }

  GST_LOG_OBJECT (self, "sending %" G_GSIZE_FORMAT " bytes, event %s",
      gst_buffer_get_size (buffer), GST_STR_NULL (frame_event));
  ret = push_buffer (self, buffer, frame_event);
  g_free (frame_event);
  return ret;
}

static gboolean
gst_zil_sink_set_caps (GstBaseSink * bsink, GstCaps * caps)
{
  GstZilSink *self = GST_ZIL_SINK (bsink);
  gchar *str = gst_caps_to_string (caps);

  if (g_strcmp0 (str, self->caps_str) == 0) {
    g_free (str);
    return TRUE;
  }
  g_free (self->caps_str);
  self->caps_str = str;
  self->caps_pending = TRUE;
  return TRUE;
}

/* Milliseconds left until `deadline` (monotonic µs; -1: none, gives -1). */
static gint
ms_left (gint64 deadline)
{
  if (deadline < 0)
    return -1;
  return (gint) CLAMP ((deadline - g_get_monotonic_time ()) /
      G_TIME_SPAN_MILLISECOND, 0, G_MAXINT);
}

/* Waits `ms` unless the element is unlocked. */
static void
pause_unless_unlocked (GstZilSink * self, gint ms)
{
  gint64 until = g_get_monotonic_time () +
      (gint64) ms * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&self->drain->lock);
  while (!self->drain->unlocked
      && g_cond_wait_until (&self->drain->cond, &self->drain->lock, until));
  g_mutex_unlock (&self->drain->lock);
}

/* The EOS message's data: "seq=<count>" with send-meta, else empty. */
static GstBuffer *
eos_buffer (GstZilSink * self)
{
  gboolean send_meta;
  gchar *data;

  GST_OBJECT_LOCK (self);
  send_meta = self->send_meta;
  GST_OBJECT_UNLOCK (self);
  if (!send_meta)
    return gst_buffer_new ();
  data = gst_zil_meta_format_end (self->seq);
  return gst_buffer_new_wrapped (data, strlen (data));
}

/* Sends the EOS message so that it is not lost, within `deadline`:
 * first waits until libzmq has taken every zero-copy buffer (the queue
 * then has room: a subscriber's queue never drops it) and for libzmq to
 * take notice (EOS_SETTLE_MS), then pushes it; a lossless push that finds
 * a subscriber full is tried again until the deadline. An output port
 * sends it like a buffer, so the sink then waits until libzmq has taken
 * it too: everything before it has left the queue. Last, a grace
 * (LAST_WRITE_GRACE_MS plus twice the time libzmq took to take the EOS)
 * for libzmq to write those last bytes to the receiver's socket, which
 * zil cannot report: zil never terminates its
 * ZeroMQ context (and libzmq's linger covers the queue, not that write),
 * so what is still queued dies with a process that exits right after EOS
 * (gst-launch does). Ends early when unlocked. */
static void
send_eos (GstZilSink * self, gint64 deadline)
{
  GstBuffer *eos = eos_buffer (self);
  zil_result r;
  gint64 pushed_at, grace_ms;

  if (!drain_wait (self->drain, ms_left (deadline)))
    GST_WARNING_OBJECT (self, "buffers still queued in libzmq at EOS");
  pause_unless_unlocked (self, EOS_SETTLE_MS);
  for (;;) {
    pushed_at = g_get_monotonic_time ();
    if (!send_buffer (self, eos, GST_ZIL_EOS_EVENT, &r)) {
      gst_buffer_unref (eos);
      map_failed (self);
      return;
    }
    if (r != ZIL_TIMEOUT || ms_left (deadline) == 0
        || g_atomic_int_get (&self->unlocked))
      break;
    pause_unless_unlocked (self, EOS_SETTLE_MS);
  }
  gst_buffer_unref (eos);
  if (r == ZIL_INTERRUPTED) {
    GST_DEBUG_OBJECT (self, "unlocked before the EOS was sent");
    return;
  }
  if (r != ZIL_OK) {
    GST_ELEMENT_WARNING (self, RESOURCE, WRITE,
        ("Could not send the end of stream: the receivers will report the "
            "sender gone."), ("%s: %s", zil_result_str (r),
            zil_last_error ()));
    return;
  }
  if (!drain_wait (self->drain, ms_left (deadline)))
    GST_WARNING_OBJECT (self, "the EOS message is still queued in libzmq");
  /* The last write waits for the receiver about as long as the write
   * before it did, which the EOS waited for: twice that, and a floor. */
  grace_ms = LAST_WRITE_GRACE_MS + 2 * (g_get_monotonic_time () - pushed_at)
      / G_TIME_SPAN_MILLISECOND;
  if (deadline >= 0)
    grace_ms = MIN (grace_ms, ms_left (deadline));
  GST_DEBUG_OBJECT (self, "sent EOS; %" G_GINT64_FORMAT " ms for the last "
      "write", grace_ms);
  if (grace_ms > 0)
    pause_unless_unlocked (self, (gint) MIN (grace_ms, G_MAXINT));
}

static gboolean
gst_zil_sink_event (GstBaseSink * bsink, GstEvent * event)
{
  GstZilSink *self = GST_ZIL_SINK (bsink);

  if (GST_EVENT_TYPE (event) == GST_EVENT_EOS) {
    gint drain_timeout;

    GST_OBJECT_LOCK (self);
    drain_timeout = self->drain_timeout;
    GST_OBJECT_UNLOCK (self);
    /* A stream without buffers still ends on the wire. */
    if (ensure_subscribers (self) == GST_FLOW_OK)
      send_eos (self, drain_timeout < 0 ? -1 : g_get_monotonic_time () +
          (gint64) drain_timeout * G_TIME_SPAN_MILLISECOND);
    report_drops (self, TRUE);
  }
  return GST_BASE_SINK_CLASS (gst_zil_sink_parent_class)->event (bsink, event);
}

/* ------------------------------------------------------------------ */
/* States                                                               */

static gboolean
gst_zil_sink_start (GstBaseSink * bsink)
{
  GstZilSink *self = GST_ZIL_SINK (bsink);
  gchar *address, *topic, *session_id;
  gboolean session_aware, lossless;
  gint sndhwm, lossless_timeout;
  zil_options_t *opts = NULL;
  zil_outport_t *port = NULL;
  zil_outpad_t *pad = NULL;

  GST_OBJECT_LOCK (self);
  address = g_strdup (self->address);
  topic = g_strdup (self->topic);
  session_id = g_strdup (self->session_id);
  session_aware = self->session_aware;
  sndhwm = self->sndhwm;
  lossless = self->lossless;
  lossless_timeout = self->lossless_timeout;
  self->sent = self->dropped = 0;
  GST_OBJECT_UNLOCK (self);

  if (!address || !topic) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The address and topic must be set."), (NULL));
    goto fail;
  }
  if (session_id && !session_aware) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("session-id needs session-aware=true."),
        ("without it, buffers would go out without a session envelope"));
    goto fail;
  }

  opts = zil_options_new ();
  if (!opts || zil_options_set_sndhwm (opts, sndhwm) != ZIL_OK
      || zil_options_set_lossless (opts, lossless, lossless_timeout) != ZIL_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid sndhwm or lossless-timeout."), ("%s", zil_last_error ()));
    goto fail;
  }

  if (session_aware) {
    pad = zil_outpad_new_with_options (address, topic, opts);
    if (pad && session_id) {
      zil_result r = zil_outpad_set_session_id (pad, session_id);
      if (r != ZIL_OK) {
        GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
            ("Invalid session-id \"%s\".", session_id), ("%s: %s",
                zil_result_str (r), zil_last_error ()));
        zil_outpad_free (pad);
        goto fail;
      }
    }
  } else {
    port = zil_outport_new_with_options (address, topic, opts);
  }
  if (!port && !pad) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_WRITE,
        ("Could not bind \"%s\".", address), ("%s", zil_last_error ()));
    goto fail;
  }
  GST_INFO_OBJECT (self, "publishing topic '%s' on %s%s", topic,
      pad ? zil_outpad_endpoint (pad) : zil_outport_endpoint (port),
      pad ? " (session-aware)" : "");

  GST_OBJECT_LOCK (self);
  self->port = port;
  self->pad = pad;
  GST_OBJECT_UNLOCK (self);
  self->waited = FALSE;
  self->caps_pending = self->caps_str != NULL;
  self->seq = 0;
  self->drops_posted = 0;
  self->drops_posted_at = self->drops_warned_at = 0;
  g_atomic_int_set (&self->unlocked, 0);
  drain_set_unlocked (self->drain, FALSE);

  zil_options_free (opts);
  g_free (address);
  g_free (topic);
  g_free (session_id);
  return TRUE;

fail:
  zil_options_free (opts);
  g_free (address);
  g_free (topic);
  g_free (session_id);
  return FALSE;
}

static gboolean
gst_zil_sink_stop (GstBaseSink * bsink)
{
  GstZilSink *self = GST_ZIL_SINK (bsink);
  zil_outport_t *port;
  zil_outpad_t *pad;

  GST_OBJECT_LOCK (self);
  port = self->port;
  pad = self->pad;
  self->port = NULL;
  self->pad = NULL;
  GST_OBJECT_UNLOCK (self);

  /* Unsent messages linger (zil's default: 1 s) while the process lives;
   * zero-copy buffers are released by libzmq when they are gone. */
  zil_outport_free (port);
  zil_outpad_free (pad);
  g_clear_pointer (&self->caps_str, g_free);
  self->caps_pending = FALSE;
  return TRUE;
}

/* Unlocking also ends a lossless push that waits for a full subscriber
 * (zil answers it ZIL_INTERRUPTED within 10 ms): a flush or a state change
 * never waits for a stalled receiver, whatever lossless-timeout says. */
static void
set_unlocked (GstZilSink * self, gboolean unlocked)
{
  g_atomic_int_set (&self->unlocked, unlocked);
  drain_set_unlocked (self->drain, unlocked);
  if (self->pad)
    zil_outpad_set_interrupted (self->pad, unlocked);
  else if (self->port)
    zil_outport_set_interrupted (self->port, unlocked);
}

static gboolean
gst_zil_sink_unlock (GstBaseSink * bsink)
{
  set_unlocked (GST_ZIL_SINK (bsink), TRUE);
  return TRUE;
}

static gboolean
gst_zil_sink_unlock_stop (GstBaseSink * bsink)
{
  set_unlocked (GST_ZIL_SINK (bsink), FALSE);
  return TRUE;
}

/* ------------------------------------------------------------------ */
/* Properties                                                           */

static void
gst_zil_sink_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstZilSink *self = GST_ZIL_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_ADDRESS:
      g_free (self->address);
      self->address = g_value_dup_string (value);
      break;
    case PROP_TOPIC:
      g_free (self->topic);
      self->topic = g_value_dup_string (value);
      break;
    case PROP_EVENT:
      g_free (self->event);
      self->event = g_value_dup_string (value);
      break;
    case PROP_SESSION_AWARE:
      self->session_aware = g_value_get_boolean (value);
      break;
    case PROP_SESSION_ID:
      g_free (self->session_id);
      self->session_id = g_value_dup_string (value);
      /* While playing: the outpad takes it at once (thread-safe). */
      if (self->pad) {
        zil_result r = zil_outpad_set_session_id (self->pad, self->session_id);
        if (r != ZIL_OK)
          GST_WARNING_OBJECT (self, "cannot set session-id: %s",
              zil_last_error ());
      }
      break;
    case PROP_WAIT_SUBSCRIBERS:
      self->wait_subscribers = g_value_get_uint (value);
      break;
    case PROP_WAIT_TIMEOUT:
      self->wait_timeout = g_value_get_int (value);
      break;
    case PROP_SEND_META:
      self->send_meta = g_value_get_boolean (value);
      break;
    case PROP_DRAIN_TIMEOUT:
      self->drain_timeout = g_value_get_int (value);
      break;
    case PROP_SNDHWM:
      self->sndhwm = g_value_get_int (value);
      break;
    case PROP_LOSSLESS:
      self->lossless = g_value_get_boolean (value);
      break;
    case PROP_LOSSLESS_TIMEOUT:
      self->lossless_timeout = g_value_get_int (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_zil_sink_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstZilSink *self = GST_ZIL_SINK (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_TOPIC:
      g_value_set_string (value, self->topic);
      break;
    case PROP_EVENT:
      g_value_set_string (value, self->event);
      break;
    case PROP_SESSION_AWARE:
      g_value_set_boolean (value, self->session_aware);
      break;
    case PROP_SESSION_ID:
      g_value_set_string (value, self->session_id);
      break;
    case PROP_WAIT_SUBSCRIBERS:
      g_value_set_uint (value, self->wait_subscribers);
      break;
    case PROP_WAIT_TIMEOUT:
      g_value_set_int (value, self->wait_timeout);
      break;
    case PROP_SEND_META:
      g_value_set_boolean (value, self->send_meta);
      break;
    case PROP_DRAIN_TIMEOUT:
      g_value_set_int (value, self->drain_timeout);
      break;
    case PROP_SNDHWM:
      g_value_set_int (value, self->sndhwm);
      break;
    case PROP_LOSSLESS:
      g_value_set_boolean (value, self->lossless);
      break;
    case PROP_LOSSLESS_TIMEOUT:
      g_value_set_int (value, self->lossless_timeout);
      break;
    case PROP_SENT:
      g_value_set_uint64 (value, self->sent);
      break;
    case PROP_DROPPED:
      g_value_set_uint64 (value, self->dropped);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_zil_sink_finalize (GObject * object)
{
  GstZilSink *self = GST_ZIL_SINK (object);

  g_free (self->address);
  g_free (self->topic);
  g_free (self->event);
  g_free (self->session_id);
  g_free (self->caps_str);
  g_atomic_rc_box_release_full (self->drain, drain_clear);
  G_OBJECT_CLASS (gst_zil_sink_parent_class)->finalize (object);
}

static void
gst_zil_sink_init (GstZilSink * self)
{
  self->address = g_strdup (GST_ZIL_DEFAULT_ADDRESS);
  self->topic = g_strdup (GST_ZIL_DEFAULT_TOPIC);
  self->wait_subscribers = DEFAULT_WAIT_SUBSCRIBERS;
  self->wait_timeout = DEFAULT_WAIT_TIMEOUT;
  self->drain_timeout = DEFAULT_DRAIN_TIMEOUT;
  self->sndhwm = DEFAULT_SNDHWM;
  self->lossless = DEFAULT_LOSSLESS;
  self->lossless_timeout = DEFAULT_LOSSLESS_TIMEOUT;
  self->drain = drain_new ();
}

static void
gst_zil_sink_class_init (GstZilSinkClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *basesink_class = GST_BASE_SINK_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_zil_sink_debug, "zilsink", 0,
      "zil ZeroMQ sink");

  gobject_class->set_property = gst_zil_sink_set_property;
  gobject_class->get_property = gst_zil_sink_get_property;
  gobject_class->finalize = gst_zil_sink_finalize;

  g_object_class_install_property (gobject_class, PROP_ADDRESS,
      g_param_spec_string ("address", "Address",
          "ZeroMQ address to bind (tcp://HOST:PORT, ipc:///PATH, inproc://NAME)",
          GST_ZIL_DEFAULT_ADDRESS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_TOPIC,
      g_param_spec_string ("topic", "Topic",
          "Topic of every message (frame 1)", GST_ZIL_DEFAULT_TOPIC,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_EVENT,
      g_param_spec_string ("event", "Event",
          "Event sent with each buffer (frame 3); unset sends the original's "
          "\"None\"", NULL, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SESSION_AWARE,
      g_param_spec_boolean ("session-aware", "Session aware",
          "Send through a zil outpad: data frame {\"data\": \"<base64>\", "
          "\"session_id\": \"<id>\"}", FALSE, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SESSION_ID,
      g_param_spec_string ("session-id", "Session id",
          "Session id of a session-aware sink (unset: the session of this "
          "process's session-aware zilsrc, else null)", NULL,
          rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_WAIT_SUBSCRIBERS,
      g_param_spec_uint ("wait-subscribers", "Wait for subscribers",
          "Hold the first message until this many subscribers are connected, "
          "at most wait-timeout (0 = do not wait: ZeroMQ's slow joiner then "
          "loses the first messages)", 0, G_MAXINT, DEFAULT_WAIT_SUBSCRIBERS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_WAIT_TIMEOUT,
      g_param_spec_int ("wait-timeout", "Wait timeout",
          "Longest wait for wait-subscribers, in ms; then a warning is "
          "posted and sending starts anyway (-1 = forever: only a state "
          "change or flush ends the wait, an EOS cannot pass it)", -1, G_MAXINT,
          DEFAULT_WAIT_TIMEOUT, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SEND_META,
      g_param_spec_boolean ("send-meta", "Send caps and timestamps",
          "Send caps as \"caps:<caps>\" events and each buffer's event as "
          "\"pts=<ns>;dur=<ns>\" (zilsrc restores both); off keeps the "
          "original's wire format", FALSE, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_DRAIN_TIMEOUT,
      g_param_spec_int ("drain-timeout", "Drain timeout",
          "At EOS, wait at most this many ms for libzmq to send what is "
          "queued: every zero-copy buffer, then the EOS message, plus 200 ms "
          "and twice the EOS message's wait for the last write (-1 = no "
          "limit, 0 = do not wait); the EOS "
          "message is sent once the buffers are out, so that no queue drops "
          "it", -1,
          G_MAXINT, DEFAULT_DRAIN_TIMEOUT, rw | GST_PARAM_MUTABLE_PLAYING));
  g_object_class_install_property (gobject_class, PROP_SNDHWM,
      g_param_spec_int ("sndhwm", "Send high-water mark",
          "Messages queued per subscriber; beyond it a subscriber misses "
          "messages, or with lossless=true the push waits (0 = no limit)",
          0, G_MAXINT, DEFAULT_SNDHWM, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LOSSLESS,
      g_param_spec_boolean ("lossless", "Lossless",
          "Wait while a subscriber's queue is full instead of letting it miss "
          "messages (back-pressure: a slow receiver slows the pipeline down); "
          "after lossless-timeout the buffer is dropped, counted and reported",
          DEFAULT_LOSSLESS, rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_LOSSLESS_TIMEOUT,
      g_param_spec_int ("lossless-timeout", "Lossless timeout",
          "With lossless=true, the longest wait of one buffer for room, in "
          "ms (-1 = forever; a flush or state change ends the wait at once)",
          -1, G_MAXINT, DEFAULT_LOSSLESS_TIMEOUT,
          rw | GST_PARAM_MUTABLE_READY));
  g_object_class_install_property (gobject_class, PROP_SENT,
      g_param_spec_uint64 ("sent", "Sent",
          "Buffers handed to libzmq since the element started", 0,
          G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (gobject_class, PROP_DROPPED,
      g_param_spec_uint64 ("dropped", "Dropped",
          "Buffers dropped after lossless-timeout (also posted as "
          "\"zilsink-dropped\" element messages and warnings); without "
          "lossless libzmq drops silently, zilsrc counts the gaps of "
          "send-meta's sequence numbers", 0, G_MAXUINT64, 0,
          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class, "zil sink",
      "Sink/Network",
      "Publishes buffers as zil (ZeroMQ) messages, wire-compatible with "
      "Python's zmq_integration_lib", "zil developers");

  basesink_class->start = GST_DEBUG_FUNCPTR (gst_zil_sink_start);
  basesink_class->stop = GST_DEBUG_FUNCPTR (gst_zil_sink_stop);
  basesink_class->render = GST_DEBUG_FUNCPTR (gst_zil_sink_render);
  basesink_class->set_caps = GST_DEBUG_FUNCPTR (gst_zil_sink_set_caps);
  basesink_class->event = GST_DEBUG_FUNCPTR (gst_zil_sink_event);
  basesink_class->unlock = GST_DEBUG_FUNCPTR (gst_zil_sink_unlock);
  basesink_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_zil_sink_unlock_stop);
}
