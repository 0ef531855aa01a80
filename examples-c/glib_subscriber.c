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
 * The publisher is lossless: a burst larger than the send high-water mark
 * (1000 messages) would otherwise lose its tail, EOS included, whenever
 * libzmq's I/O thread falls behind (it did under valgrind on a busy
 * machine). A push that still cannot be queued within 5 s fails the run.
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
    guint watchdog;
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
static gboolean push_failed(app_t *app) {
    fprintf(stderr, "glib_subscriber: push: %s\n", zil_last_error());
    g_main_loop_quit(app->loop);
    return G_SOURCE_REMOVE;
}

static gboolean on_tick(gpointer data) {
    app_t *app = data;
    for (int i = 0; i < 100 && app->sent < app->count; i++, app->sent++)
        if (zil_outport_push(app->out, (const uint8_t *)&app->sent, sizeof app->sent, "pcm") !=
            ZIL_OK)
            return push_failed(app);
    if (app->sent < app->count) return G_SOURCE_CONTINUE;
    if (zil_outport_push(app->out, NULL, 0, "EOS") != ZIL_OK) return push_failed(app);
    return G_SOURCE_REMOVE;
}

/* Gives up if the loop ever stalls: a test must not hang. */
static gboolean on_watchdog(gpointer data) {
    app_t *app = data;
    fprintf(stderr, "glib_subscriber: timed out\n");
    app->watchdog = 0; /* removed by returning G_SOURCE_REMOVE */
    g_main_loop_quit(app->loop);
    return G_SOURCE_REMOVE;
}

int main(int argc, char **argv) {
    app_t app = {.count = argc > 1 ? atoi(argv[1]) : 1000};
    zil_options_t *lossless = zil_options_new();
    if (!lossless || zil_options_set_lossless(lossless, true, 5000) != ZIL_OK) {
        fprintf(stderr, "glib_subscriber: %s\n", zil_last_error());
        return 1;
    }
    app.out = zil_outport_new_with_options("tcp://127.0.0.1:*", "frames", lossless);
    zil_options_free(lossless);
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
    app.watchdog = g_timeout_add_seconds(20, on_watchdog, &app);
    g_main_loop_run(app.loop);

    g_source_remove(fd_source);
    if (app.watchdog) g_source_remove(app.watchdog);
    g_main_loop_unref(app.loop);
    printf("glib_subscriber: %d of %d messages, EOS %s, %d wake-ups\n", app.received, app.count,
           app.eos ? "seen" : "missing", app.wakeups);
    zil_inport_free(app.in);
    zil_outport_free(app.out);
    return app.received == app.count && app.eos ? 0 : 1;
}
