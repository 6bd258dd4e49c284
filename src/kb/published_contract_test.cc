#include "kb/published_contract.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::kb {
namespace {

using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::string ContractFor(const medius::v1::KnowledgeBase& kb) {
  std::string text = "# comment\n\n";
  for (const auto& f : kb.findings()) {
    text +=
        "finding " + f.code() + " " +
        (f.value_type() == medius::v1::VALUE_TYPE_NUMBER ? "number" : "bool") +
        "\n";
  }
  for (const auto& c : kb.conditions()) text += "condition " + c.code() + "\n";
  for (const auto& r : kb.red_flags()) text += "red_flag " + r.code() + "\n";
  return text;
}

TEST(PublishedContractTest, AKnowledgeBaseHonoursItsOwnCatalog) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  EXPECT_THAT(CheckPublishedCodes(kb, ContractFor(kb)), IsEmpty());
}

TEST(PublishedContractTest, RenamedRetypedAndRemovedCodesAreEachReported) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  const std::string contract = ContractFor(kb);
  kb.mutable_findings(0)->set_code("renamed");
  kb.mutable_findings(1)->set_value_type(kb.findings(1).value_type() ==
                                                 medius::v1::VALUE_TYPE_NUMBER
                                             ? medius::v1::VALUE_TYPE_BOOL
                                             : medius::v1::VALUE_TYPE_NUMBER);
  kb.mutable_red_flags()->RemoveLast();
  std::vector<Issue> issues = CheckPublishedCodes(kb, contract);
  EXPECT_THAT(issues, SizeIs(3));
  EXPECT_THAT(issues,
              Contains(Field(&Issue::message, HasSubstr("' is not defined"))));
  EXPECT_THAT(issues, Contains(Field(&Issue::message,
                                     HasSubstr(", the contract says"))));
}

TEST(PublishedContractTest, UnreadableLinesAreReportedNotSkipped) {
  medius::v1::KnowledgeBase kb = medius::testing::SmallKb();
  std::vector<Issue> issues =
      CheckPublishedCodes(kb, "finding\nsymptom lateral_hip_pain\n");
  ASSERT_THAT(issues, SizeIs(2));
  EXPECT_EQ(issues[0].path, "published_codes.txt:1");
  EXPECT_THAT(issues[1].message, HasSubstr("unknown kind 'symptom'"));
}

TEST(PublishedContractTest, TheEmbeddedContractIsTheContractFile) {
  // The build compiles tests/contract/published_codes.txt in; a stale or
  // empty copy would enforce nothing.
  EXPECT_THAT(std::string(EmbeddedPublishedCodes()),
              HasSubstr("finding saddle_anaesthesia bool"));
  EXPECT_THAT(std::string(EmbeddedPublishedCodes()),
              HasSubstr("red_flag fracture"));
}

}  // namespace
}  // namespace medius::kb
