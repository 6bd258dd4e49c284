// The application core without any transport: identity, limits, ids,
// details on errors and the one report per call.
#include "app/application.h"

#include <memory>
#include <regex>
#include <set>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "app/status_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::app {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class RecordingObserver : public CallObserver {
 public:
  void OnCall(const CallRecord& record) override {
    absl::MutexLock lock(&mu_);
    records_.push_back(record);
  }
  std::vector<CallRecord> records() {
    absl::MutexLock lock(&mu_);
    return records_;
  }

 private:
  absl::Mutex mu_;
  std::vector<CallRecord> records_;
};

medius::v1::AssessRequest FeverRequest() {
  medius::v1::AssessRequest request;
  request.set_encounter_id("enc-7");
  for (const char* code : {"fever", "hot"}) {
    auto* f = request.add_findings();
    f->set_code(code);
    f->set_present(true);
  }
  return request;
}

class ApplicationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto engine = engine::Engine::Create(medius::testing::SmallKb());
    ASSERT_TRUE(engine.ok()) << engine.status();
    engine_ = *std::move(engine);
  }
  Application& Make(AppOptions options) {
    options.observer = &observer_;
    app_ = std::make_unique<Application>(*engine_, std::move(options));
    return *app_;
  }
  static Caller From(std::string host,
                     std::optional<std::string> authorization = {}) {
    return {.transport = "test",
            .authorization = std::move(authorization),
            .peer_host = std::move(host)};
  }

  RecordingObserver observer_;
  std::unique_ptr<const engine::Engine> engine_;
  std::unique_ptr<Application> app_;
};

TEST_F(ApplicationTest, AssessGivesEachAnswerAFreshIdAndReportsItOnce) {
  Application& app = Make({});
  std::set<std::string> ids;
  const std::regex uuid(
      "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  for (int i = 0; i < 5; ++i) {
    std::unique_ptr<Call> call = app.NewCall("Assess", From("h"));
    call->set_encounter_id("enc-7");
    ASSERT_TRUE(call->Admit().ok());
    auto response = call->Assess(FeverRequest());
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_TRUE(std::regex_match(response->assessment_id(), uuid));
    ids.insert(response->assessment_id());
    call->Finish(absl::OkStatus());
    call->Finish(absl::InternalError("a second Finish is not reported"));
  }
  EXPECT_EQ(ids.size(), 5u);
  auto records = observer_.records();
  ASSERT_EQ(records.size(), 5u);
  EXPECT_EQ(records[0].method, "Assess");
  EXPECT_EQ(records[0].transport, "test");
  EXPECT_EQ(records[0].code, absl::StatusCode::kOk);
  EXPECT_EQ(records[0].encounter_id, "enc-7");
  EXPECT_EQ(records[0].knowledge_base_version, "1.2.3");
  EXPECT_THAT(records[0].red_flags, ElementsAre("infection"));
  EXPECT_TRUE(ids.count(records[4].assessment_id));
}

TEST_F(ApplicationTest, ABadRequestNamesItsFieldsInTheDetails) {
  Application& app = Make({});
  medius::v1::AssessRequest request;
  request.add_findings()->set_code("bogus");
  request.mutable_patient()->set_age_years(-4);
  std::unique_ptr<Call> call = app.NewCall("Assess", From("h"));
  ASSERT_TRUE(call->Admit().ok());
  auto response = call->Assess(request);
  ASSERT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("findings[0].code"));
  std::vector<std::string> fields;
  for (const auto& v : Violations(response.status())) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre("findings[0].code",
                                                      "patient.age_years"));
  call->Finish(response.status());
  auto records = observer_.records();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].code, absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(records[0].assessment_id, "");
}

TEST_F(ApplicationTest, TokensAreRequiredAndNameTheClient) {
  const std::string token = auth::NewToken();
  auto tokens =
      auth::TokenStore::Parse(auth::TokenFileLine("emr-a", token), "t");
  ASSERT_TRUE(tokens.ok());
  Application& app = Make({.tokens = &*tokens});
  for (const std::optional<std::string>& bad :
       std::vector<std::optional<std::string>>{std::nullopt, "", "Bearer wrong",
                                               token}) {
    std::unique_ptr<Call> call = app.NewCall("Assess", From("h", bad));
    absl::Status status = call->Admit();
    EXPECT_EQ(status.code(), absl::StatusCode::kUnauthenticated);
    EXPECT_EQ(status.message(), "missing or invalid bearer token");
    EXPECT_EQ(call->client(), "");
  }
  std::unique_ptr<Call> call =
      app.NewCall("Assess", From("h", "Bearer " + token));
  ASSERT_TRUE(call->Admit().ok());
  EXPECT_EQ(call->client(), "emr-a");
}

