// Fault tests against the real medius-server on 127.0.0.1: deadlines
// shorter than the work, clients that cancel or vanish mid-call, and
// SIGTERM while the server is saturated. After each fault the server must
// still be running, healthy, and answering correctly; no call may end with
// a status other than the ones the fault explains.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "e2e/demo_request.h"
#include "e2e/server_process.h"
#include "fault/raw_http2.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "medius/v1/assessment_service.grpc.pb.h"

namespace medius::fault {
namespace {

using grpc::StatusCode;
using medius::testing::DemoRequest;
using medius::v1::AssessRequest;
using medius::v1::AssessResponse;
using ::testing::HasSubstr;

std::shared_ptr<grpc::Channel> NewChannel(const std::string& address, int i) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // own connection
  args.SetInt("medius.fault.channel", i);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(),
                                   args);
}

// Asynchronous Assess calls, `parallel` in flight at a time, until `total`
// have finished or `keep_going` says stop. `prepare` may set a deadline on
// a call's context. Every context stays alive until the run is over, so a
// canceller thread may touch it at any time.
// These tests count how the transport ends calls under faults (deadlines,
// cancellation, SIGTERM), so the server keeps no assessment record. With
// --audit=required a call keeps its in-flight slot until its record is
// committed, and even best effort's writer thread takes CPU from the calls
// (under ASan enough to slow them): a client that cancels thousands of calls
// a second then meets its per-client limit (RESOURCE_EXHAUSTED), the limit
// working, not what these tests count. The record under faults (kill -9, the
// store going away) is tests/e2e/audit_e2e_test.cc.
constexpr char kAuditMode[] = "--audit=off";

class CallRun {
 public:
  struct Call {
    grpc::ClientContext context;
    AssessResponse response;
    std::atomic<bool> started{false};
    StatusCode code = StatusCode::OK;
    std::string message;
    std::chrono::steady_clock::time_point start, end;
  };

  CallRun(std::vector<std::shared_ptr<grpc::Channel>> channels, int total)
      : channels_(std::move(channels)), calls_(total) {
    for (auto& call : calls_) call = std::make_unique<Call>();
    for (const auto& channel : channels_) {
      stubs_.push_back(medius::v1::AssessmentService::NewStub(channel));
    }
  }

  void Run(
      int parallel, const std::function<void(int, Call&)>& prepare,
      const std::function<bool()>& keep_going = [] { return true; }) {
    prepare_ = prepare;
    keep_going_ = keep_going;
    for (int i = 0; i < parallel; ++i) StartNext();
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [this] { return started_ == finished_ && stopped_; });
  }

  Call& call(int i) { return *calls_[i]; }
  int started() {
    std::lock_guard<std::mutex> lock(mutex_);
    return started_;
  }

  static std::string Describe(const std::map<StatusCode, int>& codes) {
    std::string out;
    for (const auto& [code, n] : codes) {
      out += std::to_string(static_cast<int>(code)) + ":" + std::to_string(n) +
             " ";
    }
    return out;
  }
  std::map<StatusCode, int> Codes() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::map<StatusCode, int> codes;
    for (int i = 0; i < started_; ++i) ++codes[calls_[i]->code];
    return codes;
  }

 private:
  void StartNext() {
    int i;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (started_ == static_cast<int>(calls_.size()) || !keep_going_()) {
        stopped_ = true;
        if (started_ == finished_) done_.notify_all();
        return;
      }
      i = started_++;
    }
    Call& c = *calls_[i];
    prepare_(i, c);
    c.start = std::chrono::steady_clock::now();
    stubs_[i % stubs_.size()]->async()->Assess(
        &c.context, &request_, &c.response, [this, &c](grpc::Status status) {
          c.code = status.error_code();
          c.message = status.error_message();
          c.end = std::chrono::steady_clock::now();
          {
            std::lock_guard<std::mutex> lock(mutex_);
            ++finished_;
          }
          StartNext();
        });
    c.started = true;
  }

  const AssessRequest request_ = DemoRequest();
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  std::vector<std::unique_ptr<medius::v1::AssessmentService::Stub>> stubs_;
  std::vector<std::unique_ptr<Call>> calls_;
  std::function<void(int, Call&)> prepare_;
  std::function<bool()> keep_going_;
  std::mutex mutex_;
  std::condition_variable done_;
  int started_ = 0, finished_ = 0;
  bool stopped_ = false;
};

class CallFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(
        {std::string("--kb_dir=") + MEDIUS_KB_DIR, "--insecure", kAuditMode}))
        << server_.Output();
    channel_ = NewChannel(server_.address(), 0);
    ASSERT_TRUE(channel_->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(10)));
  }

  // The server is still up, SERVING, and gives the right answer.
  void ExpectHealthy() {
    ASSERT_EQ(kill(server_.pid(), 0), 0) << "server died\n" << server_.Output();
    auto fresh = NewChannel(server_.address(), 99);
    grpc::ClientContext health_context;
    health_context.set_deadline(std::chrono::system_clock::now() +
                                std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest health_request;
    health_request.set_service("medius.v1.AssessmentService");
    grpc::health::v1::HealthCheckResponse health;
    ASSERT_TRUE(grpc::health::v1::Health::NewStub(fresh)
                    ->Check(&health_context, health_request, &health)
                    .ok());
    EXPECT_EQ(health.status(), grpc::health::v1::HealthCheckResponse::SERVING);
    // Calls the client cancelled hold their in-flight slots until gRPC is
    // done with them (on purpose: a reset must not free a slot early, see
    // the rapid-reset test), which under ASan can lag the burst; so retry
    // RESOURCE_EXHAUSTED as its RetryInfo says (100 ms), for up to 5 s.
    AssessResponse response;
    grpc::Status status;
    for (int attempt = 0; attempt < 50; ++attempt) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(5));
      status = medius::v1::AssessmentService::NewStub(fresh)->Assess(
          &context, DemoRequest(), &response);
      if (status.error_code() != StatusCode::RESOURCE_EXHAUSTED) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_TRUE(status.ok()) << status.error_message();
    ASSERT_FALSE(response.differential().empty());
    EXPECT_EQ(response.differential(0).condition_code(),
              "gluteal_tendinopathy");
  }

  medius::testing::ServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(CallFaultTest, ExpiredDeadlineIsDeadlineExceeded) {
  // A deadline already past when the call starts. (A deadline of a few
  // microseconds is not enough: gRPC deadlines are timers, and an answer
  // that beats the timer is, correctly, OK. The next test covers those.)
  CallRun run({channel_}, 200);
  run.Run(8, [](int, CallRun::Call& c) {
    c.context.set_deadline(std::chrono::system_clock::now() -
                           std::chrono::milliseconds(1));
  });
  EXPECT_EQ(run.Codes(),
            (std::map<StatusCode, int>{{StatusCode::DEADLINE_EXCEEDED, 200}}));
  ExpectHealthy();
}

TEST_F(CallFaultTest, DeadlinesAroundTheServiceTimeEndOkOrDeadlineExceeded) {
  // From far below one call's time to twice the median, so that some calls
  // finish and some expire, on the client or in the server, whatever the
  // build's speed (the sanitizer build is several times slower). Nothing
  // else may happen.
  auto channel2 = NewChannel(server_.address(), 1);
  CallRun timing({channel_, channel2}, 300);
  timing.Run(16, [](int, CallRun::Call&) {});
  std::vector<int64_t> latency_us;
  for (int i = 0; i < 300; ++i) {
    latency_us.push_back(std::chrono::duration_cast<std::chrono::microseconds>(
                             timing.call(i).end - timing.call(i).start)
                             .count());
  }
  std::sort(latency_us.begin(), latency_us.end());
  const int64_t median_us = std::max<int64_t>(latency_us[150], 10);

  std::mt19937 rng(1);
  std::vector<int64_t> deadline_us(3000);
  for (int64_t& d : deadline_us) d = 5 + rng() % (2 * median_us);
  CallRun run({channel_, channel2}, 3000);
  run.Run(16, [&](int i, CallRun::Call& c) {
    c.context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::microseconds(deadline_us[i]));
  });
  auto codes = run.Codes();
  EXPECT_GT(codes[StatusCode::OK], 0) << "median call " << median_us << " us";
  EXPECT_GT(codes[StatusCode::DEADLINE_EXCEEDED], 0);
  EXPECT_EQ(codes[StatusCode::OK] + codes[StatusCode::DEADLINE_EXCEEDED], 3000)
      << "other statuses seen";
  ExpectHealthy();
}

