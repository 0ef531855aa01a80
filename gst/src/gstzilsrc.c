/**
 * SECTION:element-zilsrc
 * @title: zilsrc
 *
 * Receives zil messages (ZeroMQ SUB socket that connects to
 * #GstZilSrc:address, topic #GstZilSrc:topic, exact match) and pushes the
 * data frame of each as one buffer, without a copy (the buffer wraps the
 * received message). A live source in TIME format; `do-timestamp` is off.
 *
 * - A message with the event `EOS` ends the stream (the Python original's
 *   convention, and what zilsink sends at its end of stream).
 * - Caps: #GstZilSrc:caps when set; otherwise the caps a zilsink with
 *   `send-meta=true` announces (`caps:<caps string>` events); otherwise
 *   none (ANY: fine for filesink, fakesink and parsers, not for elements
 *   that need caps).
 * - Timestamps: buffers whose event is `pts=<ns>;dur=<ns>…` (zilsink's
 *   send-meta) get that PTS and duration back; other buffers carry none.
 *   Restored timestamps are the sender's: downstream sinks that sync
 *   against the receiving pipeline's clock may need `sync=false`.
 * - With #GstZilSrc:rpc-address the source is session-aware (a zil inpad):
 *   data frames are `{"data": "<base64>", "session_id": "<id>"}`
 *   envelopes, each session is verified with the RPC server's `verify`
 *   method and messages of unverified sessions are dropped.
 *   #GstZilSrc:session-id shows the session of the last message, and a
 *   session-aware zilsink in the same process sends on with it.
 * - #GstZilSrc:timeout bounds each wait for a message (ms, -1 = forever):
 *   when nothing (verified) arrives in time the stream ends with EOS, so a
 *   pipeline whose sender never comes (or whose session is refused) ends
 *   by itself.
 * - A sender that goes away without an EOS (crashed, killed) is never an
 *   end: after #GstZilSrc:peer-timeout ms without it (zil's monitor sees
 *   its connection go) the element posts an error naming it; one that
 *   comes back sooner is received again.
 * - Gaps in a send-meta sender's numbering are losses: counted
 *   (#GstZilSrc:lost) and reported ("zilsrc-lost" element messages,
 *   warnings).
 *
 * ## Example launch lines
 * |[
 * gst-launch-1.0 zilsrc address=tcp://127.0.0.1:5555 topic=audio \
 *     caps="audio/x-raw,format=S16LE,rate=16000,channels=1,layout=interleaved" ! \
 *     audioconvert ! autoaudiosink
 * gst-launch-1.0 zilsrc address=ipc:///tmp/video topic=video ! videoconvert ! autovideosink sync=false
 * ]|
 */
#include "gstzilsrc.h"

#include "gstzil.h"
#include "gstzilmeta.h"
#include "gstziluri.h"

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_zil_src_debug);
#define GST_CAT_DEFAULT gst_zil_src_debug

#define DEFAULT_TIMEOUT -1
#define DEFAULT_RCVHWM 1000
#define DEFAULT_PEER_TIMEOUT 5000
/* Longest single wait in create: between two waits it checks whether zil
 * dropped the publisher (which libzmq never reconnects to) and whether the
 * publisher went away. */
#define WAIT_SLICE_MS 250
/* Loss warnings: at most one per second (element messages: every gap). */
#define LOSS_WARNING_INTERVAL (G_TIME_SPAN_SECOND)

enum
{
  PROP_0,
  PROP_ADDRESS,
  PROP_TOPIC,
  PROP_CAPS,
  PROP_RPC_ADDRESS,
  PROP_TIMEOUT,
  PROP_MAX_MSG_SIZE,
  PROP_RCVHWM,
  PROP_PEER_TIMEOUT,
  PROP_SESSION_ID,
  PROP_RECEIVED,
  PROP_LOST,
  N_PROPERTIES
};

static GParamSpec *properties[N_PROPERTIES];

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE_WITH_CODE (GstZilSrc, gst_zil_src, GST_TYPE_PUSH_SRC,
    G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER,
        gst_zil_uri_src_handler_init));

/* GDestroyNotify of a wrapped buffer: the message owns the bytes. */
static void
msg_release (gpointer msg)
{
  zil_msg_free (msg);
}

