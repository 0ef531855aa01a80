/* zil URIs: see gstziluri.h. */
#include "gstziluri.h"

#include "gstzil.h"

#include <string.h>

const gchar *const gst_zil_uri_protocols[] = {
  "zil+tcp", "zil+ipc", "zil+inproc", NULL
};

#define URI_PREFIX "zil+"

static gboolean
bad_uri (GError ** error, const gchar * uri, const gchar * why)
{
  g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
      "Invalid zil URI '%s': %s", uri, why);
  return FALSE;
}

/* Splits `query` (percent-decoded) into the "topic" parameter (*topic,
 * the last one wins) and the others ("name=value"). FALSE for a parameter
 * without '=' or with bad escapes. */
static gboolean
split_query (const gchar * query, gchar ** topic, gchar *** params)
{
  gchar **fields = g_strsplit (query, "&", -1);
  GPtrArray *others = g_ptr_array_new_with_free_func (g_free);
  gboolean ok = TRUE;

  for (gchar ** f = fields; *f && ok; f++) {
    gchar *eq = strchr (*f, '=');
    gchar *name, *value;
    if (!**f)
      continue;
    if (!eq) {
      ok = FALSE;
      break;
    }
    *eq = '\0';
    name = g_uri_unescape_string (*f, NULL);
    value = g_uri_unescape_string (eq + 1, NULL);
    ok = name && value && *name;
    if (ok && strcmp (name, "topic") == 0) {
      g_free (*topic);
      *topic = g_steal_pointer (&value);
    } else if (ok) {
      g_ptr_array_add (others, g_strconcat (name, "=", value, NULL));
    }
    g_free (name);
    g_free (value);
  }
  g_strfreev (fields);
  g_ptr_array_add (others, NULL);
  *params = (gchar **) g_ptr_array_free (others, FALSE);
  return ok;
}

gboolean
gst_zil_uri_parse (const gchar * uri, gchar ** address, gchar ** topic,
    gchar *** params, GError ** error)
{
  const gchar *rest, *sep, *query;
  gchar *transport, *endpoint, *t = NULL;
  gchar **p = NULL;

  if (!uri || !g_str_has_prefix (uri, URI_PREFIX))
    return bad_uri (error, uri ? uri : "(null)", "not zil+tcp://, zil+ipc:// "
        "or zil+inproc://");
  sep = strstr (uri, "://");
  if (!sep)
    return bad_uri (error, uri, "no \"://\"");
  transport = g_strndup (uri + strlen (URI_PREFIX),
      (gsize) (sep - uri) - strlen (URI_PREFIX));
  rest = sep + strlen ("://");
  query = strchr (rest, '?');
  endpoint = query ? g_strndup (rest, (gsize) (query - rest)) :
      g_strdup (rest);
  if (query && !split_query (query + 1, &t, &p)) {
    g_free (transport);
    g_free (endpoint);
    g_free (t);
    g_strfreev (p);
    return bad_uri (error, uri, "a query parameter is not name=value");
  }

  if (g_strcmp0 (transport, "tcp") == 0) {
    gchar *slash = strchr (endpoint, '/');
    if (slash) {
      if (!t && slash[1])
        t = g_uri_unescape_string (slash + 1, NULL);
      *slash = '\0';
    }
  } else if (g_strcmp0 (transport, "ipc") != 0
      && g_strcmp0 (transport, "inproc") != 0) {
    g_free (transport);
    g_free (endpoint);
    g_free (t);
    g_strfreev (p);
    return bad_uri (error, uri, "the transport is not tcp, ipc or inproc");
  }
  if (!*endpoint || (t && !*t)) {
    g_free (transport);
    g_free (endpoint);
    g_free (t);
    g_strfreev (p);
    return bad_uri (error, uri, "no address, or an empty topic");
  }
  *address = g_strconcat (transport, "://", endpoint, NULL);
  *topic = t ? t : g_strdup (GST_ZIL_DEFAULT_TOPIC);
  *params = p ? p : g_new0 (gchar *, 1);
  g_free (transport);
  g_free (endpoint);
  return TRUE;
}

gchar *
gst_zil_uri_build (const gchar * address, const gchar * topic)
{
  gchar *escaped, *uri;

  if (!address || !topic || !(g_str_has_prefix (address, "tcp://")
          || g_str_has_prefix (address, "ipc://")
          || g_str_has_prefix (address, "inproc://")))
    return NULL;
  escaped = g_uri_escape_string (topic, NULL, FALSE);
  if (g_str_has_prefix (address, "tcp://"))
    uri = g_strconcat (URI_PREFIX, address, "/", escaped, NULL);
  else
    uri = g_strconcat (URI_PREFIX, address, "?topic=", escaped, NULL);
  g_free (escaped);
  return uri;
}

/* ------------------------------------------------------------------ */
/* GstURIHandler of both elements: the URI is their address and topic.  */

static const gchar *const *
uri_get_protocols (GType type)
{
  (void) type;
  return gst_zil_uri_protocols;
}

static gchar *
uri_get_uri (GstURIHandler * handler)
{
  gchar *address = NULL, *topic = NULL, *uri;

  g_object_get (handler, "address", &address, "topic", &topic, NULL);
  uri = gst_zil_uri_build (address, topic);
  g_free (address);
  g_free (topic);
  return uri;
}

/* Sets the properties a URI's query names ("name=value"). */
static gboolean
set_params (GstURIHandler * handler, const gchar * uri, gchar ** params,
    GError ** error)
{
  for (gchar ** p = params; *p; p++) {
    gchar *eq = strchr (*p, '=');
    GParamSpec *pspec;
    *eq = '\0';
    pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (handler), *p);
    if (!pspec || !(pspec->flags & G_PARAM_WRITABLE)
        || strcmp (*p, "address") == 0) {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI,
          "Invalid zil URI '%s': %s has no settable property '%s'", uri,
          GST_OBJECT_NAME (handler), *p);
      return FALSE;
    }
    gst_util_set_object_arg (G_OBJECT (handler), *p, eq + 1);
  }
  return TRUE;
}

static gboolean
uri_set_uri (GstURIHandler * handler, const gchar * uri, GError ** error)
{
  gchar *address, *topic, **params;
  gboolean ok;

  if (GST_STATE (handler) > GST_STATE_READY) {
    g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE,
        "The URI of %s can only be set in the NULL or READY state",
        GST_OBJECT_NAME (handler));
    return FALSE;
  }
  if (!gst_zil_uri_parse (uri, &address, &topic, &params, error))
    return FALSE;
  g_object_set (handler, "address", address, "topic", topic, NULL);
  ok = set_params (handler, uri, params, error);
  g_free (address);
  g_free (topic);
  g_strfreev (params);
  return ok;
}

static void
uri_handler_init (GstURIHandlerInterface * iface)
{
  iface->get_protocols = uri_get_protocols;
  iface->get_uri = uri_get_uri;
  iface->set_uri = uri_set_uri;
}

static GstURIType
uri_type_sink (GType type)
{
  (void) type;
  return GST_URI_SINK;
}

static GstURIType
uri_type_src (GType type)
{
  (void) type;
  return GST_URI_SRC;
}

void
gst_zil_uri_sink_handler_init (gpointer g_iface, gpointer iface_data)
{
  (void) iface_data;
  uri_handler_init (g_iface);
  ((GstURIHandlerInterface *) g_iface)->get_type = uri_type_sink;
}

void
gst_zil_uri_src_handler_init (gpointer g_iface, gpointer iface_data)
{
  (void) iface_data;
  uri_handler_init (g_iface);
  ((GstURIHandlerInterface *) g_iface)->get_type = uri_type_src;
}
