#include "engine/red_flags.h"

#include <memory>

#include "engine/compiled_kb_fixture.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::engine {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class RedFlagsTest : public CompiledKbTest {
 protected:
  std::vector<medius::v1::RedFlag> Flags() {
    return EvaluateRedFlags(*kb_, obs_, patient_);
  }
  // Compiles a criterion written in text format against the test KB.
  CompiledCriterion Criterion(const std::string& text) {
    medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
    auto* when = kb.mutable_red_flags(0)->mutable_triggers(0)->mutable_when();
    EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(text, when));
    auto compiled = Compile(kb);
    EXPECT_TRUE(compiled.ok()) << compiled.status();
    return (*compiled)->red_flags[0].triggers[0].when;
  }
  Truth Eval(const std::string& text) {
    std::vector<std::string> because;
    return Evaluate(*kb_, Criterion(text), obs_, patient_, &because);
  }

  PatientContext patient_;
};

TEST_F(RedFlagsTest, NothingAssessedRaisesNothing) {
  EXPECT_THAT(Flags(), IsEmpty());
}

TEST_F(RedFlagsTest, UnassessedPartOfAnAllOfDoesNotFire) {
  Set("fever", Observed::kPresent);  // "hot" not assessed: unknown, not false
  EXPECT_THAT(Flags(), IsEmpty());
}

TEST_F(RedFlagsTest, MostUrgentFiringTriggerWins) {
  Set("hot", Observed::kPresent);
  std::vector<medius::v1::RedFlag> flags = Flags();
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].urgency(), medius::v1::URGENCY_SAME_DAY);
  EXPECT_THAT(flags[0].triggered_by(), ElementsAre("hot"));

  Set("fever", Observed::kPresent);
  flags = Flags();
  ASSERT_EQ(flags.size(), 1u);
  EXPECT_EQ(flags[0].code(), "infection");
  EXPECT_EQ(flags[0].urgency(), medius::v1::URGENCY_EMERGENCY);
  EXPECT_EQ(flags[0].refer_to(),
            medius::v1::REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT);
  EXPECT_THAT(flags[0].triggered_by(), ElementsAre("fever", "hot"));
  EXPECT_EQ(flags[0].action(), "Go to ED.");
  EXPECT_THAT(flags[0].sources(), ElementsAre("G 2020"));
}

TEST_F(RedFlagsTest, ThreeValuedLogic) {
  // fever present, hot absent, tender unassessed.
  Set("fever", Observed::kPresent);
  Set("hot", Observed::kAbsent);
  const char* all_known =
      "all_of { criteria { present: 'fever' } criteria { present: 'hot' } }";
  const char* all_unknown =
      "all_of { criteria { present: 'fever' } criteria { present: 'tender' } }";
  const char* any_unknown =
      "any_of { criteria { present: 'hot' } criteria { present: 'tender' } }";
  const char* any_true =
      "any_of { criteria { present: 'fever' } criteria { present: 'tender' } }";
  const char* at_least_2_unknown =
      "at_least { count: 2 criteria { present: 'fever' } criteria { present: "
      "'hot' }"
      " criteria { present: 'tender' } }";
  const char* at_least_2_false =
      "at_least { count: 2 criteria { present: 'hot' } criteria { present: "
      "'sls' }"
      " criteria { present: 'fever' } }";
  EXPECT_EQ(Eval(all_known), Truth::kFalse);
  EXPECT_EQ(Eval(all_unknown), Truth::kUnknown);
  EXPECT_EQ(Eval(any_unknown), Truth::kUnknown);
  EXPECT_EQ(Eval(any_true), Truth::kTrue);
  EXPECT_EQ(Eval(at_least_2_unknown), Truth::kUnknown);
  Set("sls", Observed::kAbsent);
  EXPECT_EQ(Eval(at_least_2_false), Truth::kFalse);
  Set("tender", Observed::kPresent);
  EXPECT_EQ(Eval(at_least_2_unknown), Truth::kTrue);
}

TEST_F(RedFlagsTest, AbsentLeafNeedsTheFindingAssessed) {
  EXPECT_EQ(Eval("absent: 'hot'"), Truth::kUnknown);  // not asked: unknown
  Set("hot", Observed::kAbsent);
  EXPECT_EQ(Eval("absent: 'hot'"), Truth::kTrue);
  Set("hot", Observed::kPresent);
  EXPECT_EQ(Eval("absent: 'hot'"), Truth::kFalse);
}

TEST_F(RedFlagsTest, NumberAgeAndSexLeaves) {
  const char* count3 = "number { finding_code: 'count' at_least: 3 }";
  EXPECT_EQ(Eval(count3), Truth::kUnknown);
  Set("count", Observed::kNumber, 3);
  EXPECT_EQ(Eval(count3), Truth::kTrue);
  Set("count", Observed::kNumber, 2.5);
  EXPECT_EQ(Eval(count3), Truth::kFalse);

  const char* child = "age { at_least: 8 below: 16 }";
  EXPECT_EQ(Eval(child), Truth::kUnknown);
  patient_.age_years = 16;  // upper bound is exclusive
  EXPECT_EQ(Eval(child), Truth::kFalse);
  patient_.age_years = 12;
  EXPECT_EQ(Eval(child), Truth::kTrue);

  EXPECT_EQ(Eval("sex: SEX_FEMALE"), Truth::kUnknown);
  patient_.sex = medius::v1::SEX_MALE;
  EXPECT_EQ(Eval("sex: SEX_FEMALE"), Truth::kFalse);
}

TEST_F(RedFlagsTest, TriggeredByListsOnlyTheTrueLeaves) {
  Set("fever", Observed::kPresent);
  Set("hot", Observed::kAbsent);
  std::vector<std::string> because;
  Truth t = Evaluate(*kb_,
                     Criterion("any_of { criteria { present: 'hot' } "
                               "criteria { present: 'fever' } }"),
                     obs_, patient_, &because);
  EXPECT_EQ(t, Truth::kTrue);
  EXPECT_THAT(because, ElementsAre("fever"));
}

}  // namespace
}  // namespace medius::engine
