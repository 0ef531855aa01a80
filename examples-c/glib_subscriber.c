/*
 * glib_subscriber: receiving in a GLib main loop without a receive thread.
 *
 * zil_inport_fd() gives a descriptor that is readable exactly while a
 * message is waiting (level-triggered), so it plugs straight into
 * g_unix_fd_add(): GLib calls on_readable() whenever there is something to
 * take, and zil_inport_recv(port, &msg, 0) never blocks there.
 *
 * This program publishes COUNT messages to itself from a GLib timeout (one
 * batch per tick, to show the loop stays responsive), receives them in the
 * fd callback, and quits on the EOS event. Exit status 0 when all arrived.
 *
 * Usage: glib_subscriber [COUNT]   (default 1000)
 */
#include <zil.h>

#include <glib-unix.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    GMainLoop *loop;
    zil_outport_t *out;
    zil_inport_t *in;
    int count, sent, received, wakeups;
    gboolean eos;
} app_t;

/* Called by GLib when the descriptor is readable: take one message. */
static gboolean on_readable(gint fd, GIOCondition condition, gpointer data) {
    (void)fd; (void)condition;
    app_t *app = data;
    app->wakeups++;
    zil_msg_t *msg = NULL;
    zil_result r = zil_inport_recv(app->in, &msg, 0);
    if (r == ZIL_TIMEOUT) return G_SOURCE_CONTINUE; /* nothing complete yet */
    if (r != ZIL_OK) {
        fprintf(stderr, "glib_subscriber: %s\n", zil_last_error());
        g_main_loop_quit(app->loop);
        return G_SOURCE_REMOVE;
    }
    const char *event = zil_msg_event(msg);
    if (event && strcmp(event, "EOS") == 0) {
        app->eos = TRUE;
        g_main_loop_quit(app->loop);
    } else {
        app->received++;
    }
    zil_msg_free(msg);
    return G_SOURCE_CONTINUE;
}

/* A GLib timeout standing in for the rest of the application: publishes a
 * batch per tick, then EOS. */
static gboolean on_tick(gpointer data) {
    app_t *app = data;
    for (int i = 0; i < 100 && app->sent < app->count; i++, app->sent++)
        zil_outport_push(app->out, (const uint8_t *)&app->sent, sizeof app->sent, "pcm");
    if (app->sent < app->count) return G_SOURCE_CONTINUE;
    zil_outport_push(app->out, NULL, 0, "EOS");
    return G_SOURCE_REMOVE;
}

/* Gives up if the loop ever stalls: a test must not hang. */
static gboolean on_watchdog(gpointer data) {
    app_t *app = data;
    fprintf(stderr, "glib_subscriber: timed out\n");
    g_main_loop_quit(app->loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv) {
    app_t app = {.count = argc > 1 ? atoi(argv[1]) : 1000};
    app.out = zil_outport_new("tcp://127.0.0.1:*", "frames");
    app.in = app.out ? zil_inport_new(zil_outport_endpoint(app.out), "frames") : NULL;
    int fd = -1;
    if (!app.in || zil_outport_wait_subscribers(app.out, 1, 5000, NULL) != ZIL_OK ||
        zil_inport_fd(app.in, &fd) != ZIL_OK) {
        fprintf(stderr, "glib_subscriber: %s\n", zil_last_error());
        return 1;
    }

    app.loop = g_main_loop_new(NULL, FALSE);
    guint fd_source = g_unix_fd_add(fd, G_IO_IN, on_readable, &app);
    g_timeout_add(1, on_tick, &app);
    guint watchdog = g_timeout_add_seconds(20, on_watchdog, &app);
    g_main_loop_run(app.loop);

    g_source_remove(fd_source);
    g_source_remove(watchdog);
    g_main_loop_unref(app.loop);
    printf("glib_subscriber: %d of %d messages, EOS %s, %d wake-ups\n", app.received, app.count,
           app.eos ? "seen" : "missing", app.wakeups);
    zil_inport_free(app.in);
    zil_outport_free(app.out);
    return app.received == app.count && app.eos ? 0 : 1;
}
