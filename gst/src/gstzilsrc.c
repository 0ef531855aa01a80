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

#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_zil_src_debug);
#define GST_CAT_DEFAULT gst_zil_src_debug

#define DEFAULT_TIMEOUT -1
/* Longest single wait in create: between two waits it checks whether zil
 * dropped the publisher (which libzmq never reconnects to). */
#define WAIT_SLICE_MS 250

enum
{
  PROP_0,
  PROP_ADDRESS,
  PROP_TOPIC,
  PROP_CAPS,
  PROP_RPC_ADDRESS,
  PROP_TIMEOUT,
  PROP_MAX_MSG_SIZE,
  PROP_SESSION_ID,
  N_PROPERTIES
};

static GParamSpec *properties[N_PROPERTIES];

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src",
    GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

G_DEFINE_TYPE (GstZilSrc, gst_zil_src, GST_TYPE_PUSH_SRC);

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
    zil_inpad_stats_t st = {.size = sizeof st};
    return zil_inpad_stats (self->pad, &st) == ZIL_OK ? st.counters.peers_dropped : 0;
  } else {
    zil_stats_t st = {.size = sizeof st};
    return zil_inport_stats (self->port, &st) == ZIL_OK ? st.counters.peers_dropped : 0;
  }
}

/* Receives within timeout_ms (-1 forever) in slices, so that a publisher
 * zil dropped ends the wait (ZIL_TIMEOUT with *dropped set) instead of a
 * silent stall: libzmq never reconnects to it. */
static zil_result
receive (GstZilSrc * self, zil_msg_t ** msg, gint timeout_ms,
    gboolean * dropped)
{
  gint64 deadline = timeout_ms < 0 ? -1 :
      g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  for (;;) {
    gint slice = WAIT_SLICE_MS;
    zil_result r;
    if (deadline >= 0) {
      gint64 left_ms = (deadline - g_get_monotonic_time () + 999) / 1000;
      slice = (gint) CLAMP (left_ms, 0, WAIT_SLICE_MS);
    }
    r = receive_once (self, msg, slice);
    if (r != ZIL_TIMEOUT)
      return r;
    *dropped = peers_dropped (self) > 0;
    if (*dropped)
      return ZIL_TIMEOUT;
    if (deadline >= 0 && g_get_monotonic_time () >= deadline)
      return ZIL_TIMEOUT;
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
  gint timeout_ms;

  GST_OBJECT_LOCK (self);
  timeout_ms = self->timeout;
  GST_OBJECT_UNLOCK (self);

  for (;;) {
    zil_msg_t *msg = NULL;
    const gchar *event;
    GstBuffer *buffer;
    GstClockTime pts, duration;
    gboolean delta, dropped = FALSE;
    zil_result r = receive (self, &msg, timeout_ms, &dropped);

    if (dropped) {
      gint64 max_msg_size;
      GST_OBJECT_LOCK (self);
      max_msg_size = self->max_msg_size;
      GST_OBJECT_UNLOCK (self);
      GST_ELEMENT_ERROR (self, RESOURCE, READ,
          ("The publisher was dropped: it sent a frame over twice max-msg-size "
              "(%" G_GINT64_FORMAT " bytes) or broke the protocol.",
              max_msg_size), ("libzmq does not reconnect to it; "
              "restart the pipeline once the sender is fixed"));
      return GST_FLOW_ERROR;
    }

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
        GST_INFO_OBJECT (self, "no message within %d ms: end of stream",
            timeout_ms);
        return GST_FLOW_EOS;
      default:
        GST_ELEMENT_ERROR (self, RESOURCE, READ,
            ("Could not receive a message."), ("%s: %s", zil_result_str (r),
                zil_last_error ()));
        return GST_FLOW_ERROR;
    }

    update_session_id (self, zil_msg_session_id (msg));
    event = zil_msg_event (msg);

    if (g_strcmp0 (event, GST_ZIL_EOS_EVENT) == 0) {
      GST_DEBUG_OBJECT (self, "EOS event received");
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

    if (!gst_zil_meta_parse (event, &pts, &duration, &delta, NULL)) {
      pts = duration = GST_CLOCK_TIME_NONE;
      delta = FALSE;
    }
    GST_LOG_OBJECT (self, "received %" G_GSIZE_FORMAT " bytes, event %s",
        zil_msg_size (msg), GST_STR_NULL (event));
    buffer = wrap_message (msg);
    GST_BUFFER_PTS (buffer) = pts;
    GST_BUFFER_DURATION (buffer) = duration;
    if (delta)
      GST_BUFFER_FLAG_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);
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

static gboolean
gst_zil_src_start (GstBaseSrc * bsrc)
{
  GstZilSrc *self = GST_ZIL_SRC (bsrc);
  gchar *address, *topic, *rpc_address;
  gint64 max_msg_size;
  zil_options_t *opts = NULL;
  zil_inport_t *port = NULL;
  zil_inpad_t *pad = NULL;

  GST_OBJECT_LOCK (self);
  max_msg_size = self->max_msg_size;
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
  if (!opts || zil_options_set_max_msg_size (opts, max_msg_size) != ZIL_OK) {
    GST_ELEMENT_ERROR (self, RESOURCE, SETTINGS,
        ("Invalid max-msg-size."), ("%s", zil_last_error ()));
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
    case PROP_SESSION_ID:
      g_value_set_string (value, self->session_id);
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
  properties[PROP_SESSION_ID] = g_param_spec_string ("session-id",
      "Session id", "Session of the last message (session-aware only)",
      NULL, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (gobject_class, N_PROPERTIES, properties);

  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "zil source",
      "Source/Network",
      "Receives zil (ZeroMQ) messages as buffers, wire-compatible with "
      "Python's zmq_integration_lib", "zil developers");

  basesrc_class->start = GST_DEBUG_FUNCPTR (gst_zil_src_start);
  basesrc_class->stop = GST_DEBUG_FUNCPTR (gst_zil_src_stop);
  basesrc_class->get_caps = GST_DEBUG_FUNCPTR (gst_zil_src_get_caps);
  basesrc_class->unlock = GST_DEBUG_FUNCPTR (gst_zil_src_unlock);
  basesrc_class->unlock_stop = GST_DEBUG_FUNCPTR (gst_zil_src_unlock_stop);
  pushsrc_class->create = GST_DEBUG_FUNCPTR (gst_zil_src_create);
}
