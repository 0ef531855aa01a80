// zil.hpp, the C++ face: one test per class (moved-from objects included),
// errors as zil::Error with the C code and text, handlers and the log hook
// as lambdas whose copies zil destroys exactly once, and an exception
// thrown by a handler answered as a JSON-RPC error.
#include "check.h"
#include "zil.hpp"

#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace {

const zil::milliseconds wait_long{10000};

// Counts how many copies of a callable are alive.
struct Tracked {
    std::shared_ptr<int> alive;
    explicit Tracked(std::shared_ptr<int> counter) : alive(std::move(counter)) { ++*alive; }
    Tracked(const Tracked &other) : alive(other.alive) { ++*alive; }
    Tracked(Tracked &&other) noexcept : alive(other.alive) { ++*alive; }
    Tracked &operator=(const Tracked &) = delete;
    ~Tracked() { --*alive; }
};

template <class F> zil_result code_of(F &&f)
{
    try {
        f();
    } catch (const zil::Error &e) {
        return e.code();
    }
    return ZIL_OK;
}

void errors()
{
    // the throwing constructor: code and zil_last_error text
    try {
        zil::Outport port("tcp://nope", "t");
        CHECK(false);
    } catch (const zil::Error &e) {
        CHECK(e.code() == ZIL_INVALID_ARGUMENT);
        CHECKF(std::string(e.what()).find("tcp://nope") != std::string::npos, "what: %s", e.what());
    }
    // the non-throwing form says the same
    auto r = zil::Outport::create("tcp://nope", "t");
    CHECK(!r.ok() && r.code() == ZIL_INVALID_ARGUMENT);
    CHECK(r.status().message().find("tcp://nope") != std::string::npos);
    CHECK(code_of([&] { r.value(); }) == ZIL_INVALID_ARGUMENT);
    std::printf("errors: zil::Error and Result carry code and text: OK\n");
}

void options()
{
    zil::Options opts;
    opts.sndhwm(10).rcvhwm(20).linger(0ms).lossless(false).prefix_match(true).rpc_timeout(500ms);
    int snd = 0, rcv = 0;
    int32_t linger = -5;
    CHECK_OK(zil_options_get(opts.c_handle(), &snd, &rcv, &linger));
    CHECK(snd == 10 && rcv == 20 && linger == 0);
    CHECK(code_of([&] { opts.sndhwm(-1); }) == ZIL_INVALID_ARGUMENT);
    CHECK(code_of([&] { opts.attach(static_cast<zil_attach>(7)); }) == ZIL_INVALID_ARGUMENT);
    opts.tcp_keepalive(1s, 1s, 3).tcp_keepalive(0s, 0s, 0);
    CHECK(code_of([&] { opts.tcp_keepalive(10s, 2s, 128); }) == ZIL_INVALID_ARGUMENT);
    CHECK(code_of([&] { opts.tcp_keepalive(std::chrono::hours(1 << 20), 2s, 5); }) ==
          ZIL_INVALID_ARGUMENT);
    zil::Options moved = std::move(opts);
    CHECK(!opts && moved);
    CHECK(opts.try_sndhwm(1).code() == ZIL_NULL_ARGUMENT);
    CHECK(moved.try_sndhwm(1).ok());
    std::printf("Options: chained setters, bad values, moved-from: OK\n");
}

void streaming()
{
    zil::Outport out(TEST_TCP_ANY, "audio");
    zil::Inport in(out.endpoint(), "audio");
    CHECK(out.wait_subscribers(1, wait_long));

    std::string text = "hello";
    std::vector<uint8_t> raw = {0, 1, 2, 255};
    out.push(text, "pcm");
    out.push(raw);
    auto first = in.recv(wait_long);
    CHECK(first.has_value());
    CHECK(first->data().as_string_view() == "hello");
    CHECK(first->event() == "pcm" && first->has_event() && first->topic() == "audio");
    auto second = in.recv(wait_long);
    CHECK(second && second->size() == 4 && !second->has_event());
    CHECK(std::equal(raw.begin(), raw.end(), second->data().begin()));
    // a timeout is no error: an empty optional
    CHECK(!in.recv(20ms).has_value());
    // receiving into a message reuses it
    zil::Message reused = zil::Message::create().value();
    out.push("again");
    CHECK(in.recv_into(reused, wait_long));
    CHECK(reused.data().as_string_view() == "again");
    CHECK(!in.recv_into(reused, 0ms));
    CHECK(in.fd() >= 0);
    CHECK(out.stats().messages_sent == 3 && in.stats().messages_received == 3);
    in.wake();
    CHECK(code_of([&] { in.recv(wait_long); }) == ZIL_INTERRUPTED);

    // moved-from handles hold nothing; the new owner works; move-assign frees the old
    zil::Outport out2 = std::move(out);
    CHECK(!out && out2);
    CHECK(out.try_push("x").code() == ZIL_NULL_ARGUMENT);
    CHECK(out.try_set_interrupted(true).code() == ZIL_NULL_ARGUMENT);
    CHECK(out.endpoint().empty());
    out2.set_interrupted(true); // not lossless: pushes go on
    out2.push("moved");
    out2.set_interrupted(false);
    zil::Inport in2;
    in2 = std::move(in);
    CHECK(!in && in2);
    auto m = in2.recv(wait_long);
    CHECK(m && m->data().as_string_view() == "moved");
    zil::Message taken = std::move(*m);
    CHECK(m->size() == 0 && m->data().empty() && taken.size() == 5);
    CHECK(in.try_recv(0ms).code() == ZIL_NULL_ARGUMENT);
    std::printf("Outport, Inport, Message: push, recv, recv_into, moved-from: OK\n");
}

