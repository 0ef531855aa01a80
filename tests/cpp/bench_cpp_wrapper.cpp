// What zil.hpp costs: the same streaming loop, N messages through a
// lossless output port to an input port over TCP loopback, once through
// zil.h and once through zil.hpp, in rounds that alternate which goes
// first. Prints the median messages per second of each and their ratio.
// ZIL_BENCH_QUICK=1: a small run (the ctest smoke test). Fails on any lost or corrupted message.
#include "check.h"
#include "zil.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Setup {
    std::size_t count;
    std::size_t size;
};

const int32_t wait_ms = 10000;

double run_c(const Setup &s)
{
    zil_options_t *opts = zil_options_new();
    CHECK_OK(zil_options_set_lossless(opts, true, wait_ms));
    zil_outport_t *out = zil_outport_new_with_options(TEST_TCP_ANY, "bench", opts);
    CHECK(out != NULL);
    zil_inport_t *in = zil_inport_new(zil_outport_endpoint(out), "bench");
    CHECK(in != NULL);
    CHECK_OK(zil_outport_wait_subscribers(out, 1, wait_ms, NULL));
    std::vector<uint8_t> payload(s.size, 7);
    auto start = Clock::now();
    std::thread pusher([&] {
        for (std::size_t i = 0; i < s.count; i++)
            CHECK_OK(zil_outport_push(out, payload.data(), payload.size(), "pcm"));
    });
    zil_msg_t *msg = zil_msg_new();
    for (std::size_t i = 0; i < s.count; i++) {
        CHECK_OK(zil_inport_recv_into(in, msg, wait_ms));
        CHECK(zil_msg_size(msg) == s.size && zil_msg_data(msg)[0] == 7);
    }
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    pusher.join();
    zil_msg_free(msg);
    zil_inport_free(in);
    zil_outport_free(out);
    zil_options_free(opts);
    return static_cast<double>(s.count) / seconds;
}

double run_cpp(const Setup &s)
{
    zil::Options opts;
    opts.lossless(true, zil::milliseconds(wait_ms));
    zil::Outport out(TEST_TCP_ANY, "bench", opts);
    zil::Inport in(out.endpoint(), "bench");
    CHECK(out.wait_subscribers(1, zil::milliseconds(wait_ms)));
    std::vector<uint8_t> payload(s.size, 7);
    auto start = Clock::now();
    std::thread pusher([&] {
        for (std::size_t i = 0; i < s.count; i++)
            out.push(payload, "pcm");
    });
    zil::Message msg = zil::Message::create().value();
    for (std::size_t i = 0; i < s.count; i++) {
        CHECK(in.recv_into(msg, zil::milliseconds(wait_ms)));
        CHECK(msg.size() == s.size && msg.data()[0] == 7);
    }
    double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    pusher.join();
    return static_cast<double>(s.count) / seconds;
}

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

} // namespace

int main()
{
    bool quick = std::getenv("ZIL_BENCH_QUICK") != nullptr;
    int rounds = quick ? 1 : 7;
    test_watchdog(quick ? 60 : 600);
    for (std::size_t size : {64u, 4096u}) {
        Setup s{quick ? 2000u : 200000u, size};
        std::vector<double> c, cpp;
        for (int r = 0; r < rounds; r++) {
            // alternate which goes first, so neither always runs while the
            // other's sockets are still closing
            if (r % 2 == 0) {
                c.push_back(run_c(s));
                cpp.push_back(run_cpp(s));
            } else {
                cpp.push_back(run_cpp(s));
                c.push_back(run_c(s));
            }
        }
        double mc = median(c), mcpp = median(cpp);
        std::printf("%zu x %zu B over tcp, lossless, median of %d: zil.h %.0f msg/s (%.0f to %.0f), "
                    "zil.hpp %.0f msg/s (%.0f to %.0f), ratio %.3f\n",
                    s.count, size, rounds, mc, *std::min_element(c.begin(), c.end()),
                    *std::max_element(c.begin(), c.end()), mcpp,
                    *std::min_element(cpp.begin(), cpp.end()), *std::max_element(cpp.begin(), cpp.end()),
                    mcpp / mc);
    }
    return 0;
}
