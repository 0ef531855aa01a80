/*
 * gstzil_test_authz: the authorization service of the session-aware
 * GStreamer test. Answers the original's `verify` method over zil's RPC
 * mode: true for exactly one session id, false for every other.
 *
 * Usage: gstzil_test_authz ADDRESS SESSION_ID STOP_FILE [REVOKE_FILE]
 *   Serves until STOP_FILE exists (checked every 20 ms; at most 25 s), then
 *   prints "verify: N true, M false" and exits 0. Once REVOKE_FILE exists
 *   the session is revoked (a logout): verify answers false from then on.
 */
#include <zil.h>

#include <glib.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  const char *session_id;
  const char *revoke_file;
  gint accepted;
  gint refused;
} authz_t;

static void
on_verify (void *user_data, const char *method, const char *params_json,
    const char *params_string, zil_rpc_reply_t * reply)
{
  authz_t *authz = user_data;
  gboolean ok = params_string && strcmp (params_string, authz->session_id) == 0
      && !(authz->revoke_file && g_file_test (authz->revoke_file, G_FILE_TEST_EXISTS));
  (void) method;
  (void) params_json;

  g_atomic_int_inc (ok ? &authz->accepted : &authz->refused);
  zil_rpc_reply_set_bool (reply, ok);
}

int
main (int argc, char **argv)
{
  authz_t authz = { 0 };
  zil_rpc_server_t *server;
  gint64 deadline;

  if (argc != 4 && argc != 5) {
    fprintf (stderr, "usage: %s ADDRESS SESSION_ID STOP_FILE [REVOKE_FILE]\n",
        argv[0]);
    return 2;
  }
  authz.session_id = argv[2];
  authz.revoke_file = argc == 5 ? argv[4] : NULL;

  server = zil_rpc_server_new (argv[1]);
  if (!server) {
    fprintf (stderr, "authz: %s\n", zil_last_error ());
    return 1;
  }
  if (zil_rpc_server_set_handler (server, "verify", on_verify, &authz,
          NULL) != ZIL_OK || zil_rpc_server_start (server) != ZIL_OK) {
    fprintf (stderr, "authz: %s\n", zil_last_error ());
    zil_rpc_server_free (server);
    return 1;
  }
  printf ("authz: serving on %s\n", zil_rpc_server_endpoint (server));
  fflush (stdout);

  deadline = g_get_monotonic_time () + 25 * G_TIME_SPAN_SECOND;
  while (!g_file_test (argv[3], G_FILE_TEST_EXISTS)
      && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);

  zil_rpc_server_stop (server, 1000);
  zil_rpc_server_free (server);
  printf ("verify: %d true, %d false\n", g_atomic_int_get (&authz.accepted),
      g_atomic_int_get (&authz.refused));
  return 0;
}