TEST_F(ApplicationTest, RequestsOverTheSizeLimitAreRefused) {
  Application& app = Make({.max_request_bytes = 100});
  std::unique_ptr<Call> call = app.NewCall("Assess", From("h"));
  EXPECT_TRUE(call->CheckSize(100).ok());
  absl::Status status = call->CheckSize(101);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("the limit is 100"));
}

TEST_F(ApplicationTest, TheRateLimitIsPerClientAndSaysWhenToRetry) {
  RateLimiter limiter(RateLimit{.per_second = 1, .burst = 2},
                      [] { return absl::UnixEpoch(); });
  Application& app = Make({.rate_limiter = &limiter});
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(app.NewCall("Assess", From("a"))->Admit().ok());
  }
  absl::Status refused = app.NewCall("Assess", From("a"))->Admit();
  EXPECT_EQ(refused.code(), absl::StatusCode::kResourceExhausted);
  std::optional<absl::Duration> wait = RetryDelay(refused);
  ASSERT_TRUE(wait.has_value());
  EXPECT_GT(*wait, absl::ZeroDuration());
  EXPECT_LE(*wait, absl::Seconds(1));
  // Another host has its own bucket.
  EXPECT_TRUE(app.NewCall("Assess", From("b"))->Admit().ok());
}

TEST_F(ApplicationTest, InFlightSlotsAreHeldUntilTheCallIsDestroyed) {
  Application& app =
      Make({.max_calls_in_flight = 3, .max_calls_in_flight_per_client = 2});
  std::unique_ptr<Call> a1 = app.NewCall("Assess", From("a"));
  std::unique_ptr<Call> a2 = app.NewCall("Assess", From("a"));
  ASSERT_TRUE(a1->Admit().ok());
  ASSERT_TRUE(a2->Admit().ok());
  // Client a has used its share; the refusal takes no slot.
  absl::Status own_share = app.NewCall("Assess", From("a"))->Admit();
  EXPECT_EQ(own_share.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(own_share.message(), HasSubstr("this client"));
  EXPECT_TRUE(RetryDelay(own_share).has_value());
  std::unique_ptr<Call> b1 = app.NewCall("Assess", From("b"));
  ASSERT_TRUE(b1->Admit().ok());
  // The server is full: b is refused although its own share is not used,
  // and the refusal gives b's per-client slot back.
  absl::Status full = app.NewCall("Assess", From("b"))->Admit();
  EXPECT_EQ(full.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(full.message(), HasSubstr("server busy"));
  // Finishing a call is not enough: the slot is the answer in transit.
  a1->Finish(absl::OkStatus());
  EXPECT_FALSE(app.NewCall("Assess", From("b"))->Admit().ok());
  a1.reset();
  std::unique_ptr<Call> b2 = app.NewCall("Assess", From("b"));
  EXPECT_TRUE(b2->Admit().ok());
  // b now holds two: its share.
  EXPECT_FALSE(app.NewCall("Assess", From("b"))->Admit().ok());
}

TEST(StatusDetailsTest, RoundTripAndAbsence) {
  absl::Status plain = absl::InvalidArgumentError("x");
  EXPECT_TRUE(Violations(plain).empty());
  EXPECT_FALSE(RetryDelay(plain).has_value());
  absl::Status both = WithRetryDelay(
      WithViolations(plain, {{"a", "first"}, {"b.c[2]", "second"}}),
      absl::Milliseconds(1500));
  EXPECT_EQ(both.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(both.message(), "x");
  std::vector<engine::FieldViolation> v = Violations(both);
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[1].field, "b.c[2]");
  EXPECT_EQ(v[1].description, "second");
  EXPECT_EQ(RetryDelay(both), absl::Milliseconds(1500));
  // A payload that is not the message it claims is ignored, not trusted.
  absl::Status garbled = plain;
  garbled.SetPayload(kBadRequestTypeUrl, absl::Cord("\xff\xff\xff"));
  EXPECT_TRUE(Violations(garbled).empty());
}

}  // namespace
}  // namespace medius::app