static zil_result
receive_once (GstZilSrc * self, zil_msg_t ** msg, gint timeout_ms)
{
  if (self->pad)
    return zil_inpad_recv (self->pad, msg, timeout_ms);
  return zil_inport_recv (self->port, msg, timeout_ms);
}

/* Publishers zil dropped for breaking the protocol (a frame over
 * max-msg-size, a malformed frame, a failed handshake). */
static guint64
peers_dropped (GstZilSrc * self)
{
  if (self->pad) {
    zil_inpad_stats_t st;
    return zil_inpad_stats (self->pad, &st) == ZIL_OK ? st.peers_dropped : 0;
  } else {
    zil_stats_t st;
    return zil_inport_stats (self->port, &st) == ZIL_OK ? st.peers_dropped : 0;
  }
}

/* The longest single wait: short enough to notice within 5 % of
 * peer-timeout that the publisher went away. */
static gint
wait_slice_ms (gint peer_timeout_ms)
{
  if (peer_timeout_ms < 0)
    return WAIT_SLICE_MS;
  return CLAMP (peer_timeout_ms / 20, 10, WAIT_SLICE_MS);
}

/* Reads the publisher's connection events. */
static void
watch_peer (GstZilSrc * self)
{
  if (gst_zil_peer_watch_poll (&self->peer))
    GST_INFO_OBJECT (self, "the sender %s", gst_zil_peer_watch_gone_ms
        (&self->peer) < 0 ? "is connected again" : "went away");
}

/* Nothing to receive and the publisher gone: warns, once per absence (a
 * publisher that left with messages still queued here, EOS included, is
 * not worth a warning). */
static void
warn_peer_gone (GstZilSrc * self, gint peer_timeout_ms)
{
  if (gst_zil_peer_watch_gone_ms (&self->peer) < 0) {
    self->gone_warned = FALSE;
    return;
  }
  if (self->gone_warned)
    return;
  self->gone_warned = TRUE;
  if (peer_timeout_ms < 0)
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("The sender at %s went away without an end of stream; waiting for "
            "it to come back (peer-timeout -1: forever).",
            self->peer.endpoint), (NULL));
  else
    GST_ELEMENT_WARNING (self, RESOURCE, READ,
        ("The sender at %s went away without an end of stream; waiting up to "
            "%d ms (peer-timeout) for it to come back.", self->peer.endpoint,
            peer_timeout_ms), (NULL));
}

/* Why a receive gave up (ZIL_TIMEOUT). */
typedef enum
{
  WAIT_TIMEOUT,                 /* the timeout property passed */
  WAIT_PEER_DROPPED,            /* zil dropped the publisher */
  WAIT_PEER_GONE,               /* the publisher left for peer-timeout */
} GstZilWaitEnd;

/* Receives within timeout_ms (-1 forever) in slices, so that a publisher
 * zil dropped (libzmq never reconnects to it), or one that went away for
 * peer_timeout_ms, ends the wait (ZIL_TIMEOUT, *end says why) instead of a
 * silent stall. */
static zil_result
receive (GstZilSrc * self, zil_msg_t ** msg, gint timeout_ms,
    gint peer_timeout_ms, GstZilWaitEnd * end)
{
  gint max_slice = wait_slice_ms (peer_timeout_ms);
  gint64 deadline = timeout_ms < 0 ? -1 :
      g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  for (;;) {
    gint slice = max_slice;
    gint64 gone_ms = gst_zil_peer_watch_gone_ms (&self->peer);
    zil_result r;
    if (deadline >= 0) {
      gint64 left_ms = (deadline - g_get_monotonic_time () + 999) / 1000;
      slice = (gint) CLAMP (left_ms, 0, max_slice);
    }
    if (peer_timeout_ms >= 0 && gone_ms >= 0)
      slice = (gint) CLAMP (peer_timeout_ms - gone_ms, 0, slice);
    r = receive_once (self, msg, slice);
    if (r != ZIL_TIMEOUT) {
      /* While messages flow, the events are read once per slice. */
      if (g_get_monotonic_time () - self->peer.polled_at >
          (gint64) max_slice * 1000)
        watch_peer (self);
      return r;
    }
    if (peers_dropped (self) > 0) {
      *end = WAIT_PEER_DROPPED;
      return ZIL_TIMEOUT;
    }
    watch_peer (self);
    warn_peer_gone (self, peer_timeout_ms);
    gone_ms = gst_zil_peer_watch_gone_ms (&self->peer);
    if (peer_timeout_ms >= 0 && gone_ms >= peer_timeout_ms) {
      *end = WAIT_PEER_GONE;
      return ZIL_TIMEOUT;
    }
    if (deadline >= 0 && g_get_monotonic_time () >= deadline) {
      *end = WAIT_TIMEOUT;
      return ZIL_TIMEOUT;
    }
  }
}

