#include "engine/request_check.h"

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::engine {
namespace {

using medius::v1::AssessRequest;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

std::unique_ptr<const CompiledKb> TestKb() {
  auto compiled = Compile(medius::testing::SmallKb());
  EXPECT_TRUE(compiled.ok());
  return std::move(*compiled);
}

void AddBool(AssessRequest& r, const std::string& code, bool present) {
  auto* f = r.add_findings();
  f->set_code(code);
  f->set_present(present);
}

void AddNumber(AssessRequest& r, const std::string& code, double number) {
  auto* f = r.add_findings();
  f->set_code(code);
  f->set_number(number);
}

struct Case {
  std::string name;
  std::function<void(AssessRequest&)> build;
  std::string field;
  std::string description;
};

class RequestCheckTest : public ::testing::TestWithParam<Case> {};

TEST_P(RequestCheckTest, NamesTheOffendingField) {
  auto kb = TestKb();
  AssessRequest request;
  AddBool(request, "tender", true);  // a valid finding first
  GetParam().build(request);
  Observations observations;
  EXPECT_THAT(CheckRequest(request, *kb, &observations),
              Contains(AllOf(Field(&FieldViolation::field, GetParam().field),
                             Field(&FieldViolation::description,
                                   HasSubstr(GetParam().description)))));
}

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

INSTANTIATE_TEST_SUITE_P(
    MalformedRequests, RequestCheckTest,
    ::testing::Values(
        Case{"unknown_code",
             [](AssessRequest& r) { AddBool(r, "tendr", true); },
             "findings[1].code", "unknown finding code 'tendr'"},
        Case{"empty_code", [](AssessRequest& r) { AddBool(r, "", true); },
             "findings[1].code", "required"},
        Case{"bool_for_number",
             [](AssessRequest& r) { AddBool(r, "count", true); },
             "findings[1].present", "is a number finding"},
        Case{"number_for_bool",
             [](AssessRequest& r) { AddNumber(r, "sls", 1); },
             "findings[1].number", "is a yes/no finding"},
        Case{"duplicate", [](AssessRequest& r) { AddBool(r, "tender", false); },
             "findings[1].code", "already given in findings[0]"},
        Case{"number_above_range",
             [](AssessRequest& r) { AddNumber(r, "count", 7); },
             "findings[1].number", "outside the valid range 0 to 6"},
        Case{"number_below_range",
             [](AssessRequest& r) { AddNumber(r, "count", -1); },
             "findings[1].number", "outside the valid range"},
        Case{"number_nan",
             [](AssessRequest& r) { AddNumber(r, "count", kNaN); },
             "findings[1].number", "outside the valid range"},
        Case{"number_infinite",
             [](AssessRequest& r) { AddNumber(r, "count", kInf); },
             "findings[1].number", "outside the valid range"},
        Case{"no_value",
             [](AssessRequest& r) { r.add_findings()->set_code("sls"); },
             "findings[1]", "no value"},
        Case{"patient_context_as_finding",
             [](AssessRequest& r) { AddNumber(r, "age_years", 40); },
             "findings[1].code", "send it in patient.age_years"},
        Case{"age_negative",
             [](AssessRequest& r) { r.mutable_patient()->set_age_years(-1); },
             "patient.age_years", "outside 0 to 120"},
        Case{"age_too_high",
             [](AssessRequest& r) { r.mutable_patient()->set_age_years(121); },
             "patient.age_years", "outside 0 to 120"},
        Case{"age_nan",
             [](AssessRequest& r) { r.mutable_patient()->set_age_years(kNaN); },
             "patient.age_years", "outside 0 to 120"},
        Case{
            "encounter_id_too_long",
            [](AssessRequest& r) { r.set_encounter_id(std::string(129, 'x')); },
            "encounter_id", "longer than 128"},
        Case{"too_many_findings",
             [](AssessRequest& r) {
               for (int i = 0; i < kMaxFindings; ++i) AddBool(r, "sls", true);
             },
             "findings", "exceed the limit of 256"},
        Case{"huge_code_is_truncated_in_message",
             [](AssessRequest& r) {
               AddBool(r, std::string(100000, 'z'), true);
             },
             "findings[1].code", "zzz...' is longer than 64 characters"}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(RequestCheckTest, ValidRequestFillsObservations) {
  auto kb = TestKb();
  AssessRequest request;
  AddBool(request, "tender", true);
  AddBool(request, "sls", false);
  AddNumber(request, "count", 4);
  request.mutable_patient()->set_age_years(55);
  request.mutable_patient()->set_sex(medius::v1::SEX_MALE);
  Observations obs;
  ASSERT_THAT(CheckRequest(request, *kb, &obs), IsEmpty());
  auto at = [&](const char* code) { return obs[kb->finding_index.at(code)]; };
  EXPECT_EQ(at("tender").state, Observed::kPresent);
  EXPECT_EQ(at("sls").state, Observed::kAbsent);
  EXPECT_EQ(at("count").state, Observed::kNumber);
  EXPECT_EQ(at("count").number, 4);
  EXPECT_EQ(at("lying").state, Observed::kUnassessed);
  EXPECT_EQ(at("age_years").number, 55);
  EXPECT_EQ(at("sex_female").state, Observed::kAbsent);
}

TEST(RequestCheckTest, UnrecordedSexAndAgeStayUnassessed) {
  auto kb = TestKb();
  AssessRequest request;
  Observations obs;
  ASSERT_THAT(CheckRequest(request, *kb, &obs), IsEmpty());
  EXPECT_EQ(obs[kb->female_finding].state, Observed::kUnassessed);
  EXPECT_EQ(obs[kb->age_finding].state, Observed::kUnassessed);
}

// A newer client's sex or side is not an error (the engine reads it as not
// recorded); and a unit that is the scale itself is not said twice.
TEST(RequestCheckTest, UnknownEnumValuesPassAndScalesAreSaidOnce) {
  auto kb = TestKb();
  AssessRequest request;
  request.mutable_patient()->set_sex(static_cast<medius::v1::Sex>(42));
  request.mutable_patient()->set_affected_side(
      static_cast<medius::v1::Side>(-3));
  Observations obs;
  EXPECT_THAT(CheckRequest(request, *kb, &obs), IsEmpty());
  EXPECT_EQ(obs[kb->female_finding].state, Observed::kUnassessed);
  AddNumber(request, "nrs", 11);
  std::vector<FieldViolation> v = CheckRequest(request, *kb, &obs);
  ASSERT_THAT(v, SizeIs(1));
  EXPECT_EQ(v[0].description, "11 is outside the valid range 0 to 10 of 'nrs'");
}

TEST(RequestCheckTest, CollectsEveryViolation) {
  auto kb = TestKb();
  AssessRequest request;
  AddBool(request, "nope", true);
  AddNumber(request, "sls", 1);
  request.mutable_patient()->set_age_years(300);
  Observations obs;
  EXPECT_THAT(CheckRequest(request, *kb, &obs), SizeIs(3));
}

// Past kMaxViolations checking stops, and a last entry says so (the reply
// must fit in gRPC's metadata limit).
TEST(RequestCheckTest, StopsAfterTheViolationCap) {
  auto kb = TestKb();
  AssessRequest request;
  for (int i = 0; i < 30; ++i) AddBool(request, "nope", true);
  Observations obs;
  std::vector<FieldViolation> v = CheckRequest(request, *kb, &obs);
  ASSERT_THAT(v, SizeIs(kMaxViolations + 1));
  EXPECT_EQ(v[kMaxViolations - 1].field, "findings[19].code");
  EXPECT_EQ(v[kMaxViolations].field, "findings");
  EXPECT_THAT(v[kMaxViolations].description,
              ::testing::HasSubstr("checking stopped after 20 problems"));
  // Exactly at the cap nothing is cut.
  AssessRequest twenty;
  for (int i = 0; i < 20; ++i) AddBool(twenty, "nope", true);
  EXPECT_THAT(CheckRequest(twenty, *kb, &obs), SizeIs(kMaxViolations));
}

}  // namespace
}  // namespace medius::engine
