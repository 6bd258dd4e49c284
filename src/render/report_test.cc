#include "render/report.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::render {
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
  r.mutable_disposition()->set_statement(
      "EMERGENCY (Infection): Send to ED today.");
  r.mutable_disposition()->add_missing_screening_findings("night_pain");
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

TEST(ReportTest, PrimarySourceComesBeforeTheDifferentialWithConfidence) {
  auto r = Response();
  auto* p = r.mutable_primary_source();
  p->set_presentation("lateral");
  auto* s = p->add_sources();
  s->set_display_name("Greater trochanteric pain syndrome");
  s->set_probability(0.62);
  s->set_prior_probability(0.59);
  p->set_low_confidence(true);
  p->set_confidence_note("Too little discriminating evidence.");
  auto* q = p->add_qualifiers();
  q->set_of_source("gluteal_tendinopathy");
  q->set_display_name("Gluteus medius tear");
  q->set_probability_given_source(0.4);
  q->set_probability(0.25);
  std::string out = FormatAssessment(r);
  size_t where = out.find("WHERE THE PAIN IS COMING FROM");
  ASSERT_NE(where, std::string::npos);
  EXPECT_LT(where, out.find("DIFFERENTIAL"));
  EXPECT_THAT(out, HasSubstr("?? LOW CONFIDENCE: Too little discriminating"));
  EXPECT_THAT(out, HasSubstr("62%   (prior 59%)"));
  EXPECT_THAT(out, HasSubstr("Gluteus medius tear 40% (overall 25%)"));
}

TEST(ReportTest, RedFlagShowsItsRuleAndTier) {
  auto r = Response();
  r.mutable_red_flags(0)->set_trigger_id("infection.fever");
  r.mutable_red_flags(0)->set_tier(medius::v1::RED_FLAG_TIER_SCREEN);
  EXPECT_THAT(
      FormatAssessment(r),
      HasSubstr("Rule:         infection.fever (single-feature screen)"));
}

TEST(ReportTest, InterimProtocolListsItsAdviceOnly) {
  auto r = Response();
  auto* p = r.mutable_protocol();
  p->set_status(medius::v1::PROTOCOL_STATUS_INTERIM);
  p->set_reason("The red-flag screen is incomplete (not asked: Night pain).");
  p->add_advice("Relative rest.");
  std::string out = FormatAssessment(r);
  EXPECT_THAT(out, HasSubstr("screen is incomplete (not asked: Night pain)"));
  EXPECT_THAT(out, HasSubstr("  - Relative rest.\n"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("Phase:")));
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

TEST(ReportTest, DispositionComesFirst) {
  std::string out = FormatAssessment(Response());
  EXPECT_LT(out.find("DISPOSITION"), out.find("RED FLAGS"));
  EXPECT_THAT(out, HasSubstr("EMERGENCY (Infection): Send to ED today."));
  EXPECT_THAT(out, HasSubstr("Screening questions not asked: night_pain"));
}

TEST(ReportTest, ProtocolShowsStartTargetedReviewAndEscalation) {
  medius::v1::AssessResponse r = Response();
  auto* p = r.mutable_protocol();
  p->set_status(medius::v1::PROTOCOL_STATUS_RECOMMENDED);
  p->set_display_name("LEAP");
  p->set_start_reason("Low irritability: start at phase 'Loading'.");
  auto* x = p->add_targeted_exercises();
  x->set_display_name("Wall hip hike");
  x->set_reason("Pelvic drop.");
  p->set_review("Review at 2 weeks.");
  p->set_escalation("Imaging at 12 weeks.");
  std::string out = FormatAssessment(r);
  EXPECT_THAT(out, HasSubstr("Start: Low irritability"));
  EXPECT_THAT(out, HasSubstr("Added for contributing factors:"));
  EXPECT_THAT(out, HasSubstr("Why: Pelvic drop."));
  EXPECT_THAT(out, HasSubstr("Review: Review at 2 weeks."));
  EXPECT_THAT(out, HasSubstr("Escalate: Imaging at 12 weeks."));
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
}  // namespace medius::render
