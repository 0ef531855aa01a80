#ifndef GST_ZIL_SINK_H
#define GST_ZIL_SINK_H

#include <gst/base/gstbasesink.h>
#include <gst/gst.h>
#include <zil.h>

G_BEGIN_DECLS

#define GST_TYPE_ZIL_SINK (gst_zil_sink_get_type ())
G_DECLARE_FINAL_TYPE (GstZilSink, gst_zil_sink, GST, ZIL_SINK, GstBaseSink)

typedef struct _GstZilDrain GstZilDrain;

struct _GstZilSink
{
  GstBaseSink parent;

  /* Properties: guarded by the object lock. */
  gchar *address;
  gchar *topic;
  gchar *event;
  gchar *session_id;
  gboolean session_aware;
  gboolean send_meta;
  guint wait_subscribers;
  gint wait_timeout;
  gint drain_timeout;
  gint sndhwm;
  gboolean lossless;
  gint lossless_timeout;

  /* Read-only counters (object lock). */
  guint64 sent;                 /* buffers handed to libzmq */
  guint64 dropped;              /* lossless buffers dropped at the timeout */

  /* Created in start, freed in stop; exactly one of them is set while
   * started. Both are thread-safe for pushes. */
  zil_outport_t *port;
  zil_outpad_t *pad;

  /* Streaming thread only. */
  gboolean waited;              /* wait-subscribers done (or timed out) */
  gchar *caps_str;              /* caps to announce (send-meta) */
  gboolean caps_pending;
  guint64 seq;                  /* number of the next buffer (send-meta) */
  guint64 drops_posted;         /* dropped when the last message was posted */
  gint64 drops_posted_at;       /* monotonic µs of that message */
  gint64 drops_warned_at;       /* monotonic µs of the last drop warning */

  /* Zero-copy buffers not yet released by libzmq (shared with the free
   * callbacks, which may outlive the element's interest in them). */
  GstZilDrain *drain;

  gint unlocked;                /* atomic: between unlock and unlock_stop */
};

G_END_DECLS

#endif
