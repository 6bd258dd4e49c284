// Runs every clinical case in tests/cases/ against the shipped knowledge
// base: the expected condition leads, the runner-up is an acceptable one,
// exactly the expected red flags fire, and conditions the presentation rules
// out stay unlikely.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "clinical/clinical_case.pb.h"
#include "clinical/shipped_engine.h"
#include "engine/engine.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"

namespace medius::testing {
namespace {

std::vector<std::string> CaseFiles() {
  std::vector<std::string> files;
  for (const auto& entry :
       std::filesystem::directory_iterator(MEDIUS_CASES_DIR)) {
    if (entry.path().extension() == ".textproto") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

std::string Summary(const medius::v1::AssessResponse& r) {
  std::vector<std::string> parts;
  for (const auto& d : r.differential()) {
    parts.push_back(
        d.condition_code() + " " +
        std::to_string(static_cast<int>(d.probability() * 100 + 0.5)) + "%");
  }
  return absl::StrJoin(parts, ", ");
}

// A runner-up below this is not a real contender (see clinical_case.proto).
constexpr double kContender = 0.10;

class ClinicalCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ClinicalCaseTest, MatchesTheExpectedClinicalPicture) {
  std::ifstream in(GetParam());
  std::stringstream text;
  text << in.rdbuf();
  ClinicalCase c;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(text.str(), &c))
      << GetParam();
  ASSERT_FALSE(c.source().empty()) << "every case cites where it comes from";
  ASSERT_TRUE(!c.expected_leading().empty() || !c.expected_red_flags().empty())
      << "a case expects a leading condition, or red flags";

  auto response = ShippedEngine().Assess(c.request());
  ASSERT_TRUE(response.ok()) << response.status();
  SCOPED_TRACE(c.name() + ": " + Summary(*response));

  ASSERT_GE(response->differential_size(), 2);
  if (!c.expected_leading().empty()) {
    EXPECT_EQ(response->differential(0).condition_code(), c.expected_leading());
  }
  const auto& second = response->differential(1);
  if (!c.acceptable_second().empty() && second.probability() >= kContender) {
    EXPECT_THAT(c.acceptable_second(),
                ::testing::Contains(second.condition_code()));
  }
  std::vector<std::string> fired;
  for (const auto& flag : response->red_flags()) fired.push_back(flag.code());
  EXPECT_THAT(fired,
              ::testing::UnorderedElementsAreArray(c.expected_red_flags()));
  for (const std::string& code : c.unlikely()) {
    for (const auto& d : response->differential()) {
      if (d.condition_code() == code) {
        EXPECT_LT(d.probability(), c.unlikely_below()) << code;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, ClinicalCaseTest, ::testing::ValuesIn(CaseFiles()),
    [](const ::testing::TestParamInfo<std::string>& info) {
      return std::filesystem::path(info.param).stem().string();
    });

TEST(ClinicalCaseSetTest, AtLeastTwentyCases) {
  EXPECT_GE(CaseFiles().size(), 20u);
}

}  // namespace
}  // namespace medius::testing