/* A receive gave up: an error, or (timeout, publisher there or never
 * come) the end of the stream. A publisher that went away without its
 * EOS is never taken for an end. */
static GstFlowReturn
receive_gave_up (GstZilSrc * self, GstZilWaitEnd end, gint timeout_ms,
    gint peer_timeout_ms)
{
  gint64 max_msg_size;

  switch (end) {
    case WAIT_PEER_DROPPED:
      GST_OBJECT_LOCK (self);
      max_msg_size = self->max_msg_size;
      GST_OBJECT_UNLOCK (self);
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("The publisher was dropped: it sent a frame over twice max-msg-size "
              "(%" G_GINT64_FORMAT " bytes) or broke the protocol.",
              max_msg_size), ("libzmq does not reconnect to it; "
              "restart the pipeline once the sender is fixed"));
      return GST_FLOW_ERROR;
    case WAIT_PEER_GONE:
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("The sender at %s went away without an end of stream and did not "
              "come back within peer-timeout (%d ms).", self->peer.endpoint,
              peer_timeout_ms), ("it crashed, was killed or lost the network; "
              "a sender that ends sends EOS first"));
      return GST_FLOW_ERROR;
    case WAIT_TIMEOUT:
      if (gst_zil_peer_watch_gone_ms (&self->peer) >= 0) {
        GST_ELEMENT_ERROR (self, RESOURCE, READ,
            ("The sender at %s went away without an end of stream; nothing "
                "came within timeout (%d ms).", self->peer.endpoint,
                timeout_ms), ("it crashed, was killed or lost the network; "
                "a sender that ends sends EOS first"));
        return GST_FLOW_ERROR;
      }
      GST_INFO_OBJECT (self, "no message within %d ms: end of stream",
          timeout_ms);
      return GST_FLOW_EOS;
  }
  return GST_FLOW_ERROR;
}

/* A sender's sequence numbers (send-meta): a gap is a loss (see
 * report_loss). A lower number starts a new count: the sender restarted. */
static void report_loss (GstZilSrc * self, guint64 lost, guint64 seq);

static void
count_sequence (GstZilSrc * self, const GstZilMeta * meta)
{
  guint64 lost = 0;

  if (!meta->has_seq)
    return;
  if (self->seq_known && meta->seq > self->next_seq)
    lost = meta->seq - self->next_seq;
  else if (self->seq_known && meta->seq < self->next_seq)
    GST_INFO_OBJECT (self, "the sender's numbering restarted at %"
        G_GUINT64_FORMAT, meta->seq);
  self->seq_known = TRUE;
  self->next_seq = meta->seq + 1;
  if (lost > 0)
    report_loss (self, lost, meta->seq);
}

/* The EOS of a stream of `count` buffers: the ones missing at its end (or
 * all of them, when none came) are lost too. */
static void
count_end (GstZilSrc * self, guint64 count)
{
  guint64 next = self->seq_known ? self->next_seq : 0;

  if (count > next)
    report_loss (self, count - next, count);
}

/* `lost` buffers missing before number `seq`: counted, posted as an
 * element message "zilsrc-lost" (each gap) and as a warning (at most one a
 * second). */
