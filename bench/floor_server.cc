// floor_server: the transport floor for Assess. A gRPC server on loopback
// whose Assess answers, to any request, the same bytes: the real response
// (spliced form, as medius-server sends it) to the benchmark request of
// --findings findings, computed once at start. The difference between it
// and medius-server, under the same load, is the per-call work of Medius
// itself (parsing, the engine, assembling the answer); the rest is gRPC,
// HTTP/2 and the kernel.
//
// Usage: floor_server --port_file=F [--findings=30] [--kb_dir=knowledge]
//   Listens on 127.0.0.1:0, writes the port to F, stops on SIGTERM/SIGINT.
#include <csignal>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/bench_requests.h"
#include "engine/engine.h"
#include "grpcpp/grpcpp.h"
#include "kb/loader.h"
#include "medius/v1/assessment_service.grpc.pb.h"

ABSL_FLAG(std::string, port_file, "", "Where to write the chosen port.");
ABSL_FLAG(int, findings, 30, "Findings of the request whose answer is sent.");
ABSL_FLAG(std::string, view, "full", "full | basic (AssessRequest.view)");
ABSL_FLAG(std::string, kb_dir, MEDIUS_SOURCE_DIR "/knowledge", "");
ABSL_FLAG(std::string, example,
          MEDIUS_SOURCE_DIR "/examples/gluteal_tendinopathy.json", "");

namespace {

class FloorService final
    : public medius::v1::AssessmentService::WithRawCallbackMethod_Assess<
          medius::v1::AssessmentService::Service> {
 public:
  explicit FloorService(const std::string& bytes) : bytes_(bytes) {}

  grpc::ServerUnaryReactor* Assess(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* /*request*/,
                                   grpc::ByteBuffer* response) override {
    grpc::ByteBuffer buffer(&bytes_, 1);  // shares the slice
    response->Swap(&buffer);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

 private:
  grpc::Slice bytes_;
};

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  auto kb = medius::kb::LoadKnowledgeBase(absl::GetFlag(FLAGS_kb_dir));
  if (!kb.ok()) {
    std::cerr << kb.status() << "\n";
    return 1;
  }
  auto engine = medius::engine::Engine::Create(*std::move(kb));
  auto example = medius::bench::ReadJsonRequest(absl::GetFlag(FLAGS_example));
  if (!engine.ok() || !example.ok()) {
    std::cerr << engine.status() << " " << example.status() << "\n";
    return 1;
  }
  auto request = medius::bench::SizedRequest(*example, (*engine)->info(),
                                             absl::GetFlag(FLAGS_findings));
  if (absl::GetFlag(FLAGS_view) == "basic") {
    request.set_view(medius::v1::ASSESS_VIEW_BASIC);
  }
  auto response = (*engine)->Assess(request, nullptr, {.spliced = true});
  if (!response.ok()) {
    std::cerr << response.status() << "\n";
    return 1;
  }
  response->set_assessment_id("00000000-0000-4000-8000-000000000000");
  auto bytes = (*engine)->SerializeSpliced(*response);
  if (!bytes.ok()) {
    std::cerr << bytes.status() << "\n";
    return 1;
  }
  // Blocked before gRPC starts its threads, which inherit the mask: only
  // sigwait below takes SIGTERM, so the server always shuts down cleanly.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  FloorService service(*bytes);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::cerr << "floor_server: could not listen\n";
    return 1;
  }
  std::ofstream(absl::GetFlag(FLAGS_port_file)) << port << "\n";
  std::cerr << "floor_server: " << bytes->size() << " bytes per answer, port "
            << port << "\n";
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown();
  return 0;
}
