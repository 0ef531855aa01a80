/* zil: ZeroMQ integration library for C and GStreamer pipelines.
 * Generated from zil's sources: do not edit by hand.
 *
 * How to read this header
 * -----------------------
 * Sections follow the order in which you meet zil: results and errors,
 * messages, streaming (output and input ports), RPC (servers and
 * clients), session-aware pads, then options, CURVE, the connection
 * monitor and logging. Constants, enums and handle types come first.
 *
 * Ownership and borrowing
 *   - Handles (zil_outport_t, zil_inport_t, zil_msg_t, zil_rpc_server_t,
 *     zil_rpc_client_t, zil_outpad_t, zil_inpad_t, zil_options_t,
 *     zil_monitor_t) are opaque. A constructor (*_new, *_monitor) returns
 *     one the caller owns, or NULL on failure; the matching *_free releases
 *     it and accepts NULL.
 *   - Arguments are borrowed for the duration of the call and copied when
 *     zil keeps them; the one exception is the buffer given to
 *     zil_outport_push_zero_copy, which zil owns from the call on.
 *   - Strings and views that a handle returns (zil_msg_data,
 *     zil_outport_endpoint, ...) are lent: valid until that handle is
 *     freed, never freed by the caller. Strings the caller owns (RPC
 *     results, tokens) are freed with zil_string_free.
 *   - A zil_rpc_reply_t is lent to one handler call and is valid only until
 *     the handler returns.
 *   - A callback's user_data stays the caller's; zil calls the release
 *     function given with it exactly once, when it no longer calls the
 *     callback.
 *   - Counter structs (zil_stats_t, zil_inpad_stats_t,
 *     zil_rpc_server_stats_t) begin with a size field that the caller sets
 *     to sizeof the struct: zil writes only the counters that fit, so the
 *     structs can grow without breaking programs built against an older
 *     header. A size too small for the first counter is refused with
 *     ZIL_INVALID_ARGUMENT.
 *
 * Threads
 *   Each handle's comment says which calls may run at once. Output ports
 *   and outpads take pushes from any number of threads; a receiving handle
 *   serves one receiving thread at a time and its *_wake works from any
 *   thread; RPC handlers run on the server's thread. Freeing a handle while
 *   another thread is blocked in it is defined (the blocked call returns
 *   ZIL_CLOSED); a call that starts after the free is a use after free.
 *
 * Errors
 *   Every fallible call returns a zil_result (ZIL_OK is 0; the numbers are
 *   stable), or NULL, 0 or false where it returns a value. zil_last_error()
 *   then holds the text of this thread's last failure, naming its cause; a
 *   NULL pointer argument gives ZIL_NULL_ARGUMENT, a bad value
 *   ZIL_INVALID_ARGUMENT. Out-arguments are written only on success. No
 *   internal error crosses into C: it is ZIL_PANIC with a message.
 *
 * Timeouts
 *   Every timeout is an int32_t count of milliseconds: -1 waits forever, 0
 *   only checks, n > 0 waits at most n ms (plus scheduling). A value below
 *   -1 is ZIL_INVALID_ARGUMENT. File descriptors are int.
 *
 * Exit
 *   zil_shutdown, called after the last *_free, terminates zil's ZeroMQ
 *   context and waits (bounded by its timeout) until the messages freed
 *   ports still hold are delivered. Without it nothing is terminated and
 *   process exit never waits, but the tail of a stream may be lost.
 */

#ifndef ZIL_H
#define ZIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZIL_VERSION "0.1.0"
#define ZIL_VERSION_MAJOR 0
#define ZIL_VERSION_MINOR 1
#define ZIL_VERSION_PATCH 0


/**
 * JSON-RPC "parse error": the request was not JSON.
 */
#define ZIL_RPC_PARSE_ERROR -32700

/**
 * JSON-RPC "invalid request": not a request object.
 */
#define ZIL_RPC_INVALID_REQUEST -32600

/**
 * JSON-RPC "method not found".
 */
#define ZIL_RPC_METHOD_NOT_FOUND -32601

/**
 * JSON-RPC "invalid params": for handlers that refuse their params.
 */
#define ZIL_RPC_INVALID_PARAMS -32602

/**
 * JSON-RPC "internal error": the handler failed or answered invalid JSON.
 */
#define ZIL_RPC_INTERNAL_ERROR -32603

/**
 * The default longest session id an inpad verifies: 256 bytes.
 */
#define ZIL_DEFAULT_MAX_SESSION_ID_LEN 256

/**
 * The default largest message frame of a streaming socket: 256 MiB (a raw
 * 8K video frame fits).
 */
#define ZIL_DEFAULT_MAX_MSG_SIZE 268435456

/**
 * The default largest RPC request or reply: 16 MiB.
 */
#define ZIL_DEFAULT_RPC_MAX_MSG_SIZE 16777216

/**
 * Bytes of a buffer that receives a key: 40 characters of Z85 text and
 * the terminating NUL.
 */
#define ZIL_CURVE_KEY_SIZE 41

/**
 * The result of every fallible zil call. The numbers are stable: a code is
 * never renumbered or reused.
 */
typedef enum zil_result {
  /**
   * Success.
   */
  ZIL_OK = 0,
  /**
   * An argument was out of range, malformed, not UTF-8, or an address was
   * invalid; `zil_last_error()` names it.
   */
  ZIL_INVALID_ARGUMENT = 1,
  /**
   * A required pointer argument was NULL.
   */
  ZIL_NULL_ARGUMENT = 2,
  /**
   * Nothing arrived, or no answer came, before the timeout.
   */
  ZIL_TIMEOUT = 3,
  /**
   * A blocking call was woken up on purpose (e.g. `zil_inport_wake`).
   */
  ZIL_INTERRUPTED = 4,
  /**
   * A peer broke the wire format.
   */
  ZIL_PROTOCOL_ERROR = 5,
  /**
   * The remote RPC handler answered with an error; `zil_last_error()`
   * holds the remote message.
   */
  ZIL_REMOTE_ERROR = 6,
  /**
   * A session was not confirmed by the authorization service.
   */
  ZIL_UNAUTHORIZED = 7,
  /**
   * libzmq reported an error; `zil_last_error()` has its text and errno.
   */
  ZIL_ZMQ_ERROR = 8,
  /**
   * The object was stopped or closed.
   */
  ZIL_CLOSED = 9,
  /**
   * Not available in this build or state.
   */
  ZIL_NOT_SUPPORTED = 10,
  /**
   * An internal error (a bug in zil, caught at the boundary). Please report it.
   */
  ZIL_PANIC = 11,
} zil_result;

/**
 * The kind of a connection event.
 */
typedef enum zil_peer_event_kind {
  /**
   * This side connected to a peer.
   */
  ZIL_PEER_CONNECTED = 1,
  /**
   * This side (bound) accepted a peer.
   */
  ZIL_PEER_ACCEPTED = 2,
  /**
   * A peer went away or the connection broke.
   */
  ZIL_PEER_DISCONNECTED = 3,
  /**
   * A connection attempt failed; libzmq retries it.
   */
  ZIL_PEER_CONNECT_RETRIED = 4,
  /**
   * The monitored port was freed: no more events.
   */
  ZIL_PEER_STOPPED = 5,
  /**
   * Another libzmq event (see `raw`).
   */
  ZIL_PEER_OTHER = 6,
} zil_peer_event_kind;

/**
 * How a port attaches to its address (`zil_options_set_attach`).
 */
typedef enum zil_attach {
  /**
   * The side's default: output ports bind, input ports connect.
   */
  ZIL_ATTACH_DEFAULT = 0,
  /**
   * Bind the address.
   */
  ZIL_ATTACH_BIND = 1,
  /**
   * Connect to the address.
   */
  ZIL_ATTACH_CONNECT = 2,
} zil_attach;

/**
 * Log levels, most severe first.
 */