void monitor()
{
    zil::Outport out(TEST_TCP_ANY, "mon");
    zil::Monitor events = out.monitor();
    zil::Inport in(out.endpoint(), "mon");
    bool accepted = false;
    while (auto e = events.next(wait_long)) {
        if (e->kind == ZIL_PEER_ACCEPTED) {
            accepted = true;
            break;
        }
    }
    CHECK(accepted);
    zil::Monitor moved = std::move(events);
    CHECK(!events && moved);
    CHECK(events.try_next(0ms).code() == ZIL_NULL_ARGUMENT);
    std::printf("Monitor: events, moved-from: OK\n");
}

void rpc()
{
    auto alive = std::make_shared<int>(0);
    {
        zil::RpcServer server(TEST_TCP_ANY);
        std::string prefix = "tok-";
        int calls = 0;
        server.handle("get_token", [prefix, &calls, t = Tracked(alive)](const zil::Request &, zil::Reply &reply) {
            ++calls;
            reply.string(prefix + std::to_string(calls));
        });
        CHECK(*alive == 1); // zil holds one copy
        server.handle("verify", [](const zil::Request &req, zil::Reply &reply) {
            reply.boolean(req.params_string() == std::optional<std::string_view>("good"));
        });
        server.handle("logout", [](const zil::Request &, zil::Reply &reply) { reply.boolean(true); });
        server.handle("echo", [](const zil::Request &req, zil::Reply &reply) {
            reply.result_json(req.params_json().value_or("null"));
        });
        server.handle("boom", [](const zil::Request &, zil::Reply &) -> void {
            throw std::runtime_error("the handler failed");
        });
        server.handle("odd", [](const zil::Request &, zil::Reply &) -> void { throw 42; });
        server.start();

        zil::RpcClient client(server.endpoint(), wait_long);
        CHECK(client.get_token() == std::optional<std::string>("tok-1"));
        CHECK(client.verify("good") && !client.verify("bad"));
        CHECK(client.logout("tok-1"));
        CHECK(client.call("echo", "{\"a\":[1,2]}") == "{\"a\":[1,2]}");
        CHECK(client.call("echo") == "null");
        // an exception escaping a handler becomes an error reply
        try {
            client.call("boom");
            CHECK(false);
        } catch (const zil::Error &e) {
            CHECK(e.code() == ZIL_REMOTE_ERROR);
            CHECKF(std::string(e.what()).find("the handler failed") != std::string::npos, "%s", e.what());
        }
        auto odd = client.try_call("odd");
        CHECK(odd.code() == ZIL_REMOTE_ERROR);
        CHECK(odd.status().message().find("non-standard exception") != std::string::npos);
        CHECK(server.stats().error_replies == 2);
        // the server keeps serving
        CHECK(client.get_token() == std::optional<std::string>("tok-2"));
        // replacing the handler destroys zil's copy, once
        server.handle("get_token", [](const zil::Request &, zil::Reply &reply) { reply.string(std::nullopt); });
        CHECK(*alive == 0);
        CHECK(client.get_token() == std::nullopt);
        server.remove("get_token");
        CHECK(client.try_get_token().code() == ZIL_REMOTE_ERROR);

        // moved-from server and client
        zil::RpcClient client2 = std::move(client);
        CHECK(client.try_verify("good").code() == ZIL_NULL_ARGUMENT);
        CHECK(client2.verify("good"));
        server.handle("verify2", [t = Tracked(alive)](const zil::Request &, zil::Reply &) {});
        CHECK(*alive == 1);
        zil::RpcServer server2 = std::move(server);
        CHECK(!server && server.try_stop(0ms).code() == ZIL_NULL_ARGUMENT);
        CHECK(*alive == 1);
    } // server2 freed: its handlers' copies destroyed
    CHECK(*alive == 0);
    std::printf("RpcServer, RpcClient: lambdas, throwing handlers, release, moved-from: OK\n");
}

