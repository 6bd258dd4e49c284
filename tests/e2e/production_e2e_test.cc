// End to end against the real medius-server binary, as a hospital
// deployment runs it: TLS and mutual TLS with certificates made at test time,
// bearer tokens, BadRequest details, health across start-up and shutdown,
// Prometheus metrics over HTTP, SIGTERM with calls in flight, and logs free
// of patient data.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "auth/token_store.h"
#include "e2e/server_process.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/support/error_details.h"
#include "gtest/gtest.h"
#include "medius/v1/assessment_service.grpc.pb.h"

namespace medius::testing {
namespace {

using grpc::health::v1::HealthCheckResponse;
using medius::v1::AssessRequest;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr auto kWait = std::chrono::seconds(10);

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

AssessRequest DemoRequest() {
  AssessRequest request;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                  ReadFile(std::string(MEDIUS_EXAMPLES_DIR) +
                           "/gluteal_tendinopathy.json"),
                  &request)
                  .ok());
  return request;
}

// Certificates and a token file, made fresh for this test binary.
class Secrets {
 public:
  Secrets() {
    char pattern[] = "/tmp/medius-secrets-XXXXXX";
    dir_ = mkdtemp(pattern);
    std::string cmd = std::string("bash ") + MEDIUS_SOURCE_DIR_PATH +
                      "/tests/testdata/make_certs.sh " + dir_;
    EXPECT_EQ(std::system(cmd.c_str()), 0);
    token_ = auth::NewToken();
    std::ofstream(dir_ + "/tokens")
        << "# test clients\n"
        << auth::TokenFileLine("emr-test", token_) << "\n";
  }
  ~Secrets() { std::system(("rm -rf " + dir_).c_str()); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }
  const std::string& token() const { return token_; }

 private:
  std::string dir_;
  std::string token_;
};

const Secrets& TestSecrets() {
  static const Secrets* secrets = new Secrets();
  return *secrets;
}

std::shared_ptr<grpc::Channel> TlsChannel(int port, bool client_cert,
                                          const std::string& cert = "client") {
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(TestSecrets().Path("ca.crt"));
  if (client_cert) {
    ssl.pem_cert_chain = ReadFile(TestSecrets().Path(cert + ".crt"));
    ssl.pem_private_key = ReadFile(TestSecrets().Path(cert + ".key"));
  }
  grpc::ChannelArguments args;
  args.SetSslTargetNameOverride("localhost");
  return grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                   grpc::SslCredentials(ssl), args);
}

std::shared_ptr<grpc::Channel> PlainChannel(int port) {
  return grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                             grpc::InsecureChannelCredentials());
}

grpc::Status Assess(const std::shared_ptr<grpc::Channel>& channel,
                    const AssessRequest& request, const std::string& token = "",
                    medius::v1::AssessResponse* response = nullptr) {
  auto stub = medius::v1::AssessmentService::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  medius::v1::AssessResponse ignored;
  return stub->Assess(&context, request, response ? response : &ignored);
}

HealthCheckResponse::ServingStatus Health(
    const std::shared_ptr<grpc::Channel>& channel, grpc::Status* status) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + kWait);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("medius.v1.AssessmentService");
  HealthCheckResponse response;
  *status = stub->Check(&context, request, &response);
  return response.status();
}

std::string HttpGet(int port, const std::string& path) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return "";
  }
  std::string request = "GET " + path + " HTTP/1.0\r\nHost: localhost\r\n\r\n";
  EXPECT_EQ(write(fd, request.data(), request.size()),
            static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  ssize_t n;
  while ((n = read(fd, buffer, sizeof buffer)) > 0) response.append(buffer, n);
  close(fd);
  return response;
}

std::vector<std::string> Base() {
  return {std::string("--kb_dir=") + MEDIUS_KB_DIR};
}

std::vector<std::string> With(std::vector<std::string> args,
                              const std::vector<std::string>& more) {
  args.insert(args.end(), more.begin(), more.end());
  return args;
}

// ------------------------------------------------------------- transport