typedef enum zil_log_level {
  /**
   * No log lines at all (only for `zil_set_log_level`).
   */
  ZIL_LOG_OFF = 0,
  /**
   * Failures zil could not recover from on its own.
   */
  ZIL_LOG_ERROR = 1,
  /**
   * Dropped or rejected messages, RPC timeouts and reconnections.
   */
  ZIL_LOG_WARN = 2,
  /**
   * Lifecycle events.
   */
  ZIL_LOG_INFO = 3,
  /**
   * Per-message details (e.g. each drop reason of an inpad).
   */
  ZIL_LOG_DEBUG = 4,
  /**
   * Everything.
   */
  ZIL_LOG_TRACE = 5,
} zil_log_level;

/**
 * A session-aware input port: unwraps each envelope, verifies its session
 * with an RPC server (`verify`) and hands out only verified data. One
 * thread receives at a time; the other functions may be called from any
 * thread. It may be freed while another thread is blocked receiving on it
 * (see `zil_inpad_free`).
 */
typedef struct zil_inpad_t zil_inpad_t;

/**
 * An input port (subscriber). One thread receives at a time (a second
 * receiving thread waits for the first); `zil_inport_wake`,
 * `zil_inport_stats` and `zil_inport_endpoint` may be called from any
 * thread. It may be freed while another thread is blocked receiving on it
 * (see `zil_inport_free`).
 */
typedef struct zil_inport_t zil_inport_t;

/**
 * A source of connection events of one port. One thread waits on it at a
 * time. It may be freed before or after its port, in any order; after the
 * port is freed it reports `ZIL_PEER_STOPPED`. Events nobody reads are kept
 * (memory per connection event) and never hold up the port. It may be
 * freed while another thread waits in `zil_monitor_next` on it (see
 * `zil_monitor_free`).
 */
typedef struct zil_monitor_t zil_monitor_t;

/**
 * A received message, owned by the caller until `zil_msg_free`. Its
 * views (data, topic, event, session id) are borrowed: valid until the
 * message is freed. Not thread-safe: use a message from one thread at a
 * time (it may be moved between threads).
 */
typedef struct zil_msg_t zil_msg_t;

/**
 * Settings for creating ports, RPC servers and clients
 * (`zil_*_new_with_options`). Created with zil's defaults: high-water
 * marks 1000, linger 1000 ms, output ports bind and input ports connect,
 * exact topic matching, received frames up to 256 MiB (RPC: 16 MiB), no
 * encryption, TCP keep-alive that notices a dead peer after about 20 s. Not thread-safe:
 * configure it from one thread, then use it (read-only) from any.
 */
typedef struct zil_options_t zil_options_t;

/**
 * A session-aware output port: every push is wrapped as
 * `{"data": "<base64>", "session_id": "<id>"}` (the Python original's
 * envelope). Thread-safe like `zil_outport_t`.
 */
typedef struct zil_outpad_t zil_outpad_t;

/**
 * An output port (publisher). Thread-safe: any number of threads may
 * push to one port at once (GStreamer streaming threads included); each
 * message stays whole. Free it only when no other thread uses it.
 */
typedef struct zil_outport_t zil_outport_t;

/**
 * A JSON-RPC client of one server. Thread-safe: calls from several threads
 * are serialized (one request in flight). It may be freed while other
 * threads are in calls on it (see `zil_rpc_client_free`).
 */
typedef struct zil_rpc_client_t zil_rpc_client_t;

/**
 * The answer a handler is building. Lent: zil owns it and passes it to
 * one handler call; it is valid only until that handler returns. Never
 * free it, keep it, or use it from another thread.
 */
typedef struct zil_rpc_reply_t zil_rpc_reply_t;

/**
 * A JSON-RPC server bound to an address. Thread-safe: handlers may be set
 * from any thread, also while it runs; stop and free from any thread.
 */
typedef struct zil_rpc_server_t zil_rpc_server_t;

/**
 * Releases a buffer given to `zil_outport_push_zero_copy`:
 * `free_fn(data, hint)`. Called exactly once, from a libzmq I/O thread
 * (or the calling thread when the push fails), when zil and libzmq are
 * done with the buffer, an empty one included; `data` is what the caller passed, NULL
 * included. Must not call zil.
 */
typedef void (*zil_free_fn)(void *data, void *hint);

/**
 * A snapshot of a handle's counters.
 */
typedef struct zil_counters_t {
  /**
   * Messages handed to libzmq for sending.
   */
  uint64_t messages_sent;
  /**
   * Messages handed out to the caller.
   */
  uint64_t messages_received;
  /**
   * Messages received but refused (wrong frame count, non-UTF-8 event or
   * topic). Inpads count their session-level drops in `zil_inpad_stats_t`.
   */
  uint64_t messages_rejected;
  /**
   * Messages dropped because a frame was over `max_msg_size` (frames up
   * to twice the limit; libzmq refuses larger ones, see `peers_dropped`).
   */
  uint64_t messages_oversized;
  /**
   * Messages skipped because their topic only shared a prefix with the
   * port's topic (exact matching).
   */
  uint64_t messages_filtered;
  /**
   * Messages a lossless output port dropped after its send timeout.
   */
  uint64_t messages_dropped;
  /**
   * Payload bytes sent.
   */
  uint64_t bytes_sent;
  /**
   * Payload bytes handed out.
   */
  uint64_t bytes_received;
  /**
   * CURVE clients refused by the port's allow-list (0 without one).
   */
  uint64_t peers_refused;
  /**
   * Connections of a connecting input port that libzmq closed because the
   * peer broke the protocol: a frame over twice `max_msg_size`, a
   * malformed frame, or a failed handshake. libzmq does not reconnect to
   * such a peer. Counted half a second after the disconnection (when no
   * reconnection attempt followed); always 0 for bound sockets, where
   * libzmq 4.3 reports such a drop like any other disconnection.
   */
  uint64_t peers_dropped;
} zil_counters_t;

/**
 * A port's counters (`zil_outport_stats`, `zil_inport_stats`,
 * `zil_outpad_stats`). Set `size` to `sizeof(zil_stats_t)` before the call.
 */
typedef struct zil_stats_t {
  /**
   * Bytes of the caller's struct; on success, the bytes zil wrote.
   */
  size_t size;
  /**
   * The counters that fit in `size`.
   */
  struct zil_counters_t counters;
} zil_stats_t;

/**
 * A method handler. Called on the thread that runs the server (the caller
 * of `zil_rpc_server_run`, or the server's own thread after
 * `zil_rpc_server_start`), one request at a time.
 *
 * - `user_data`: as given to `zil_rpc_server_set_handler`.
 * - `method`: the method name.
 * - `params_json`: the request's `params` as JSON text (e.g. `"\"4a50…\""`,
 *   `"{}"`), or NULL when the request had none.
 * - `params_string`: when `params` is a JSON string, its text (unquoted),
 *   else NULL — what `verify` and `logout` receive. A string with a NUL
 *   character (`\u0000`) would be cut short as C text: such a request is
 *   answered with error -32602 and the handler is not called.
 * - `reply`: answer through `zil_rpc_reply_set_*`; with no answer the
 *   result is `null`.
 *
 * Every pointer is valid only during the call. The handler may call any
 * zil function, including `zil_rpc_server_stop` and `zil_rpc_server_free`
 * on its own server (the server then stops after the handler returns).
 */
typedef void (*zil_rpc_handler)(void *user_data,
                                const char *method,
                                const char *params_json,
                                const char *params_string,
                                struct zil_rpc_reply_t *reply);

/**
 * Releases the `user_data` of a callback once zil no longer calls it: an
 * RPC handler replaced, removed, or its server freed and stopped
 * (`zil_rpc_server_set_handler`), a log callback replaced or removed
 * (`zil_set_log_callback`, `zil_shutdown`). Called exactly once, never
 * during a call of the callback.
 */
typedef void (*zil_release_fn)(void *user_data);

/**
 * A snapshot of a server's counters.
 */
