#ifndef GST_ZIL_SRC_H
#define GST_ZIL_SRC_H

#include <gst/base/gstpushsrc.h>
#include <gst/gst.h>
#include <zil.h>

#include "gstzilpeer.h"

G_BEGIN_DECLS

#define GST_TYPE_ZIL_SRC (gst_zil_src_get_type ())
G_DECLARE_FINAL_TYPE (GstZilSrc, gst_zil_src, GST, ZIL_SRC, GstPushSrc)

struct _GstZilSrc
{
  GstPushSrc parent;

  /* Properties: guarded by the object lock. */
  gchar *address;
  gchar *topic;
  gchar *rpc_address;
  GstCaps *caps;                /* the "caps" property, or NULL */
  gint timeout;
  gint64 max_msg_size;          /* -1: no limit */
  gint rcvhwm;
  gint peer_timeout;            /* ms; -1: wait for the publisher forever */
  gchar *session_id;            /* read-only: session of the last message */

  /* Read-only counters (object lock). */
  guint64 received;             /* buffers pushed */
  guint64 lost;                 /* buffers missing from the sender's numbering */

  /* Caps announced by a send-meta sender (object lock). */
  GstCaps *announced_caps;

  /* Created in start, freed in stop; exactly one is set while started. */
  zil_inport_t *port;
  zil_inpad_t *pad;

  /* Streaming thread only (set up in start). */
  GstZilPeerWatch peer;
  gboolean gone_warned;         /* warned that the publisher went away */
  gboolean seq_known;           /* a numbered buffer came: next_seq is valid */
  guint64 next_seq;
  gint64 loss_warned_at;        /* monotonic µs of the last loss warning */

  gint flushing;                /* atomic: set in unlock, cleared in unlock_stop */
};

G_END_DECLS

#endif
