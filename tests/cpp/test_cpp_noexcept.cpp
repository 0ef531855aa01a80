// zil.hpp built with -fno-exceptions: only the non-throwing forms exist
// (try_*, create), and they carry the same codes and texts.
#include "check.h"
#include "zil.hpp"

#include <string>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#error "this test is built with -fno-exceptions"
#endif

using namespace std::chrono_literals;

int main()
{
    test_watchdog(30);
    const zil::milliseconds wait_long{10000};

    auto bad = zil::Outport::create("tcp://nope", "t");
    CHECK(!bad && bad.code() == ZIL_INVALID_ARGUMENT);
    CHECK(bad.status().message().find("tcp://nope") != std::string::npos);

    zil::Options opts;
    CHECK(opts.try_sndhwm(-1).code() == ZIL_INVALID_ARGUMENT);
    CHECK(opts.try_linger(0ms).ok());
    CHECK(opts.try_tcp_keepalive(zil::seconds(0), zil::seconds(0), 0).ok());
    CHECK(opts.try_tcp_keepalive(zil::seconds(-1), zil::seconds(2), 5).code() ==
          ZIL_INVALID_ARGUMENT);

    auto out = zil::Outport::create(TEST_TCP_ANY, "t", &opts);
    CHECK(out.ok());
    auto in = zil::Inport::create(out.value().endpoint(), "t");
    CHECK(in.ok());
    auto joined = out.value().try_wait_subscribers(1, wait_long);
    CHECK(joined.ok() && joined.value());
    CHECK(out.value().try_push("abc", "ev").ok());
    auto msg = in.value().try_recv(wait_long);
    CHECK(msg.ok() && msg.value().has_value());
    CHECK(msg.value()->data().as_string_view() == "abc" && msg.value()->event() == "ev");
    auto none = in.value().try_recv(10ms);
    CHECK(none.ok() && !none.value().has_value());

    auto server = zil::RpcServer::create(TEST_TCP_ANY);
    CHECK(server.ok());
    int calls = 0;
    CHECK(server.value()
              .try_handle("verify",
                          [&calls](const zil::Request &req, zil::Reply &reply) {
                              ++calls;
                              reply.boolean(req.params_string() == std::optional<std::string_view>("ok"));
                          })
              .ok());
    CHECK(server.value().try_start().ok());
    auto client = zil::RpcClient::create(server.value().endpoint(), wait_long);
    CHECK(client.ok());
    auto yes = client.value().try_verify("ok");
    CHECK(yes.ok() && yes.value() && calls == 1);
    auto missing = client.value().try_call("nope");
    CHECK(missing.code() == ZIL_REMOTE_ERROR);

    zil::Outport moved = std::move(out.value());
    CHECK(out.value().try_push("x").code() == ZIL_NULL_ARGUMENT && moved);
    std::printf("zil.hpp without exceptions: OK\n");
    return 0;
}
