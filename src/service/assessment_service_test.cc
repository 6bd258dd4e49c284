// The service over an in-process channel: ids, status mapping, catalog.
#include "service/assessment_service.h"

#include <memory>
#include <regex>
#include <set>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::service {
namespace {

using ::testing::HasSubstr;

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = engine::Engine::Create(medius::testing::SmallKb());
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
    service_ = std::make_unique<AssessmentServiceImpl>(*engine_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = medius::v1::AssessmentService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<const engine::Engine> engine_;
  std::unique_ptr<AssessmentServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<medius::v1::AssessmentService::Stub> stub_;
};

TEST_F(ServiceTest, AssessReturnsAUniqueIdPerCall) {
  medius::v1::AssessRequest request;
  auto* f = request.add_findings();
  f->set_code("sls");
  f->set_present(true);
  std::set<std::string> ids;
  const std::regex uuid(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext context;
    medius::v1::AssessResponse response;
    grpc::Status status = stub_->Assess(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_TRUE(std::regex_match(response.assessment_id(), uuid))
        << response.assessment_id();
    EXPECT_EQ(response.knowledge_base_version(), "1.2.3");
    ids.insert(response.assessment_id());
  }
  EXPECT_EQ(ids.size(), 20u);
}

TEST_F(ServiceTest, MalformedRequestIsInvalidArgument) {
  medius::v1::AssessRequest request;
  request.add_findings()->set_code("bogus");
  grpc::ClientContext context;
  medius::v1::AssessResponse response;
  grpc::Status status = stub_->Assess(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("findings[0].code"));
}

TEST_F(ServiceTest, GetKnowledgeBaseReturnsTheCatalog) {
  grpc::ClientContext context;
  medius::v1::KnowledgeBaseInfo info;
  ASSERT_TRUE(stub_->GetKnowledgeBase(&context, {}, &info).ok());
  EXPECT_EQ(info.version(), "1.2.3");
  EXPECT_EQ(info.findings_size(), 8);
  EXPECT_EQ(info.conditions_size(), 2);
}

TEST(ToGrpcStatusTest, KeepsCodeAndMessage) {
  grpc::Status s = ToGrpcStatus(absl::InvalidArgumentError("findings[0]: x"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "findings[0]: x");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace medius::service
