// Hardening (issue 11) against the real medius-server binary: start-up that
// fails closed (exit 2 before anything binds, exit 1 for a port in use and
// never an abort), no second server on a bound port, reflection only when
// asked for and never on the health port, SIGHUP token reload, per-client
// rate limits, unparseable bytes, and a log no client can forge.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "auth/token_store.h"
#include "e2e/server_process.h"
#include "fault/raw_http2.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/error_details.h"
#include "gtest/gtest.h"
#include "medius/v1/assessment_service.grpc.pb.h"

namespace medius::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kWait = std::chrono::seconds(10);

std::vector<std::string> Base() {
  return {std::string("--kb_dir=") + MEDIUS_KB_DIR, "--insecure"};
}
std::vector<std::string> With(std::vector<std::string> args,
                              const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

std::string TempDir() {
  char pattern[] = "/tmp/medius-hardening-XXXXXX";
  return mkdtemp(pattern);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::shared_ptr<grpc::Channel> Channel(int port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureChannelCredentials());
}

grpc::Status GetKb(int port, const std::string& token = "") {
  auto stub = medius::v1::AssessmentService::NewStub(Channel(port));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  medius::v1::GetKnowledgeBaseRequest request;
  medius::v1::KnowledgeBaseInfo info;
  return stub->GetKnowledgeBase(&context, request, &info);
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) {
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return out;
}

grpc::ByteBuffer FromString(const std::string& bytes) {
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

bool Next(grpc::CompletionQueue& cq) {
  void* tag;
  bool ok = false;
  return cq.Next(&tag, &ok) && ok;
}

// One unary call with raw request bytes, as a client with a broken
// serializer (or an attacker) would send.
grpc::Status RawUnary(int port, const std::string& method,
                      const std::string& bytes) {
  grpc::GenericStub stub(Channel(port));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareUnaryCall(&context, method, FromString(bytes), &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  Next(cq);
  return status;
}

// Asks grpc.reflection.v1alpha for its list of services: the serialized
// ServerReflectionRequest{list_services: ""} is field 7, empty. Returns the
// raw response bytes (holding the service names) and the call's status.
grpc::Status ListServices(int port, std::string* response_bytes) {
  grpc::GenericStub stub(Channel(port));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  grpc::CompletionQueue cq;
  auto call = stub.PrepareCall(
      &context,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &cq);
  call->StartCall(reinterpret_cast<void*>(1));
  Next(cq);
  call->Write(FromString(std::string("\x3a\x00", 2)),
              reinterpret_cast<void*>(2));
  Next(cq);
  call->WritesDone(reinterpret_cast<void*>(3));
  Next(cq);
  grpc::ByteBuffer response;
  call->Read(&response, reinterpret_cast<void*>(4));
  if (Next(cq)) *response_bytes = ToString(response);
  grpc::Status status;
  call->Finish(&status, reinterpret_cast<void*>(5));
  Next(cq);
  return status;
}

int ExitCode(int status) {
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// ------------------------------------------------ start-up fails closed

TEST(StartupHardeningTest, ConfigurationErrorsExitTwoWithoutServing) {
  const std::string dir = TempDir();
  std::ofstream(dir + "/short.key") << "abc";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  for (const Case& c : {
           Case{{"--max_concurrent_streams=0"}, "--max_concurrent_streams"},
           Case{{"--log_hash_key_file=" + dir + "/missing.key"},
                "--log_hash_key_file: cannot read"},
           Case{{"--log_hash_key_file=" + dir + "/short.key"}, "holds 3 byte"},
           Case{{"--listen=0.0.0.0:0"}, "not a loopback address"},
           Case{{"--drain_seconds=-1"}, "--drain_seconds"},
       }) {
    SCOPED_TRACE(c.message);
    ServerProcess server;
    EXPECT_FALSE(server.Start(With(Base(), c.args)));
    EXPECT_EQ(ExitCode(server.WaitForExit()), 2);
    EXPECT_THAT(server.Output(), HasSubstr(c.message));
    EXPECT_THAT(server.Output(), Not(HasSubstr("serving")));
  }
  std::system(("rm -rf " + dir).c_str());
}

TEST(StartupHardeningTest, ATlsKeyThatIsNotTheCertificatesExitsTwo) {
  const std::string dir = TempDir();
  ASSERT_EQ(
      std::system(("bash " + std::string(MEDIUS_SOURCE_DIR_PATH) +
                   "/tests/testdata/make_certs.sh " + dir + " >/dev/null 2>&1")
                      .c_str()),
      0);
  ServerProcess server;
  EXPECT_FALSE(server.Start({std::string("--kb_dir=") + MEDIUS_KB_DIR,
                             "--tls_cert_file=" + dir + "/server.crt",
                             "--tls_key_file=" + dir + "/client.key"}));
  EXPECT_EQ(ExitCode(server.WaitForExit()), 2);
  EXPECT_THAT(server.Output(), HasSubstr("does not belong to the certificate"));
  std::system(("rm -rf " + dir).c_str());
}

TEST(StartupHardeningTest, ABusyMetricsAddressExitsOneInsteadOfAborting) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(s, 1), 0);
  socklen_t len = sizeof addr;
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  ServerProcess server;
  EXPECT_FALSE(server.Start(With(
      Base(),
      {"--metrics_listen=127.0.0.1:" + std::to_string(ntohs(addr.sin_port))})));
  const int status = server.WaitForExit();
  EXPECT_FALSE(WIFSIGNALED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(ExitCode(status), 1);
  EXPECT_THAT(server.Output(), HasSubstr("--metrics_listen"));
  close(s);
}

TEST(StartupHardeningTest, ASecondServerCannotBindTheSamePort) {
  // With gRPC's default SO_REUSEPORT both would bind and the kernel would
  // split the calls between them (and between their knowledge bases).
  ServerProcess first;
  ASSERT_TRUE(first.Start(Base())) << first.Output();
  ServerProcess second;
  EXPECT_FALSE(second.Start(
      With(Base(), {"--listen=127.0.0.1:" + std::to_string(first.port())})));
  EXPECT_EQ(ExitCode(second.WaitForExit()), 1);
  EXPECT_THAT(second.Output(), HasSubstr("cannot listen"));
  EXPECT_TRUE(GetKb(first.port()).ok());
  EXPECT_EQ(ExitCode(first.Stop(SIGTERM)), 0);
}

// ------------------------------------------------------------ reflection

TEST(ReflectionHardeningTest, OffByDefaultOnWhenAskedNeverOnTheHealthPort) {
  ServerProcess plain;
  ASSERT_TRUE(plain.Start(With(Base(), {"--health_listen=127.0.0.1:0"})))
      << plain.Output();
  std::string listed;
  EXPECT_EQ(ListServices(plain.port(), &listed).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(listed, "");
  plain.Stop(SIGTERM);

  ServerProcess reflecting;
  ASSERT_TRUE(reflecting.Start(
      With(Base(), {"--reflection", "--health_listen=127.0.0.1:0"})))
      << reflecting.Output();
  EXPECT_TRUE(ListServices(reflecting.port(), &listed).ok());
  EXPECT_THAT(listed, HasSubstr("medius.v1.AssessmentService"));
  std::string on_health;
  EXPECT_EQ(ListServices(reflecting.health_port(), &on_health).error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_EQ(on_health, "");
  reflecting.Stop(SIGTERM);
}

// ------------------------------------------------- tokens, rate, bytes

TEST(TokenReloadTest, SighupAddsAndRevokesClientsAndKeepsThemOnABadFile) {
  const std::string dir = TempDir();
  const std::string old_token = auth::NewToken();
  const std::string new_token = auth::NewToken();
  std::ofstream(dir + "/tokens")
      << auth::TokenFileLine("old", old_token) << "\n";
  ServerProcess server;
  ASSERT_TRUE(server.Start(With(Base(), {"--token_file=" + dir + "/tokens"})))
      << server.Output();
  EXPECT_TRUE(GetKb(server.port(), old_token).ok());
  EXPECT_FALSE(GetKb(server.port(), new_token).ok());

  std::ofstream(dir + "/tokens", std::ios::trunc)
      << auth::TokenFileLine("new", new_token) << "\n";
  kill(server.pid(), SIGHUP);
  bool reloaded = false;
  for (int i = 0; i < 200 && !reloaded; ++i) {
    reloaded = GetKb(server.port(), new_token).ok();
    if (!reloaded) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_TRUE(reloaded);
  EXPECT_EQ(GetKb(server.port(), old_token).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);

  std::ofstream(dir + "/tokens", std::ios::trunc) << "broken line\n";
  kill(server.pid(), SIGHUP);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_TRUE(GetKb(server.port(), new_token).ok());
  EXPECT_EQ(ExitCode(server.Stop(SIGTERM)), 0);
  EXPECT_THAT(server.Output(), HasSubstr("token file reloaded, 1 client(s)"));
  EXPECT_THAT(server.Output(), HasSubstr("token file not reloaded"));
  std::system(("rm -rf " + dir).c_str());
}

TEST(RateLimitTest, OverTheLimitIsResourceExhaustedWithRetryInfo) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(
      With(Base(), {"--rate_limit_per_second=1", "--rate_limit_burst=3"})))
      << server.Output();
  int ok = 0;
  grpc::Status limited;
  for (int i = 0; i < 6; ++i) {
    grpc::Status status = GetKb(server.port());
    if (status.ok()) {
      ++ok;
    } else {
      limited = status;
    }
  }
  // The burst, and perhaps one more token refilled during the calls.
  EXPECT_GE(ok, 3);
  EXPECT_LE(ok, 4);
  ASSERT_EQ(limited.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  google::rpc::Status details;
  ASSERT_TRUE(grpc::ExtractErrorDetails(limited, &details).ok());
  google::rpc::RetryInfo retry;
  ASSERT_EQ(details.details_size(), 1);
  ASSERT_TRUE(details.details(0).UnpackTo(&retry));
  const double delay =
      retry.retry_delay().seconds() + retry.retry_delay().nanos() / 1e9;
  EXPECT_GT(delay, 0);
  EXPECT_LE(delay, 1.0);
  server.Stop(SIGTERM);
}

TEST(RequestBytesTest, UnparseableBytesAreInvalidArgumentAndLogged) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(Base())) << server.Output();
  // Field 1 (encounter_id) as a length-delimited field claiming 100 bytes
  // that never come.
  grpc::Status status = RawUnary(
      server.port(), "/medius.v1.AssessmentService/Assess", "\x0a\x64xyz");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("not a valid medius.v1.AssessRequest"));
  server.Stop(SIGTERM);
  EXPECT_THAT(server.Output(),
              HasSubstr("\"method\":\"Assess\",\"transport\":\"grpc\","
                        "\"code\":\"INVALID_ARGUMENT\""));
}

TEST(RequestBytesTest, TooLargeRequestsAreRefusedAndLogged) {
  // Before, gRPC refused them before any handler: no log line, no metric.
  ServerProcess server;
  ASSERT_TRUE(server.Start(With(Base(), {"--max_request_bytes=2048"})))
      << server.Output();
  medius::v1::AssessRequest request;
  request.set_encounter_id(std::string(3000, 'e'));
  auto stub = medius::v1::AssessmentService::NewStub(Channel(server.port()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  medius::v1::AssessResponse response;
  grpc::Status status = stub->Assess(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("the limit is 2048"));
  server.Stop(SIGTERM);
  EXPECT_THAT(server.Output(), HasSubstr("\"method\":\"Assess\",\"transport\":"
                                         "\"grpc\",\"code\":"
                                         "\"RESOURCE_EXHAUSTED\""));
}

// ----------------------------------------------------------------- logs

TEST(LogHardeningTest, NoClientCanWriteALineThatIsNotOurs) {
  const std::string dir = TempDir();
  const std::string log_path = dir + "/medius.log";
  ServerProcess server;
  ASSERT_TRUE(server.Start(
      With(Base(), {"--health_listen=127.0.0.1:0", "--log_file=" + log_path})))
      << server.Output();
  const std::string forged =
      "x\n{\"event\":\"rpc\",\"method\":\"Assess\",\"code\":\"OK\"}\n";
  // Hostile header values (raw bytes no client library would send) on both
  // ports, a hostile timeout and user agent, and a hostile encounter id.
  for (int port : {server.port(), server.health_port()}) {
    medius::fault::RawCall(port, "/grpc.health.v1.Health/Check",
                           {{"x-evil", forged},
                            {"grpc-timeout", forged},
                            {"user-agent", "\xff\xfe" + forged}},
                           "", /*read_ms=*/200);
    medius::fault::RawCall(port, "/medius.v1.AssessmentService/Assess",
                           {{"authorization", forged}}, "", /*read_ms=*/200);
  }
  medius::v1::AssessRequest request;
  request.set_encounter_id(forged);
  auto stub = medius::v1::AssessmentService::NewStub(Channel(server.port()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  medius::v1::AssessResponse response;
  stub->Assess(&context, request, &response);
  server.Stop(SIGTERM);

  const std::string log = ReadFile(log_path);
  ASSERT_FALSE(log.empty());
  std::istringstream lines(log);
  int rpc_lines = 0;
  for (std::string line; std::getline(lines, line);) {
    google::protobuf::Struct json;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(line, &json).ok())
        << "not JSON: " << line;
    const auto& fields = json.fields();
    ASSERT_TRUE(fields.contains("time") && fields.contains("event")) << line;
    if (fields.at("event").string_value() == "rpc") ++rpc_lines;
  }
  // The raw Assess calls arrive on the main port (1) with hostile
  // authorization, plus the real call: nothing else may claim to be an rpc.
  EXPECT_LE(rpc_lines, 2) << log;
  EXPECT_GE(rpc_lines, 1) << log;
  // gRPC did complain about the headers, through our logger.
  EXPECT_THAT(log, HasSubstr("\"event\":\"grpc\"")) << log;
  // And nothing of ours went to stderr/stdout but the start-up lines.
  EXPECT_THAT(server.Output(), Not(HasSubstr("\"event\":\"rpc\"")));
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace medius::testing