TEST(TransportE2eTest, RefusesToStartWithoutTlsOrInsecure) {
  ServerProcess server;
  EXPECT_FALSE(server.Start(Base()));
  EXPECT_THAT(server.Output(),
              HasSubstr("refusing to serve without transport"));
}

TEST(TransportE2eTest, PlaintextSaysSoLoudly) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(With(Base(), {"--insecure"}))) << server.Output();
  server.Stop(SIGTERM);
  EXPECT_THAT(server.Output(),
              HasSubstr("\"level\":\"warning\",\"message\":\"PLAINTEXT"));
}

TEST(TransportE2eTest, TlsServesVerifiedClientsAndRejectsPlaintext) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(
      With(Base(), {"--tls_cert_file=" + TestSecrets().Path("server.crt"),
                    "--tls_key_file=" + TestSecrets().Path("server.key")})))
      << server.Output();
  EXPECT_TRUE(Assess(TlsChannel(server.port(), false), DemoRequest()).ok());
  grpc::Status plain = Assess(PlainChannel(server.port()), DemoRequest());
  EXPECT_EQ(plain.error_code(), grpc::StatusCode::UNAVAILABLE);
}

TEST(TransportE2eTest, MutualTlsRequiresACertificateFromTheClientCa) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(
      With(Base(), {"--tls_cert_file=" + TestSecrets().Path("server.crt"),
                    "--tls_key_file=" + TestSecrets().Path("server.key"),
                    "--tls_client_ca_file=" + TestSecrets().Path("ca.crt")})))
      << server.Output();
  EXPECT_THAT(server.Output(), HasSubstr("mutual TLS"));
  EXPECT_TRUE(Assess(TlsChannel(server.port(), true), DemoRequest()).ok());
  EXPECT_FALSE(Assess(TlsChannel(server.port(), false), DemoRequest()).ok());
  EXPECT_FALSE(
      Assess(TlsChannel(server.port(), true, "rogue"), DemoRequest()).ok());
}

// -------------------------------------------------------- authentication

class TokenE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start(
        With(Base(),
             {"--insecure", "--token_file=" + TestSecrets().Path("tokens")})))
        << server_.Output();
    channel_ = PlainChannel(server_.port());
  }
  ServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(TokenE2eTest, GoodTokenPassesAndBadOnesAreUnauthenticated) {
  EXPECT_TRUE(Assess(channel_, DemoRequest(), TestSecrets().token()).ok());
  grpc::Status missing = Assess(channel_, DemoRequest());
  grpc::Status wrong = Assess(channel_, DemoRequest(), auth::NewToken());
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // The same words either way: nothing says which part was wrong.
  EXPECT_EQ(missing.error_message(), wrong.error_message());

  channel_.reset();  // an idle open connection would hold shutdown up
  server_.Stop(SIGTERM);
  EXPECT_THAT(server_.Output(), HasSubstr("\"client\":\"emr-test\""));
  EXPECT_THAT(server_.Output(), Not(HasSubstr(TestSecrets().token())));
}

// ------------------------------------------------------ BadRequest table

struct BadCase {
  std::string name;
  std::function<void(AssessRequest&)> mutate;
  grpc::StatusCode code;
  std::string field;  // a BadRequest field violation must name this
};

void SetFinding(AssessRequest& r, const std::string& code, bool present) {
  auto* f = r.add_findings();
  f->set_code(code);
  f->set_present(present);
}
void SetNumber(AssessRequest& r, const std::string& code, double number) {
  auto* f = r.add_findings();
  f->set_code(code);
  f->set_number(number);
}

const double kNaN = std::nan("");
const double kInf = 1.0 / 0.0;

