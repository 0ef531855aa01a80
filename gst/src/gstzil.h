/* Shared by the zil GStreamer plugin's elements. */
#ifndef GST_ZIL_H
#define GST_ZIL_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* zil's own log lines (the library's, routed in plugin_init). */
GST_DEBUG_CATEGORY_EXTERN (gst_zil_lib_debug);

#define GST_ZIL_DEFAULT_ADDRESS "tcp://127.0.0.1:5555"
#define GST_ZIL_DEFAULT_TOPIC "zil"

G_END_DECLS

#endif
