// The C++ consumer: zil.hpp from an installed zil (pkg-config or CMake's
// zil::zil_cpp). Sends one message to itself over inproc and checks it.
#include <zil.hpp>

#include <cstdio>

int main()
{
    using namespace std::chrono_literals;
    try {
        zil::Outport out("inproc://consumer-cpp", "t");
        zil::Inport in("inproc://consumer-cpp", "t");
        if (!out.wait_subscribers(1, 2s))
            return 1;
        out.push("installed", "EOS");
        auto msg = in.recv(2s);
        bool ok = msg && msg->data().as_string_view() == "installed" && msg->event() == "EOS";
        std::printf("consumer_cpp: zil %s: %s\n", zil::version().data(), ok ? "OK" : "FAILED");
        return ok ? 0 : 1;
    } catch (const zil::Error &e) {
        std::fprintf(stderr, "consumer_cpp: %s\n", e.what());
        return 1;
    }
}