static void
report_loss (GstZilSrc * self, guint64 lost, guint64 seq)
{
  guint64 total;
  gint64 now;

  GST_OBJECT_LOCK (self);
  self->lost += lost;
  total = self->lost;
  GST_OBJECT_UNLOCK (self);
  GST_DEBUG_OBJECT (self, "lost %" G_GUINT64_FORMAT " buffers before %"
      G_GUINT64_FORMAT, lost, seq);
  gst_element_post_message (GST_ELEMENT (self),
      gst_message_new_element (GST_OBJECT (self),
          gst_structure_new ("zilsrc-lost", "lost", G_TYPE_UINT64, lost,
              "total-lost", G_TYPE_UINT64, total, "seq", G_TYPE_UINT64,
              seq, NULL)));
  now = g_get_monotonic_time ();
  if (self->loss_warned_at == 0
      || now - self->loss_warned_at >= LOSS_WARNING_INTERVAL) {
    self->loss_warned_at = now;
    GST_ELEMENT_WARNING (self, STREAM, FAILED,
        ("Lost %" G_GUINT64_FORMAT " buffers (%" G_GUINT64_FORMAT " so far): "
            "the sender's or this receiver's queue overflowed.", lost, total),
        ("raise the sender's sndhwm and this rcvhwm, or send with "
            "lossless=true"));
  }
}

/* A "caps:<caps>" announcement: adopted unless the caps property is set. */
static gboolean
adopt_caps (GstZilSrc * self, const gchar * caps_str)
{
  GstCaps *caps;
  gboolean fixed_by_property, changed;

  GST_OBJECT_LOCK (self);
  fixed_by_property = self->caps != NULL;
  GST_OBJECT_UNLOCK (self);
  if (fixed_by_property) {
    GST_DEBUG_OBJECT (self, "ignoring announced caps %s (caps property set)",
        caps_str);
    return TRUE;
  }

  caps = gst_caps_from_string (caps_str);
  if (!caps || !gst_caps_is_fixed (caps)) {
    GST_ELEMENT_WARNING (self, STREAM, FORMAT,
        ("Ignoring invalid caps announced by the sender."), ("caps: %s",
            caps_str));
    if (caps)
      gst_caps_unref (caps);
    return TRUE;
  }

  GST_OBJECT_LOCK (self);
  changed = !self->announced_caps ||
      !gst_caps_is_equal (self->announced_caps, caps);
  gst_caps_replace (&self->announced_caps, caps);
  GST_OBJECT_UNLOCK (self);

  if (changed) {
    GST_INFO_OBJECT (self, "adopting announced caps %" GST_PTR_FORMAT, caps);
    if (!gst_base_src_set_caps (GST_BASE_SRC (self), caps)) {
      gst_caps_unref (caps);
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION,
          ("Downstream refused the caps announced by the sender."),
          ("caps: %s", caps_str));
      return FALSE;
    }
  }
  gst_caps_unref (caps);
  return TRUE;
}

static void
update_session_id (GstZilSrc * self, const gchar * session_id)
{
  gboolean changed;

  if (!session_id)
    return;
  GST_OBJECT_LOCK (self);
  changed = g_strcmp0 (self->session_id, session_id) != 0;
  if (changed) {
    g_free (self->session_id);
    self->session_id = g_strdup (session_id);
  }
  GST_OBJECT_UNLOCK (self);
  if (changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION_ID]);
}

/* The buffer of a data message (takes the message). */
static GstBuffer *
wrap_message (zil_msg_t * msg)
{
  gsize size = zil_msg_size (msg);

  if (size == 0) {
    zil_msg_free (msg);
    return gst_buffer_new ();
  }
  /* zil_msg_data stays valid until zil_msg_free: the buffer's memory
   * points into the message, which the memory frees when released. */
  return gst_buffer_new_wrapped_full (GST_MEMORY_FLAG_READONLY,
      (gpointer) zil_msg_data (msg), size, 0, size, msg, msg_release);
}

