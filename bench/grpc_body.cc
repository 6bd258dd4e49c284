// grpc_body: writes one gRPC-framed request body (a 5-byte prefix, then
// the message) for h2load's -d, so that h2load can drive a gRPC server:
//   grpc_body --rpc=assess --findings=30 > assess30.bin
//   grpc_body --rpc=health > health.bin
//   h2load -d assess30.bin -H 'content-type: application/grpc'
//     -H 'te: trailers'
//     http://127.0.0.1:PORT/medius.v1.AssessmentService/Assess
// (one command line).
// The Assess request is bench_requests.h's sized request (--findings=999:
// every finding the catalog allows).
#include <cstdint>
#include <iostream>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "bench/bench_requests.h"
#include "engine/engine.h"
#include "grpc/health/v1/health.pb.h"
#include "kb/loader.h"

ABSL_FLAG(std::string, rpc, "assess", "assess | health");
ABSL_FLAG(int, findings, 30, "Findings of the Assess request.");
ABSL_FLAG(std::string, view, "full", "full | basic (AssessRequest.view)");
ABSL_FLAG(std::string, kb_dir, MEDIUS_SOURCE_DIR "/knowledge", "");
ABSL_FLAG(std::string, example,
          MEDIUS_SOURCE_DIR "/examples/gluteal_tendinopathy.json", "");

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  std::string message;
  if (absl::GetFlag(FLAGS_rpc) == "health") {
    grpc::health::v1::HealthCheckRequest request;
    request.SerializeToString(&message);
  } else {
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
    medius::v1::AssessRequest request = medius::bench::SizedRequest(
        *example, (*engine)->info(), absl::GetFlag(FLAGS_findings));
    if (absl::GetFlag(FLAGS_view) == "basic") {
      request.set_view(medius::v1::ASSESS_VIEW_BASIC);
    }
    request.SerializeToString(&message);
  }
  const uint32_t size = static_cast<uint32_t>(message.size());
  const char prefix[5] = {
      0, static_cast<char>(size >> 24), static_cast<char>(size >> 16),
      static_cast<char>(size >> 8), static_cast<char>(size)};
  std::cout.write(prefix, 5);
  std::cout << message;
  return std::cout ? 0 : 1;
}
