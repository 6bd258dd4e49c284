// Protocol selection on the inline test knowledge base: tendon ->
// tendon_rehab; joint -> joint_rehab, whose "stretch" is contraindicated in
// tendon (settings: protocol from 0.5, contraindication from 0.3). The core
// red-flag screen (fever, hot) is answered "no" unless a test says otherwise.
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
  void SetUp() override {
    CompiledKbTest::SetUp();
    AnswerScreen();
  }
  void AnswerScreen() {
    Set("fever", Observed::kAbsent);
    Set("hot", Observed::kAbsent);
  }
  PatientContext patient_;
  medius::v1::ExerciseProtocol Build(
      const std::vector<medius::v1::RedFlag>& flags = {}) {
    return BuildProtocol(*kb_, obs_, patient_, RankConditions(*kb_, obs_),
                         flags);
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
  EXPECT_THAT(p.advice(), ::testing::Contains("Avoid crossing legs."));
  // sls present fires the "control" rule; its bridge is already in the
  // protocol, so the advice points to it.
  EXPECT_THAT(p.advice(),
              ::testing::Contains(
                  "Pelvic control. In this protocol: Bridge (K 2009)."));
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

TEST_F(ProtocolTest, IrritabilitySetsTheStartingPhase) {
  Set("sls", Observed::kPresent);
  auto unknown = Build();
  EXPECT_EQ(unknown.irritability(), medius::v1::IRRITABILITY_UNSPECIFIED);
  EXPECT_EQ(unknown.start_phase(), 0u);
  Set("nrs", Observed::kNumber, 8);
  auto high = Build();
  EXPECT_EQ(high.irritability(), medius::v1::IRRITABILITY_HIGH);
  EXPECT_EQ(high.start_phase(), 0u);
  EXPECT_THAT(high.start_reason(), ::testing::HasSubstr("nrs"));
  Set("nrs", Observed::kNumber, 5);
  EXPECT_EQ(Build().irritability(), medius::v1::IRRITABILITY_MODERATE);
  EXPECT_EQ(Build().start_phase(), 0u);
  Set("nrs", Observed::kNumber, 2);
  auto low = Build();
  EXPECT_EQ(low.irritability(), medius::v1::IRRITABILITY_LOW);
  EXPECT_EQ(low.start_phase(), 1u);  // the protocol's low-irritability phase
  EXPECT_THAT(low.start_reason(), ::testing::HasSubstr("'Loading'"));
  EXPECT_EQ(low.review(), "Review at 2 weeks.");
  EXPECT_EQ(low.escalation(), "Imaging if no better at 12 weeks.");
}

TEST_F(ProtocolTest, AdviceFollowsTheFindingsOnlyWhenRecorded) {
  Set("sls", Observed::kPresent);
  EXPECT_THAT(
      Build().advice(),
      ::testing::Not(::testing::Contains(::testing::HasSubstr("Pillow"))));
  Set("lying", Observed::kAbsent);
  EXPECT_THAT(
      Build().advice(),
      ::testing::Not(::testing::Contains(::testing::HasSubstr("Pillow"))));
  Set("lying", Observed::kPresent);
  EXPECT_THAT(Build().advice(),
              ::testing::Contains("Pillow between the knees. (J 2015)"));
}

TEST_F(ProtocolTest, TargetedExercisesSkipDuplicatesAndContraindications) {
  // sls present -> rule "control": bridge (already in the protocol) and
  // stretch (contraindicated by tendon, which leads).
  Set("sls", Observed::kPresent);
  auto p = Build();
  EXPECT_TRUE(p.targeted_exercises().empty());
  ASSERT_EQ(p.excluded_size(), 1);
  EXPECT_EQ(p.excluded(0).exercise_code(), "stretch");

  // joint leads, tendon unlikely: stretch is allowed, but joint_rehab
  // already has it, and bridge too; nothing new to add.
  Set("count", Observed::kNumber, 6);
  Set("age_years", Observed::kNumber, 60);
  Set("tender", Observed::kAbsent);
  Set("sls", Observed::kAbsent);
  EXPECT_TRUE(Build().targeted_exercises().empty());
}

TEST_F(ProtocolTest, TargetedExerciseIsAddedWithItsReason) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  kb.mutable_protocols(0)->mutable_phases(0)->clear_exercises();
  Recompile(kb);
  AnswerScreen();
  Set("sls", Observed::kPresent);
  auto p = Build();
  ASSERT_EQ(p.targeted_exercises_size(), 1);
  EXPECT_EQ(p.targeted_exercises(0).exercise_code(), "bridge");
  EXPECT_EQ(p.targeted_exercises(0).reason(), "Pelvic control. (K 2009)");
}

