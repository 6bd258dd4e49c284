// Protocol selection on the inline test knowledge base: tendon ->
// tendon_rehab; joint -> joint_rehab, whose "stretch" is contraindicated in
// tendon (settings: protocol from 0.5, contraindication from 0.3).
#include <memory>

#include "engine/assessment_parts.h"
#include "engine/compiled_kb_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::engine {
namespace {

class ProtocolTest : public CompiledKbTest {
 protected:
  medius::v1::ExerciseProtocol Build(
      const std::vector<medius::v1::RedFlag>& flags = {}) {
    return BuildProtocol(*kb_, RankConditions(*kb_, obs_), flags);
  }
  std::vector<std::string> Prescribed(const medius::v1::ExerciseProtocol& p) {
    std::vector<std::string> codes;
    for (const auto& phase : p.phases())
      for (const auto& e : phase.exercises())
        codes.push_back(e.exercise_code());
    return codes;
  }
};

TEST_F(ProtocolTest, LeadingConditionGetsItsProtocol) {
  Set("sls", Observed::kPresent);
  auto p = Build();
  EXPECT_EQ(p.status(), medius::v1::PROTOCOL_STATUS_RECOMMENDED);
  EXPECT_EQ(p.protocol_code(), "tendon_rehab");
  EXPECT_THAT(Prescribed(p), ::testing::ElementsAre("bridge"));
  EXPECT_EQ(p.phases(0).exercises(0).dosage().reps().min(), 10u);
  EXPECT_EQ(p.phases(0).exercises(0).dosage_source(), "LEAP 2016");
  EXPECT_THAT(p.advice(), ::testing::ElementsAre("Avoid crossing legs."));
}

TEST_F(ProtocolTest, ExerciseContraindicatedByALikelyConditionIsExcluded) {
  // joint leads (count 6 -> odds 1 -> 0.5; age 60 -> 0.667); tendon stays
  // above 0.3 (sls absent -> 0.375), so its contraindication holds.
  Set("count", Observed::kNumber, 6);
  Set("age_years", Observed::kNumber, 60);
  Set("sls", Observed::kAbsent);
  auto p = Build();
  ASSERT_EQ(p.protocol_code(), "joint_rehab");
  EXPECT_THAT(Prescribed(p), ::testing::ElementsAre("bridge"));
  ASSERT_EQ(p.excluded_size(), 1);
  EXPECT_EQ(p.excluded(0).exercise_code(), "stretch");
  EXPECT_EQ(p.excluded(0).condition_code(), "tendon");
}

TEST_F(ProtocolTest, UnlikelyConditionDoesNotExclude) {
  Set("count", Observed::kNumber, 6);
  Set("age_years", Observed::kNumber, 60);
  Set("sls", Observed::kAbsent);
  Set("tender", Observed::kAbsent);  // tendon -> 0.13, below 0.3
  auto p = Build();
  ASSERT_EQ(p.protocol_code(), "joint_rehab");
  EXPECT_THAT(Prescribed(p), ::testing::ElementsAre("bridge", "stretch"));
  // The phase override, not the library dosage, applies.
  EXPECT_EQ(p.phases(0).exercises(1).dosage().hold_seconds().min(), 20u);
  EXPECT_TRUE(p.phases(0).exercises(1).dosage_expert_opinion());
}

TEST_F(ProtocolTest, NoLikelyConditionMeansNoProtocol) {
  Set("tender", Observed::kAbsent);  // tendon 0.2, joint 0.2
  auto p = Build();
  EXPECT_EQ(p.status(), medius::v1::PROTOCOL_STATUS_NONE);
  EXPECT_THAT(p.reason(), ::testing::HasSubstr("No condition reached 50%"));
  EXPECT_EQ(p.phases_size(), 0);
}

TEST_F(ProtocolTest, UrgentRedFlagWithholdsTheProtocol) {
  Set("sls", Observed::kPresent);
  medius::v1::RedFlag flag;
  flag.set_display_name("Infection");
  flag.set_urgency(medius::v1::URGENCY_EMERGENCY);
  auto p = Build({flag});
  EXPECT_EQ(p.status(), medius::v1::PROTOCOL_STATUS_WITHHELD);
  EXPECT_THAT(p.reason(), ::testing::HasSubstr("Infection"));
  EXPECT_EQ(p.phases_size(), 0);
}

TEST_F(ProtocolTest, SoonRedFlagDoesNotWithhold) {
  Set("sls", Observed::kPresent);
  medius::v1::RedFlag flag;
  flag.set_urgency(medius::v1::URGENCY_SOON);
  EXPECT_EQ(Build({flag}).status(), medius::v1::PROTOCOL_STATUS_RECOMMENDED);
}

}  // namespace
}  // namespace medius::engine
