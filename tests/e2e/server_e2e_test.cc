// End to end: the real medius-server binary on 127.0.0.1:0 with the shipped
// knowledge base, called through the generated stubs and the real CLI.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "e2e/server_process.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "medius/v1/assessment_service.grpc.pb.h"

namespace medius::testing {
namespace {

using grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string KbVersion() {
  // The version as written in the shipped knowledge base.
  std::string text =
      ReadFile(std::string(MEDIUS_KB_DIR) + "/version.textproto");
  size_t at = text.find("version: \"");
  return text.substr(at + 10, text.find('"', at + 10) - at - 10);
}

medius::v1::AssessRequest DemoRequest() {
  medius::v1::AssessRequest request;
  auto status = google::protobuf::util::JsonStringToMessage(
      ReadFile(std::string(MEDIUS_EXAMPLES_DIR) + "/gluteal_tendinopathy.json"),
      &request);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return request;
}

class ServerE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        server_.Start({std::string("--kb_dir=") + MEDIUS_KB_DIR, "--insecure"}))
        << server_.Output();
    channel_ = grpc::CreateChannel(server_.address(),
                                   grpc::InsecureChannelCredentials());
    ASSERT_TRUE(channel_->WaitForConnected(std::chrono::system_clock::now() +
                                           std::chrono::seconds(10)));
    stub_ = medius::v1::AssessmentService::NewStub(channel_);
  }

  HealthCheckResponse::ServingStatus Health(grpc::Status* status) {
    auto health = grpc::health::v1::Health::NewStub(channel_);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(5));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service("medius.v1.AssessmentService");
    HealthCheckResponse response;
    *status = health->Check(&context, request, &response);
    return response.status();
  }

  ServerProcess server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<medius::v1::AssessmentService::Stub> stub_;
};

TEST_F(ServerE2eTest, AssessReturnsARankedDifferentialWithEvidence) {
  grpc::ClientContext context;
  medius::v1::AssessResponse response;
  grpc::Status status = stub_->Assess(&context, DemoRequest(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.knowledge_base_version(), KbVersion());
  EXPECT_FALSE(response.assessment_id().empty());
  EXPECT_EQ(response.encounter_id(), "demo-0001");
  ASSERT_EQ(response.differential_size(), 7);
  for (int i = 1; i < response.differential_size(); ++i) {
    EXPECT_GE(response.differential(i - 1).probability(),
              response.differential(i).probability());
  }
  EXPECT_EQ(response.differential(0).condition_code(), "gluteal_tendinopathy");
  EXPECT_GT(response.differential(0).evidence_size(), 3);
  EXPECT_TRUE(response.red_flags().empty());
  EXPECT_EQ(response.protocol().status(),
            medius::v1::PROTOCOL_STATUS_RECOMMENDED);
}

TEST_F(ServerE2eTest, MalformedRequestIsInvalidArgumentNamingTheField) {
  medius::v1::AssessRequest request = DemoRequest();
  request.mutable_findings(2)->set_code("not_a_finding");
  request.mutable_findings(4)->set_number(3);  // a yes/no finding
  grpc::ClientContext context;
  medius::v1::AssessResponse response;
  grpc::Status status = stub_->Assess(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("findings[2].code"));
  EXPECT_THAT(status.error_message(), HasSubstr("findings[4].number"));
}

TEST_F(ServerE2eTest, RedFlagComesBackInAnOkResponse) {
  medius::v1::AssessRequest request = DemoRequest();
  for (auto& f : *request.mutable_findings()) {
    if (f.code() == "bladder_bowel_dysfunction") f.set_present(true);
  }
  grpc::ClientContext context;
  medius::v1::AssessResponse response;
  ASSERT_TRUE(stub_->Assess(&context, request, &response).ok());
  ASSERT_FALSE(response.red_flags().empty());
  EXPECT_EQ(response.red_flags(0).code(), "cauda_equina_syndrome");
  EXPECT_EQ(response.red_flags(0).urgency(), medius::v1::URGENCY_EMERGENCY);
  EXPECT_EQ(response.protocol().status(), medius::v1::PROTOCOL_STATUS_WITHHELD);
}

TEST_F(ServerE2eTest, GetKnowledgeBaseListsTheCatalog) {
  grpc::ClientContext context;
  medius::v1::KnowledgeBaseInfo info;
  ASSERT_TRUE(stub_->GetKnowledgeBase(&context, {}, &info).ok());
  EXPECT_EQ(info.version(), KbVersion());
  EXPECT_GE(info.findings_size(), 69);
  EXPECT_EQ(info.conditions_size(), 7);
  EXPECT_GE(info.red_flags_size(), 10);
  EXPECT_GT(info.exercises_size(), 0);
}

TEST_F(ServerE2eTest, BasicViewIsSmallAndRendersFromTheCatalog) {
  medius::v1::AssessRequest request = DemoRequest();
  for (auto& f : *request.mutable_findings()) {
    if (f.code() == "bladder_bowel_dysfunction") f.set_present(true);
  }
  medius::v1::AssessResponse full, basic;
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->Assess(&context, request, &full).ok());
  }
  request.set_view(medius::v1::ASSESS_VIEW_BASIC);
  {
    grpc::ClientContext context;
    ASSERT_TRUE(stub_->Assess(&context, request, &basic).ok());
  }
  // The spliced wire form parses back to the full answer's content.
  ASSERT_FALSE(full.differential().empty());
  ASSERT_FALSE(full.differential(0).evidence().empty());
  EXPECT_FALSE(full.differential(0).evidence(0).source().empty());
  EXPECT_FALSE(full.differential(0).evidence(0).display_name().empty());
  EXPECT_FALSE(full.cited_references(0).text().empty());
  // BASIC: the red flag whole, the catalog text left out.
  ASSERT_EQ(basic.red_flags_size(), full.red_flags_size());
  EXPECT_EQ(basic.red_flags(0).code(), "cauda_equina_syndrome");
  EXPECT_EQ(basic.red_flags(0).action(), full.red_flags(0).action());
  EXPECT_EQ(basic.disposition().statement(), full.disposition().statement());
  EXPECT_EQ(basic.differential(0).condition_code(),
            full.differential(0).condition_code());
  EXPECT_TRUE(basic.differential(0).evidence(0).source().empty());
  EXPECT_LT(basic.ByteSizeLong() * 3, full.ByteSizeLong());
  // And GetKnowledgeBase has the text behind its reference ids.
  grpc::ClientContext context;
  medius::v1::KnowledgeBaseInfo info;
  ASSERT_TRUE(stub_->GetKnowledgeBase(&context, {}, &info).ok());
  bool found = false;
  for (const auto& r : info.references()) {
    found |= r.reference_id() == basic.cited_references(0).reference_id() &&
             r.text() == full.cited_references(0).text();
  }
  EXPECT_TRUE(found);
  EXPECT_GT(info.protocols_size(), 0);
}

