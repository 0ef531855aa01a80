/* The plain-C side of zil-bench: the same streaming and RPC work written
 * against libzmq, against zil's C API and against NNG, so zil is measured
 * beside what a C programmer would write without it. Each peer file
 * (zmq.c, zil.c, nng.c) exports bench_<peer>_stream / _rpc; the Rust
 * driver (bench/src/plain_c.rs) calls them interleaved in one run.
 *
 * Streaming: a sender thread (CPU 0 when pinned) sends `count` messages
 * [topic, payload, "pcm"], blocking, lossless (high-water marks 0 where
 * the peer has them), after waiting for its subscriber; then an "EOS"
 * message. The receiver thread (CPU 1) checks order and length of every
 * payload (all bytes of every 64th) and times first to last message.
 * RPC: the original's `verify` request, one call at a time. */
#ifndef ZIL_BENCH_HARNESS_H
#define ZIL_BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BENCH_TOPIC "bench"
#define BENCH_EVENT "pcm"
#define BENCH_EOS "EOS"
#define BENCH_SESSION "4a501b51317e2c8f4a0fd7831d3e09dc"
/* The original client's verify request and its server's reply, as bytes. */
#define BENCH_VERIFY_REQUEST                                                                      \
    "{\"jsonrpc\": \"2.0\", \"method\": \"verify\", \"params\": \"" BENCH_SESSION                 \
    "\", \"id\": \"1\"}"
#define BENCH_VERIFY_REPLY "{\"jsonrpc\": \"2.0\", \"result\": true, \"id\": \"1\"}"

/* What the driver asks for. */
struct bench_spec {
    const char *addr;  /* e.g. "tcp://127.0.0.1:0", "ipc:///tmp/x", "inproc://x" */
    size_t size;       /* payload bytes (>= 8: the sequence number) */
    uint64_t count;    /* timed messages (streaming) or calls (RPC) */
    uint64_t warmup;   /* untimed messages or calls first */
    bool pin;          /* sender/client on CPU 0, receiver/server on CPU 1 */
};

/* What a run measured. error[0] != 0 means the run failed. */
struct bench_result {
    uint64_t sent, received, bad;
    double seconds;         /* first to last timed message / all timed calls */
    double p50_us, p99_us;  /* RPC only */
    char error[256];
};

/* --- shared by the peer files (harness.c) -------------------------------- */
double bench_now(void);
void bench_sleep_ms(int ms);
void bench_pin(bool pin, int cpu);
void bench_fail(struct bench_result *r, const char *what, const char *why);
/* payload: the sequence number in its first 8 bytes, a fixed pattern after */
void bench_stamp(uint8_t *buf, size_t size, uint64_t seq);
/* Checks one received payload (length, order, content), counting a bad one
 * in r; `next` is the lowest sequence number still expected. Returns the
 * next one to expect (a gap is a loss, counted by the driver). */
uint64_t bench_check(struct bench_result *r, const uint8_t *data, size_t len, size_t size,
                     uint64_t next);
/* A payload of `size` bytes of the pattern bench_check expects (malloc). */
uint8_t *bench_template(size_t size);
/* A thread running fn(arg); joined by bench_join. */
typedef struct bench_thread bench_thread;
bench_thread *bench_spawn(void *(*fn)(void *), void *arg);
void bench_join(bench_thread *t);
/* Latencies: record each call's microseconds, then fill p50/p99. */
void bench_latencies(struct bench_result *r, double *us, uint64_t n);

/* --- one streaming / RPC run, the same loops for every peer --------------- */
/* A peer's streaming calls. `open` makes both ends (bound, connected, the
 * subscriber seen) and returns the pair's state; `send` sends one message
 * [topic, data, event] blocking; `recv` receives one, pointing *data and
 * *len at its payload (valid until the next recv) and setting *eos for the EOS
 * message; all return 0 or -1 with the reason in r. */
struct bench_stream_ops {
    void *(*open)(const struct bench_spec *s, struct bench_result *r);
    int (*send)(void *pair, const uint8_t *data, size_t len, const char *event,
                struct bench_result *r);
    int (*recv)(void *pair, const uint8_t **data, size_t *len, bool *eos,
                struct bench_result *r);
    void (*close)(void *pair);
};
int bench_run_stream(const struct bench_spec *s, struct bench_result *r,
                     const struct bench_stream_ops *ops);

/* A peer's RPC calls: `open` starts a server answering verify and a
 * client; `call` makes one verify call (0 when it answered true). */
struct bench_rpc_ops {
    void *(*open)(const struct bench_spec *s, struct bench_result *r);
    int (*call)(void *pair, struct bench_result *r);
    void (*close)(void *pair);
};
int bench_run_rpc(const struct bench_spec *s, struct bench_result *r,
                  const struct bench_rpc_ops *ops);

/* --- the peers ------------------------------------------------------------ */
int bench_zmq_stream(const struct bench_spec *s, struct bench_result *r);
int bench_zmq_rpc(const struct bench_spec *s, struct bench_result *r);
int bench_zil_stream(const struct bench_spec *s, struct bench_result *r);
int bench_zil_rpc(const struct bench_spec *s, struct bench_result *r);
int bench_zil_session(const struct bench_spec *s, struct bench_result *r);
int bench_nng_stream(const struct bench_spec *s, struct bench_result *r);
int bench_nng_rpc(const struct bench_spec *s, struct bench_result *r);

#endif