std::vector<BadCase> BadCases() {
  using C = grpc::StatusCode;
  const C kInvalid = C::INVALID_ARGUMENT;
  return {
      {"unknown_code", [](auto& r) { SetFinding(r, "groin_pian", true); },
       kInvalid, "findings[28].code"},
      {"empty_code", [](auto& r) { SetFinding(r, "", true); }, kInvalid,
       "findings[28].code"},
      {"code_with_spaces", [](auto& r) { SetFinding(r, "buttock pain", true); },
       kInvalid, "findings[28].code"},
      {"code_upper_case", [](auto& r) { SetFinding(r, "BUTTOCK_PAIN", true); },
       kInvalid, "findings[28].code"},
      {"code_too_long",
       [](auto& r) { SetFinding(r, std::string(65, 'a'), true); }, kInvalid,
       "findings[28].code"},
      {"huge_code",
       [](auto& r) { SetFinding(r, std::string(100000, 'a'), true); }, kInvalid,
       "findings[28].code"},
      {"red_flag_code_as_finding",
       [](auto& r) { SetFinding(r, "infection", true); }, kInvalid,
       "findings[28].code"},
      {"condition_code_as_finding",
       [](auto& r) { SetFinding(r, "gluteal_tendinopathy", true); }, kInvalid,
       "findings[28].code"},
      {"bool_for_number",
       [](auto& r) { SetFinding(r, "morning_stiffness_minutes", true); },
       kInvalid, "findings[28].present"},
      {"number_for_bool", [](auto& r) { SetNumber(r, "buttock_pain", 1); },
       kInvalid, "findings[28].number"},
      {"no_value", [](auto& r) { r.add_findings()->set_code("buttock_pain"); },
       kInvalid, "findings[28]"},
      {"duplicate_same_value",
       [](auto& r) { SetFinding(r, "groin_pain", false); }, kInvalid,
       "findings[28].code"},
      {"duplicate_other_value",
       [](auto& r) { SetFinding(r, "groin_pain", true); }, kInvalid,
       "findings[28].code"},
      {"pain_nrs_above_10",
       [](auto& r) { r.mutable_findings(10)->set_number(11); }, kInvalid,
       "findings[10].number"},
      {"pain_nrs_negative",
       [](auto& r) { r.mutable_findings(10)->set_number(-1); }, kInvalid,
       "findings[10].number"},
      {"duration_negative",
       [](auto& r) { r.mutable_findings(9)->set_number(-3); }, kInvalid,
       "findings[9].number"},
      {"sij_count_7",
       [](auto& r) { SetNumber(r, "sij_provocation_positive_count", 7); },
       kInvalid, "findings[28].number"},
      {"temperature_nan", [](auto& r) { SetNumber(r, "temperature_c", kNaN); },
       kInvalid, "findings[28].number"},
      {"temperature_inf", [](auto& r) { SetNumber(r, "temperature_c", kInf); },
       kInvalid, "findings[28].number"},
      {"visa_g_101", [](auto& r) { SetNumber(r, "visa_g_score", 101); },
       kInvalid, "findings[28].number"},
      {"stiffness_over_a_day",
       [](auto& r) { SetNumber(r, "morning_stiffness_minutes", 1441); },
       kInvalid, "findings[28].number"},
      {"crp_negative", [](auto& r) { SetNumber(r, "crp_mg_l", -0.5); },
       kInvalid, "findings[28].number"},
      {"age_negative", [](auto& r) { r.mutable_patient()->set_age_years(-1); },
       kInvalid, "patient.age_years"},
      {"age_121", [](auto& r) { r.mutable_patient()->set_age_years(121); },
       kInvalid, "patient.age_years"},
      {"age_nan", [](auto& r) { r.mutable_patient()->set_age_years(kNaN); },
       kInvalid, "patient.age_years"},
      {"age_inf", [](auto& r) { r.mutable_patient()->set_age_years(kInf); },
       kInvalid, "patient.age_years"},
      {"age_sent_as_finding", [](auto& r) { SetNumber(r, "age_years", 40); },
       kInvalid, "findings[28].code"},
      {"sex_sent_as_finding",
       [](auto& r) { SetFinding(r, "sex_female", true); }, kInvalid,
       "findings[28].code"},
      {"encounter_id_too_long",
       [](auto& r) { r.set_encounter_id(std::string(129, 'e')); }, kInvalid,
       "encounter_id"},
      {"too_many_findings",
       [](auto& r) {
         for (int i = 0; i < 300; ++i) SetFinding(r, "buttock_pain", true);
       },
       kInvalid, "findings"},
      {"several_problems_at_once",
       [](auto& r) {
         r.mutable_patient()->set_age_years(500);
         SetFinding(r, "nope", true);
       },
       kInvalid, "patient.age_years"},
      {"request_over_size_limit",
       [](auto& r) { r.set_encounter_id(std::string(300 * 1024, 'e')); },
       C::RESOURCE_EXHAUSTED, ""},
      {"huge_finding_list",
       [](auto& r) {
         for (int i = 0; i < 50000; ++i) SetFinding(r, "buttock_pain", true);
       },
       C::RESOURCE_EXHAUSTED, ""},
  };
}

