// The primary-source model on the inline test knowledge base (tendon vs
// joint): normalisation, presentation priors, evidence groups, bands,
// qualifiers and the confidence flag, against hand-computed values.
#include "engine/primary_source.h"

#include <cmath>

#include "engine/compiled_kb_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::engine {
namespace {

class PrimarySourceTest : public CompiledKbTest {
 protected:
  medius::v1::PrimarySourceAssessment Assess() {
    return ToPrimaryAssessment(*kb_, ScorePrimary(*kb_, obs_, patient_), obs_);
  }
  PatientContext patient_;
};

double ProbabilityOf(const medius::v1::PrimarySourceAssessment& a,
                     const std::string& code) {
  for (const auto& s : a.sources()) {
    if (s.condition_code() == code) return s.probability();
  }
  return -1;
}

TEST_F(PrimarySourceTest, NormalisedProductOfPriorAndLikelihoods) {
  Set("tender", Observed::kPresent);
  Set("sls", Observed::kPresent);
  auto a = Assess();
  // odds tendon:joint = 0.6/0.4 x 0.8/0.2 x 0.4/0.05 = 48.
  ASSERT_EQ(a.sources_size(), 2);
  EXPECT_EQ(a.sources(0).condition_code(), "tendon");
  EXPECT_NEAR(a.sources(0).probability(), 48.0 / 49.0, 1e-12);
  EXPECT_NEAR(a.sources(0).probability() + a.sources(1).probability(), 1,
              1e-12);
  EXPECT_EQ(a.presentation(), "unspecified");
  EXPECT_DOUBLE_EQ(a.sources(0).prior_probability(), 0.6);
  // Evidence: sls (LR 8) before tender (LR 4).
  ASSERT_EQ(a.sources(0).evidence_size(), 2);
  EXPECT_EQ(a.sources(0).evidence(0).finding_code(), "sls");
  EXPECT_NEAR(a.sources(0).evidence(0).likelihood_ratio(), 8, 1e-9);
  EXPECT_NEAR(a.sources(1).evidence(0).likelihood_ratio(), 1.0 / 8, 1e-9);
  EXPECT_EQ(a.discriminating_findings(), 2u);
  EXPECT_FALSE(a.low_confidence());
}

TEST_F(PrimarySourceTest, AbsentFindingCountsAgainstTheSourceItSupports) {
  Set("sls", Observed::kAbsent);
  // odds = 1.5 x 0.6/0.95.
  const double odds = 1.5 * 0.6 / 0.95;
  EXPECT_NEAR(ProbabilityOf(Assess(), "tendon"), odds / (1 + odds), 1e-12);
}

TEST_F(PrimarySourceTest, PresentationChoosesThePrior) {
  Set("tender", Observed::kPresent);
  Set("sls", Observed::kPresent);
  Set("lying", Observed::kPresent);  // neutral: it chose the prior
  auto a = Assess();
  EXPECT_EQ(a.presentation(), "painful_lying");
  // odds = 0.8/0.2 x 4 x 8 = 128.
  EXPECT_NEAR(a.sources(0).probability(), 128.0 / 129.0, 1e-12);
}

TEST_F(PrimarySourceTest, NumberBandsAndPointingAwayFromTheTendon) {
  Set("count", Observed::kNumber, 6);  // ">= 3": 0.1 vs 0.7
  Set("sls", Observed::kAbsent);
  auto a = Assess();
  // odds tendon:joint = 1.5 x 0.1/0.7 x 0.6/0.95.
  const double odds = 1.5 * (0.1 / 0.7) * (0.6 / 0.95);
  EXPECT_EQ(a.sources(0).condition_code(), "joint");
  EXPECT_NEAR(a.sources(1).probability(), odds / (1 + odds), 1e-12);
  bool labelled = false;
  for (const auto& e : a.sources(0).evidence()) {
    labelled = labelled || e.note() == ">= 3";
  }
  EXPECT_TRUE(labelled);
}

TEST_F(PrimarySourceTest, GroupMembersBeyondTheStrongestDoNotMultiply) {
  // A second member of group "local" (STRONGEST): only the more
  // discriminating one counts.
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  auto* model = kb.mutable_primary_source_model();
  model->mutable_rows(3)->set_group("local");  // sex_female, ratio 1.6
  Recompile(kb);
  Set("tender", Observed::kPresent);      // ratio 4
  Set("sex_female", Observed::kPresent);  // outweighed
  auto score = ScorePrimary(*kb_, obs_, patient_);
  const double odds = 1.5 * 4;
  EXPECT_NEAR(score.probability[0], odds / (1 + odds), 1e-12);
  auto a = ToPrimaryAssessment(*kb_, score, obs_);
  bool noted = false;
  for (const auto& e : a.sources(0).evidence()) {
    if (e.finding_code() == "sex_female") {
      EXPECT_DOUBLE_EQ(e.likelihood_ratio(), 1);
      EXPECT_NEAR(e.stated_likelihood_ratio(), 1.6, 1e-9);
      noted = e.note().find("weighted x0.00") != std::string::npos;
    }
  }
  EXPECT_TRUE(noted);
}

TEST_F(PrimarySourceTest, ThinEvidenceIsLowConfidence) {
  Set("tender", Observed::kPresent);  // one discriminating finding of 2
  auto a = Assess();
  EXPECT_TRUE(a.low_confidence());
  EXPECT_EQ(a.discriminating_findings(), 1u);
  EXPECT_THAT(a.confidence_note(), ::testing::HasSubstr("1 finding recorded"));
  EXPECT_THAT(a.confidence_note(), ::testing::HasSubstr("next tests"));
}

TEST_F(PrimarySourceTest, QualifierHasItsOwnProbabilityGivenTheSource) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  medius::testing::AddTearQualifier(kb, 0.2);
  Recompile(kb);
  Set("tender", Observed::kPresent);
  Set("sls", Observed::kPresent);
  auto a = Assess();
  ASSERT_EQ(a.qualifiers_size(), 1);
  // odds 0.25 x 3 = 0.75 given the tendon; overall x P(tendon) = 48/49.
  EXPECT_NEAR(a.qualifiers(0).probability_given_source(), 0.75 / 1.75, 1e-12);
  EXPECT_NEAR(a.qualifiers(0).probability(), 0.75 / 1.75 * 48.0 / 49.0, 1e-12);
  EXPECT_EQ(a.qualifiers(0).of_source(), "tendon");
  ASSERT_EQ(a.qualifiers(0).evidence_size(), 1);
  EXPECT_EQ(a.qualifiers(0).evidence(0).finding_code(), "sls");
}

