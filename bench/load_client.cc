// load_client: a closed-loop gRPC load generator built on the callback API.
// It keeps --concurrency calls outstanding (spread over --channels TCP
// connections) against medius.v1.AssessmentService/Assess or
// grpc.health.v1.Health/Check, and prints one line of results: calls,
// successes (grpc-status 0 only), throughput and latency percentiles.
//
// Example:
//   load_client --target=127.0.0.1:PORT --rpc=assess --findings=30
//       --concurrency=4 --warmup_seconds=1 --seconds=10
//   load_client --target=127.0.0.1:PORT --rpc=assess --requests=1000000
//
// Only loopback targets are accepted: this tool saturates what it hits.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/bench_requests.h"
#include "bench/loopback.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "medius/v1/assessment_service.grpc.pb.h"

ABSL_FLAG(std::string, target, "", "Server address (loopback only).");
ABSL_FLAG(std::string, rpc, "assess", "assess | health");
ABSL_FLAG(int, findings, 30, "Findings per Assess request (5 to ~69).");
ABSL_FLAG(std::string, example,
          MEDIUS_SOURCE_DIR "/examples/gluteal_tendinopathy.json",
          "The request the sized requests are built from.");
ABSL_FLAG(int, concurrency, 1, "Calls kept outstanding.");
ABSL_FLAG(int, channels, 0,
          "TCP connections to spread them over (0: one per call, up to 8).");
ABSL_FLAG(double, warmup_seconds, 1,
          "Calls completing before this are not "
          "counted.");
ABSL_FLAG(double, seconds, 10, "Measured time after the warm-up.");
ABSL_FLAG(int64_t, requests, 0,
          "Instead of a duration: make exactly this many calls, no warm-up.");
ABSL_FLAG(int, deadline_ms, 0, "Per-call deadline (0: none).");
ABSL_FLAG(std::string, token, "",
          "Bearer token, when the server requires one.");

namespace medius::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Settings {
  bool assess = true;
  int concurrency = 1;
  Clock::time_point measure_from, measure_until;
  int64_t request_limit = 0;  // 0: by time
  int deadline_ms = 0;
  std::string token;
};

// One outstanding call at a time; its results are touched only by the
// callback of its own previous call, so it needs no lock.
struct Slot {
  medius::v1::AssessmentService::Stub* assess = nullptr;
  grpc::health::v1::Health::Stub* health = nullptr;
  std::unique_ptr<grpc::ClientContext> context;
  // The previous call's context, destroyed only when the next call starts:
  // never inside the callback of the call that uses it.
  std::unique_ptr<grpc::ClientContext> previous;
  medius::v1::AssessResponse assess_response;
  grpc::health::v1::HealthCheckResponse health_response;
  Clock::time_point started;
  std::vector<int64_t> latencies_ns;
  int64_t ok = 0;
  std::vector<int64_t> failed_by_code = std::vector<int64_t>(17, 0);
};

class LoadRun {
 public:
  LoadRun(Settings settings, medius::v1::AssessRequest assess_request)
      : settings_(std::move(settings)),
        assess_request_(std::move(assess_request)) {
    health_request_.set_service("medius.v1.AssessmentService");
  }

  // Runs every slot until the time or request budget is spent.
  void Run(std::vector<Slot>& slots) {
    active_ = static_cast<int>(slots.size());
    for (Slot& slot : slots) Start(slot);
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return active_ == 0; });
  }

 private:
  bool Budget() {
    if (settings_.request_limit > 0) {
      return started_.fetch_add(1) < settings_.request_limit;
    }
    return Clock::now() < settings_.measure_until;
  }

  void Start(Slot& slot) {
    if (!Budget()) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--active_ == 0) done_.notify_all();
      return;
    }
    slot.previous = std::move(slot.context);
    slot.context = std::make_unique<grpc::ClientContext>();
    if (settings_.deadline_ms > 0) {
      slot.context->set_deadline(
          std::chrono::system_clock::now() +
          std::chrono::milliseconds(settings_.deadline_ms));
    }
    if (!settings_.token.empty()) {
      slot.context->AddMetadata("authorization", "Bearer " + settings_.token);
    }
    slot.started = Clock::now();
    auto on_done = [this, &slot](grpc::Status status) { Done(slot, status); };
    if (settings_.assess) {
      slot.assess->async()->Assess(slot.context.get(), &assess_request_,
                                   &slot.assess_response, on_done);
    } else {
      slot.health->async()->Check(slot.context.get(), &health_request_,
                                  &slot.health_response, on_done);
    }
  }

  void Done(Slot& slot, const grpc::Status& status) {
    Clock::time_point now = Clock::now();
    const bool counted =
        settings_.request_limit > 0 ||
        (now >= settings_.measure_from && now < settings_.measure_until);
    if (counted) {
      slot.latencies_ns.push_back(
          std::chrono::duration_cast<std::chrono::nanoseconds>(now -
                                                               slot.started)
              .count());
      if (status.ok()) {
        ++slot.ok;
      } else {
        ++slot.failed_by_code[std::min<int>(status.error_code(), 16)];
      }
    }
    Start(slot);  // non-blocking: the next call of this slot
  }

  const Settings settings_;
  const medius::v1::AssessRequest assess_request_;
  grpc::health::v1::HealthCheckRequest health_request_;
  std::atomic<int64_t> started_{0};
  std::mutex mutex_;
  std::condition_variable done_;
  int active_ = 0;
};

