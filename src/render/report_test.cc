#include "render/report.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
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
              HasSubstr("!! EMERGENCY: Infection -> Emergency department"));
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
  EXPECT_THAT(out, HasSubstr("LR 1.00   expert opinion\n"));
  EXPECT_THAT(out, HasSubstr("(not applied: correlated)"));
}

TEST(ReportTest, SummaryComesFirstWithDispositionTopThreeAndNext) {
  auto r = Response();
  for (const char* name : {"Hip joint", "Lumbar", "Bursitis"}) {
    auto* d = r.add_differential();
    d->set_display_name(name);
    d->set_probability(0.1);
  }
  r.add_next_tests()->set_display_name("FADIR");
  std::string out = FormatAssessment(r);
  const size_t summary = out.find("SUMMARY");
  ASSERT_NE(summary, std::string::npos);
  EXPECT_LT(summary, out.find("RED FLAGS"));
  EXPECT_THAT(out, HasSubstr("  Disposition:  EMERGENCY (Infection): Send to "
                             "ED today.\n"));
  EXPECT_THAT(out, HasSubstr("  Most likely:  1.  93.4%  Gluteal tendinopathy\n"
                             "                2.  10.0%  Hip joint\n"
                             "                3.  10.0%  Lumbar\n"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("10.0%  Bursitis")));
  EXPECT_THAT(out, HasSubstr("  Do next:      FADIR\n"));
  EXPECT_THAT(out, HasSubstr("  Exercise:     none to start. Withheld"));
  EXPECT_LT(out.find("Do next:"), out.find("\nRED FLAGS"));
}

// Codes become names when the catalog is given.
TEST(ReportTest, ScreeningQuestionsAndLeftOutExercisesByName) {
  auto r = Response();
  auto* x = r.mutable_protocol()->add_excluded();
  x->set_exercise_code("side_plank");
  x->set_condition_code("tear");
  x->set_reason("compressive load");
  r.mutable_protocol()->set_status(medius::v1::PROTOCOL_STATUS_RECOMMENDED);
  EXPECT_THAT(FormatAssessment(r),
              HasSubstr("Not asked:    screening questions night_pain"));
  medius::v1::KnowledgeBaseInfo catalog;
  auto* f = catalog.add_findings();
  f->set_code("night_pain");
  f->set_display_name("Pain at night, unrelieved by rest");
  auto* e = catalog.add_exercises();
  e->set_code("side_plank");
  e->set_display_name("Side plank");
  auto* c = catalog.add_conditions();
  c->set_code("tear");
  c->set_display_name("Gluteal tendon tear");
  std::string out = FormatAssessment(r, {.catalog = &catalog});
  EXPECT_THAT(out, HasSubstr("Not asked:    screening questions Pain at night, "
                             "unrelieved by rest"));
  EXPECT_THAT(out,
              HasSubstr("- Side plank (Gluteal tendon tear): compressive"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("night_pain")));
}

// No line is wider than 100 columns however long the texts (a source, a
// URL with no spaces, an action), and no word is lost in wrapping.
TEST(ReportTest, EveryLineFitsInOneHundredColumns) {
  auto r = Response();
  std::string long_text;
  for (int i = 0; i < 60; ++i) absl::StrAppend(&long_text, "word", i, " ");
  r.mutable_red_flags(0)->set_action(long_text);
  r.mutable_differential(0)->mutable_evidence(0)->set_source(long_text);
  auto* c = r.add_cited_references();
  c->set_reference_id("grimaldi2017");
  c->set_text("https://example.org/" + std::string(150, 'x'));
  c->set_evidence_level("2");
  r.add_notes(long_text);
  std::string out = FormatAssessment(r);
  for (absl::string_view line : absl::StrSplit(out, '\n')) {
    EXPECT_LE(line.size(), 100u) << line;
    EXPECT_FALSE(absl::EndsWith(line, " ")) << line;
  }
  EXPECT_THAT(out, HasSubstr("word59"));
  EXPECT_THAT(out,
              HasSubstr("REFERENCES\n  grimaldi2017: https://example.org/"));
}

TEST(ReportTest, PercentagesNeverRoundToCertainty) {
  EXPECT_EQ(Percent(0.995), "99.5%");
  EXPECT_EQ(Percent(0.9999), ">99.9%");
  EXPECT_EQ(Percent(1), "100%");
  EXPECT_EQ(Percent(0.004), "0.4%");
  EXPECT_EQ(Percent(0.0001), "<0.1%");
  EXPECT_EQ(Percent(0), "0%");
  EXPECT_EQ(Percent(0.456), "46%");
  EXPECT_EQ(PercentOneDecimal(0.456), "45.6%");
}

// "[expert opinion] Expert opinion: ..." said it twice; references are
// named with their level on the line and their text once at the end.
TEST(ReportTest, ExpertOpinionAndReferencesAreSaidOnce) {
  auto r = Response();
  auto* e = r.mutable_differential(0)->mutable_evidence(1);
  e->set_source("Expert opinion: correlated with pain on lying.");
  auto* cited = r.mutable_differential(0)->mutable_evidence(0);
  auto* c = cited->add_citations();
  c->set_reference_id("grimaldi2017");
  c->set_evidence_level("2");
  auto* ref = r.add_cited_references();
  ref->set_reference_id("grimaldi2017");
  ref->set_text("Grimaldi A et al. 2017.");
  ref->set_evidence_level("2");
  std::string out = FormatAssessment(r);
  EXPECT_THAT(out, HasSubstr("LR 1.00   Expert opinion: correlated"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("expert opinion; Expert")));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("[expert opinion] Expert")));
  EXPECT_THAT(out, HasSubstr("LR 12.20  grimaldi2017 (level 2)\n"));
  EXPECT_THAT(out,
              HasSubstr("  grimaldi2017: Grimaldi A et al. 2017. [level 2]\n"));
}

TEST(ReportTest, AnUnknownUrgencyReadsAsUrgent) {
  EXPECT_EQ(UrgencyName(static_cast<medius::v1::Urgency>(17)),
            "URGENT (urgency 17 unknown to this client)");
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
  std::string out = FormatAssessment(r);
  EXPECT_THAT(out, HasSubstr("Red flags:    none raised"));
  EXPECT_THAT(out, ::testing::Not(HasSubstr("\nRED FLAGS")));
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
