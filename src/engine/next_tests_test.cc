// Next-test ranking by expected information gain on the inline test
// knowledge base, with the two leading conditions tendon (p 0.5) and joint
// (p 0.2). Post-test probabilities by hand:
//   tender: tendon + 0.75 / - 0.2;  joint + 0.125/1.125, - no LR (0.2)
//   sls:    tendon + 12/13 / - 0.6/1.6
//   count:  joint >= 3: 0.5, < 3: 0.025/1.025
// q, the chance of the higher result, follows from p = q p_hi + (1-q) p_lo;
// with one direction missing (joint/tender) it is taken as 0.5.
#include <cmath>
#include <memory>

#include "engine/assessment_parts.h"
#include "engine/compiled_kb_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::engine {
namespace {

class NextTestsTest : public CompiledKbTest {
 protected:
  std::vector<medius::v1::SuggestedTest> Suggest() {
    return SuggestNextTests(*kb_, obs_, RankConditions(*kb_, obs_));
  }
};

double H(double p) { return -(p * std::log2(p) + (1 - p) * std::log2(1 - p)); }

// Information gain for a condition at p with results p_hi / p_lo.
double Gain(double p, double hi, double lo, double q) {
  return H(p) - q * H(hi) - (1 - q) * H(lo);
}

TEST_F(NextTestsTest, RanksByExpectedInformationGain) {
  const double tender =
      Gain(0.5, 0.75, 0.2, 0.3 / 0.55) + Gain(0.2, 0.2, 0.125 / 1.125, 0.5);
  const double count = Gain(0.2, 0.5, 0.025 / 1.025,
                            (0.2 - 0.025 / 1.025) / (0.5 - 0.025 / 1.025));
  const double sls =
      Gain(0.5, 12.0 / 13, 0.375, (0.5 - 0.375) / (12.0 / 13 - 0.375));
  ASSERT_GT(tender, count);
  ASSERT_GT(count, sls);

  auto tests = Suggest();
  ASSERT_EQ(tests.size(), 2u);  // settings.next_tests_count
  EXPECT_EQ(tests[0].finding_code(), "tender");
  EXPECT_NEAR(tests[0].expected_information_gain_bits(), tender, 1e-9);
  EXPECT_EQ(tests[1].finding_code(), "count");
  EXPECT_NEAR(tests[1].expected_information_gain_bits(), count, 1e-9);
  EXPECT_EQ(tests[0].how_to(), "Press.");
  EXPECT_THAT(tests[0].reason(), ::testing::HasSubstr("positive -> 75%"));
  EXPECT_THAT(tests[0].reason(), ::testing::HasSubstr("assumed even"));
}

TEST_F(NextTestsTest, ExpectedChangeWeighsResultsByTheirChance) {
  auto tests = Suggest();
  ASSERT_FALSE(tests.empty());
  // tendon: q (0.75 - 0.5) + (1 - q)(0.5 - 0.2) with q = 0.3 / 0.55;
  // joint: 0.5 x (0.2 - 0.125 / 1.125).
  const double q = 0.3 / 0.55;
  EXPECT_NEAR(tests[0].expected_change(),
              q * 0.25 + (1 - q) * 0.3 + 0.5 * (0.2 - 0.125 / 1.125), 1e-9);
}

TEST_F(NextTestsTest, AssessedFindingsAreNotSuggested) {
  Set("tender", Observed::kAbsent);
  auto tests = Suggest();
  ASSERT_FALSE(tests.empty());
  for (const auto& t : tests) EXPECT_NE(t.finding_code(), "tender");
  EXPECT_EQ(tests[0].finding_code(), "count");
}

TEST_F(NextTestsTest, PatientContextIsNeverSuggested) {
  for (const auto& t : Suggest()) {
    EXPECT_NE(t.finding_code(), "age_years");
    EXPECT_NE(t.finding_code(), "sex_female");
  }
}

}  // namespace
}  // namespace medius::engine