class BadRequestE2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new ServerProcess();
    ASSERT_TRUE(server_->Start(With(Base(), {"--insecure"})));
  }
  static void TearDownTestSuite() { delete server_; }
  static ServerProcess* server_;
};
ServerProcess* BadRequestE2eTest::server_ = nullptr;

TEST_F(BadRequestE2eTest, EveryMalformedRequestNamesItsField) {
  auto channel = PlainChannel(server_->port());
  ASSERT_EQ(DemoRequest().findings_size(), 28);  // indexes below rely on it
  std::vector<BadCase> cases = BadCases();
  EXPECT_GE(cases.size(), 30u);
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.name);
    AssessRequest request = DemoRequest();
    c.mutate(request);
    grpc::Status status = Assess(channel, request);
    ASSERT_EQ(status.error_code(), c.code) << status.error_message();
    if (c.code != grpc::StatusCode::INVALID_ARGUMENT) continue;
    google::rpc::Status details;
    ASSERT_TRUE(grpc::ExtractErrorDetails(status, &details).ok());
    google::rpc::BadRequest bad_request;
    ASSERT_EQ(details.details_size(), 1);
    ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
    std::vector<std::string> fields;
    for (const auto& v : bad_request.field_violations()) {
      fields.push_back(v.field());
      EXPECT_FALSE(v.description().empty());
      EXPECT_LT(v.description().size(), 300u);  // never echoes a huge value
    }
    EXPECT_THAT(fields, ::testing::Contains(c.field));
  }
  // And the server is still healthy after all of them.
  grpc::Status status;
  EXPECT_EQ(Health(channel, &status), HealthCheckResponse::SERVING);
}

