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
gst_zil_meta_format (GstBuffer * buf, guint64 seq, const gchar * event)
{
  GString *s = g_string_sized_new (64);

  append_time (s, "pts", GST_BUFFER_PTS (buf));
  g_string_append_c (s, ';');
  append_time (s, "dur", GST_BUFFER_DURATION (buf));
  g_string_append_printf (s, ";seq=%" G_GUINT64_FORMAT, seq);
  if (GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT))
    g_string_append (s, ";delta=1");
  if (event)
    g_string_append_printf (s, ";event=%s", event);
  return g_string_free (s, FALSE);
}

/* Parses a decimal number below G_MAXUINT64. */
static gboolean
parse_number (const gchar * value, gsize len, guint64 * out)
{
  gchar buf[32];
  gchar *end = NULL;
  guint64 v;

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

/* Parses the value of a time key: decimal nanoseconds or "none". */
static gboolean
parse_time (const gchar * value, gsize len, GstClockTime * out)
{
  if (len == 4 && strncmp (value, "none", 4) == 0) {
    *out = GST_CLOCK_TIME_NONE;
    return TRUE;
  }
  return parse_number (value, len, out);
}

gboolean
gst_zil_meta_parse (const gchar * event, GstZilMeta * meta)
{
  GstZilMeta m = { GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, FALSE, FALSE, 0,
    NULL
  };
  const gchar *cur;

  if (!event || !g_str_has_prefix (event, "pts="))
    return FALSE;

  cur = event;
  while (*cur) {
    const gchar *semi, *eq;
    gsize field_len, key_len;

    if (g_str_has_prefix (cur, "event=")) {
      m.user_event = cur + strlen ("event=");
      break;
    }
    semi = strchr (cur, ';');
    field_len = semi ? (gsize) (semi - cur) : strlen (cur);
    eq = memchr (cur, '=', field_len);
    if (!eq)
      return FALSE;
    key_len = (gsize) (eq - cur);
    if (key_len == 3 && strncmp (cur, "pts", 3) == 0) {
      if (!parse_time (eq + 1, field_len - key_len - 1, &m.pts))
        return FALSE;
    } else if (key_len == 3 && strncmp (cur, "dur", 3) == 0) {
      if (!parse_time (eq + 1, field_len - key_len - 1, &m.duration))
        return FALSE;
    } else if (key_len == 3 && strncmp (cur, "seq", 3) == 0) {
      if (!parse_number (eq + 1, field_len - key_len - 1, &m.seq))
        return FALSE;
      m.has_seq = TRUE;
    } else if (key_len == 5 && strncmp (cur, "delta", 5) == 0) {
      m.delta = field_len - key_len - 1 == 1 && eq[1] == '1';
    }                           /* unknown keys: ignored */
    if (!semi)
      break;
    cur = semi + 1;
  }

  *meta = m;
  return TRUE;
}

gchar *
gst_zil_meta_format_end (guint64 count)
{
  return g_strdup_printf ("seq=%" G_GUINT64_FORMAT, count);
}

gboolean
gst_zil_meta_parse_end (const guint8 * data, gsize size, guint64 * count)
{
  const gsize prefix = strlen ("seq=");

  if (!data || size <= prefix || memcmp (data, "seq=", prefix) != 0)
    return FALSE;
  return parse_number ((const gchar *) data + prefix, size - prefix, count);
}