TEST_F(CallFaultTest, ClientCancellingMidCallLeavesTheServerHealthy) {
  constexpr int kCalls = 2000;
  CallRun run({channel_, NewChannel(server_.address(), 1)}, kCalls);
  // Cancels each call a random 0-300 us after it starts: before it is
  // sent, while the server works on it, or after it finished.
  std::thread canceller([&run] {
    std::mt19937 rng(2);
    for (int i = 0; i < kCalls; ++i) {
      while (!run.call(i).started) std::this_thread::yield();
      std::this_thread::sleep_for(std::chrono::microseconds(rng() % 300));
      run.call(i).context.TryCancel();
    }
  });
  run.Run(8, [](int, CallRun::Call&) {});
  canceller.join();
  auto codes = run.Codes();
  EXPECT_GT(codes[StatusCode::CANCELLED], 0);
  EXPECT_EQ(codes[StatusCode::OK] + codes[StatusCode::CANCELLED], kCalls)
      << "other statuses seen: " << CallRun::Describe(codes);
  ExpectHealthy();
}

TEST_F(CallFaultTest, ClientVanishingMidCallLeavesTheServerHealthy) {
  std::string message;
  DemoRequest().SerializeToString(&message);
  for (int round = 0; round < 50; ++round) {
    for (CutAfter cut : {CutAfter::kPreface, CutAfter::kHeaders,
                         CutAfter::kHalfMessage, CutAfter::kFullMessage}) {
      ASSERT_TRUE(HalfCallThenReset(server_.port(), message, cut));
    }
  }
  // Meanwhile, and after, well-behaved clients are served.
  CallRun run({channel_}, 200);
  run.Run(4, [](int, CallRun::Call&) {});
  EXPECT_EQ(run.Codes(), (std::map<StatusCode, int>{{StatusCode::OK, 200}}));
  ExpectHealthy();
}

// Saturating load (64 calls in flight over 4 connections) with SIGTERM
// sent after 2000 calls; the load goes on for `load_after_signal`, or
// until the server refuses calls. Returns the calls, split by whether they
// were sent before the signal.
struct SigtermRun {
  int before = 0, before_ok = 0, in_flight = 0;
  int after = 0, after_ok = 0;
  std::map<StatusCode, int> codes;
  int exit_status = -1;
};

SigtermRun SaturateThenSigterm(medius::testing::ServerProcess& server,
                               std::chrono::milliseconds load_after_signal) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < 4; ++i) {
    channels.push_back(NewChannel(server.address(), i));
  }
  CallRun run(channels, 1000000);
  std::atomic<bool> stop{false};
  std::thread load([&] {
    run.Run(
        64,
        [](int, CallRun::Call& c) {
          c.context.set_deadline(std::chrono::system_clock::now() +
                                 std::chrono::seconds(15));
        },
        [&] { return !stop.load(); });
  });
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (run.started() < 2000 && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const auto signalled = std::chrono::steady_clock::now();
  kill(server.pid(), SIGTERM);
  while (std::chrono::steady_clock::now() < signalled + load_after_signal &&
         run.Codes()[StatusCode::OK] >= run.started() - 64) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  stop = true;
  load.join();
  SigtermRun result;
  result.exit_status = server.WaitForExit();
  result.codes = run.Codes();
  for (int i = 0; i < run.started(); ++i) {
    const CallRun::Call& c = run.call(i);
    const bool ok = c.code == StatusCode::OK;
    if (c.start < signalled) {
      ++result.before;
      result.before_ok += ok;
      result.in_flight += c.end > signalled;
    } else {
      ++result.after;
      result.after_ok += ok;
    }
  }
  return result;
}