typedef struct zil_rpc_server_counters_t {
  /**
   * Requests answered, malformed ones included.
   */
  uint64_t requests;
  /**
   * Of those, the answers that were JSON-RPC errors.
   */
  uint64_t error_replies;
  /**
   * CURVE clients refused by the allow-list (0 without one).
   */
  uint64_t peers_refused;
  /**
   * Requests over `max_msg_size` (up to twice it; libzmq refuses larger
   * ones), answered with a `-32600` error instead of reaching a handler;
   * also counted in `error_replies`.
   */
  uint64_t requests_oversized;
} zil_rpc_server_counters_t;

/**
 * An RPC server's counters (`zil_rpc_server_stats`). Set `size` to
 * `sizeof(zil_rpc_server_stats_t)` before the call.
 */
typedef struct zil_rpc_server_stats_t {
  /**
   * Bytes of the caller's struct; on success, the bytes zil wrote.
   */
  size_t size;
  /**
   * The counters that fit in `size`.
   */
  struct zil_rpc_server_counters_t counters;
} zil_rpc_server_stats_t;

/**
 * Counters of an inpad; each dropped message is counted under one reason.
 */
typedef struct zil_inpad_counters_t {
  /**
   * Messages handed out (verified).
   */
  uint64_t delivered;
  /**
   * Dropped: the data frame is not a UTF-8 JSON object.
   */
  uint64_t dropped_bad_json;
  /**
   * Dropped: `data` or `session_id` missing or of the wrong type.
   */
  uint64_t dropped_missing_field;
  /**
   * Dropped: `data` is not valid base64.
   */
  uint64_t dropped_bad_base64;
  /**
   * Dropped: `session_id` is `null`.
   */
  uint64_t dropped_no_session;
  /**
   * Dropped: the RPC server said the session is not valid.
   */
  uint64_t dropped_unverified;
  /**
   * Dropped: the RPC server could not be asked (timeout, error, bad
   * answer); the inpad fails closed.
   */
  uint64_t dropped_rpc_failed;
  /**
   * `verify` calls made.
   */
  uint64_t verify_calls;
  /**
   * Messages whose session was answered without a `verify` call of its
   * own: from the TTL cache, or by the call made for an earlier message
   * of the same session received in the same batch (TTL > 0 only).
   */
  uint64_t cache_hits;
  /**
   * Dropped: a frame over `max_msg_size`, as the port's
   * `messages_oversized` (`zil_stats_t`).
   */
  uint64_t dropped_oversized;
  /**
   * Publishers dropped for a protocol violation, as the port's
   * `peers_dropped` (`zil_stats_t`).
   */
  uint64_t peers_dropped;
  /**
   * Dropped: not a `[topic, data, event]` message, or a non-UTF-8 topic
   * or event, as the port's `messages_rejected` (`zil_stats_t`).
   */
  uint64_t dropped_rejected;
  /**
   * Dropped: the topic only shares a prefix with the inpad's, as the
   * port's `messages_filtered` (`zil_stats_t`).
   */
  uint64_t dropped_filtered;
  /**
   * Dropped: the session id is longer than `max_session_id_len`;
   * refused before any `verify` call and never cached.
   */
  uint64_t dropped_session_too_long;
  /**
   * `verify` answers that were not `true` or `false` (e.g. `1`, `"yes"`,
   * a list), read by Python's truthiness as the original reads them.
   */
  uint64_t verify_non_boolean;
} zil_inpad_counters_t;

/**
 * An inpad's counters (`zil_inpad_stats`). Set `size` to
 * `sizeof(zil_inpad_stats_t)` before the call.
 */
typedef struct zil_inpad_stats_t {
  /**
   * Bytes of the caller's struct; on success, the bytes zil wrote.
   */
  size_t size;
  /**
   * The counters that fit in `size`.
   */
  struct zil_inpad_counters_t counters;
} zil_inpad_stats_t;

/**
 * One connection event, filled in by `zil_monitor_next`.
 */
typedef struct zil_peer_event_t {
  /**
   * What happened.
   */
  enum zil_peer_event_kind kind;
  /**
   * libzmq's `ZMQ_EVENT_*` number.
   */
  uint32_t raw;
  /**
   * The endpoint concerned, NUL-terminated (truncated to 255 bytes).
   */
  char endpoint[256];
} zil_peer_event_t;

/**
 * A host log function: receives the `user_data` given to
 * `zil_set_log_callback`, a `zil_log_level` value and one NUL-terminated
 * line (valid only during the call). Called from whichever thread logs —
 * a caller's thread or a zil thread — possibly at the same time from
 * several: it must be thread-safe.
 *
 * It may call any zil function except `zil_set_log_callback` and
 * `zil_shutdown`, which return `ZIL_INVALID_ARGUMENT` from inside it (they
 * would wait for the callback to end). Lines that zil logs during the
 * callback's own zil calls go to stderr, never back into the callback.
 */
typedef void (*zil_log_fn)(void *user_data, int32_t level, const char *message);

