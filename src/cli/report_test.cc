#include "cli/report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::cli {
namespace {

using ::testing::HasSubstr;

medius::v1::AssessResponse Response() {
  medius::v1::AssessResponse r;
  r.set_assessment_id("id-1");
  r.set_knowledge_base_version("0.1.0");
  r.set_knowledge_base_date("2026-11-21");
  auto* flag = r.add_red_flags();
  flag->set_display_name("Infection");
  flag->set_urgency(medius::v1::URGENCY_EMERGENCY);
  flag->set_refer_to(medius::v1::REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT);
  flag->add_triggered_by("fever_or_systemically_unwell");
  flag->set_action("Send to ED today.");
  auto* entry = r.add_differential();
  entry->set_display_name("Gluteal tendinopathy");
  entry->set_probability(0.934);
  entry->set_prior_probability(0.59);
  auto* e = entry->add_evidence();
  e->set_display_name("Single-leg stance pain");
  e->set_present(true);
  e->set_likelihood_ratio(12.2);
  e->set_source("Grimaldi 2017");
  auto* g = entry->add_evidence();
  g->set_display_name("Lying on side");
  g->set_present(false);
  g->set_likelihood_ratio(1);
  g->set_expert_opinion(true);
  g->set_note("not applied: correlated");
  r.mutable_protocol()->set_status(medius::v1::PROTOCOL_STATUS_WITHHELD);
  r.mutable_protocol()->set_reason("Withheld: red flag.");
  r.add_notes("low confidence");
  return r;
}

TEST(ReportTest, RedFlagsComeFirstThenDifferentialThenProtocol) {
  std::string out = FormatAssessment(Response());
  size_t flags = out.find("RED FLAGS"), diff = out.find("DIFFERENTIAL"),
         protocol = out.find("EXERCISE PROTOCOL");
  ASSERT_NE(flags, std::string::npos);
  EXPECT_LT(flags, diff);
  EXPECT_LT(diff, protocol);
  EXPECT_THAT(out,
              HasSubstr("!! EMERGENCY: Infection  -> Emergency department"));
  EXPECT_THAT(out, HasSubstr("Knowledge base 0.1.0 (2026-11-21)"));
  EXPECT_THAT(out, HasSubstr("93%   (prior 59%)"));
  EXPECT_THAT(out, HasSubstr("Withheld: red flag."));
}

TEST(ReportTest, EvidenceLinesShowDirectionLrSourceAndExpertOpinion) {
  std::string out = FormatAssessment(Response());
  EXPECT_THAT(out, HasSubstr("+ Single-leg stance pain"));
  EXPECT_THAT(out, HasSubstr("LR 12.20"));
  EXPECT_THAT(out, HasSubstr("Grimaldi 2017"));
  EXPECT_THAT(out, HasSubstr("= Lying on side"));
  EXPECT_THAT(out, HasSubstr("[expert opinion]"));
  EXPECT_THAT(out, HasSubstr("(not applied: correlated)"));
}

TEST(ReportTest, NoRedFlagsSaysSo) {
  medius::v1::AssessResponse r = Response();
  r.clear_red_flags();
  EXPECT_THAT(FormatAssessment(r), HasSubstr("None raised"));
}

TEST(ReportTest, DosageLine) {
  medius::v1::Dosage d;
  d.mutable_sets()->set_min(1);
  d.mutable_sets()->set_max(2);
  d.mutable_reps()->set_min(10);
  d.mutable_reps()->set_max(10);
  d.mutable_hold_seconds()->set_min(5);
  d.mutable_hold_seconds()->set_max(10);
  d.set_frequency("twice daily");
  d.set_effort("light");
  EXPECT_EQ(FormatDosage(d), "1-2 x 10 reps, hold 5-10 s, twice daily, light");
}

}  // namespace
}  // namespace medius::cli