TEST_F(ServerE2eTest, HealthIsServingThenGracefulShutdownExitsZero) {
  grpc::Status status;
  EXPECT_EQ(Health(&status), HealthCheckResponse::SERVING);
  EXPECT_TRUE(status.ok()) << status.error_message();
  int exit_status = server_.Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(exit_status)) << server_.Output();
  EXPECT_EQ(WEXITSTATUS(exit_status), 0);
  EXPECT_THAT(server_.Output(), HasSubstr("received SIGTERM"));
}

TEST_F(ServerE2eTest, CliPrintsAReadableReport) {
  std::string output;
  int code = RunCommand(std::string(MEDIUS_CLI_BINARY) +
                            " --server=" + server_.address() + " assess " +
                            MEDIUS_EXAMPLES_DIR + "/gluteal_tendinopathy.json",
                        &output);
  EXPECT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr("Knowledge base " + KbVersion()));
  // The summary first: the disposition and red flags, the leading three.
  EXPECT_THAT(output, HasSubstr("SUMMARY\n  Disposition:"));
  EXPECT_THAT(output, HasSubstr("  Red flags:    none raised"));
  EXPECT_THAT(output, HasSubstr("1. Gluteal tendinopathy"));
  EXPECT_LT(output.find("Red flags:"), output.find("DIFFERENTIAL"));
  EXPECT_LT(output.find("DIFFERENTIAL"), output.find("EXERCISE PROTOCOL"));

  code = RunCommand(std::string(MEDIUS_CLI_BINARY) +
                        " --server=" + server_.address() + " health",
                    &output);
  EXPECT_EQ(code, 0) << output;
  EXPECT_THAT(output, HasSubstr("SERVING"));

  code = RunCommand(
      "echo '{\"findings\":[{\"code\":\"x\",\"present\":true}]}' | " +
          std::string(MEDIUS_CLI_BINARY) + " --server=" + server_.address() +
          " assess -",
      &output);
  EXPECT_EQ(code, 1);
  EXPECT_THAT(output, HasSubstr("INVALID_ARGUMENT"));
  EXPECT_THAT(output, HasSubstr("findings[0].code"));
}

TEST(ServerStartupTest, BrokenKnowledgeBaseNeverServes) {
  char pattern[] = "/tmp/medius-badkb-XXXXXX";
  std::string dir = mkdtemp(pattern);
  std::ofstream(dir + "/bad.textproto")
      << "# proto-file: medius/v1/knowledge_base.proto\n"
         "# proto-message: medius.v1.KnowledgeBase\n"
         "conditions { code: \"x\" prior: 7 }\n";
  ServerProcess server;
  EXPECT_FALSE(server.Start({"--kb_dir=" + dir, "--insecure"}));
  EXPECT_THAT(server.Output(), HasSubstr(dir + "/bad.textproto:3:"));
  EXPECT_THAT(server.Output(), HasSubstr("conditions[0].prior"));
  EXPECT_THAT(server.Output(), ::testing::Not(HasSubstr("serving")));
  std::system(("rm -rf " + dir).c_str());
}

}  // namespace
}  // namespace medius::testing
