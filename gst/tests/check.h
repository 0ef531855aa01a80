/* What the in-process GStreamer tests (counters_test.c, states_test.c)
 * share: a failed check is printed and counted, and main ends with the
 * count as its exit status. */
#ifndef ZILGST_TESTS_CHECK_H
#define ZILGST_TESTS_CHECK_H

#include <gst/gst.h>

#include <stdio.h>

static gint failures;

/* Prints "FAIL: " and the message, and counts one failure. Any thread. */
#define FAIL(...)                                          \
  do {                                                     \
    fprintf (stderr, "FAIL: " __VA_ARGS__);                \
    fprintf (stderr, "\n");                                \
    g_atomic_int_inc (&failures);                          \
  } while (0)

/* The end of a test's main: 1 after any failure, else "NAME: OK" and 0. */
static int
finish (const gchar * name)
{
  gst_deinit ();
  if (g_atomic_int_get (&failures)) {
    fprintf (stderr, "%d failure(s)\n", g_atomic_int_get (&failures));
    return 1;
  }
  printf ("%s: OK\n", name);
  return 0;
}

#endif
