// A pipeline stage in C++ with zil.hpp: an inpad receives verified audio
// chunks, the stage processes them (here: reverses the bytes), and an
// outpad linked to the inpad sends the result on under the same session,
// without the stage ever handling a session id. The authz server, the
// source and the sink run in this process so the example is
// self-contained; in a pipeline each is a process of its own.
#include "zil.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

using namespace std::chrono_literals;

// The stage: verified data in, processed data out, until `count` chunks.
static int run_stage(const zil::Inpad &in, const zil::Outpad &out, int count)
{
    zil::Message msg = zil::Message::create().value();
    std::vector<std::uint8_t> processed;
    int done = 0;
    while (done < count && in.recv_into(msg, 5s)) {
        processed.assign(msg.data().begin(), msg.data().end());
        std::reverse(processed.begin(), processed.end());
        out.push(processed, msg.event());
        done++;
    }
    return done;
}

int main()
{
    try {
        // the authz service: one valid session
        zil::RpcServer authz("tcp://127.0.0.1:*");
        authz.handle("verify", [](const zil::Request &req, zil::Reply &reply) {
            reply.boolean(req.params_string() == std::optional<std::string_view>("session-42"));
        });
        authz.start();

        zil::Outpad source("tcp://127.0.0.1:*", "audio");
        source.set_session_id("session-42");

        zil::Inpad stage_in(source.endpoint(), "audio", authz.endpoint());
        zil::Outpad stage_out("tcp://127.0.0.1:*", "processed");
        stage_in.link(stage_out);

        zil::Inpad sink(stage_out.endpoint(), "processed", authz.endpoint());
        if (!source.wait_subscribers(1, 5s) || !stage_out.wait_subscribers(1, 5s)) {
            std::fprintf(stderr, "stage: subscribers did not connect\n");
            return 1;
        }

        const int chunks = 5;
        for (int i = 0; i < chunks; i++)
            source.push("chunk-" + std::to_string(i), "pcm");
        if (run_stage(stage_in, stage_out, chunks) != chunks) {
            std::fprintf(stderr, "stage: not every chunk arrived\n");
            return 1;
        }
        for (int i = 0; i < chunks; i++) {
            auto msg = sink.recv(5s);
            std::string want = "chunk-" + std::to_string(i);
            std::reverse(want.begin(), want.end());
            if (!msg || msg->data().as_string_view() != want || msg->session_id() != "session-42") {
                std::fprintf(stderr, "stage: chunk %d wrong or missing\n", i);
                return 1;
            }
            std::printf("sink got \"%.*s\" of session %.*s\n", static_cast<int>(msg->size()),
                        reinterpret_cast<const char *>(msg->data().data()),
                        static_cast<int>(msg->session_id().size()), msg->session_id().data());
        }
    } catch (const zil::Error &e) {
        std::fprintf(stderr, "stage: %s (%s)\n", e.what(), zil_result_str(e.code()));
        return 1;
    }
    zil::shutdown(2s);
    return 0;
}