double Percentile(std::vector<int64_t>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * (sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)] / 1000.0;
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, int i) {
  grpc::ChannelArguments args;
  // A private subchannel pool and a distinct argument: a connection per
  // channel, as separate EMR clients would have.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetInt("medius.load_client.channel", i);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(),
                                   args);
}

int Main() {
  const std::string target = absl::GetFlag(FLAGS_target);
  if (!IsLoopbackTarget(target)) {
    std::cerr << "load_client: --target must be a loopback address "
                 "(127.x.y.z:port, localhost:port, [::1]:port)\n";
    return 2;
  }
  Settings settings;
  settings.assess = absl::GetFlag(FLAGS_rpc) == "assess";
  if (!settings.assess && absl::GetFlag(FLAGS_rpc) != "health") {
    std::cerr << "load_client: --rpc must be assess or health\n";
    return 2;
  }
  settings.concurrency = std::max(1, absl::GetFlag(FLAGS_concurrency));
  settings.request_limit = absl::GetFlag(FLAGS_requests);
  settings.deadline_ms = absl::GetFlag(FLAGS_deadline_ms);
  settings.token = absl::GetFlag(FLAGS_token);
  int channel_count = absl::GetFlag(FLAGS_channels);
  if (channel_count <= 0) channel_count = std::min(settings.concurrency, 8);

  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < channel_count; ++i) {
    channels.push_back(NewChannel(target, i));
    if (!channels.back()->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(10))) {
      std::cerr << "load_client: cannot connect to " << target << "\n";
      return 1;
    }
  }
  std::vector<std::unique_ptr<medius::v1::AssessmentService::Stub>> assess;
  std::vector<std::unique_ptr<grpc::health::v1::Health::Stub>> health;
  for (const auto& channel : channels) {
    assess.push_back(medius::v1::AssessmentService::NewStub(channel));
    health.push_back(grpc::health::v1::Health::NewStub(channel));
  }

  // The request, sized from the server's own catalog.
  medius::v1::AssessRequest request;
  if (settings.assess) {
    auto example = ReadJsonRequest(absl::GetFlag(FLAGS_example));
    if (!example.ok()) {
      std::cerr << "load_client: " << example.status() << "\n";
      return 1;
    }
    grpc::ClientContext context;
    if (!settings.token.empty()) {
      context.AddMetadata("authorization", "Bearer " + settings.token);
    }
    medius::v1::KnowledgeBaseInfo catalog;
    grpc::Status status = assess[0]->GetKnowledgeBase(&context, {}, &catalog);
    if (!status.ok()) {
      std::cerr << "load_client: GetKnowledgeBase: " << status.error_message()
                << "\n";
      return 1;
    }
    request = SizedRequest(*example, catalog, absl::GetFlag(FLAGS_findings));
  }

  std::vector<Slot> slots(settings.concurrency);
  for (int i = 0; i < settings.concurrency; ++i) {
    slots[i].assess = assess[i % channel_count].get();
    slots[i].health = health[i % channel_count].get();
  }
  const Clock::time_point begin = Clock::now();
  double seconds = absl::GetFlag(FLAGS_seconds);
  if (settings.request_limit > 0) {
    settings.measure_from = begin;
    settings.measure_until = Clock::time_point::max();
  } else {
    settings.measure_from =
        begin +
        std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double>(absl::GetFlag(FLAGS_warmup_seconds)));
    settings.measure_until =
        settings.measure_from + std::chrono::duration_cast<Clock::duration>(
                                    std::chrono::duration<double>(seconds));
  }
  LoadRun run(settings, request);
  run.Run(slots);
  if (settings.request_limit > 0) {
    seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  }

  std::vector<int64_t> latencies;
  int64_t ok = 0;
  std::vector<int64_t> failed(17, 0);
  for (Slot& slot : slots) {
    latencies.insert(latencies.end(), slot.latencies_ns.begin(),
                     slot.latencies_ns.end());
    ok += slot.ok;
    for (int c = 0; c < 17; ++c) failed[c] += slot.failed_by_code[c];
  }
  std::sort(latencies.begin(), latencies.end());
  int64_t failures = 0;
  std::vector<std::string> codes;
  for (int c = 0; c < 17; ++c) {
    failures += failed[c];
    if (failed[c] > 0) codes.push_back(absl::StrCat(c, ":", failed[c]));
  }
  std::cout << absl::StrFormat(
      "rpc=%s findings=%d concurrency=%d channels=%d seconds=%.2f calls=%d "
      "ok=%d failed=%d qps=%.0f p50_us=%.1f p99_us=%.1f p999_us=%.1f "
      "max_us=%.1f request_bytes=%d codes=%s\n",
      settings.assess ? "assess" : "health",
      settings.assess ? request.findings_size() : 0, settings.concurrency,
      channel_count, seconds, latencies.size(), ok, failures,
      ok / std::max(seconds, 1e-9), Percentile(latencies, 0.50),
      Percentile(latencies, 0.99), Percentile(latencies, 0.999),
      latencies.empty() ? 0.0 : latencies.back() / 1000.0,
      settings.assess ? request.ByteSizeLong() : 0,
      codes.empty() ? "-" : absl::StrJoin(codes, ","));
  return failures == 0 && ok > 0 ? 0 : 1;
}

}  // namespace
}  // namespace medius::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Closed-loop gRPC load against a Medius server on loopback.\n"
      "Usage: load_client --target=127.0.0.1:PORT [--rpc=assess|health] "
      "[--findings=N] [--concurrency=N] [--seconds=S | --requests=N]");
  absl::ParseCommandLine(argc, argv);
  return medius::bench::Main();
}
