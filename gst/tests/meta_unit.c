/*
 * gstzil_test_meta_scheme: the send-meta event strings (gstzilmeta.c),
 * formatted and parsed: round trips, "none", delta units, an event with
 * ';', unknown keys, and strings that are not of the scheme.
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
round_trip (GstClockTime pts, GstClockTime dur, gboolean delta,
    const gchar * event, const gchar * expected)
{
  GstBuffer *buf = gst_buffer_new ();
  GstClockTime p = 0, d = 0;
  gboolean dl = !delta;
  const gchar *user = NULL;
  gchar *text;

  GST_BUFFER_PTS (buf) = pts;
  GST_BUFFER_DURATION (buf) = dur;
  if (delta)
    GST_BUFFER_FLAG_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  text = gst_zil_meta_format (buf, event);
  if (strcmp (text, expected) != 0) {
    fprintf (stderr, "FAIL: formatted '%s', expected '%s'\n", text, expected);
    failures++;
  }
  EXPECT (gst_zil_meta_parse (text, &p, &d, &dl, &user));
  EXPECT (p == pts);
  EXPECT (d == dur);
  EXPECT (dl == delta);
  EXPECT (g_strcmp0 (user, event) == 0);
  g_free (text);
  gst_buffer_unref (buf);
}

int
main (int argc, char **argv)
{
  GstClockTime p, d;
  gboolean delta;
  const gchar *user;

  /* Only GstBuffer is needed: no plugins, no registry (nobody's touched). */
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (&argc, &argv);

  round_trip (0, 64000000, FALSE, NULL, "pts=0;dur=64000000");
  round_trip (GST_SECOND * 3600, 1, FALSE, "pcm",
      "pts=3600000000000;dur=1;event=pcm");
  round_trip (GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE, FALSE, NULL,
      "pts=none;dur=none");
  round_trip (33333333, 33333334, TRUE, "a;b=c", "pts=33333333;dur=33333334;delta=1;event=a;b=c");

  /* Unknown keys are ignored; order of known keys is free. */
  EXPECT (gst_zil_meta_parse ("pts=5;future=x;dur=7", &p, &d, &delta, &user));
  EXPECT (p == 5 && d == 7 && !delta && user == NULL);
  EXPECT (gst_zil_meta_parse ("pts=5", &p, &d, NULL, NULL));
  EXPECT (p == 5 && d == GST_CLOCK_TIME_NONE);

  /* Not of the scheme: plain events of the original, and malformed ones. */
  EXPECT (!gst_zil_meta_parse (NULL, &p, &d, &delta, &user));
  EXPECT (!gst_zil_meta_parse ("pcm", &p, &d, &delta, &user));
  EXPECT (!gst_zil_meta_parse ("EOS", &p, &d, &delta, &user));
  EXPECT (!gst_zil_meta_parse ("caps:audio/x-raw", &p, &d, &delta, &user));
  EXPECT (!gst_zil_meta_parse ("pts=", &p, &d, &delta, &user));
  EXPECT (!gst_zil_meta_parse ("pts=12x;dur=1", &p, &d, &delta, &user));
  EXPECT (!gst_zil_meta_parse ("pts=-1;dur=1", &p, &d, &delta, &user));
  EXPECT (!gst_zil_meta_parse ("pts=1;dur", &p, &d, &delta, &user));
  EXPECT (!gst_zil_meta_parse ("pts=99999999999999999999999;dur=1", &p, &d,
          &delta, &user));

  if (failures) {
    fprintf (stderr, "%d failure(s)\n", failures);
    return 1;
  }
  printf ("meta scheme: OK\n");
  return 0;
}
