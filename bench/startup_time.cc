// startup_time: how long medius-server takes from exec to answering SERVING
// on grpc.health.v1.Health/Check (knowledge base loaded, validated and
// compiled, port bound), over several runs on 127.0.0.1.
//
// Example:
//   startup_time --server=build/src/server/medius-server --kb_dir=knowledge
// Prints one line: runs, median/min/max milliseconds to SERVING.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_format.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"

ABSL_FLAG(std::string, server, "", "Path of the medius-server binary.");
ABSL_FLAG(std::string, kb_dir, MEDIUS_SOURCE_DIR "/knowledge",
          "Knowledge-base directory.");
ABSL_FLAG(int, runs, 5, "Start-ups to time.");

namespace medius::bench {
namespace {

using Clock = std::chrono::steady_clock;

// Starts the server, returns milliseconds to SERVING (negative on failure),
// then stops it with SIGTERM.
double TimeOneStart(const std::string& server, const std::string& kb_dir) {
  char pattern[] = "/tmp/medius-startup-XXXXXX";
  std::string dir = mkdtemp(pattern);
  std::string port_file = dir + "/port";
  std::vector<std::string> args = {server,
                                   "--listen=127.0.0.1:0",
                                   "--port_file=" + port_file,
                                   "--kb_dir=" + kb_dir,
                                   "--insecure",
                                   "--drain_seconds=0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const Clock::time_point begin = Clock::now();
  pid_t pid = fork();
  if (pid == 0) {
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  double ms = -1;
  int port = 0;
  const Clock::time_point give_up = begin + std::chrono::seconds(30);
  while (Clock::now() < give_up && port == 0) {
    std::ifstream in(port_file);
    if (!(in >> port)) {
      port = 0;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  }
  if (port > 0) {
    auto channel = grpc::CreateChannel(absl::StrFormat("127.0.0.1:%d", port),
                                       grpc::InsecureChannelCredentials());
    auto stub = grpc::health::v1::Health::NewStub(channel);
    while (Clock::now() < give_up) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(1));
      context.set_wait_for_ready(true);
      grpc::health::v1::HealthCheckRequest request;
      request.set_service("medius.v1.AssessmentService");
      grpc::health::v1::HealthCheckResponse response;
      if (stub->Check(&context, request, &response).ok() &&
          response.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
        ms = std::chrono::duration<double, std::milli>(Clock::now() - begin)
                 .count();
        break;
      }
    }
  }
  kill(pid, SIGTERM);
  int status = 0;
  waitpid(pid, &status, 0);
  std::system(("rm -rf " + dir).c_str());
  return ms;
}

}  // namespace
}  // namespace medius::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string server = absl::GetFlag(FLAGS_server);
  if (server.empty()) {
    std::cerr
        << "usage: startup_time --server=PATH [--kb_dir=DIR] [--runs=N]\n";
    return 2;
  }
  std::vector<double> times;
  for (int i = 0; i < absl::GetFlag(FLAGS_runs); ++i) {
    double ms =
        medius::bench::TimeOneStart(server, absl::GetFlag(FLAGS_kb_dir));
    if (ms < 0) {
      std::cerr << "startup_time: the server never reported SERVING\n";
      return 1;
    }
    times.push_back(ms);
  }
  std::sort(times.begin(), times.end());
  std::cout << absl::StrFormat(
      "startup runs=%d median_ms=%.1f min_ms=%.1f max_ms=%.1f\n", times.size(),
      times[times.size() / 2], times.front(), times.back());
  return 0;
}