static GstFlowReturn
gst_zil_src_create (GstPushSrc * psrc, GstBuffer ** outbuf)
{
  GstZilSrc *self = GST_ZIL_SRC (psrc);
  gint timeout_ms, peer_timeout_ms;

  GST_OBJECT_LOCK (self);
  timeout_ms = self->timeout;
  peer_timeout_ms = self->peer_timeout;
  GST_OBJECT_UNLOCK (self);

  for (;;) {
    zil_msg_t *msg = NULL;
    const gchar *event;
    GstBuffer *buffer;
    GstZilMeta meta;
    GstZilWaitEnd end = WAIT_TIMEOUT;
    zil_result r = receive (self, &msg, timeout_ms, peer_timeout_ms, &end);

    switch (r) {
      case ZIL_OK:
        break;
      case ZIL_INTERRUPTED:
        /* zil's wake-up is one-shot and sticky: a wake with no receive
         * blocked interrupts the NEXT receive. Only one made while
         * flushing means "stop"; a stale one is consumed by retrying. */
        if (g_atomic_int_get (&self->flushing)) {
          GST_DEBUG_OBJECT (self, "woken up: flushing");
          return GST_FLOW_FLUSHING;
        }
        GST_DEBUG_OBJECT (self, "stale wake-up consumed");
        continue;
      case ZIL_TIMEOUT:
        return receive_gave_up (self, end, timeout_ms, peer_timeout_ms);
      default:
        GST_ELEMENT_ERROR (self, RESOURCE, READ,
            ("Could not receive a message."), ("%s: %s", zil_result_str (r),
                zil_last_error ()));
        return GST_FLOW_ERROR;
    }

    update_session_id (self, zil_msg_session_id (msg));
    event = zil_msg_event (msg);

    if (g_strcmp0 (event, GST_ZIL_EOS_EVENT) == 0) {
      guint64 count;
      GST_DEBUG_OBJECT (self, "EOS event received");
      if (gst_zil_meta_parse_end (zil_msg_data (msg), zil_msg_size (msg),
              &count))
        count_end (self, count);
      zil_msg_free (msg);
      return GST_FLOW_EOS;
    }
    if (event && g_str_has_prefix (event, GST_ZIL_CAPS_EVENT_PREFIX)) {
      gboolean ok = adopt_caps (self,
          event + strlen (GST_ZIL_CAPS_EVENT_PREFIX));
      zil_msg_free (msg);
      if (!ok)
        return GST_FLOW_NOT_NEGOTIATED;
      continue;
    }

    if (gst_zil_meta_parse (event, &meta)) {
      count_sequence (self, &meta);
    } else {
      meta.pts = meta.duration = GST_CLOCK_TIME_NONE;
      meta.delta = FALSE;
    }
    GST_LOG_OBJECT (self, "received %" G_GSIZE_FORMAT " bytes, event %s",
        zil_msg_size (msg), GST_STR_NULL (event));
    buffer = wrap_message (msg);
    GST_BUFFER_PTS (buffer) = meta.pts;
    GST_BUFFER_DURATION (buffer) = meta.duration;
    if (meta.delta)
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
    GST_OBJECT_LOCK (self);
    self->received++;
    GST_OBJECT_UNLOCK (self);
    *outbuf = buffer;
    return GST_FLOW_OK;
  }
}

static GstCaps *
gst_zil_src_get_caps (GstBaseSrc * bsrc, GstCaps * filter)
{
  GstZilSrc *self = GST_ZIL_SRC (bsrc);
  GstCaps *caps;

  GST_OBJECT_LOCK (self);
  if (self->caps)
    caps = gst_caps_ref (self->caps);
  else if (self->announced_caps)
    caps = gst_caps_ref (self->announced_caps);
  else
    caps = gst_caps_new_any ();
  GST_OBJECT_UNLOCK (self);

  if (filter) {
    GstCaps *tmp = gst_caps_intersect_full (filter, caps,
        GST_CAPS_INTERSECT_FIRST);
    gst_caps_unref (caps);
    caps = tmp;
  }
  return caps;
}

/* A live source: buffers wait in zil's receive queue (rcvhwm messages)
 * for as long as downstream needs, so there is no upper bound to the
 * latency it can absorb, and it adds none of its own. */
static gboolean
gst_zil_src_query (GstBaseSrc * bsrc, GstQuery * query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_LATENCY) {
    gst_query_set_latency (query, TRUE, 0, GST_CLOCK_TIME_NONE);
    return TRUE;
  }
  return GST_BASE_SRC_CLASS (gst_zil_src_parent_class)->query (bsrc, query);
}