void pads()
{
    zil::RpcServer authz(TEST_TCP_ANY);
    authz.handle("verify", [](const zil::Request &req, zil::Reply &reply) {
        reply.boolean(req.params_string() == std::optional<std::string_view>("s1"));
    });
    authz.start();
    zil::Outpad out(TEST_TCP_ANY, "video");
    out.set_session_id("s1");
    zil::Inpad in(out.endpoint(), "video", authz.endpoint());
    in.cache_ttl(0ms);
    CHECK(out.wait_subscribers(1, wait_long));
    out.push("frame", "eos");
    auto m = in.recv(wait_long);
    CHECK(m && m->data().as_string_view() == "frame" && m->session_id() == "s1" && m->event() == "eos");
    out.set_session_id("s2"); // not verified: dropped
    out.push("dropped");
    CHECK(!in.recv(300ms));
    CHECK(in.stats().delivered == 1 && in.stats().dropped_unverified == 1);
    CHECK(out.stats().messages_sent == 2);
    zil::Outpad relay(TEST_TCP_ANY, "relay");
    in.link(relay);
    in.unlink();
    zil::Outpad none;
    CHECK(in.try_link(none).code() == ZIL_NULL_ARGUMENT);
    CHECK(code_of([&] { in.cache_ttl(-5ms); }) == ZIL_INVALID_ARGUMENT);
    zil::Inpad moved = std::move(in);
    CHECK(!in && in.try_wake().code() == ZIL_NULL_ARGUMENT && moved.fd() >= 0);
    zil::Outpad moved_out = std::move(out);
    CHECK(out.try_push("x").code() == ZIL_NULL_ARGUMENT && moved_out);
    CHECK(out.try_set_interrupted(true).code() == ZIL_NULL_ARGUMENT);
    moved_out.set_interrupted(false);
    std::printf("Outpad, Inpad: sessions, drops, link, moved-from: OK\n");
}

void log_hook()
{
    auto alive = std::make_shared<int>(0);
    std::mutex lock;
    std::vector<std::string> lines;
    zil::set_log_hook(
        [&lines, &lock, t = Tracked(alive)](zil_log_level level, std::string_view line) {
            std::lock_guard<std::mutex> guard(lock);
            if (level == ZIL_LOG_WARN)
                lines.emplace_back(line);
        },
        ZIL_LOG_WARN);
    CHECK(*alive == 1);
    {
        char dead[600];
        test_bind_address(TEST_IPC, "nobody", dead, sizeof dead);
        zil::RpcClient client(dead, 50ms);
        CHECK(client.try_call("ping").code() == ZIL_TIMEOUT);
    }
    {
        std::lock_guard<std::mutex> guard(lock);
        CHECK(lines.size() == 1 && lines[0].find("timed out") != std::string::npos);
    }
    // a hook that throws loses its line, nothing else
    zil::set_log_hook([](zil_log_level, std::string_view) { throw std::runtime_error("x"); }, ZIL_LOG_WARN);
    CHECK(*alive == 0); // replaced: destroyed once
    {
        char dead[600];
        test_bind_address(TEST_IPC, "nobody2", dead, sizeof dead);
        zil::RpcClient client(dead, 50ms);
        CHECK(client.try_call("ping").code() == ZIL_TIMEOUT);
    }
    zil::remove_log_hook();
    std::printf("log hook: lambda, replaced and destroyed once, throwing hook: OK\n");
}

void curve_and_version()
{
    CHECK(zil::version() == ZIL_VERSION);
    if (zil::curve_supported()) {
        zil::KeyPair keys = zil::curve_keypair();
        CHECK(keys.public_key.size() == 40 && keys.secret_key.size() == 40);
    } else {
        CHECK(zil::try_curve_keypair().code() == ZIL_NOT_SUPPORTED);
    }
    std::printf("version and CURVE keys: OK\n");
}

} // namespace

int main()
{
    test_watchdog(60);
    errors();
    options();
    streaming();
    monitor();
    rpc();
    pads();
    log_hook();
    curve_and_version();
    zil::shutdown(wait_long);
    return 0;
}