// Forward compatibility (types.proto): a newer client's sex or side is not
// an error; the answer treats it as not recorded and says so.
TEST_F(BadRequestE2eTest, NewerEnumValuesAreAnsweredWithANote) {
  AssessRequest request = DemoRequest();
  request.mutable_patient()->set_sex(static_cast<medius::v1::Sex>(99));
  request.mutable_patient()->set_affected_side(
      static_cast<medius::v1::Side>(-1));
  medius::v1::AssessResponse response;
  grpc::Status status =
      Assess(PlainChannel(server_->port()), request, "", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(
      response.notes(),
      ::testing::Contains(::testing::HasSubstr("patient.sex: value 99")));
  EXPECT_THAT(response.notes(), ::testing::Contains(::testing::HasSubstr(
                                    "patient.affected_side: value -1")));
}

TEST_F(BadRequestE2eTest, AllProblemsComeBackInOneReply) {
  AssessRequest request = DemoRequest();
  request.mutable_patient()->set_age_years(500);
  SetFinding(request, "nope", true);
  SetNumber(request, "groin_pain", 2);
  grpc::Status status = Assess(PlainChannel(server_->port()), request);
  google::rpc::Status details;
  ASSERT_TRUE(grpc::ExtractErrorDetails(status, &details).ok());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  EXPECT_EQ(bad_request.field_violations_size(), 3);
}

// -------------------------------------------- health, metrics, shutdown

TEST(LifecycleE2eTest, HealthMetricsDrainAndCleanLogs) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(
      With(Base(), {"--insecure", "--health_listen=127.0.0.1:0",
                    "--metrics_listen=127.0.0.1:0", "--drain_seconds=2",
                    "--token_file=" + TestSecrets().Path("tokens")})))
      << server.Output();
  ASSERT_GT(server.health_port(), 0);
  ASSERT_GT(server.metrics_port(), 0);
  auto main_channel = PlainChannel(server.port());
  auto probe_channel = PlainChannel(server.health_port());
  grpc::Status status;
  EXPECT_EQ(Health(main_channel, &status), HealthCheckResponse::SERVING);
  EXPECT_EQ(Health(probe_channel, &status), HealthCheckResponse::SERVING);

  // Traffic with identifiable data that must never reach the logs.
  AssessRequest request = DemoRequest();
  request.set_encounter_id("ENC-SECRET-4711");
  for (auto& f : *request.mutable_findings()) {
    if (f.code() == "bladder_bowel_dysfunction") f.set_present(true);
  }
  for (int i = 0; i < 5; ++i) {
    ASSERT_TRUE(Assess(main_channel, request, TestSecrets().token()).ok());
  }
  EXPECT_FALSE(Assess(main_channel, request).ok());  // no token

  std::string metrics = HttpGet(server.metrics_port(), "/metrics");
  EXPECT_THAT(metrics, HasSubstr("200 OK"));
  EXPECT_THAT(metrics, HasSubstr("medius_rpc_total{client=\"emr-test\",code="
                                 "\"OK\",method=\"Assess\"} 5"));
  EXPECT_THAT(metrics,
              HasSubstr("code=\"UNAUTHENTICATED\",method=\"Assess\"} 1"));
  EXPECT_THAT(
      metrics,
      HasSubstr("medius_red_flags_total{code=\"cauda_equina_syndrome\"} 5"));
  EXPECT_THAT(metrics, HasSubstr("medius_rpc_latency_seconds_bucket"));
  EXPECT_THAT(metrics, HasSubstr("medius_knowledge_base_info{"));

  // SIGTERM: both health endpoints turn NOT_SERVING while calls still work
  // during the drain, then the server exits 0.
  kill(server.pid(), SIGTERM);
  bool saw_not_serving = false;
  for (int i = 0; i < 100 && !saw_not_serving; ++i) {
    saw_not_serving =
        Health(probe_channel, &status) == HealthCheckResponse::NOT_SERVING;
    if (!saw_not_serving)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(saw_not_serving);
  EXPECT_EQ(Health(main_channel, &status), HealthCheckResponse::NOT_SERVING);
  EXPECT_TRUE(Assess(main_channel, request, TestSecrets().token()).ok());
  main_channel.reset();
  probe_channel.reset();
  int exit_status = server.WaitForExit();
  ASSERT_TRUE(WIFEXITED(exit_status));
  EXPECT_EQ(WEXITSTATUS(exit_status), 0);

  std::string log = server.Output();
  EXPECT_THAT(log, HasSubstr("\"encounter_hash\":\""));
  EXPECT_THAT(log, HasSubstr("\"red_flags\":[\"cauda_equina_syndrome\"]"));
  EXPECT_THAT(log, Not(HasSubstr("ENC-SECRET-4711")));
  for (const auto& f : request.findings()) {
    EXPECT_THAT(log, Not(HasSubstr(f.code())))
        << "finding in log: " << f.code();
  }
  EXPECT_THAT(log, Not(HasSubstr("\"age")));
}

TEST(LifecycleE2eTest, CallsInFlightAtSigtermAllSucceed) {
  ServerProcess server;
  ASSERT_TRUE(server.Start(With(Base(), {"--insecure", "--drain_seconds=1"})))
      << server.Output();
  auto channel = PlainChannel(server.port());
  ASSERT_TRUE(
      channel->WaitForConnected(std::chrono::system_clock::now() + kWait));
  const AssessRequest request = DemoRequest();
  std::atomic<int> ok{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&] {
      while (!stop.load()) {
        (Assess(channel, request).ok() ? ok : failed)++;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  kill(server.pid(), SIGTERM);
  // Calls keep arriving for most of the drain window.
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  stop = true;
  for (auto& c : clients) c.join();
  // Enough calls to matter in any build (the ASan suite answers about 70
  // in this window with the primary-source model); none may fail.
  EXPECT_GT(ok.load(), 40);
  EXPECT_EQ(failed.load(), 0);
  channel.reset();
  int exit_status = server.WaitForExit();
  ASSERT_TRUE(WIFEXITED(exit_status));
  EXPECT_EQ(WEXITSTATUS(exit_status), 0);
}

}  // namespace
}  // namespace medius::testing
