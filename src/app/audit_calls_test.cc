// The core's side of the assessment record, with a real SQLite store: what
// Record hands over, the record's RPCs, their validation and permissions,
// and fail-closed when the store refuses.
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "app/application.h"
#include "app/audit_json.h"
#include "app/status_details.h"
#include "audit/audit_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::app {
namespace {

using ::testing::HasSubstr;

// Refuses every append: a full disk, a database gone away.
class RefusingStore final : public audit::AuditStore {
 public:
  absl::Status Append(std::vector<audit::AuditRecord>&) override {
    return absl::UnavailableError("disk full");
  }
  absl::StatusOr<std::vector<audit::AuditRecord>> GetAssessment(
      const std::string&) override {
    return std::vector<audit::AuditRecord>();
  }
  absl::StatusOr<std::vector<audit::AuditRecord>> ListByEncounter(
      const std::string&, int64_t, int) override {
    return std::vector<audit::AuditRecord>();
  }
  absl::StatusOr<std::vector<audit::AuditRecord>> Scan(int64_t, int) override {
    return std::vector<audit::AuditRecord>();
  }
  absl::StatusOr<std::optional<audit::Checkpoint>> LatestCheckpoint() override {
    return std::optional<audit::Checkpoint>();
  }
  absl::StatusOr<int64_t> Purge(absl::Time, const std::string&) override {
    return 0;
  }
  std::string backend() const override { return "refusing"; }
};

Caller TestCaller() {
  Caller caller;
  caller.transport = "test";
  return caller;
}

medius::v1::AssessRequest Request() {
  medius::v1::AssessRequest request;
  request.set_encounter_id("enc-1");
  auto* f = request.add_findings();
  f->set_code("fever");
  f->set_present(true);
  return request;
}

absl::Status RecordAndWait(Call& call, const medius::v1::AssessRequest& r,
                           const medius::v1::AssessResponse& response) {
  absl::Notification done;
  absl::Status status;
  call.Record(r, response.SerializeAsString(), [&](const absl::Status& s) {
    status = s;
    done.Notify();
  });
  done.WaitForNotification();
  return status;
}

class AuditCallsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    engine_ = *engine::Engine::Create(medius::testing::SmallKb());
    path_ = (std::filesystem::temp_directory_path() /
             absl::StrCat("app_audit_", getpid(), ".db"))
                .string();
    std::filesystem::remove(path_);
    audit::AuditWriterOptions options;
    options.prepare = FillRequestJson;
    writer_ = std::make_unique<audit::AuditWriter>(
        *audit::OpenAuditStore(path_), options);
    reader_ = *audit::OpenAuditStore(path_);
    AppOptions app_options;
    app_options.audit_writer = writer_.get();
    app_options.audit_reader = reader_.get();
    app_ = std::make_unique<Application>(*engine_, app_options);
  }
  void TearDown() override {
    app_.reset();
    writer_.reset();
    reader_.reset();
    std::filesystem::remove(path_);
  }

  std::string AssessAndRecord() {
    auto call = app_->NewCall("Assess", TestCaller());
    EXPECT_TRUE(call->Admit().ok());
    auto response = call->Assess(Request());
    EXPECT_TRUE(response.ok());
    EXPECT_TRUE(RecordAndWait(*call, Request(), *response).ok());
    return response->assessment_id();
  }

  std::unique_ptr<const engine::Engine> engine_;
  std::string path_;
  std::unique_ptr<audit::AuditWriter> writer_;
  std::unique_ptr<audit::AuditStore> reader_;
  std::unique_ptr<Application> app_;
};

TEST_F(AuditCallsTest, ARecordedAssessmentReadsBackWithItsKnowledgeBase) {
  const std::string id = AssessAndRecord();
  auto call = app_->NewCall("GetAssessment", TestCaller());
  medius::v1::GetAssessmentRequest get;
  get.set_assessment_id(id);
  auto stored = call->GetAssessment(get);
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->request().encounter_id(), "enc-1");
  EXPECT_EQ(stored->response().assessment_id(), id);
  EXPECT_EQ(stored->provenance().transport(), "test");
  std::vector<audit::AuditRecord> rows = *reader_->GetAssessment(id);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].knowledge_base_version, "1.2.3");
  EXPECT_EQ(rows[0].knowledge_base_digest, engine_->info().content_digest());
  EXPECT_THAT(rows[0].request_json, HasSubstr("\"encounter_id\":\"enc-1\""));
}

