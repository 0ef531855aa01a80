/*
 * Whether zilsrc's publisher is still there: zil's monitor reports the
 * connections of the input port (ZeroMQ reconnects by itself), and the
 * watch remembers since when no connection has been up. A sender that
 * crashed or was killed drops its connections at once (the kernel closes
 * its sockets); one that restarts is connected to again.
 */
#ifndef GST_ZIL_PEER_H
#define GST_ZIL_PEER_H

#include <gst/gst.h>
#include <zil.h>

G_BEGIN_DECLS

typedef struct
{
  zil_monitor_t *monitor;       /* NULL: nothing watched */
  guint connections;            /* up right now */
  gint64 lost_at;               /* monotonic µs the last one went; 0: none lost */
  gint64 polled_at;             /* monotonic µs of the last poll */
  gchar endpoint[256];          /* of the last connection that went */
} GstZilPeerWatch;

/* Starts watching (takes the monitor, which may be NULL). */
void gst_zil_peer_watch_start (GstZilPeerWatch * watch, zil_monitor_t * monitor);

/* Reads the events that came since the last poll (never blocks). TRUE when
 * the publisher was lost or came back since the last poll. */
gboolean gst_zil_peer_watch_poll (GstZilPeerWatch * watch);

/* Milliseconds since the publisher went without coming back, or -1 while
 * it is connected (or was never lost). */
gint64 gst_zil_peer_watch_gone_ms (const GstZilPeerWatch * watch);

/* Frees the monitor. */
void gst_zil_peer_watch_stop (GstZilPeerWatch * watch);

G_END_DECLS

#endif
