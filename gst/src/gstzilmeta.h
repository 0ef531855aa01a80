/*
 * The opt-in "send-meta" scheme of zilsink / zilsrc: how caps and buffer
 * timestamps travel in the event frame of zil's 3-frame messages.
 *
 *   caps message:   data empty, event "caps:<caps string>"
 *                   (sent before the first buffer and after every caps change)
 *   buffer message: data = the buffer,
 *                   event "pts=<P>;dur=<D>;seq=<S>[;delta=1][;event=<E>]"
 *                   P, D: decimal nanoseconds, or "none" for GST_CLOCK_TIME_NONE;
 *                   S: the buffer's number in the sender's stream, from 0
 *                   (a gap tells the receiver how many buffers it lost);
 *                   delta=1 when the buffer is a delta unit (not a keyframe);
 *                   event=<E> carries zilsink's "event" property (always last:
 *                   <E> may contain ';').
 *   end of stream:  data "seq=<S>" (S: how many buffers the stream had, so a
 *                   loss at its tail shows too), event "EOS" (the original's,
 *                   which ignores the data of its EOS message)
 *
 * Readers ignore keys they do not know, so the scheme can grow. Without
 * send-meta the event frame is exactly what the Python original sends.
 */
#ifndef GST_ZIL_META_H
#define GST_ZIL_META_H

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_ZIL_CAPS_EVENT_PREFIX "caps:"
#define GST_ZIL_EOS_EVENT "EOS"

/* What a buffer message's event frame carries. */
typedef struct
{
  GstClockTime pts;
  GstClockTime duration;
  gboolean delta;
  gboolean has_seq;             /* FALSE: a sender without sequence numbers */
  guint64 seq;
  const gchar *user_event;      /* points into the parsed event, or NULL */
} GstZilMeta;

/* The event frame for `buf`, buffer number `seq` of the stream (free with
 * g_free). `event` may be NULL. */
gchar *gst_zil_meta_format (GstBuffer * buf, guint64 seq, const gchar * event);

/* Parses a buffer event frame into `meta`. FALSE when `event` is not of the
 * scheme (the caller then treats it as a plain event). */
gboolean gst_zil_meta_parse (const gchar * event, GstZilMeta * meta);

/* The data of the EOS message of a stream of `count` buffers (g_free). */
gchar *gst_zil_meta_format_end (guint64 count);

/* Parses the data of an EOS message into `*count`. FALSE when it is not of
 * the scheme (e.g. the original's empty EOS). */
gboolean gst_zil_meta_parse_end (const guint8 * data, gsize size,
    guint64 * count);

G_END_DECLS

#endif
