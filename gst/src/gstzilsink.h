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

  /* Created in start, freed in stop; exactly one of them is set while
   * started. Both are thread-safe for pushes. */
  zil_outport_t *port;
  zil_outpad_t *pad;

  /* Streaming thread only. */
  gboolean waited;              /* wait-subscribers done (or timed out) */
  gchar *caps_str;              /* caps to announce (send-meta) */
  gboolean caps_pending;

  /* Zero-copy buffers not yet released by libzmq (shared with the free
   * callbacks, which may outlive the element's interest in them). */
  GstZilDrain *drain;

  gint unlocked;                /* atomic: between unlock and unlock_stop */
};

G_END_DECLS

#endif
