/*
 * zil URIs, for the elements' GstURIHandler (uridecodebin, playbin,
 * gst_element_make_from_uri, gst-launch-1.0 "zil+tcp://…"):
 *
 *   zil+tcp://HOST:PORT/TOPIC        address tcp://HOST:PORT, topic TOPIC
 *   zil+ipc:///PATH?topic=TOPIC      address ipc:///PATH
 *   zil+inproc://NAME?topic=TOPIC    address inproc://NAME
 *
 * A "topic" query parameter names the topic with any transport (for tcp
 * it wins over the path); without one the topic is the tcp path, or
 * GST_ZIL_DEFAULT_TOPIC. Other query parameters set the element's
 * properties of that name: zil+tcp://127.0.0.1:5555/audio?send-meta=true.
 * Names and values are percent-decoded.
 */
#ifndef GST_ZIL_URI_H
#define GST_ZIL_URI_H

#include <gst/gst.h>

G_BEGIN_DECLS

/* The URI protocols of both elements (NULL-terminated). */
extern const gchar *const gst_zil_uri_protocols[];

/* Splits `uri` into a zil address, a topic and the other query parameters
 * (`params`: "name=value" strings, NULL-terminated; free all three). FALSE
 * with `error` (GST_URI_ERROR_BAD_URI) for a URI that is not of the
 * scheme. */
gboolean gst_zil_uri_parse (const gchar * uri, gchar ** address,
    gchar ** topic, gchar *** params, GError ** error);

/* The URI of `address` and `topic` (g_free), or NULL for an address that
 * has no URI (not tcp://, ipc:// or inproc://). */
gchar *gst_zil_uri_build (const gchar * address, const gchar * topic);

/* GInterfaceInitFunc of zilsink's / zilsrc's GstURIHandler: the URI sets
 * and shows the "address" and "topic" properties (NULL or READY only). */
void gst_zil_uri_sink_handler_init (gpointer g_iface, gpointer iface_data);
void gst_zil_uri_src_handler_init (gpointer g_iface, gpointer iface_data);

G_END_DECLS

#endif
