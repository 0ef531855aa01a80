/* The send-meta scheme: see gstzilmeta.h. */
#include "gstzilmeta.h"

#include <string.h>

static void
append_time (GString * s, const gchar * key, GstClockTime t)
{
  if (GST_CLOCK_TIME_IS_VALID (t))
    g_string_append_printf (s, "%s=%" G_GUINT64_FORMAT, key, (guint64) t);
  else
    g_string_append_printf (s, "%s=none", key);
}

gchar *
gst_zil_meta_format (GstBuffer * buf, const gchar * event)
{
  GString *s = g_string_sized_new (64);

  append_time (s, "pts", GST_BUFFER_PTS (buf));
  g_string_append_c (s, ';');
  append_time (s, "dur", GST_BUFFER_DURATION (buf));
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT))
    g_string_append (s, ";delta=1");
  if (event)
    g_string_append_printf (s, ";event=%s", event);
  return g_string_free (s, FALSE);
}

/* Parses the value of a time key: decimal nanoseconds or "none". */
static gboolean
parse_time (const gchar * value, gsize len, GstClockTime * out)
{
  gchar buf[32];
  gchar *end = NULL;
  guint64 v;

  if (len == 4 && strncmp (value, "none", 4) == 0) {
    *out = GST_CLOCK_TIME_NONE;
    return TRUE;
  }
  if (len == 0 || len >= sizeof buf)
    return FALSE;
  memcpy (buf, value, len);
  buf[len] = '\0';
  if (!g_ascii_isdigit (buf[0]))
    return FALSE;
  v = g_ascii_strtoull (buf, &end, 10);
  if (*end != '\0' || v == G_MAXUINT64)
    return FALSE;
  *out = v;
  return TRUE;
}

gboolean
gst_zil_meta_parse (const gchar * event, GstClockTime * pts,
    GstClockTime * duration, gboolean * delta, const gchar ** user_event)
{
  GstClockTime p = GST_CLOCK_TIME_NONE, d = GST_CLOCK_TIME_NONE;
  gboolean is_delta = FALSE;
  const gchar *user = NULL;
  const gchar *cur;

  if (!event || !g_str_has_prefix (event, "pts="))
    return FALSE;

  cur = event;
  while (*cur) {
    const gchar *semi, *eq;
    gsize field_len, key_len;

    if (g_str_has_prefix (cur, "event=")) {
      user = cur + strlen ("event=");
      break;
    }
    semi = strchr (cur, ';');
    field_len = semi ? (gsize) (semi - cur) : strlen (cur);
    eq = memchr (cur, '=', field_len);
    if (!eq)
      return FALSE;
    key_len = (gsize) (eq - cur);
    if (key_len == 3 && strncmp (cur, "pts", 3) == 0) {
      if (!parse_time (eq + 1, field_len - key_len - 1, &p))
        return FALSE;
    } else if (key_len == 3 && strncmp (cur, "dur", 3) == 0) {
      if (!parse_time (eq + 1, field_len - key_len - 1, &d))
        return FALSE;
    } else if (key_len == 5 && strncmp (cur, "delta", 5) == 0) {
      is_delta = field_len - key_len - 1 == 1 && eq[1] == '1';
    }                           /* unknown keys: ignored */
    if (!semi)
      break;
    cur = semi + 1;
  }

  if (pts)
    *pts = p;
  if (duration)
    *duration = d;
  if (delta)
    *delta = is_delta;
  if (user_event)
    *user_event = user;
  return TRUE;
}