// Co-existing contributor by noisy-OR, hand-computed: tendon leads;
// P(joint also | tendon) 0.3 -> odds 3/7. "tender" present: (1 - 0.2 x
// 0.8) / 0.8 = 1.05; "sls" absent: 1 - 0.05 = 0.95; the "count" band is
// not used.
TEST_F(PrimarySourceTest, CoexistingContributorByNoisyOr) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  auto* c = kb.mutable_primary_source_model()->add_coexistence();
  c->set_primary("tendon");
  c->set_secondary("joint");
  c->set_prevalence(0.3);
  c->mutable_source()->set_citation("Co 2020");
  auto* reverse = kb.mutable_primary_source_model()->add_coexistence();
  reverse->set_primary("joint");
  reverse->set_secondary("tendon");
  reverse->set_prevalence(0.4);
  reverse->mutable_source()->set_citation("Co 2020");
  Recompile(kb);
  Set("tender", Observed::kPresent);
  Set("sls", Observed::kAbsent);
  Set("count", Observed::kNumber, 1);
  auto a = Assess();
  ASSERT_EQ(a.sources(0).condition_code(), "tendon");
  ASSERT_EQ(a.contributors_size(), 1);  // only pairs led by the leader
  const auto& joint = a.contributors(0);
  EXPECT_EQ(joint.condition_code(), "joint");
  EXPECT_EQ(joint.with_source(), "tendon");
  EXPECT_DOUBLE_EQ(joint.prior_probability(), 0.3);
  const double odds = 3.0 / 7.0 * 1.05 * 0.95;
  EXPECT_NEAR(joint.probability(), odds / (1 + odds), 1e-12);
  ASSERT_EQ(joint.evidence_size(), 2);
  EXPECT_EQ(joint.evidence(0).finding_code(), "sls");  // |ln 0.95| > ln 1.05
  EXPECT_NEAR(joint.evidence(0).likelihood_ratio(), 0.95, 1e-12);
  EXPECT_NEAR(joint.evidence(1).likelihood_ratio(), 1.05, 1e-12);
}

// Expected information gain over the two-source distribution, against
// hand-computed values: from the 0.6 / 0.4 prior, the SIJ-like count (0.291
// bits) beats tenderness (0.267) and single-leg stance (0.130); patient
// context (sex) is not a test.
TEST_F(PrimarySourceTest, NextTestsByExpectedInformationGain) {
  auto score = ScorePrimary(*kb_, obs_, patient_);
  auto tests = SuggestPrimaryTests(*kb_, obs_, patient_, score, 5);
  ASSERT_EQ(tests.size(), 3u);
  EXPECT_EQ(tests[0].finding_code(), "count");
  EXPECT_NEAR(tests[0].expected_information_gain_bits(), 0.2906, 5e-4);
  EXPECT_EQ(tests[1].finding_code(), "tender");
  EXPECT_NEAR(tests[1].expected_information_gain_bits(), 0.2675, 5e-4);
  EXPECT_EQ(tests[2].finding_code(), "sls");
  EXPECT_THAT(tests[1].reason(),
              ::testing::HasSubstr("positive -> Tendon 86%"));
  EXPECT_THAT(tests[1].reason(),
              ::testing::HasSubstr("negative -> Tendon 27%"));

  // An assessed finding is never suggested.
  Set("count", Observed::kNumber, 1);
  score = ScorePrimary(*kb_, obs_, patient_);
  for (const auto& t : SuggestPrimaryTests(*kb_, obs_, patient_, score, 5)) {
    EXPECT_NE(t.finding_code(), "count");
  }
}

}  // namespace
}  // namespace medius::engine