TEST(SigtermFaultTest, WithDrainEveryCallSentCompletes) {
  // The deployment's shutdown (deploy/ sets a drain): health turns
  // NOT_SERVING, calls keep being answered for --drain_seconds, then the
  // server stops. A client that keeps sending through the first quarter of
  // the drain loses nothing. (A quarter, not half: under ASan a call waits
  // over a second behind 64 in flight, and one sent just before the drain
  // ends cannot finish in any server; cancelling those is issue 11's
  // shutdown item.)
  medius::testing::ServerProcess server;
  ASSERT_TRUE(server.Start({std::string("--kb_dir=") + MEDIUS_KB_DIR,
                            "--insecure", kAuditMode, "--drain_seconds=4"}))
      << server.Output();
  SigtermRun run = SaturateThenSigterm(server, std::chrono::milliseconds(1000));
  // Enough load to matter whatever the build (ASan runs the suite too, and
  // the primary-source model made each call dearer); that calls were in
  // flight at the signal is asserted next.
  EXPECT_GE(run.before, 200);
  EXPECT_GT(run.in_flight, 0) << "no call was in flight at SIGTERM";
  // On failure, which status codes the others got (diagnosis).
  std::string codes;
  for (const auto& [code, n] : run.codes) {
    codes +=
        " " + std::to_string(static_cast<int>(code)) + ":" + std::to_string(n);
  }
  EXPECT_EQ(run.before_ok, run.before) << "codes:" << codes;
  EXPECT_GT(run.after, 0);
  EXPECT_EQ(run.after_ok, run.after) << "codes:" << codes;
  ASSERT_TRUE(WIFEXITED(run.exit_status)) << server.Output();
  EXPECT_EQ(WEXITSTATUS(run.exit_status), 0);
  EXPECT_THAT(server.Output(), HasSubstr("received SIGTERM"));
}

TEST(SigtermFaultTest, WithoutDrainOnlyCallsStillQueuedAreCancelled) {
  // No drain (--drain_seconds=0, as ServerProcess starts every test server;
  // the server's own default is 5 s): gRPC stops the server at once. Calls it
  // is running finish; calls still queued for a handler thread when Shutdown()
  // starts are cancelled by gRPC (CANCELLED, never run), at most the 64 in
  // flight; later calls are refused. Nothing hangs, nothing else fails.
  // See docs/PERFORMANCE.md, "Fault tests".
  medius::testing::ServerProcess server;
  ASSERT_TRUE(server.Start(
      {std::string("--kb_dir=") + MEDIUS_KB_DIR, "--insecure", kAuditMode}))
      << server.Output();
  SigtermRun run = SaturateThenSigterm(server, std::chrono::milliseconds(2000));
  EXPECT_GE(run.before, 200);  // see the drain test
  EXPECT_GE(run.before_ok, run.before - 64);
  EXPECT_EQ(run.codes[StatusCode::OK] + run.codes[StatusCode::CANCELLED] +
                run.codes[StatusCode::UNAVAILABLE],
            run.before + run.after)
      << "DEADLINE_EXCEEDED " << run.codes[StatusCode::DEADLINE_EXCEEDED]
      << ", INTERNAL " << run.codes[StatusCode::INTERNAL] << ", UNKNOWN "
      << run.codes[StatusCode::UNKNOWN];
  std::cout << "sigterm without drain: " << run.before
            << " calls sent before the signal, " << run.in_flight
            << " in flight, " << run.before - run.before_ok
            << " of them cancelled\n";
  ASSERT_TRUE(WIFEXITED(run.exit_status)) << server.Output();
  EXPECT_EQ(WEXITSTATUS(run.exit_status), 0);
}

}  // namespace
}  // namespace medius::fault

namespace medius::fault {
namespace {

using medius::testing::DemoRequest;

// Resident memory of `pid` in MiB, from /proc.
double RssMb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) / 1024;
  }
  return -1;
}

// Issue 11: 100 connections x 100 calls whose responses are never read took
// the server from 21 MB to 1.17 GB. Each response waiting to be sent holds
// about 300 KB today (full responses, issue 12), and gRPC's memory quota
// does not count them, so the in-flight limits bound them: one client (here
// one host) holds at most --max_calls_in_flight_per_client (64) x 300 KB,
// and each refused stream, whose error the client never reads either,
// about 13 KB (at most 100 per connection). Measured 48-155 MB growth.
// A server with the default limits and the demo request's bytes, for the
// flood tests.
class FloodFaultTest : public ::testing::Test {
 protected:
  bool StartServer() {
    EXPECT_TRUE(DemoRequest().SerializeToString(&message));
    const bool started = server.Start(
        {std::string("--kb_dir=") + MEDIUS_KB_DIR, "--insecure", kAuditMode});
    EXPECT_TRUE(started) << server.Output();
    return started && !message.empty();
  }
  testing::ServerProcess server;
  std::string message;
};