TEST_F(AuditCallsTest, OutcomesAreCheckedFieldByField) {
  const std::string id = AssessAndRecord();
  medius::v1::RecordOutcomeRequest request;
  request.set_assessment_id(id);
  request.mutable_outcome()->mutable_confirmed()->set_condition_code("nope");
  auto* m = request.mutable_outcome()->add_follow_up();
  m->set_instrument(medius::v1::MEASURE_INSTRUMENT_PAIN_NRS);
  m->set_value(11);
  m->set_weeks(600);
  absl::Status status;
  auto call = app_->NewCall("RecordOutcome", TestCaller());
  call->RecordOutcome(request, [&](auto r) { status = r.status(); });
  ASSERT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields;
  for (const auto& v : Violations(status)) fields.push_back(v.field);
  EXPECT_THAT(fields, ::testing::ElementsAre("outcome.confirmed.condition_code",
                                             "outcome.follow_up[0].value",
                                             "outcome.follow_up[0].weeks"));
}

// A newer client's action or confirmation method is stored as sent, not
// refused: an outcome is not lost to a version mismatch.
TEST_F(AuditCallsTest, AnOutcomeWithNewerEnumValuesIsKeptAsSent) {
  const std::string id = AssessAndRecord();
  medius::v1::RecordOutcomeRequest request;
  request.set_assessment_id(id);
  request.mutable_outcome()->set_action(
      static_cast<medius::v1::ClinicianAction>(7));
  auto* confirmed = request.mutable_outcome()->mutable_confirmed();
  confirmed->set_condition_code("tendon");
  confirmed->set_method(static_cast<medius::v1::ConfirmationMethod>(9));
  absl::Notification done;
  absl::Status status;
  auto call = app_->NewCall("RecordOutcome", TestCaller());
  call->RecordOutcome(request, [&](auto r) {
    status = r.status();
    done.Notify();
  });
  done.WaitForNotification();
  ASSERT_TRUE(status.ok()) << status;
  std::vector<audit::AuditRecord> rows = *reader_->GetAssessment(id);
  ASSERT_EQ(rows.size(), 2u);
  medius::v1::Outcome stored;
  ASSERT_TRUE(stored.ParseFromString(rows[1].request));
  EXPECT_EQ(static_cast<int>(stored.action()), 7);
  EXPECT_EQ(static_cast<int>(stored.confirmed().method()), 9);
}

TEST_F(AuditCallsTest, PagesAndTheirTokensAreChecked) {
  auto call = app_->NewCall("ListAssessments", TestCaller());
  medius::v1::ListAssessmentsRequest request;
  request.set_encounter_id("enc-1");
  request.set_page_size(101);
  request.set_page_token("not-a-token");
  auto listed = call->ListAssessments(request);
  ASSERT_EQ(listed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Violations(listed.status()).size(), 2u);
}

TEST_F(AuditCallsTest, RequiredModeFailsClosedWhenTheStoreRefuses) {
  audit::AuditWriter refusing(std::make_unique<RefusingStore>(), {});
  AppOptions options;
  options.audit_writer = &refusing;
  options.audit_reader = reader_.get();
  Application app(*engine_, options);
  auto call = app.NewCall("Assess", TestCaller());
  ASSERT_TRUE(call->Admit().ok());
  auto response = call->Assess(Request());
  ASSERT_TRUE(response.ok());
  absl::Status status = RecordAndWait(*call, Request(), *response);
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("could not be recorded"));
}

TEST_F(AuditCallsTest, WithoutAStoreTheRecordsRpcsSaySo) {
  Application app(*engine_, {});
  auto call = app.NewCall("GetAssessment", TestCaller());
  medius::v1::GetAssessmentRequest get;
  get.set_assessment_id("x");
  EXPECT_EQ(call->GetAssessment(get).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace medius::app
