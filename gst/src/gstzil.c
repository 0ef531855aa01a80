/*
 * The "zil" GStreamer plugin: zilsink and zilsrc move buffers over zil
 * (ZeroMQ PUB/SUB, wire-compatible with Python's zmq_integration_lib).
 *
 * plugin_init also routes zil's log lines into the GStreamer debug
 * category "zil" (GST_DEBUG=zil:5 shows them), instead of zil's default
 * stderr output.
 */
#include <zil.h>

#include "gstzil.h"
#include "gstzilsink.h"
#include "gstzilsrc.h"

#ifndef PACKAGE
#define PACKAGE "zil"
#endif
#ifndef GST_ZIL_VERSION
#define GST_ZIL_VERSION ZIL_VERSION
#endif
/* Where the plugin comes from (gst-inspect-1.0's "Origin URL"): set by the
 * build (CMake's ZIL_GST_ORIGIN). */
#ifndef GST_PACKAGE_ORIGIN
#define GST_PACKAGE_ORIGIN "Unknown package origin"
#endif

GST_DEBUG_CATEGORY (gst_zil_lib_debug);

static GstDebugLevel
gst_level_of (int32_t zil_level)
{
  switch (zil_level) {
    case ZIL_LOG_ERROR:
      return GST_LEVEL_ERROR;
    case ZIL_LOG_WARN:
      return GST_LEVEL_WARNING;
    case ZIL_LOG_INFO:
      return GST_LEVEL_INFO;
    case ZIL_LOG_DEBUG:
      return GST_LEVEL_DEBUG;
    default:
      return GST_LEVEL_TRACE;
  }
}

/* zil's log hook: any thread, possibly several at once (GStreamer's debug
 * log is thread-safe); must not call zil. */
static void
zil_log_to_gst (void *user_data, int32_t level, const char *message)
{
  GstDebugLevel gst_level = gst_level_of (level);
  (void) user_data;
  /* Named after the library, not this file: the line comes from libzil. */
  if (gst_level <= gst_debug_category_get_threshold (gst_zil_lib_debug))
    gst_debug_log (gst_zil_lib_debug, gst_level, "libzil", "", 0, NULL, "%s",
        message);
}

/* The most verbose zil level worth formatting, from the category's
 * threshold when the plugin loads (warnings are always passed on: they
 * are rare, and GST_DEBUG may be raised later). */
static int32_t
zil_level_for_threshold (GstDebugLevel threshold)
{
  if (threshold >= GST_LEVEL_TRACE)
    return ZIL_LOG_TRACE;
  if (threshold >= GST_LEVEL_DEBUG)
    return ZIL_LOG_DEBUG;
  if (threshold >= GST_LEVEL_INFO)
    return ZIL_LOG_INFO;
  return ZIL_LOG_WARN;
}

static gboolean
plugin_init (GstPlugin * plugin)
{
  GST_DEBUG_CATEGORY_INIT (gst_zil_lib_debug, "zil", 0,
      "the zil library (ZeroMQ integration)");
  zil_set_log_callback (zil_log_to_gst, NULL,
      zil_level_for_threshold (gst_debug_category_get_threshold
          (gst_zil_lib_debug)));

  if (!gst_element_register (plugin, "zilsink", GST_RANK_NONE,
          GST_TYPE_ZIL_SINK))
    return FALSE;
  if (!gst_element_register (plugin, "zilsrc", GST_RANK_NONE,
          GST_TYPE_ZIL_SRC))
    return FALSE;
  return TRUE;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, zil,
    "ZeroMQ streaming with zil, wire-compatible with Python's "
    "zmq_integration_lib", plugin_init, GST_ZIL_VERSION, "MIT/X11",
    PACKAGE, GST_PACKAGE_ORIGIN)