TEST_F(ProtocolTest, CoExistingLikelyConditionsAreTreatedTogether) {
  // tendon 36/37 and joint 0.5 (count 4, age 60, tender 0.5): both >= 0.5.
  Set("tender", Observed::kPresent);
  Set("sls", Observed::kPresent);
  Set("count", Observed::kNumber, 4);
  Set("age_years", Observed::kNumber, 60);
  auto p = Build();
  ASSERT_EQ(p.protocol_code(), "tendon_rehab");
  EXPECT_THAT(p.for_conditions(), ::testing::ElementsAre("tendon", "joint"));
  EXPECT_THAT(
      p.advice(),
      ::testing::Contains(::testing::HasSubstr("Also likely: Joint (50%)")));
}

// Every screen-tier trigger is at least "soon", so any single strong
// feature holds back loading (clinical safety rule 2); routine referrals
// do not.
TEST_F(ProtocolTest, SoonRedFlagWithholdsButRoutineReferralDoesNot) {
  Set("sls", Observed::kPresent);
  medius::v1::RedFlag flag;
  flag.set_display_name("Possible polymyalgia");
  flag.set_urgency(medius::v1::URGENCY_SOON);
  auto soon = Build({flag});
  EXPECT_EQ(soon.status(), medius::v1::PROTOCOL_STATUS_WITHHELD);
  EXPECT_THAT(soon.reason(), ::testing::HasSubstr("Possible polymyalgia"));
  flag.set_urgency(medius::v1::URGENCY_ROUTINE);
  EXPECT_EQ(Build({flag}).status(), medius::v1::PROTOCOL_STATUS_RECOMMENDED);
}

TEST_F(ProtocolTest, IncompleteScreenGivesInterimAdviceOnly) {
  Set("sls", Observed::kPresent);
  Set("tender", Observed::kPresent);
  Set("hot", Observed::kUnassessed);
  auto p = Build();
  EXPECT_EQ(p.status(), medius::v1::PROTOCOL_STATUS_INTERIM);
  EXPECT_THAT(p.reason(), ::testing::HasSubstr("not asked: Hot hip"));
  EXPECT_THAT(p.reason(), ::testing::Not(::testing::HasSubstr("Fever")));
  EXPECT_EQ(p.phases_size(), 0);
  EXPECT_EQ(p.targeted_exercises_size(), 0);
  EXPECT_THAT(p.advice(), ::testing::ElementsAre(
                              "Relative rest. (Expert opinion: test fixture)"));
  // Answering it (even "yes" would raise a flag; "no" here) unlocks the
  // protocol.
  Set("hot", Observed::kAbsent);
  EXPECT_EQ(Build().status(), medius::v1::PROTOCOL_STATUS_RECOMMENDED);
}

TEST_F(ProtocolTest, TooFewFindingsMeansNoProtocol) {
  // The screen (2 findings) and nothing else: fewer than the 3 needed.
  auto p = Build();
  EXPECT_EQ(p.status(), medius::v1::PROTOCOL_STATUS_NONE);
  EXPECT_THAT(p.reason(), ::testing::HasSubstr("Only 2 findings assessed"));
  Set("sls", Observed::kPresent);
  EXPECT_EQ(Build().status(), medius::v1::PROTOCOL_STATUS_RECOMMENDED);
}

TEST_F(ProtocolTest, DeferredExerciseWaitsForTheLastPhase) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  auto* deferral = kb.mutable_exercises(0)->mutable_deferral();  // bridge
  deferral->add_condition_codes("tendon");
  deferral->set_reason("Compresses the tendon early.");
  deferral->mutable_source()->set_citation("L 2015");
  Recompile(kb);
  AnswerScreen();
  Set("sls", Observed::kPresent);  // tendon likely
  auto p = Build();
  ASSERT_EQ(p.phases_size(), 2);
  EXPECT_EQ(p.phases(0).exercises_size(), 0);
  ASSERT_EQ(p.phases(1).exercises_size(), 1);
  EXPECT_EQ(p.phases(1).exercises(0).exercise_code(), "bridge");
  EXPECT_EQ(p.phases(1).exercises(0).reason(),
            "Compresses the tendon early. (L 2015)");

  // tendon unlikely (joint leads): the bridge stays in joint_rehab's only
  // phase, which is also its last.
  Set("count", Observed::kNumber, 6);
  Set("age_years", Observed::kNumber, 60);
  Set("tender", Observed::kAbsent);
  Set("sls", Observed::kAbsent);
  auto joint = Build();
  ASSERT_EQ(joint.protocol_code(), "joint_rehab");
  EXPECT_THAT(Prescribed(joint), ::testing::Contains("bridge"));
}

}  // namespace
}  // namespace medius::engine