#ifdef __cplusplus
extern "C" {
#endif // __cplusplus

/* ------------------------------------------------------------------------
 * Results and errors
 * ------------------------------------------------------------------------ */

/**
 * What a result code means, in words, e.g. `"no answer or message
 * before the timeout"` for `ZIL_TIMEOUT`; `"not a zil result code"` for a
 * number that is no code. `zil_result_name` gives the enum's name. Static
 * string: never free it. Thread-safe.
 */
const char *zil_result_str(int code);

/**
 * The name of a result code, e.g. `"ZIL_TIMEOUT"`; `"ZIL_UNKNOWN"` for a
 * number that is no code. Static string: never free it. Thread-safe.
 */
const char *zil_result_name(int code);

/**
 * The message of the last failed zil call on this thread, naming its cause
 * (e.g. `invalid endpoint 'tcp://nope': cannot bind: Invalid argument
 * (errno 22)`); `""` if none failed yet. Never NULL. Owned by zil, valid
 * until the next failing zil call on the same thread; copy it to keep it.
 * A successful call leaves it unchanged.
 */
const char *zil_last_error(void);

/**
 * zil's version, e.g. `"0.1.0"` (also `ZIL_VERSION` in this header). Static
 * string: never free it.
 */
const char *zil_version(void);

/**
 * Finishes zil's work before the process exits: releases zil's ZeroMQ
 * context and, when every handle has been freed, waits at most
 * `timeout_ms` (-1 forever) until the messages that freed ports still hold
 * are delivered (each port keeps them for its linger time, default
 * 1000 ms). Without it, a process that pushes, frees its port and exits at
 * once may lose the tail of its stream. `ZIL_TIMEOUT` if delivery was still
 * going on at the timeout. zil stays usable afterwards, but new handles use
 * a new ZeroMQ context: an `inproc://` address of a handle still open from
 * before is not reachable from them. The log callback is removed (its
 * `release` runs; later lines go to stderr). Call it from one thread,
 * after the last `*_free`.
 */
enum zil_result zil_shutdown(int32_t timeout_ms);

/* ------------------------------------------------------------------------
 * Messages
 * ------------------------------------------------------------------------ */

/**
 * Creates an empty message to receive into with `zil_inport_recv_into` /
 * `zil_inpad_recv_into`, which reuse it for every message: the receive path
 * then allocates nothing. Free with `zil_msg_free`. NULL only if memory ran
 * out.
 */
struct zil_msg_t *zil_msg_new(void);

/**
 * The payload bytes (`zil_msg_size` of them). Never NULL for a valid
 * message, even when the payload is empty. Borrowed: valid until
 * `zil_msg_free`. Reading it copies nothing.
 */
const uint8_t *zil_msg_data(const struct zil_msg_t *msg);

/**
 * The payload length in bytes; 0 if `msg` is NULL.
 */
size_t zil_msg_size(const struct zil_msg_t *msg);

/**
 * The event as a NUL-terminated UTF-8 string, or NULL when the sender gave
 * none (the wire's `None`). Borrowed: valid until `zil_msg_free`.
 */
const char *zil_msg_event(const struct zil_msg_t *msg);

/**
 * The topic as a NUL-terminated UTF-8 string. Borrowed: valid until
 * `zil_msg_free`. NULL if `msg` is NULL.
 */
const char *zil_msg_topic(const struct zil_msg_t *msg);

/**
 * The session id of a message received from an inpad (NUL-terminated), or
 * NULL for messages without one (input ports). Borrowed: valid until
 * `zil_msg_free`.
 */
const char *zil_msg_session_id(const struct zil_msg_t *msg);

/**
 * Frees a message and every view taken from it. NULL is a no-op.
 */
void zil_msg_free(struct zil_msg_t *msg);

/* ------------------------------------------------------------------------
 * Streaming: output ports
 * ------------------------------------------------------------------------ */

/**
 * Creates an output port that binds `addr` (e.g. `"tcp://0.0.0.0:5555"` (all interfaces),
 * `"tcp://127.0.0.1:*"` for an ephemeral port, `"ipc:///tmp/zil.sock"`,
 * `"inproc://name"`) and publishes on `topic`, with default options.
 * Returns NULL on failure (`zil_last_error()` names the cause, e.g. a bad
 * address). Free with `zil_outport_free`.
 */
struct zil_outport_t *zil_outport_new(const char *addr, const char *topic);

/**
 * Like `zil_outport_new` with options (`opts` may be NULL for defaults;
 * it is only read during the call).
 */
struct zil_outport_t *zil_outport_new_with_options(const char *addr,
                                                   const char *topic,
                                                   const struct zil_options_t *opts);

/**
 * Publishes `len` bytes at `data` (copied; NULL allowed when `len` is 0)
 * with `event` (NUL-terminated UTF-8, or NULL for no event: the wire then
 * carries `None`, like the Python original). Never blocks by default: a
 * subscriber past its high-water mark misses the message. A lossless port
 * (`zil_options_set_lossless`) waits for room instead, at most its
 * timeout (then `ZIL_TIMEOUT`, the message dropped and counted), and
 * returns `ZIL_INTERRUPTED` while `zil_outport_set_interrupted` is on.
 * Thread-safe.
 */
enum zil_result zil_outport_push(const struct zil_outport_t *port,
                                 const uint8_t *data,
                                 size_t len,
                                 const char *event);

/**
 * Publishes `len` bytes at `data` WITHOUT copying them: the buffer belongs
 * to zil from this call on, and `free_fn(data, hint)` releases it once the
 * message has left (for large audio/video buffers). The caller must not
 * write to or free the buffer after the call, whatever the result: on
 * failure `free_fn` has already run. `free_fn` NULL means the buffer is
 * never released by zil (static or caller-managed memory that outlives the
 * send). Thread-safe, like `zil_outport_push`.
 */
enum zil_result zil_outport_push_zero_copy(const struct zil_outport_t *port,
                                           uint8_t *data,
                                           size_t len,
                                           const char *event,
                                           zil_free_fn free_fn,
                                           void *hint);

/**
 * Waits until at least `count` subscribers of this port's topic are
 * connected, at most `timeout_ms` (-1 forever, 0 checks once): the cure for
 * ZeroMQ's slow joiner, whose first messages are otherwise lost. Writes the
 * number of subscribers to `*subscribers` if it is not NULL (on success
 * and on `ZIL_TIMEOUT`).
 */
enum zil_result zil_outport_wait_subscribers(const struct zil_outport_t *port,
                                             size_t count,
                                             int32_t timeout_ms,
                                             size_t *subscribers);

/**
 * Interrupts the port's lossless pushes, for a pipeline that flushes or
 * stops (GStreamer's `unlock` / `unlock_stop`): while `interrupted` is
 * true, a push that finds a subscriber full returns `ZIL_INTERRUPTED` at
 * once instead of waiting, a push waiting in another thread returns it
 * within 10 ms, and the message is not sent (a zero-copy buffer is
 * released; nothing is counted as dropped). A push with room is sent as
 * usual. `false` lets pushes wait again. No effect on a port that is not
 * lossless. Thread-safe: meant to be called while another thread pushes.
 */
enum zil_result zil_outport_set_interrupted(const struct zil_outport_t *port, bool interrupted);

/**
 * The address the port is bound to, e.g. `"tcp://127.0.0.1:41234"` for a
 * port created on `"tcp://127.0.0.1:*"`. Borrowed: valid until the port is
 * freed. NULL if `port` is NULL.
 */
const char *zil_outport_endpoint(const struct zil_outport_t *port);

/**
 * Copies the port's counters into `*stats`, whose `size` the
 * caller sets first (see `zil_stats_t`).
 */
enum zil_result zil_outport_stats(const struct zil_outport_t *port, struct zil_stats_t *stats);

/**
 * Frees the port: its socket closes and unsent messages linger per the
 * options. NULL is a no-op.
 *
 * Freeing while another thread is blocked in
 * `zil_outport_wait_subscribers` on it is defined: that call returns
 * `ZIL_CLOSED` within a few milliseconds, and the socket closes once it
 * has returned. Any other call racing the free (a push, stats) is the
 * caller's error, as is a call that starts after it.
 */
void zil_outport_free(struct zil_outport_t *port);

/* ------------------------------------------------------------------------
 * Streaming: input ports
 * ------------------------------------------------------------------------ */

/**
 * Creates an input port that connects to `addr` (e.g.
 * `"tcp://localhost:5555"`) and receives messages whose topic is exactly
 * `topic`, with default options. Returns NULL on failure
 * (`zil_last_error()` names the cause). Free with `zil_inport_free`.
 */
struct zil_inport_t *zil_inport_new(const char *addr, const char *topic);

/**
 * Like `zil_inport_new` with options (`opts` may be NULL for defaults; it
 * is only read during the call). Prefix topic matching is an option.
 */
struct zil_inport_t *zil_inport_new_with_options(const char *addr,
                                                 const char *topic,
                                                 const struct zil_options_t *opts);

/**
 * Receives the next message, waiting at most `timeout_ms` (-1 forever, 0
 * only takes what is already queued), and returns within `timeout_ms` + 5 ms
 * however many messages of other topics or malformed ones arrive. On
 * `ZIL_OK` writes a new message to `*msg`; the caller owns it and frees it
 * with `zil_msg_free`. On any other result `*msg` is left untouched.
 *
 * Results: `ZIL_TIMEOUT` when nothing came in time, `ZIL_INTERRUPTED` after
 * `zil_inport_wake`, `ZIL_CLOSED` when another thread freed the port
 * during the call. Malformed messages (frame count other than 3,
 * non-UTF-8 topic or event) are skipped and counted in `messages_rejected`.
 */
enum zil_result zil_inport_recv(const struct zil_inport_t *port,
                                struct zil_msg_t **msg,
                                int32_t timeout_ms);

/**
 * Like `zil_inport_recv`, but receives into `msg` (from `zil_msg_new`, or
 * any message the caller owns), replacing its content and reusing its
 * storage, so a receive loop allocates nothing. Views taken from `msg`
 * before the call (data, event, topic) become invalid. On a result other
 * than `ZIL_OK` the message holds nothing valid until the next successful
 * receive.
 */
enum zil_result zil_inport_recv_into(const struct zil_inport_t *port,
                                     struct zil_msg_t *msg,
                                     int32_t timeout_ms);

/**
 * Wakes a `zil_inport_recv` blocked in another thread: it returns
 * `ZIL_INTERRUPTED`. If no receive is blocked, the next one returns
 * `ZIL_INTERRUPTED` at once (one wake-up, one interruption). Any thread;
 * async-signal-unsafe.
 */
enum zil_result zil_inport_wake(const struct zil_inport_t *port);

/**
 * Writes to `*fd` a descriptor for event loops (GLib `g_unix_fd_add`,
 * poll, epoll) that is readable exactly while a message can be received
 * without blocking (level-triggered: libzmq's edge-triggered `ZMQ_FD` is
 * handled inside). When it is readable, call `zil_inport_recv(port, &msg,
 * 0)` — once per wake-up, or until it returns `ZIL_TIMEOUT`. Owned by the
 * port: never close it; valid until `zil_inport_free`. Only readability is
 * meaningful (no writes, no edge-triggered epoll on it).
 */
enum zil_result zil_inport_fd(const struct zil_inport_t *port, int *fd);

/**
 * The address the port is attached to. Borrowed: valid until the port is
 * freed. NULL if `port` is NULL.
 */
const char *zil_inport_endpoint(const struct zil_inport_t *port);

/**
 * Copies the port's counters into `*stats`, whose `size` the
 * caller sets first (see `zil_stats_t`). Any thread.
 */
enum zil_result zil_inport_stats(const struct zil_inport_t *port, struct zil_stats_t *stats);

/**
 * Frees the port. NULL is a no-op. Messages already received stay valid.
 *
 * Freeing while another thread is blocked in `zil_inport_recv` or
 * `zil_inport_recv_into` on it is defined: that call returns `ZIL_CLOSED`
 * promptly (`zil_last_error()` says the port was freed), and the socket
 * closes once that call has returned. A call that starts after this
 * function began is a use after free (the caller's error), as for any
 * freed handle.
 * Other calls (`zil_inport_wake`, `_stats`, `_fd`, `_endpoint`) must have
 * returned before the free; the descriptor of `zil_inport_fd` is closed by
 * it or, with a receive still blocked, just after that receive.
 */
void zil_inport_free(struct zil_inport_t *port);

/* ------------------------------------------------------------------------
 * RPC: servers and their handlers
 * ------------------------------------------------------------------------ */

/**
 * Creates a server bound to `addr` (e.g. `"tcp://0.0.0.0:6900"`,
 * `"tcp://127.0.0.1:*"`, `"ipc:///run/authz"`). It answers nothing until
 * run. Returns NULL on failure (`zil_last_error()`). Free with
 * `zil_rpc_server_free`.
 */
struct zil_rpc_server_t *zil_rpc_server_new(const char *addr);

/**
 * Like `zil_rpc_server_new` with options (`opts` may be NULL for defaults;
 * only read during the call): CURVE (`zil_options_set_curve_server`, an
 * allow-list with `zil_options_allow_curve_client`), the maximum request
 * size (default 16 MiB), high-water marks and bind/connect are used.
 */
struct zil_rpc_server_t *zil_rpc_server_new_with_options(const char *addr,
                                                         const struct zil_options_t *opts);

/**
 * Registers `callback` for `method` (any name; replaces an earlier handler,
 * whose `release` then runs). A NULL `callback` removes the method's
 * handler. `release` (may be NULL) is called with `user_data` when the
 * handler is replaced, removed or its server freed. On failure `release`
 * is not called. Unregistered methods are answered with error -32601.
 */
enum zil_result zil_rpc_server_set_handler(const struct zil_rpc_server_t *server,
                                           const char *method,
                                           zil_rpc_handler callback,
                                           void *user_data,
                                           zil_release_fn release);

/**
 * Serves requests on the calling thread until `zil_rpc_server_stop` (from
 * another thread or a handler). Returns `ZIL_OK` once stopped, `ZIL_CLOSED`
 * if the server already runs or was stopped. A malformed request never ends
 * the loop: it is answered with a JSON-RPC error.
 */
enum zil_result zil_rpc_server_run(const struct zil_rpc_server_t *server);

/**
 * Serves requests on a background thread that zil owns. `ZIL_CLOSED` if
 * the server already runs or was stopped.
 */
enum zil_result zil_rpc_server_start(const struct zil_rpc_server_t *server);

/**
 * Stops the server and waits at most `timeout_ms` (-1 forever) for its loop
 * to end: an idle loop ends at once, a running handler is let finish.
 * `ZIL_TIMEOUT` if a handler still runs then (the loop ends after it). From
 * inside a handler it returns at once. Stopping is final. Any thread.
 */
enum zil_result zil_rpc_server_stop(const struct zil_rpc_server_t *server, int32_t timeout_ms);

/**
 * The address the server is bound to (ephemeral ports resolved). Borrowed:
 * valid until the server is freed. NULL if `server` is NULL.
 */
const char *zil_rpc_server_endpoint(const struct zil_rpc_server_t *server);

/**
 * Copies the server's counters into `*stats`, whose `size` the
 * caller sets first (see `zil_rpc_server_stats_t`). Any thread.
 */
enum zil_result zil_rpc_server_stats(const struct zil_rpc_server_t *server,
                                     struct zil_rpc_server_stats_t *stats);

/**
 * Stops the server (waiting up to 2 s for a running handler) and frees it.
 * The handlers' `release` functions have run when it returns — except for
 * a handler still running (a slow one, or the one calling this function),
 * whose release runs when its call returns. NULL is a no-op. May be called
 * from inside one of its own handlers.
 *
 * Freeing while another thread is in `zil_rpc_server_run` on it is
 * defined: as with `zil_rpc_server_stop`, that run returns `ZIL_OK` once
 * its loop ends (at once when idle, after the running handler otherwise),
 * and the socket closes when it has returned. A call that starts after
 * this function began is a use after free (the caller's error).
 */
void zil_rpc_server_free(struct zil_rpc_server_t *server);

/**
 * Answers with `result_json`, a JSON text (e.g. `"true"`, `"\"tok\""`,
 * `"{\"a\":1}"`). Invalid JSON makes the answer a -32603 error and
 * returns `ZIL_INVALID_ARGUMENT`; NULL does the same and returns
 * `ZIL_NULL_ARGUMENT`.
 */
enum zil_result zil_rpc_reply_set_result(struct zil_rpc_reply_t *reply, const char *result_json);

/**
 * Answers with a JSON string made from `text` (NUL-terminated UTF-8), or
 * `null` when `text` is NULL — e.g. a token for `get_token`.
 */
enum zil_result zil_rpc_reply_set_string(struct zil_rpc_reply_t *reply, const char *text);

/**
 * Answers with a JSON boolean — e.g. for `verify` and `logout`.
 */
enum zil_result zil_rpc_reply_set_bool(struct zil_rpc_reply_t *reply, bool value);

/**
 * Answers with an error: a JSON-RPC `code` (e.g. `ZIL_RPC_INVALID_PARAMS`
 * or an application code) and a `message` (NULL gives `"error"`). The
 * caller's `zil_rpc_client_*` call returns `ZIL_REMOTE_ERROR` with the
 * message in `zil_last_error()`.
 */
enum zil_result zil_rpc_reply_set_error(struct zil_rpc_reply_t *reply,
                                        int64_t code,
                                        const char *message);

/* ------------------------------------------------------------------------
 * RPC: clients
 * ------------------------------------------------------------------------ */

/**
 * Creates a client of the server at `addr` (e.g. `"tcp://localhost:6900"`)
 * whose calls wait at most `timeout_ms` for an answer (-1 forever: only for
 * servers you trust). On a timeout the connection is replaced, so the next
 * call works as soon as the server is back. Never blocks. Returns NULL on
 * failure (`zil_last_error()`). Free with `zil_rpc_client_free`.
 */
struct zil_rpc_client_t *zil_rpc_client_new(const char *addr, int32_t timeout_ms);

/**
 * Like `zil_rpc_client_new` with options (`opts` may be NULL for
 * defaults; only read during the call): CURVE
 * (`zil_options_set_curve_client`) and the maximum reply size (default
 * 16 MiB) are used.
 */
struct zil_rpc_client_t *zil_rpc_client_new_with_options(const char *addr,
                                                         int32_t timeout_ms,
                                                         const struct zil_options_t *opts);

/**
 * Calls `method` with `params_json` (JSON text, e.g. `"\"abc\""`, `"{}"`,
 * `"[1,2]"`; NULL sends `null`). On `ZIL_OK` writes the result as JSON
 * text to `*result_json`, which the caller frees with `zil_string_free`;
 * on failure `*result_json` is untouched.
 *
 * Results: `ZIL_TIMEOUT` (no answer in time; the error names the address),
 * `ZIL_REMOTE_ERROR` (the server answered an error; its message is in
 * `zil_last_error()`), `ZIL_PROTOCOL_ERROR` (the answer is no JSON-RPC
 * reply), `ZIL_INVALID_ARGUMENT` (params_json is not JSON), `ZIL_CLOSED`
 * (another thread freed the client during the call).
 */
enum zil_result zil_rpc_client_call(const struct zil_rpc_client_t *client,
                                    const char *method,
                                    const char *params_json,
                                    char **result_json);

/**
 * Asks the server whether `session_id` is valid (the original's `verify`
 * request, byte for byte). On `ZIL_OK` writes the answer to `*verified`:
 * read as the original reads it, by Python's truthiness (`1`, `"yes"` or
 * a non-empty list are true; `null`, `0`, `""`, `[]`, `{}` false). Other
 * results as `zil_rpc_client_call`.
 */
enum zil_result zil_rpc_client_verify(const struct zil_rpc_client_t *client,
                                      const char *session_id,
                                      bool *verified);

/**
 * Asks the server for a token (the original's `get_token` request). On
 * `ZIL_OK` writes the token to `*token` (the caller frees it with
 * `zil_string_free`), or NULL when the server answered `null`.
 */
enum zil_result zil_rpc_client_get_token(const struct zil_rpc_client_t *client, char **token);

/**
 * Ends the session of `token` (the original's `logout` request). On
 * `ZIL_OK` writes the server's answer to `*logged_out`, read by Python's
 * truthiness like `zil_rpc_client_verify`'s.
 */
enum zil_result zil_rpc_client_logout(const struct zil_rpc_client_t *client,
                                      const char *token,
                                      bool *logged_out);

/**
 * Frees the client. NULL is a no-op. Its connection closes at once, or,
 * while calls are in progress, when the last of them has returned.
 *
 * Freeing while other threads are in `zil_rpc_client_call`, `_verify`,
 * `_get_token` or `_logout` on it is defined: a call waiting for its
 * answer returns `ZIL_CLOSED` promptly (`zil_last_error()` says it was
 * freed), and so does a call still waiting for its turn. A call that
 * starts after this function began is a use after free (the caller's
 * error).
 */
void zil_rpc_client_free(struct zil_rpc_client_t *client);

/**
 * Frees a string that zil returned for the caller to own (results of
 * `zil_rpc_client_call`, tokens of `zil_rpc_client_get_token`). NULL is a
 * no-op. Never pass a string zil only lent (e.g. `zil_last_error()`).
 */
void zil_string_free(char *text);

/* ------------------------------------------------------------------------
 * Session-aware pads: outpads
 * ------------------------------------------------------------------------ */

/**
 * Creates an outpad that binds `addr` and publishes on `topic`. Its session
 * is, in order: its own (`zil_outpad_set_session_id`, or set by a linked
 * inpad), else the process-wide session of unlinked inpads, else none
 * (sent as `null`). Returns NULL on failure. Free with `zil_outpad_free`.
 */
struct zil_outpad_t *zil_outpad_new(const char *addr, const char *topic);

/**
 * Like `zil_outpad_new` with options (`opts` may be NULL).
 */
struct zil_outpad_t *zil_outpad_new_with_options(const char *addr,
                                                 const char *topic,
                                                 const struct zil_options_t *opts);

/**
 * Sets the outpad's own session id (copied; e.g. the 32-hex-digit id of a
 * login), as the first sender of a pipeline does. NULL clears it (the
 * process-wide session, if any, is then sent). Any thread.
 */
enum zil_result zil_outpad_set_session_id(const struct zil_outpad_t *outpad,
                                          const char *session_id);

/**
 * Publishes `len` bytes at `data` wrapped with the current session id, and
 * `event` (NULL for none). Thread-safe; blocks only when lossless, as
 * `zil_outport_push`.
 */
enum zil_result zil_outpad_push(const struct zil_outpad_t *outpad,
                                const uint8_t *data,
                                size_t len,
                                const char *event);

/**
 * As `zil_outport_wait_subscribers`, for an outpad.
 */
enum zil_result zil_outpad_wait_subscribers(const struct zil_outpad_t *outpad,
                                            size_t count,
                                            int32_t timeout_ms,
                                            size_t *subscribers);

/**
 * As `zil_outport_set_interrupted`, for an outpad.
 */
enum zil_result zil_outpad_set_interrupted(const struct zil_outpad_t *outpad, bool interrupted);

/**
 * The address the outpad is bound to. Borrowed: valid until the outpad is
 * freed. NULL if `outpad` is NULL.
 */
const char *zil_outpad_endpoint(const struct zil_outpad_t *outpad);

/**
 * Copies the outpad's counters (payload bytes before wrapping are not
 * counted; `bytes_sent` counts envelope bytes) into `*stats`, whose `size` the
 * caller sets first (see `zil_stats_t`).
 */
enum zil_result zil_outpad_stats(const struct zil_outpad_t *outpad, struct zil_stats_t *stats);

/**
 * Frees the outpad. NULL is a no-op. An inpad linked to it keeps working
 * (its sessions then go nowhere until relinked). Freeing while another
 * thread is blocked in `zil_outpad_wait_subscribers` is defined, as for
 * `zil_outport_free`.
 */
void zil_outpad_free(struct zil_outpad_t *outpad);

/* ------------------------------------------------------------------------
 * Session-aware pads: inpads
 * ------------------------------------------------------------------------ */

/**
 * Creates an inpad that connects to `addr`, receives `topic`, and verifies
 * sessions with the RPC server at `rpc_addr` (each call bounded by 1000 ms;
 * see `zil_options_set_rpc_timeout`). Verification results are cached for
 * 1000 ms (`zil_inpad_set_cache_ttl`). Unlinked, it passes sessions to the
 * process-wide bus that outpads without a session of their own read
 * (`zil_inpad_link_outpad` for an explicit link). Returns NULL on failure.
 * Free with `zil_inpad_free`.
 */
struct zil_inpad_t *zil_inpad_new(const char *addr, const char *topic, const char *rpc_addr);

/**
 * Like `zil_inpad_new` with options (`opts` may be NULL).
 */
struct zil_inpad_t *zil_inpad_new_with_options(const char *addr,
                                               const char *topic,
                                               const char *rpc_addr,
                                               const struct zil_options_t *opts);

/**
 * Receives the next message of a verified session, waiting at most
 * `timeout_ms` (-1 forever, 0 only what is queued): it returns within
 * `timeout_ms` + 5 ms however slow the authz server is. `verify` calls
 * still unanswered then go on, and a later receive picks their answers up
 * (messages are delivered in arrival order); when the server stays silent
 * for the RPC timeout (`zil_options_set_rpc_timeout`), the messages waiting
 * on it are dropped (`dropped_rpc_failed`). On `ZIL_OK` writes a
 * new message to `*msg` (free with `zil_msg_free`): `zil_msg_data` is the
 * decoded payload, `zil_msg_session_id` its session. Messages that are
 * malformed, session-less, unverified, or whose verification failed (RPC
 * server down: the inpad fails closed) are dropped and counted in
 * `zil_inpad_stats`. `ZIL_TIMEOUT`, `ZIL_INTERRUPTED` and `ZIL_CLOSED`
 * (freed by another thread during the call) as for input ports.
 */
enum zil_result zil_inpad_recv(const struct zil_inpad_t *inpad,
                               struct zil_msg_t **msg,
                               int32_t timeout_ms);

/**
 * Like `zil_inpad_recv`, receiving into `msg` (see
 * `zil_inport_recv_into`) and reusing its storage.
 */
enum zil_result zil_inpad_recv_into(const struct zil_inpad_t *inpad,
                                    struct zil_msg_t *msg,
                                    int32_t timeout_ms);

/**
 * Makes this inpad feed `outpad`: the session of every message it delivers
 * becomes `outpad`'s own session, so a middle stage never handles session
 * ids. NULL `outpad` returns the inpad to the process-wide bus. The link
 * keeps no reference the caller must manage: either side may be freed
 * first.
 */
enum zil_result zil_inpad_link_outpad(const struct zil_inpad_t *inpad,
                                      const struct zil_outpad_t *outpad);

/**
 * Sets how long a verification result is trusted, in ms (default 1000; 0
 * verifies every message, like the original). A logout takes effect within
 * this time. Changing it forgets cached results. `ZIL_INVALID_ARGUMENT`
 * for a negative TTL. Any thread.
 */
enum zil_result zil_inpad_set_cache_ttl(const struct zil_inpad_t *inpad, int32_t ttl_ms);

/**
 * Wakes a `zil_inpad_recv` blocked in another thread (it returns
 * `ZIL_INTERRUPTED`), or makes the next one return it. Any thread.
 */
enum zil_result zil_inpad_wake(const struct zil_inpad_t *inpad);

/**
 * As `zil_inport_fd`, for an inpad: readable while a message is queued or
 * verified, when an answer of the authz server has come, and when the
 * server's silence has lasted the RPC timeout. A readable
 * descriptor means `zil_inpad_recv(inpad, &msg, 0)` makes progress, though
 * it may return `ZIL_TIMEOUT` when the message is dropped (unverified or
 * malformed) or its verification is still under way.
 */
enum zil_result zil_inpad_fd(const struct zil_inpad_t *inpad, int *fd);

/**
 * The address the inpad is attached to. Borrowed: valid until the inpad is
 * freed. NULL if `inpad` is NULL.
 */
const char *zil_inpad_endpoint(const struct zil_inpad_t *inpad);

/**
 * Copies the inpad's delivery and drop counters into `*stats`, whose `size` the
 * caller sets first (see `zil_inpad_stats_t`). Any thread.
 */
enum zil_result zil_inpad_stats(const struct zil_inpad_t *inpad, struct zil_inpad_stats_t *stats);

/**
 * Frees the inpad. NULL is a no-op. Messages already received stay valid.
 *
 * The rule of `zil_inport_free` holds for a `zil_inpad_recv` or
 * `zil_inpad_recv_into` blocked in another thread: it returns `ZIL_CLOSED`
 * promptly, also from a `verify` call in progress (which is ended), and
 * the sockets close once it has returned. A call that starts after this
 * function began is a use after free; other calls on the inpad must have
 * returned before the free.
 */
void zil_inpad_free(struct zil_inpad_t *inpad);

/* ------------------------------------------------------------------------
 * Options
 * ------------------------------------------------------------------------ */

/**
 * Creates options holding zil's defaults. Free with `zil_options_free`.
 * Returns NULL only if memory ran out.
 */
struct zil_options_t *zil_options_new(void);

/**
 * Frees options. NULL is a no-op. Ports created with them are unaffected.
 */
void zil_options_free(struct zil_options_t *opts);

/**
 * Sets the send high-water mark (messages queued per subscriber before
 * libzmq drops; 0 = no limit). `ZIL_INVALID_ARGUMENT` if negative.
 */
enum zil_result zil_options_set_sndhwm(struct zil_options_t *opts, int hwm);

/**
 * Sets the receive high-water mark (0 = no limit). Output ports and
 * outpads receive only subscription frames and hold them to 16 whatever
 * this says. `ZIL_INVALID_ARGUMENT` if negative.
 */
enum zil_result zil_options_set_rcvhwm(struct zil_options_t *opts, int hwm);

/**
 * Sets how long unsent messages are kept after a port is freed, in ms
 * (`-1` = until sent, `0` = drop at once). `ZIL_INVALID_ARGUMENT` below -1.
 */
enum zil_result zil_options_set_linger(struct zil_options_t *opts, int32_t linger_ms);

/**
 * Binds or connects (a `zil_attach` value). `ZIL_INVALID_ARGUMENT` for a
 * number that is no `zil_attach`.
 */
enum zil_result zil_options_set_attach(struct zil_options_t *opts, int attach);

/**
 * Input ports: `true` receives every topic that starts with the port's
 * topic (the Python original's behaviour), `false` (default) only the exact
 * topic.
 */
enum zil_result zil_options_set_prefix_match(struct zil_options_t *opts, bool prefix);

/**
 * Output ports and outpads: `lossless` true makes every push wait while a
 * subscriber's queue is full, at most `timeout_ms` (-1 forever); after that
 * the message is dropped (for every subscriber), counted in
 * `messages_dropped`, and the push returns `ZIL_TIMEOUT`. `false` (the
 * default) never blocks: a subscriber past its high-water mark misses
 * messages, like PUB. `ZIL_INVALID_ARGUMENT` for a timeout below -1.
 */
enum zil_result zil_options_set_lossless(struct zil_options_t *opts,
                                         bool lossless,
                                         int32_t timeout_ms);

/**
 * Inpads: how long the RPC server may stay silent while `verify` calls
 * wait for it, in ms (default 1000; -1 forever); then the messages waiting
 * are dropped (`dropped_rpc_failed`). It does not lengthen a receive: a
 * receive returns within its own timeout. `ZIL_INVALID_ARGUMENT` below -1.
 */
enum zil_result zil_options_set_rpc_timeout(struct zil_options_t *opts, int32_t timeout_ms);

/**
 * Inpads: the longest session id verified, in bytes (default
 * `ZIL_DEFAULT_MAX_SESSION_ID_LEN`). A message with a longer one is dropped
 * before any `verify` call and never cached, and counted in
 * `dropped_session_too_long`. `ZIL_INVALID_ARGUMENT` for 0.
 */
enum zil_result zil_options_set_max_session_id_len(struct zil_options_t *opts, size_t len);

/**
 * TCP keep-alive of the port's TCP connections: how zil learns that the
 * host at the other end is gone when nothing will ever say so (power lost,
 * a cable pulled, a partition that lasts). A connection on which nothing
 * arrived for `idle_s` seconds is probed every `interval_s` seconds, and
 * after `probes` unanswered probes it is dropped as if the peer had closed
 * it (monitors report `ZIL_PEER_DISCONNECTED`). The peer's kernel answers the
 * probes, so a peer that is alive but slow, or not reading, is never
 * dropped. Probes go out only while nothing this side sent awaits its
 * acknowledgement (data that does is bounded by TCP's retransmission
 * timeout). Default on: 10 s, every 2 s, 5 probes, so a dead peer is
 * noticed about 20 s after it went silent. `idle_s` 0 turns keep-alive off (the other two are
 * then ignored). `ZIL_INVALID_ARGUMENT` for values Linux does not take:
 * `idle_s` and `interval_s` 1..=32767, `probes` 1..=127.
 */
enum zil_result zil_options_set_tcp_keepalive(struct zil_options_t *opts,
                                              int32_t idle_s,
                                              int32_t interval_s,
                                              int32_t probes);

/**
 * Reads the TCP keep-alive set (`zil_options_set_tcp_keepalive`) into
 * the non-NULL out-arguments given (any may be NULL to skip it); all three
 * are 0 when keep-alive is off.
 */
enum zil_result zil_options_get_tcp_keepalive(const struct zil_options_t *opts,
                                              int32_t *idle_s,
                                              int32_t *interval_s,
                                              int32_t *probes);

/**
 * Sets the largest message frame a receiving socket hands on, in bytes
 * (`-1`: no limit). Default `ZIL_DEFAULT_MAX_MSG_SIZE` for ports,
 * `ZIL_DEFAULT_RPC_MAX_MSG_SIZE` for RPC servers and clients.
 * `ZIL_INVALID_ARGUMENT` below -1. A larger frame, up to twice the limit,
 * is dropped, logged and counted while the connection lives on (ports:
 * `messages_oversized`; an RPC server answers a -32600 error and counts
 * `requests_oversized`; a client's call fails with `ZIL_PROTOCOL_ERROR`).
 * Over twice the limit libzmq refuses the frame before allocating it and
 * drops that peer's connection (a server keeps serving everyone else; a
 * connecting input port stops receiving from that publisher, logs it and
 * counts it in `peers_dropped`). Output ports and outpads receive only
 * subscriptions and take none longer than twice (topic length + 512)
 * bytes, whatever this option says: a longer one can never match their
 * topic, and its sender's connection is dropped.
 */
enum zil_result zil_options_set_max_msg_size(struct zil_options_t *opts, int64_t max_bytes);

/**
 * Makes the socket a CURVE server with `secret_key` (40 characters of
 * Z85, e.g. from `zil_curve_keypair`): every connection is encrypted, and
 * only clients that know the matching public key get in. Combine with
 * `zil_options_allow_curve_client` to admit only listed clients.
 * `ZIL_NOT_SUPPORTED` without CURVE (`zil_curve_supported`),
 * `ZIL_INVALID_ARGUMENT` for a malformed key.
 */
enum zil_result zil_options_set_curve_server(struct zil_options_t *opts, const char *secret_key);

/**
 * Adds `public_key` (40 characters of Z85) to the CURVE server's
 * allow-list: once the list has a key, only clients with a listed key get
 * in; the others are refused during the handshake (they receive and call
 * nothing), logged, and counted in `peers_refused` of the handle's stats.
 * Needs `zil_options_set_curve_server` before the handle is created.
 * `ZIL_NOT_SUPPORTED` without CURVE, `ZIL_INVALID_ARGUMENT` for a
 * malformed key.
 */
enum zil_result zil_options_allow_curve_client(struct zil_options_t *opts, const char *public_key);

/**
 * Makes the socket a CURVE client of the server whose public key is
 * `server_key`. `client_public_key` and `client_secret_key` are this
 * client's own key pair (what a server's allow-list names); both NULL
 * makes a new pair for each connection (for servers without an
 * allow-list). For an inpad, the pair is also used for its `verify` calls
 * (`zil_options_set_curve_rpc_server_key`). `ZIL_NOT_SUPPORTED` without
 * CURVE, `ZIL_INVALID_ARGUMENT` for a malformed key or a secret key that
 * does not belong to the public key, `ZIL_NULL_ARGUMENT` when only one of
 * the pair is given.
 */
enum zil_result zil_options_set_curve_client(struct zil_options_t *opts,
                                             const char *server_key,
                                             const char *client_public_key,
                                             const char *client_secret_key);

/**
 * Inpads: encrypts the `verify` calls to the RPC server whose public key
 * is `server_key`, with the key pair of `zil_options_set_curve_client`
 * (or a new pair per connection without one). `ZIL_NOT_SUPPORTED` without
 * CURVE, `ZIL_INVALID_ARGUMENT` for a malformed key.
 */
enum zil_result zil_options_set_curve_rpc_server_key(struct zil_options_t *opts,
                                                     const char *server_key);

/**
 * Reads the current send and receive high-water marks and linger into the
 * non-NULL out-arguments given (any may be NULL to skip it).
 */
enum zil_result zil_options_get(const struct zil_options_t *opts,
                                int *sndhwm,
                                int *rcvhwm,
                                int32_t *linger_ms);

/* ------------------------------------------------------------------------
 * CURVE keys
 * ------------------------------------------------------------------------ */

/**
 * True when this build's libzmq can encrypt and authenticate with CURVE.
 * When false, every CURVE function and option returns `ZIL_NOT_SUPPORTED`.
 * Thread-safe.
 */
bool zil_curve_supported(void);

/**
 * Generates a new CURVE key pair and writes both keys as NUL-terminated
 * 40-character Z85 text to `public_key` and `secret_key`, caller buffers
 * of at least `ZIL_CURVE_KEY_SIZE` bytes each (written only on success).
 * `ZIL_NOT_SUPPORTED` without CURVE. Thread-safe.
 */
enum zil_result zil_curve_keypair(char *public_key, char *secret_key);

/**
 * Writes the public key that belongs to `secret_key` (40 characters of
 * Z85) to `public_key`, a caller buffer of at least `ZIL_CURVE_KEY_SIZE`
 * bytes (written only on success). Like every zil function that takes a
 * key, it ignores one trailing newline (`"\n"` or `"\r\n"`, as `fgets`
 * reads a line of a key file), and its error text says what is wrong
 * without ever showing the key. `ZIL_INVALID_ARGUMENT` when `secret_key`
 * is no Z85 key, `ZIL_NOT_SUPPORTED` without CURVE.
 */
enum zil_result zil_curve_public_key(const char *secret_key, char *public_key);

/* ------------------------------------------------------------------------
 * Connection monitor
 * ------------------------------------------------------------------------ */

/**
 * Starts reporting `port`'s connection events (subscribers arriving and
 * leaving). Returns NULL on failure. Free with `zil_monitor_free`.
 */
struct zil_monitor_t *zil_outport_monitor(const struct zil_outport_t *port);

/**
 * Starts reporting `port`'s connection events (connected to the
 * publisher, disconnected, retrying). Returns NULL on failure.
 */
struct zil_monitor_t *zil_inport_monitor(const struct zil_inport_t *port);

/**
 * As `zil_outport_monitor`, for an outpad.
 */
struct zil_monitor_t *zil_outpad_monitor(const struct zil_outpad_t *outpad);

/**
 * As `zil_inport_monitor`, for an inpad.
 */
struct zil_monitor_t *zil_inpad_monitor(const struct zil_inpad_t *inpad);

/**
 * Waits at most `timeout_ms` (-1 forever, 0 polls) for the next event and
 * writes it to `*event`. `ZIL_TIMEOUT` when none came, `ZIL_CLOSED` when
 * another thread freed the monitor during the call.
 */
enum zil_result zil_monitor_next(const struct zil_monitor_t *monitor,
                                 struct zil_peer_event_t *event,
                                 int32_t timeout_ms);

/**
 * Frees a monitor, before or after its port. NULL is a no-op.
 *
 * Freeing while another thread is blocked in `zil_monitor_next` on it is
 * defined: that call returns `ZIL_CLOSED` promptly (`zil_last_error()`
 * says it was freed), and the monitor itself goes once that call has
 * returned. A call that starts after this function began is a use after
 * free (the caller's error). Other monitors of the same port are not
 * affected.
 */
void zil_monitor_free(struct zil_monitor_t *monitor);

/* ------------------------------------------------------------------------
 * Logging
 * ------------------------------------------------------------------------ */

/**
 * Sends zil's log lines to `callback` (NULL: back to stderr, zil's default)
 * and sets the most verbose level delivered (`min_level`, a
 * `zil_log_level`). Without a callback, lines go to stderr at the level
 * named by the environment variable `ZIL_LOG` (default `warn`).
 *
 * `release` (may be NULL) is called with `user_data` exactly once, when zil
 * no longer calls `callback`: when the callback is replaced or removed by a
 * later `zil_set_log_callback`, or by `zil_shutdown`. It runs after every
 * call of `callback` in progress has returned, on the thread that replaced
 * or removed it. With a NULL `callback`, `user_data` and `release` are
 * not used. On failure (a bad `min_level`, or a call from inside the
 * log callback) nothing changes and `release` is not called. Affects only
 * zil's own logging; zil touches no other process-wide state.
 */
enum zil_result zil_set_log_callback(zil_log_fn callback,
                                     void *user_data,
                                     zil_release_fn release,
                                     int32_t min_level);

/**
 * Sets the most verbose level delivered (a `zil_log_level`, e.g.
 * `ZIL_LOG_DEBUG`), to the callback or stderr.
 */
enum zil_result zil_set_log_level(int32_t level);

#ifdef __cplusplus
}  // extern "C"
#endif  // __cplusplus

#endif  /* ZIL_H */