static gboolean
gst_zil_src_start (GstBaseSrc * bsrc)
{
  GstZilSrc *self = GST_ZIL_SRC (bsrc);
  gchar *address, *topic, *rpc_address;
  gint64 max_msg_size;
  gint rcvhwm;
  zil_options_t *opts = NULL;
  zil_inport_t *port = NULL;
  zil_inpad_t *pad = NULL;

  GST_OBJECT_LOCK (self);
  max_msg_size = self->max_msg_size;
  rcvhwm = self->rcvhwm;
  self->received = self->lost = 0;
  address = g_strdup (self->address);
  topic = g_strdup (self->topic);
  rpc_address = g_strdup (self->rpc_address);
  gst_caps_replace (&self->announced_caps, NULL);
  g_clear_pointer (&self->session_id, g_free);
  GST_OBJECT_UNLOCK (self);

  if (!address || !topic) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("The address and topic must be set."), (NULL));
    goto done;
  }
  opts = zil_options_new ();
  if (!opts || zil_options_set_max_msg_size (opts, max_msg_size) != ZIL_OK
      || zil_options_set_rcvhwm (opts, rcvhwm) != ZIL_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid max-msg-size or rcvhwm."), ("%s", zil_last_error ()));
    goto done;
  }
  if (rpc_address && *rpc_address)
    pad = zil_inpad_new_with_options (address, topic, rpc_address, opts);
  else
    port = zil_inport_new_with_options (address, topic, opts);
  if (!port && !pad) {
    GST_ELEMENT_ERROR (self, RESOURCE, OPEN_READ,
        ("Could not connect to \"%s\".", address), ("%s", zil_last_error ()));
    goto done;
  }
  gst_zil_peer_watch_start (&self->peer,
      pad ? zil_inpad_monitor (pad) : zil_inport_monitor (port));
  if (!self->peer.monitor)
    GST_WARNING_OBJECT (self, "cannot watch the sender's connection: %s",
        zil_last_error ());
  self->gone_warned = FALSE;
  self->seq_known = FALSE;
  self->loss_warned_at = 0;
  GST_INFO_OBJECT (self, "receiving topic '%s' from %s%s%s", topic, address,
      pad ? ", sessions verified at " : "", pad ? rpc_address : "");
  GST_OBJECT_LOCK (self);
  self->port = port;
  self->pad = pad;
  GST_OBJECT_UNLOCK (self);
  g_atomic_int_set (&self->flushing, 0);

done:
  zil_options_free (opts);
  g_free (address);
  g_free (topic);
  g_free (rpc_address);
  return port || pad;
}

static gboolean
gst_zil_src_stop (GstBaseSrc * bsrc)
{
  GstZilSrc *self = GST_ZIL_SRC (bsrc);

  zil_inport_t *port;
  zil_inpad_t *pad;

  /* The streaming thread has stopped: no receive is running. The object
   * lock keeps a late unlock (a flush from another thread) off the port. */
  GST_OBJECT_LOCK (self);
  port = self->port;
  pad = self->pad;
  self->port = NULL;
  self->pad = NULL;
  GST_OBJECT_UNLOCK (self);
  gst_zil_peer_watch_stop (&self->peer);
  zil_inport_free (port);
  zil_inpad_free (pad);
  return TRUE;
}

static gboolean
gst_zil_src_unlock (GstBaseSrc * bsrc)
{
  GstZilSrc *self = GST_ZIL_SRC (bsrc);

  GST_DEBUG_OBJECT (self, "unlock");
  g_atomic_int_set (&self->flushing, 1);
  /* zil's wake never blocks: fine under the object lock. */
  GST_OBJECT_LOCK (self);
  if (self->pad)
    zil_inpad_wake (self->pad);
  else if (self->port)
    zil_inport_wake (self->port);
  GST_OBJECT_UNLOCK (self);
  return TRUE;
}

static gboolean
gst_zil_src_unlock_stop (GstBaseSrc * bsrc)
{
  GstZilSrc *self = GST_ZIL_SRC (bsrc);

  /* A wake-up nobody consumed stays pending in zil; create() retries on
   * it once flushing is over instead of receiving here (which could take
   * a real message). */
  GST_DEBUG_OBJECT (self, "unlock_stop");
  g_atomic_int_set (&self->flushing, 0);
  return TRUE;
}

