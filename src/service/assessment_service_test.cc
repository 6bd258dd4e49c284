// The service over an in-process channel: ids, status mapping, catalog.
#include "service/assessment_service.h"

#include <memory>
#include <regex>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "app/status_details.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/error_details.h"
#include "gtest/gtest.h"
#include "service/grpc_status.h"
#include "testing/test_kb.h"

namespace medius::service {
namespace {

using ::testing::HasSubstr;

class RecordingObserver : public app::CallObserver {
 public:
  void OnCall(const app::CallRecord& record) override {
    absl::MutexLock lock(&mu_);
    records_.push_back(record);
  }
  std::vector<app::CallRecord> records() {
    absl::MutexLock lock(&mu_);
    return records_;
  }

 private:
  absl::Mutex mu_;
  std::vector<app::CallRecord> records_;
};

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(nullptr); }

  void Start(const auth::TokenStore* tokens) {
    auto engine = engine::Engine::Create(medius::testing::SmallKb());
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = std::move(*engine);
    app::AppOptions options;
    options.tokens = tokens;
    options.observer = &observer_;
    app_ = std::make_unique<app::Application>(*engine_, options);
    service_ = std::make_unique<AssessmentServiceImpl>(*app_);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    stub_ = medius::v1::AssessmentService::NewStub(
        server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override { server_->Shutdown(); }

  void Restart(const auth::TokenStore* tokens) {
    server_->Shutdown();
    Start(tokens);
  }

  RecordingObserver observer_;

  std::unique_ptr<const engine::Engine> engine_;
  std::unique_ptr<app::Application> app_;
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

TEST_F(ServiceTest, InvalidArgumentCarriesBadRequestFieldViolations) {
  medius::v1::AssessRequest request;
  request.add_findings()->set_code("bogus");
  auto* f = request.add_findings();
  f->set_code("count");
  f->set_number(99);
  request.mutable_patient()->set_age_years(-4);
  grpc::ClientContext context;
  medius::v1::AssessResponse response;
  grpc::Status status = stub_->Assess(&context, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status details;
  ASSERT_TRUE(grpc::ExtractErrorDetails(status, &details).ok());
  EXPECT_EQ(details.code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_EQ(details.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  std::vector<std::string> fields;
  for (const auto& v : bad_request.field_violations())
    fields.push_back(v.field());
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("patient.age_years",
                                                      "findings[0].code",
                                                      "findings[1].number"));
}

// 256 bad findings with 64-character codes: the reply still arrives as
// INVALID_ARGUMENT (not RESOURCE_EXHAUSTED for oversized trailers), lists
// the first 20 problems and says checking stopped, and its message and
// details stay well under gRPC's 8 KiB metadata limit.
TEST_F(ServiceTest, ManyBadFindingsGetACompleteReplyWithinTheMetadataLimit) {
  medius::v1::AssessRequest request;
  for (int i = 0; i < 256; ++i) {
    request.add_findings()->set_code(
        absl::StrCat("unknown_", std::string(50, 'x'), "_", 1000 + i));
  }
  grpc::ClientContext context;
  medius::v1::AssessResponse response;
  grpc::Status status = stub_->Assess(&context, request, &response);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("findings[0].code"));
  EXPECT_THAT(status.error_message(), HasSubstr("more in the BadRequest"));
  google::rpc::Status details;
  ASSERT_TRUE(grpc::ExtractErrorDetails(status, &details).ok());
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(details.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 21);
  EXPECT_EQ(bad_request.field_violations(19).field(), "findings[19].code");
  EXPECT_THAT(bad_request.field_violations(20).description(),
              HasSubstr("checking stopped after 20 problems"));
  // grpc-message and grpc-status-details-bin (base64: x4/3).
  const size_t metadata =
      status.error_message().size() + status.error_details().size() * 4 / 3;
  EXPECT_LT(metadata, 6 * 1024u) << metadata;
}

TEST_F(ServiceTest, ObserverSeesEveryCallWithoutFindings) {
  medius::v1::AssessRequest request;
  request.set_encounter_id("enc-7");
  auto* f = request.add_findings();
  f->set_code("fever");
  f->set_present(true);
  f = request.add_findings();
  f->set_code("hot");
  f->set_present(true);
  grpc::ClientContext context;
  medius::v1::AssessResponse response;
  ASSERT_TRUE(stub_->Assess(&context, request, &response).ok());
  auto records = observer_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].method, "Assess");
  EXPECT_EQ(records[0].transport, "grpc");
  EXPECT_EQ(records[0].code, absl::StatusCode::kOk);
  EXPECT_EQ(records[0].assessment_id, response.assessment_id());
  EXPECT_EQ(records[0].knowledge_base_version, "1.2.3");
  EXPECT_THAT(records[0].red_flags, ::testing::ElementsAre("infection"));
  EXPECT_GE(records[0].latency_seconds, 0);
}

TEST_F(ServiceTest, TokensAreRequiredWhenConfigured) {
  std::string token = auth::NewToken();
  auto tokens =
      auth::TokenStore::Parse(auth::TokenFileLine("emr-a", token), "t");
  ASSERT_TRUE(tokens.ok());
  Restart(&*tokens);
  auto call = [&](const std::string& authorization) {
    grpc::ClientContext context;
    if (!authorization.empty())
      context.AddMetadata("authorization", authorization);
    medius::v1::KnowledgeBaseInfo info;
    return stub_->GetKnowledgeBase(&context, {}, &info);
  };
  EXPECT_TRUE(call("Bearer " + token).ok());
  for (const std::string& bad : std::vector<std::string>{
           "", "Bearer wrong", token, "Bearer " + token + "0"}) {
    grpc::Status status = call(bad);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << bad;
    EXPECT_EQ(status.error_message(), "missing or invalid bearer token");
  }
  auto records = observer_.records();
  ASSERT_FALSE(records.empty());
  EXPECT_EQ(records.front().client, "emr-a");
  EXPECT_EQ(records.back().code, absl::StatusCode::kUnauthenticated);
}

TEST_F(ServiceTest, GetKnowledgeBaseReturnsTheCatalog) {
  grpc::ClientContext context;
  medius::v1::KnowledgeBaseInfo info;
  ASSERT_TRUE(stub_->GetKnowledgeBase(&context, {}, &info).ok());
  EXPECT_EQ(info.version(), "1.2.3");
  EXPECT_EQ(info.findings_size(), 9);
  EXPECT_EQ(info.conditions_size(), 2);
}

TEST(ToGrpcStatusTest, KeepsCodeAndMessage) {
  grpc::Status s = ToGrpcStatus(absl::InvalidArgumentError("findings[0]: x"));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(s.error_message(), "findings[0]: x");
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
  EXPECT_TRUE(s.error_details().empty());
}

// The core's details reach a gRPC client as google.rpc.Status details, in
// the order they were added, with the code and message repeated.
TEST(ToGrpcStatusTest, PayloadsBecomeStatusDetails) {
  absl::Status core = app::WithRetryDelay(
      app::WithViolations(absl::ResourceExhaustedError("slow down"),
                          {{"findings[2].code", "unknown"}}),
      absl::Milliseconds(250));
  grpc::Status s = ToGrpcStatus(core);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(s.error_message(), "slow down");
  google::rpc::Status details;
  ASSERT_TRUE(grpc::ExtractErrorDetails(s, &details).ok());
  EXPECT_EQ(details.code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(details.message(), "slow down");
  google::rpc::BadRequest bad_request;
  google::rpc::RetryInfo retry;
  bool saw_bad_request = false, saw_retry = false;
  for (const auto& any : details.details()) {
    if (any.UnpackTo(&bad_request)) saw_bad_request = true;
    if (any.UnpackTo(&retry)) saw_retry = true;
  }
  ASSERT_TRUE(saw_bad_request && saw_retry);
  ASSERT_EQ(bad_request.field_violations_size(), 1);
  EXPECT_EQ(bad_request.field_violations(0).field(), "findings[2].code");
  EXPECT_EQ(retry.retry_delay().nanos(), 250000000);
}

}  // namespace
}  // namespace medius::service
