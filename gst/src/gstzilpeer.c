/* zilsrc's view of its publisher: see gstzilpeer.h. */
#include "gstzilpeer.h"

#include <string.h>

void
gst_zil_peer_watch_start (GstZilPeerWatch * watch, zil_monitor_t * monitor)
{
  memset (watch, 0, sizeof *watch);
  watch->monitor = monitor;
}

gboolean
gst_zil_peer_watch_poll (GstZilPeerWatch * watch)
{
  zil_peer_event_t ev;
  gboolean was_lost = watch->lost_at != 0;

  if (!watch->monitor)
    return FALSE;
  watch->polled_at = g_get_monotonic_time ();
  while (zil_monitor_next (watch->monitor, &ev, 0) == ZIL_OK) {
    switch (ev.kind) {
      case ZIL_PEER_CONNECTED:
      case ZIL_PEER_ACCEPTED:
        watch->connections++;
        watch->lost_at = 0;
        break;
      case ZIL_PEER_DISCONNECTED:
        if (watch->connections > 0)
          watch->connections--;
        if (watch->connections == 0) {
          watch->lost_at = watch->polled_at;
          g_strlcpy (watch->endpoint, ev.endpoint, sizeof watch->endpoint);
        }
        break;
      default:
        break;
    }
  }
  return was_lost != (watch->lost_at != 0);
}

gint64
gst_zil_peer_watch_gone_ms (const GstZilPeerWatch * watch)
{
  if (watch->lost_at == 0)
    return -1;
  return (g_get_monotonic_time () - watch->lost_at) / G_TIME_SPAN_MILLISECOND;
}

void
gst_zil_peer_watch_stop (GstZilPeerWatch * watch)
{
  zil_monitor_free (watch->monitor);
  memset (watch, 0, sizeof *watch);
}
