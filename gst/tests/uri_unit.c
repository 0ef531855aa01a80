/*
 * gstzil_test_uri: zil URIs (gstziluri.c) parsed and built: the tcp path
 * as topic, the topic parameter, property parameters, percent-decoding,
 * round trips, and URIs that are not of the scheme.
 */
#include "gstziluri.h"

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

/* parses `uri`, expecting `address`, `topic` and the parameters `params`
 * (joined with ','). */
static void
parses (const gchar * uri, const gchar * address, const gchar * topic,
    const gchar * params)
{
  gchar *a = NULL, *t = NULL, **p = NULL, *joined;
  GError *err = NULL;

  if (!gst_zil_uri_parse (uri, &a, &t, &p, &err)) {
    fprintf (stderr, "FAIL: '%s' refused: %s\n", uri, err->message);
    failures++;
    g_clear_error (&err);
    return;
  }
  joined = g_strjoinv (",", p);
  if (strcmp (a, address) != 0 || strcmp (t, topic) != 0
      || strcmp (joined, params) != 0) {
    fprintf (stderr, "FAIL: '%s' gave '%s' '%s' '%s'\n", uri, a, t, joined);
    failures++;
  }
  g_free (joined);
  g_free (a);
  g_free (t);
  g_strfreev (p);
}

static void
refuses (const gchar * uri)
{
  gchar *a = NULL, *t = NULL, **p = NULL;
  GError *err = NULL;

  if (gst_zil_uri_parse (uri, &a, &t, &p, &err)) {
    fprintf (stderr, "FAIL: '%s' accepted as '%s' '%s'\n", uri, a, t);
    failures++;
    g_free (a);
    g_free (t);
    g_strfreev (p);
    return;
  }
  EXPECT (err && err->domain == GST_URI_ERROR
      && err->code == GST_URI_ERROR_BAD_URI);
  EXPECT (err && strstr (err->message, "Invalid zil URI"));
  g_clear_error (&err);
}

static void
builds (const gchar * address, const gchar * topic, const gchar * expected)
{
  gchar *uri = gst_zil_uri_build (address, topic);
  if (g_strcmp0 (uri, expected) != 0) {
    fprintf (stderr, "FAIL: built '%s', expected '%s'\n", uri, expected);
    failures++;
  }
  if (uri)                      /* and back */
    parses (uri, address, topic, "");
  g_free (uri);
}

int
main (int argc, char **argv)
{
  g_setenv ("GST_REGISTRY_DISABLE", "yes", TRUE);
  gst_init (&argc, &argv);

  parses ("zil+tcp://127.0.0.1:5555/audio", "tcp://127.0.0.1:5555", "audio",
      "");
  parses ("zil+tcp://127.0.0.1:5555", "tcp://127.0.0.1:5555", "zil", "");
  parses ("zil+tcp://127.0.0.1:5555/", "tcp://127.0.0.1:5555", "zil", "");
  parses ("zil+tcp://[::1]:5555/a%20b%2Fc", "tcp://[::1]:5555", "a b/c", "");
  parses ("zil+tcp://host:1/path?topic=other", "tcp://host:1", "other", "");
  parses ("zil+ipc:///tmp/zil-video?topic=video", "ipc:///tmp/zil-video",
      "video", "");
  parses ("zil+ipc:///tmp/s", "ipc:///tmp/s", "zil", "");
  parses ("zil+inproc://bus?topic=t&send-meta=true&sndhwm=10",
      "inproc://bus", "t", "send-meta=true,sndhwm=10");
  parses ("zil+tcp://h:2/t?caps=audio%2Fx-raw%2Crate%3D16000",
      "tcp://h:2", "t", "caps=audio/x-raw,rate=16000");

  builds ("tcp://127.0.0.1:5555", "audio", "zil+tcp://127.0.0.1:5555/audio");
  builds ("tcp://h:1", "a b/c", "zil+tcp://h:1/a%20b%2Fc");
  builds ("ipc:///tmp/zil-video", "video",
      "zil+ipc:///tmp/zil-video?topic=video");
  builds ("inproc://bus", "t&x", "zil+inproc://bus?topic=t%26x");
  EXPECT (gst_zil_uri_build ("udp://h:1", "t") == NULL);
  EXPECT (gst_zil_uri_build (NULL, "t") == NULL);

  refuses (NULL);
  refuses ("tcp://127.0.0.1:5555/audio");
  refuses ("zil+udp://h:1/t");
  refuses ("zil+tcp:/h:1/t");
  refuses ("zil+tcp:///t");
  refuses ("zil+ipc://");
  refuses ("zil+ipc:///tmp/s?topic=");
  refuses ("zil+ipc:///tmp/s?send-meta");
  refuses ("zil+ipc:///tmp/s?=1");

  if (failures) {
    fprintf (stderr, "%d failure(s)\n", failures);
    return 1;
  }
  printf ("uri scheme: OK\n");
  return 0;
}
