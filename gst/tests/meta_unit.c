/*
 * gstzil_test_meta_scheme: the send-meta event strings (gstzilmeta.c),
 * formatted and parsed: round trips, "none", sequence numbers, delta units,
 * an event with ';', unknown keys, and strings that are not of the scheme.
 */
#include "gstzilmeta.h"

#include <stdio.h>
#include <string.h>

static int failures;

#define EXPECT(cond)                                                  \
  do {                                                                \
    if (!(cond)) {                                                    \
      fprintf (stderr, "FAIL line %d: %s\n", __LINE__, #cond);        \
      failures++;                                                     \
    }                                                                 \
  } while (0)

static void
round_trip (GstClockTime pts, GstClockTime dur, gboolean delta, guint64 seq,
    const gchar * event, const gchar * expected)
{
  GstBuffer *buf = gst_buffer_new ();
  GstZilMeta m;
  gchar *text;

  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = dur;
  if (delta)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  text = gst_zil_meta_format (buf, seq, event);
  if (strcmp (text, expected) != 0) {
    fprintf (stderr, "FAIL: formatted '%s', expected '%s'\n", text, expected);
    failures++;
  }
  EXPECT (gst_zil_meta_parse (text, &m));
  EXPECT (m.pts == pts);
  EXPECT (m.duration == dur);
  EXPECT (m.delta == delta);
  EXPECT (m.has_seq && m.seq == seq);
  EXPECT (g_strcmp0 (m.user_event, event) == 0);
  g_free (text);
  gst_buffer_unref (buf);
}

int
main (int argc, char **argv)
{
  GstZilMeta m;

  /* Only GstBuffer is needed: no plugins, no registry (nobody's touched). */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (&argc, &argv);

  round_trip (0, 64000000, FALSE, 0, NULL, "pts=0;dur=64000000;seq=0");
  round_trip (GST_SECOND * 3600, 1, FALSE, 41, "pcm",
      "pts=3600000000000;dur=1;seq=41;event=pcm");
  round_trip (GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, FALSE,
      G_MAXUINT64 - 1, NULL, "pts=none;dur=none;seq=18446744073709551614");
  round_trip (33333333, 33333334, TRUE, 7, "a;b=c",
      "pts=33333333;dur=33333334;seq=7;delta=1;event=a;b=c");

  /* Unknown keys are ignored; order of known keys is free; a sender of
   * before sequence numbers sends none. */
  EXPECT (gst_zil_meta_parse ("pts=5;future=x;dur=7", &m));
  EXPECT (m.pts == 5 && m.duration == 7 && !m.delta && !m.has_seq
      && m.user_event == NULL);
  EXPECT (gst_zil_meta_parse ("pts=5", &m));
  EXPECT (m.pts == 5 && m.duration == GST_CLOCK_TIME_NONE && !m.has_seq);

  /* Not of the scheme: plain events of the original, and malformed ones. */
  EXPECT (!gst_zil_meta_parse (NULL, &m));
  EXPECT (!gst_zil_meta_parse ("pcm", &m));
  EXPECT (!gst_zil_meta_parse ("EOS", &m));
  EXPECT (!gst_zil_meta_parse ("caps:audio/x-raw", &m));
  EXPECT (!gst_zil_meta_parse ("pts=", &m));
  EXPECT (!gst_zil_meta_parse ("pts=12x;dur=1", &m));
  EXPECT (!gst_zil_meta_parse ("pts=-1;dur=1", &m));
  EXPECT (!gst_zil_meta_parse ("pts=1;dur", &m));
  EXPECT (!gst_zil_meta_parse ("pts=99999999999999999999999;dur=1", &m));
  EXPECT (!gst_zil_meta_parse ("pts=1;dur=1;seq=none", &m));
  EXPECT (!gst_zil_meta_parse ("pts=1;dur=1;seq=", &m));

  if (failures) {
    fprintf (stderr, "%d failure(s)\n", failures);
    return 1;
  }
  printf ("meta scheme: OK\n");
  return 0;
}