TEST_F(FloodFaultTest, NonReadingClientsCannotGrowMemoryWithoutBound) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "resident memory says nothing under ASan (shadow memory, "
                  "quarantine); the normal build runs this";
#endif
  ASSERT_TRUE(StartServer());
  const double before = RssMb(server.pid());
  std::vector<int> sockets;
  for (int i = 0; i < 100; ++i) {
    sockets.push_back(OpenNonReadingCalls(server.port(), message, 100));
    ASSERT_GE(sockets.back(), 0);
  }
  // Long enough for every call to be answered (or refused) and to sit in
  // the server; the peers never read and never answer pings.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  const double during = RssMb(server.pid());
  std::cerr << "flood: 100 connections x 100 unread calls: RSS " << before
            << " -> " << during << " MiB\n";
  EXPECT_LT(during - before, 300) << "MiB grown under the flood";
  // Everyone else is still served while the flood holds its connections.
  auto stub = medius::v1::AssessmentService::NewStub(grpc::CreateChannel(
      server.address(), grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  medius::v1::GetKnowledgeBaseRequest request;
  medius::v1::KnowledgeBaseInfo info;
  grpc::Status status = stub->GetKnowledgeBase(&context, request, &info);
  // Over the in-flight cap the answer is a prompt RESOURCE_EXHAUSTED, never
  // a hang.
  EXPECT_TRUE(status.ok() ||
              status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
      << status.error_code() << " " << status.error_message();
  for (int s : sockets) close(s);
}

// HTTP/2 rapid reset (CVE-2023-44487; Debian's gRPC 1.51 predates the
// upstream fix): one host opens calls and resets each at once, as fast as it
// can. Before, normal calls timed out. The per-client in-flight share keeps
// the attacker to its own slots, so a client on another host is still
// served. gRPC's own memory still grows under the attack (reported, not
// bounded here: docs/SECURITY.md says to front the port with a proxy that
// has the fix).
TEST_F(FloodFaultTest, RapidResetFromOneHostDoesNotStopAnother) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "timing under ASan says nothing; the normal build runs this";
#endif
  ASSERT_TRUE(StartServer());
  const double before = RssMb(server.pid());
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  std::atomic<int> streams{0};
  std::vector<std::thread> attackers;
  for (int t = 0; t < 4; ++t) {
    attackers.emplace_back([&] {
      while (std::chrono::steady_clock::now() < end) {
        const int sent = RapidReset(server.port(), message, 20000, "127.0.0.2");
        streams += sent;
        if (sent == 0) break;  // cannot connect from 127.0.0.2
      }
    });
  }
  // The other client, from 127.0.0.1, at a clinic's pace.
  std::map<StatusCode, int> codes;
  auto stub = medius::v1::AssessmentService::NewStub(grpc::CreateChannel(
      server.address(), grpc::InsecureChannelCredentials()));
  const AssessRequest request = DemoRequest();
  double peak = before;
  while (std::chrono::steady_clock::now() < end) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(2));
    medius::v1::AssessResponse response;
    codes[stub->Assess(&context, request, &response).error_code()]++;
    peak = std::max(peak, RssMb(server.pid()));
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  for (auto& t : attackers) t.join();
  int calls = 0;
  std::string summary;
  for (const auto& [code, n] : codes) {
    calls += n;
    summary +=
        " " + std::to_string(static_cast<int>(code)) + ":" + std::to_string(n);
  }
  std::cerr << "rapid reset: " << streams << " reset calls in 5 s; the other "
            << "client's calls (code:count)" << summary << "; RSS " << before
            << " -> peak " << peak << " MiB\n";
  ASSERT_GT(streams.load(), 10000) << "the attack did not run";
  ASSERT_GT(calls, 20);
  EXPECT_GE(codes[StatusCode::OK], calls * 95 / 100) << summary;
}

}  // namespace
}  // namespace medius::fault
