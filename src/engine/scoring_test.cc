// LR arithmetic against hand-computed values on the inline test knowledge
// base (src/testing/test_kb.h): tendon prior 0.5, tender LR+ 3 / LR- 0.25
// and lying LR+ 2 / LR- 0.5 in one STRONGEST group, sls LR+ 12 / LR- 0.6;
// joint prior 0.2, count bands [,3) 0.1 and [3,) 4, age >= 50 x2.
#include "engine/scoring.h"

#include <memory>

#include "engine/compiled_kb_fixture.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::engine {
namespace {

class ScoringTest : public CompiledKbTest {
 protected:
  ConditionScore Score(int condition) {
    return ScoreCondition(*kb_, kb_->conditions[condition], obs_);
  }
};

TEST_F(ScoringTest, NothingAssessedLeavesThePrior) {
  EXPECT_DOUBLE_EQ(Score(0).probability, 0.5);
  EXPECT_NEAR(Score(1).probability, 0.2, 1e-12);
  EXPECT_TRUE(Score(0).evidence.empty());
}

TEST_F(ScoringTest, PresentFindingsMultiplyOdds) {
  Set("sls", Observed::kPresent);
  // odds 1 x 12 = 12 -> 12/13
  EXPECT_NEAR(Score(0).probability, 12.0 / 13.0, 1e-12);
  Set("tender", Observed::kPresent);
  // odds 1 x 12 x 3 = 36 -> 36/37
  EXPECT_NEAR(Score(0).probability, 36.0 / 37.0, 1e-12);
}

TEST_F(ScoringTest, AbsentFindingsApplyNegativeRatios) {
  Set("tender", Observed::kAbsent);
  Set("sls", Observed::kAbsent);
  // odds 1 x 0.25 x 0.6 = 0.15 -> 0.15/1.15
  EXPECT_NEAR(Score(0).probability, 0.15 / 1.15, 1e-12);
}

TEST_F(ScoringTest, UnassessedIsNotAbsent) {
  double untested = Score(0).probability;
  Set("tender", Observed::kAbsent);
  double absent = Score(0).probability;
  EXPECT_DOUBLE_EQ(untested, 0.5);
  EXPECT_NEAR(absent, 0.2, 1e-12);  // odds 0.25 -> 0.2
}

TEST_F(ScoringTest, StrongestGroupMemberCountsOnce) {
  Set("tender", Observed::kPresent);  // LR 3
  Set("lying", Observed::kPresent);   // LR 2, same group: not applied
  ConditionScore score = Score(0);
  EXPECT_NEAR(score.probability, 0.75, 1e-12);  // odds 3
  ASSERT_EQ(score.evidence.size(), 2u);
  EXPECT_EQ(score.evidence[0].lr->def->finding_code(), "tender");
  EXPECT_EQ(score.evidence[1].applied_ln, 0);
  EXPECT_NE(score.evidence[1].note.find("not applied"), std::string::npos);
}

TEST_F(ScoringTest, DampenedGroupScalesLaterMembers) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  kb.mutable_evidence_groups(0)->set_combination(
      medius::v1::GROUP_COMBINATION_DAMPENED);
  kb.mutable_evidence_groups(0)->set_dampening(0.5);
  Recompile(kb);
  Set("tender", Observed::kPresent);
  Set("lying", Observed::kPresent);
  // ln odds = ln 3 + 0.5 ln 2 -> odds 3 sqrt(2)
  double odds = 3 * std::sqrt(2.0);
  EXPECT_NEAR(Score(0).probability, odds / (1 + odds), 1e-12);
}

TEST_F(ScoringTest, NumberFindingUsesItsBand) {
  Set("count", Observed::kNumber, 2);
  EXPECT_NEAR(Score(1).probability, 0.025 / 1.025, 1e-12);  // 0.25 x 0.1
  Set("count", Observed::kNumber, 3);             // lower bound is inclusive
  EXPECT_NEAR(Score(1).probability, 0.5, 1e-12);  // 0.25 x 4
}

TEST_F(ScoringTest, NumberOutsideEveryBandContributesNothing) {
  Set("age_years", Observed::kNumber, 40);  // only a >= 50 band exists
  EXPECT_NEAR(Score(1).probability, 0.2, 1e-12);
  Set("age_years", Observed::kNumber, 50);
  EXPECT_NEAR(Score(1).probability, 0.5 / 1.5, 1e-12);  // 0.25 x 2
}

TEST_F(ScoringTest, MissingDirectionContributesNothing) {
  // joint has only an LR+ (0.5) for tender: an absent tender says nothing.
  Set("tender", Observed::kAbsent);
  EXPECT_NEAR(Score(1).probability, 0.2, 1e-12);
  Set("tender", Observed::kPresent);
  EXPECT_NEAR(Score(1).probability, 0.125 / 1.125, 1e-12);
}

TEST_F(ScoringTest, EvidenceIsOrderedByHowMuchItMovedTheEstimate) {
  Set("sex_female", Observed::kPresent);  // ln 1.5
  Set("sls", Observed::kAbsent);          // ln 0.6 (|0.51|)
  Set("tender", Observed::kPresent);      // ln 3
  ConditionScore score = Score(0);
  ASSERT_EQ(score.evidence.size(), 3u);
  EXPECT_EQ(score.evidence[0].lr->def->finding_code(), "tender");
  EXPECT_EQ(score.evidence[1].lr->def->finding_code(), "sls");
  EXPECT_EQ(score.evidence[2].lr->def->finding_code(), "sex_female");
}

}  // namespace
}  // namespace medius::engine
