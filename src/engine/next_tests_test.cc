// Next-test ranking on the inline test knowledge base. Hand-computed swings
// (max minus min post-test probability) over the two leading conditions,
// tendon (prior 0.5) and joint (prior 0.2):
//   tender: tendon 0.75 - 0.20 = 0.55; joint 0.2 - 0.111 = 0.089 -> 0.639
//   sls:    tendon 0.923 - 0.375 = 0.548                           -> 0.548
//   count:  joint 0.5 - 0.0244 = 0.476                             -> 0.476
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

TEST_F(NextTestsTest, RanksByChangeToTheLeadingConditions) {
  auto tests = Suggest();
  ASSERT_EQ(tests.size(), 2u);  // settings.next_tests_count
  EXPECT_EQ(tests[0].finding_code(), "tender");
  EXPECT_NEAR(tests[0].expected_change(), 0.55 + (0.2 - 0.125 / 1.125), 1e-9);
  EXPECT_EQ(tests[1].finding_code(), "sls");
  EXPECT_NEAR(tests[1].expected_change(), 12.0 / 13 - 0.6 / 1.6, 1e-9);
  EXPECT_EQ(tests[0].how_to(), "Press.");
  EXPECT_THAT(tests[0].reason(), ::testing::HasSubstr("positive -> 75%"));
}

TEST_F(NextTestsTest, AssessedFindingsAreNotSuggested) {
  Set("tender", Observed::kAbsent);
  auto tests = Suggest();
  ASSERT_FALSE(tests.empty());
  for (const auto& t : tests) EXPECT_NE(t.finding_code(), "tender");
  EXPECT_EQ(tests[0].finding_code(), "sls");
}

TEST_F(NextTestsTest, PatientContextIsNeverSuggested) {
  for (const auto& t : Suggest()) {
    EXPECT_NE(t.finding_code(), "age_years");
    EXPECT_NE(t.finding_code(), "sex_female");
  }
}

}  // namespace
}  // namespace medius::engine