static void
gst_zil_src_set_property (GObject * object, guint prop_id,
    const GValue * value, GParamSpec * pspec)
{
  GstZilSrc *self = GST_ZIL_SRC (object);

  switch (prop_id) {
    case PROP_ADDRESS:
      GST_OBJECT_LOCK (self);
      g_free (self->address);
      self->address = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TOPIC:
      GST_OBJECT_LOCK (self);
      g_free (self->topic);
      self->topic = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_CAPS:{
      const GstCaps *caps = gst_value_get_caps (value);
      GstCaps *copy = caps ? gst_caps_copy (caps) : NULL;
      GST_OBJECT_LOCK (self);
      gst_caps_replace (&self->caps, copy);
      GST_OBJECT_UNLOCK (self);
      if (copy)
        gst_caps_unref (copy);
      gst_pad_mark_reconfigure (GST_BASE_SRC_PAD (self));
      break;
    }
    case PROP_RPC_ADDRESS:
      GST_OBJECT_LOCK (self);
      g_free (self->rpc_address);
      self->rpc_address = g_value_dup_string (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_TIMEOUT:
      GST_OBJECT_LOCK (self);
      self->timeout = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_MAX_MSG_SIZE:
      GST_OBJECT_LOCK (self);
      self->max_msg_size = g_value_get_int64 (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_RCVHWM:
      GST_OBJECT_LOCK (self);
      self->rcvhwm = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    case PROP_PEER_TIMEOUT:
      GST_OBJECT_LOCK (self);
      self->peer_timeout = g_value_get_int (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
}

static void
gst_zil_src_get_property (GObject * object, guint prop_id, GValue * value,
    GParamSpec * pspec)
{
  GstZilSrc *self = GST_ZIL_SRC (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id) {
    case PROP_ADDRESS:
      g_value_set_string (value, self->address);
      break;
    case PROP_TOPIC:
      g_value_set_string (value, self->topic);
      break;
    case PROP_CAPS:
      gst_value_set_caps (value, self->caps);
      break;
    case PROP_RPC_ADDRESS:
      g_value_set_string (value, self->rpc_address);
      break;
    case PROP_TIMEOUT:
      g_value_set_int (value, self->timeout);
      break;
    case PROP_MAX_MSG_SIZE:
      g_value_set_int64 (value, self->max_msg_size);
      break;
    case PROP_RCVHWM:
      g_value_set_int (value, self->rcvhwm);
      break;
    case PROP_PEER_TIMEOUT:
      g_value_set_int (value, self->peer_timeout);
      break;
    case PROP_SESSION_ID:
      g_value_set_string (value, self->session_id);
      break;
    case PROP_RECEIVED:
      g_value_set_uint64 (value, self->received);
      break;
    case PROP_LOST:
      g_value_set_uint64 (value, self->lost);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      break;
  }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_zil_src_finalize (GObject * object)
{
  GstZilSrc *self = GST_ZIL_SRC (object);

  g_free (self->address);
  g_free (self->topic);
  g_free (self->rpc_address);
  g_free (self->session_id);
  gst_caps_replace (&self->caps, NULL);
  gst_caps_replace (&self->announced_caps, NULL);
  G_OBJECT_CLASS (gst_zil_src_parent_class)->finalize (object);
}

static void
gst_zil_src_init (GstZilSrc * self)
{
  self->address = g_strdup (GST_ZIL_DEFAULT_ADDRESS);
  self->topic = g_strdup (GST_ZIL_DEFAULT_TOPIC);
  self->timeout = DEFAULT_TIMEOUT;
  self->max_msg_size = ZIL_DEFAULT_MAX_MSG_SIZE;
  self->rcvhwm = DEFAULT_RCVHWM;
  self->peer_timeout = DEFAULT_PEER_TIMEOUT;

  gst_base_src_set_live (GST_BASE_SRC (self), TRUE);
  gst_base_src_set_format (GST_BASE_SRC (self), GST_FORMAT_TIME);
  gst_base_src_set_do_timestamp (GST_BASE_SRC (self), FALSE);
}

static void
gst_zil_src_class_init (GstZilSrcClass * klass)
{
  GObjectClass *gobject_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSrcClass *basesrc_class = GST_BASE_SRC_CLASS (klass);
  GstPushSrcClass *pushsrc_class = GST_PUSH_SRC_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS;

  GST_DEBUG_CATEGORY_INIT (gst_zil_src_debug, "zilsrc", 0,
      "zil ZeroMQ source");

  gobject_class->set_property = gst_zil_src_set_property;
  gobject_class->get_property = gst_zil_src_get_property;
  gobject_class->finalize = gst_zil_src_finalize;

  properties[PROP_ADDRESS] = g_param_spec_string ("address", "Address",
      "ZeroMQ address to connect to (tcp://HOST:PORT, ipc:///PATH, "
      "inproc://NAME)", GST_ZIL_DEFAULT_ADDRESS, rw | GST_PARAM_MUTABLE_READY);
  properties[PROP_TOPIC] = g_param_spec_string ("topic", "Topic",
      "Topic to receive (exact match)", GST_ZIL_DEFAULT_TOPIC,
      rw | GST_PARAM_MUTABLE_READY);
  properties[PROP_CAPS] = g_param_spec_boxed ("caps", "Caps",
      "Caps of the data (unset: the sender's send-meta caps, else ANY)",
      GST_TYPE_CAPS, rw | GST_PARAM_MUTABLE_READY);
  properties[PROP_RPC_ADDRESS] = g_param_spec_string ("rpc-address",
      "RPC address", "Session-aware: address of the RPC server that "
      "verifies sessions (unset: plain streaming)", NULL,
      rw | GST_PARAM_MUTABLE_READY);
  properties[PROP_TIMEOUT] = g_param_spec_int ("timeout", "Timeout",
      "Longest wait for each message in ms (-1 = forever); when it passes "
      "the stream ends (EOS)", -1, G_MAXINT, DEFAULT_TIMEOUT,
      rw | GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_MAX_MSG_SIZE] = g_param_spec_int64 ("max-msg-size",
      "Maximum message size", "Largest frame accepted from the publisher, "
      "in bytes (-1 = no limit). A larger one is dropped (up to twice the "
      "limit); over twice it libzmq refuses it before allocating it and "
      "drops the publisher, and the element posts an error", -1, G_MAXINT64, ZIL_DEFAULT_MAX_MSG_SIZE,
      rw | GST_PARAM_MUTABLE_READY);
  properties[PROP_RCVHWM] = g_param_spec_int ("rcvhwm",
      "Receive high-water mark", "Messages queued in this receiver before "
      "the sender's queue fills up (0 = no limit)", 0, G_MAXINT,
      DEFAULT_RCVHWM, rw | GST_PARAM_MUTABLE_READY);
  properties[PROP_PEER_TIMEOUT] = g_param_spec_int ("peer-timeout",
      "Peer timeout", "How long the sender may stay away (disconnected "
      "without an end of stream) before the element posts an error, in ms; "
      "a sender that comes back sooner is received again (-1 = wait "
      "forever)", -1, G_MAXINT, DEFAULT_PEER_TIMEOUT,
      rw | GST_PARAM_MUTABLE_PLAYING);
  properties[PROP_SESSION_ID] = g_param_spec_string ("session-id",
      "Session id", "Session of the last message (session-aware only)",
      NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_RECEIVED] = g_param_spec_uint64 ("received",
      "Received", "Buffers received since the element started", 0,
      G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_LOST] = g_param_spec_uint64 ("lost", "Lost",
      "Buffers lost on the way, from the gaps in a send-meta sender's "
      "sequence numbers (also posted as \"zilsrc-lost\" element messages)",
      0, G_MAXUINT64, 0, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (gobject_class, N_PROPERTIES, properties);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "zil source",
      "Source/Network",
      "Receives zil (ZeroMQ) messages as buffers, wire-compatible with "
      "Python's zmq_integration_lib", "zil developers");

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_zil_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_zil_src_stop);
  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_zil_src_get_caps);
  basesrc_class->query = GST_DEBUG_FUNCPTR (gst_zil_src_query);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_zil_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_zil_src_unlock_stop);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_zil_src_create);
}
