// The outcome report on a known set of stored assessments and outcomes,
// against figures computed by hand (in the comments).
#include "audit/outcome_report.h"

#include <unistd.h>

#include <filesystem>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "audit/sqlite_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "medius/v1/assessment.pb.h"
#include "medius/v1/audit.pb.h"

namespace medius::audit {
namespace {

using ::testing::HasSubstr;

class OutcomeReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = (std::filesystem::temp_directory_path() /
             absl::StrCat("outcomes_", getpid(), ".db"))
                .string();
    std::filesystem::remove(path_);
    store_ = *OpenSqliteStore(path_);
  }
  void TearDown() override {
    store_.reset();
    std::filesystem::remove(path_);
  }

  void Assessment(const std::string& id, const std::string& version,
                  std::vector<std::pair<std::string, double>> differential,
                  bool red_flag) {
    medius::v1::AssessResponse response;
    for (const auto& [code, p] : differential) {
      auto* e = response.add_differential();
      e->set_condition_code(code);
      e->set_probability(p);
    }
    if (red_flag) response.add_red_flags()->set_code("red_flag_hip_fracture");
    AuditRecord r;
    r.assessment_id = id;
    r.knowledge_base_version = version;
    r.response = response.SerializeAsString();
    std::vector<AuditRecord> batch = {r};
    ASSERT_TRUE(store_->Append(batch).ok());
  }

  void Outcome(const std::string& id, medius::v1::ClinicianAction action,
               const std::string& confirmed = "", bool serious = false) {
    medius::v1::Outcome o;
    o.set_action(action);
    if (!confirmed.empty()) {
      o.mutable_confirmed()->set_condition_code(confirmed);
      o.mutable_confirmed()->set_method(
          medius::v1::CONFIRMATION_METHOD_IMAGING);
      o.mutable_confirmed()->set_serious_pathology(serious);
    }
    AuditRecord r;
    r.kind = RecordKind::kOutcome;
    r.assessment_id = id;
    r.request = o.SerializeAsString();
    std::vector<AuditRecord> batch = {r};
    ASSERT_TRUE(store_->Append(batch).ok());
  }

  std::string path_;
  std::unique_ptr<AuditStore> store_;
};

TEST_F(OutcomeReportTest, GivesTheHandComputedFigures) {
  using medius::v1::CLINICIAN_ACTION_ACCEPTED;
  using medius::v1::CLINICIAN_ACTION_OVERRIDDEN;
  using medius::v1::CLINICIAN_ACTION_UNSPECIFIED;
  Assessment("a1", "1.0", {{"gt", 0.6}, {"bursitis", 0.3}, {"lumbar", 0.1}},
             false);
  Assessment("a2", "1.0", {{"gt", 0.7}, {"tear", 0.2}, {"lumbar", 0.1}}, false);
  Assessment("a3", "1.0", {{"gt", 0.5}}, true);
  Assessment("a4", "1.0", {{"gt", 0.8}, {"bursitis", 0.2}}, false);
  Assessment("a5", "1.0", {{"gt", 0.9}}, false);
  Assessment("a6", "1.0", {{"bursitis", 0.55}, {"gt", 0.45}}, true);
  Assessment("a7", "2.0", {{"lumbar", 0.9}, {"gt", 0.1}}, false);
  Outcome("a1", CLINICIAN_ACTION_ACCEPTED, "gt");
  Outcome("a2", CLINICIAN_ACTION_OVERRIDDEN);
  Outcome("a2", CLINICIAN_ACTION_UNSPECIFIED, "tear");  // later: adds it
  Outcome("a3", CLINICIAN_ACTION_UNSPECIFIED, "red_flag_hip_fracture", true);
  Outcome("a4", CLINICIAN_ACTION_UNSPECIFIED, "red_flag_malignancy", true);
  Outcome("a6", CLINICIAN_ACTION_UNSPECIFIED, "gt");
  Outcome("a7", CLINICIAN_ACTION_ACCEPTED, "lumbar");
  Outcome("unknown", CLINICIAN_ACTION_ACCEPTED, "gt");  // ignored

  absl::StatusOr<OutcomeReport> report = BuildOutcomeReport(*store_);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_EQ(report->records_read, 15);
  ASSERT_EQ(report->by_version.size(), 2u);
  const VersionOutcomes& v = report->by_version.at("1.0");
  EXPECT_EQ(v.assessments, 6);
  EXPECT_EQ(v.with_outcome, 5);  // a5 has none
  EXPECT_EQ(v.accepted, 1);
  EXPECT_EQ(v.overridden, 1);  // a2's later outcome keeps its action
  // Non-serious confirmed: a1 (gt leads), a2 (tear second), a6 (gt second).
  EXPECT_EQ(v.confirmed_condition, 3);
  EXPECT_EQ(v.leading_agrees, 1);
  EXPECT_EQ(v.top3_agrees, 3);
  // Serious: a3 flagged, a4 missed. Not serious: a6 flagged, a1 a2 not.
  EXPECT_EQ(v.serious_flagged, 1);
  EXPECT_EQ(v.serious_missed, 1);
  EXPECT_EQ(v.benign_flagged, 1);
  EXPECT_EQ(v.benign_not_flagged, 2);
  // a1: .4^2+.3^2+.1^2 = .26; a2: .7^2+.8^2+.1^2 = 1.14;
  // a6: .55^2+.55^2 = .605; mean 2.005/3.
  EXPECT_NEAR(v.brier_sum / v.confirmed_condition, 2.005 / 3, 1e-9);
  // p=0.1 twice (a1 lumbar, a2 lumbar), neither confirmed; p=0.6 once, hit.
  EXPECT_EQ(v.bins[1].predictions, 2);
  EXPECT_EQ(v.bins[1].confirmed, 0);
  EXPECT_EQ(v.bins[6].predictions, 1);
  EXPECT_EQ(v.bins[6].confirmed, 1);
  EXPECT_EQ(v.bins[4].confirmed, 1);  // a6's gt at 0.45
  const VersionOutcomes& w = report->by_version.at("2.0");
  EXPECT_EQ(w.leading_agrees, 1);
  EXPECT_NEAR(w.brier_sum, 0.02, 1e-9);

  const std::string text = FormatOutcomeReport(*report);
  EXPECT_THAT(text, HasSubstr("leading condition = confirmed diagnosis: "
                              "33.3% (1/3)"));
  EXPECT_THAT(text, HasSubstr("flagged 50.0% (1/2) (missed 1)"));
  EXPECT_THAT(text, HasSubstr("Brier score (multi-class, 0 best, 2 worst): "
                              "0.668 over 3 case(s)"));
  const std::string svg = CalibrationSvg(*report);
  EXPECT_THAT(svg, HasSubstr("<svg"));
  EXPECT_THAT(svg, HasSubstr("KB 2.0"));
}

TEST_F(OutcomeReportTest, AnEmptyStoreSaysSo) {
  absl::StatusOr<OutcomeReport> report = BuildOutcomeReport(*store_);
  ASSERT_TRUE(report.ok());
  EXPECT_THAT(FormatOutcomeReport(*report), HasSubstr("No assessments"));
}

}  // namespace
}  // namespace medius::audit
