// Reading the findings from a CDS Hooks prefetch: QuestionnaireResponse
// items (nested groups, the side, types), Observations (status, absent
// data, other code systems, the newest first), the Patient (age on a date,
// partial dates), and the errors that name their JSON path.
#include "cds/prefetch.h"

#include "app/status_details.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::cds {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const absl::CivilDay kToday(2026, 12, 1);
constexpr char kFinding[] = "https://medius.dev/fhir/CodeSystem/finding";

medius::v1::KnowledgeBaseInfo Catalog() {
  medius::v1::KnowledgeBaseInfo info;
  auto add = [&](const char* code, medius::v1::ValueType type) {
    auto* f = info.add_findings();
    f->set_code(code);
    f->set_value_type(type);
    return f;
  };
  add("fever", medius::v1::VALUE_TYPE_BOOL);
  add("night_pain", medius::v1::VALUE_TYPE_BOOL);
  add("pain_nrs", medius::v1::VALUE_TYPE_NUMBER)->set_unit("0-10");
  add("age", medius::v1::VALUE_TYPE_NUMBER)
      ->set_patient_context(medius::v1::PATIENT_CONTEXT_AGE_YEARS);
  return info;
}

json Hook(json prefetch) {
  return {{"hook", "patient-view"},
          {"hookInstance", "h1"},
          {"context", {{"patientId", "p1"}, {"encounterId", "e9"}}},
          {"prefetch", std::move(prefetch)}};
}

json Item(const char* link, json answer) {
  return {{"linkId", link}, {"answer", json::array({std::move(answer)})}};
}

json Observation(const char* code, json value, const char* status = "final") {
  json obs = {
      {"resourceType", "Observation"},
      {"status", status},
      {"code",
       {{"coding", json::array({{{"system", kFinding}, {"code", code}}})}}}};
  obs.update(value);
  return {{"resource", obs}};
}

TEST(PrefetchTest, QuestionnaireItemsInGroupsBecomeFindings) {
  json qr = {
      {"resourceType", "QuestionnaireResponse"},
      {"item",
       json::array(
           {Item("affected_side", {{"valueCoding", {{"code", "left"}}}}),
            {{"linkId", "section-red-flag-screen"},
             {"item", json::array({Item("fever", {{"valueBoolean", false}}),
                                   {{"linkId", "night_pain"}}})}},
            Item("pain_nrs", {{"valueInteger", 6}})})}};
  auto request = RequestFromHook(
      Hook({{"assessment", qr},
            {"patient", {{"gender", "female"}, {"birthDate", "1972-12-02"}}}}),
      Catalog(), kToday);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->encounter_id(), "e9");
  EXPECT_EQ(request->patient().affected_side(), medius::v1::SIDE_LEFT);
  EXPECT_EQ(request->patient().sex(), medius::v1::SEX_FEMALE);
  EXPECT_EQ(request->patient().age_years(), 53);  // birthday tomorrow
  ASSERT_EQ(request->findings_size(), 2);         // night_pain has no answer
  EXPECT_EQ(request->findings(0).code(), "fever");
  EXPECT_FALSE(request->findings(0).present());  // assessed, absent
  EXPECT_EQ(request->findings(1).number(), 6);
}

TEST(PrefetchTest, ASearchsetBundleGivesItsQuestionnaireResponse) {
  json outcome = json::object();
  outcome["resource"] = {{"resourceType", "OperationOutcome"}};
  json response = json::object();
  response["resource"] = {
      {"resourceType", "QuestionnaireResponse"},
      {"item", json::array({Item("fever", {{"valueBoolean", true}})})}};
  json bundle = {{"resourceType", "Bundle"},
                 {"type", "searchset"},
                 {"entry", json::array({outcome, response})}};
  auto request =
      RequestFromHook(Hook({{"assessment", bundle}}), Catalog(), kToday);
  ASSERT_TRUE(request.ok()) << request.status() << bundle.dump();
  ASSERT_EQ(request->findings_size(), 1);
  EXPECT_TRUE(request->findings(0).present());
}

TEST(PrefetchTest, ObservationsSkipWhatWasNotAssessedAndTakeTheNewest) {
  json other = Observation("fever", {{"valueBoolean", true}});
  other["resource"]["code"]["coding"][0]["system"] = "http://loinc.org";
  json bundle = {
      {"resourceType", "Bundle"},
      {"entry",
       json::array(
           {Observation("fever", {{"valueBoolean", true}}, "entered-in-error"),
            Observation("night_pain",
                        {{"dataAbsentReason", {{"text", "not asked"}}}}),
            other,
            Observation("pain_nrs", {{"valueQuantity", {{"value", 7.5}}}}),
            Observation("pain_nrs", {{"valueQuantity", {{"value", 2}}}}),
            Observation("fever", {{"valueBoolean", false}})})}};
  auto request =
      RequestFromHook(Hook({{"observations", bundle}}), Catalog(), kToday);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_EQ(request->findings_size(), 2);
  EXPECT_EQ(request->findings(0).code(), "pain_nrs");
  EXPECT_EQ(request->findings(0).number(), 7.5);
  EXPECT_EQ(request->findings(1).code(), "fever");
  EXPECT_FALSE(request->findings(1).present());
}

TEST(PrefetchTest, MistakesAreInvalidArgumentNamingTheirPath) {
  json qr = {{"resourceType", "QuestionnaireResponse"},
             {"item", json::array({Item("fever", {{"valueDecimal", 1}}),
                                   Item("nope", {{"valueBoolean", true}}),
                                   Item("age", {{"valueDecimal", 60}}),
                                   Item("pain_nrs", {{"valueBoolean", true}}),
                                   Item("fever", {{"valueBoolean", true}})})}};
  auto request = RequestFromHook(Hook({{"assessment", qr}}), Catalog(), kToday);
  ASSERT_EQ(request.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields, descriptions;
  for (const auto& v : app::Violations(request.status())) {
    fields.push_back(v.field);
    descriptions.push_back(v.description);
  }
  EXPECT_THAT(fields,
              ::testing::ElementsAre("prefetch.assessment.item[0].answer[0]",
                                     "prefetch.assessment.item[1].answer[0]",
                                     "prefetch.assessment.item[2].answer[0]",
                                     "prefetch.assessment.item[3].answer[0]",
                                     "prefetch.assessment.item[4].answer[0]"));
  EXPECT_THAT(descriptions[0], HasSubstr("expected valueBoolean"));
  EXPECT_THAT(descriptions[1], HasSubstr("not a finding code"));
  EXPECT_THAT(descriptions[2], HasSubstr("comes from the Patient"));
  EXPECT_THAT(descriptions[3], HasSubstr("in 0-10"));
  EXPECT_THAT(descriptions[4], HasSubstr("answered twice"));
}

TEST(PrefetchTest, NoFindingsIsAFailedPreconditionAndOddShapesNeverCrash) {
  auto none = RequestFromHook(
      Hook({{"patient", {{"gender", "male"}}}, {"assessment", nullptr}}),
      Catalog(), kToday);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kFailedPrecondition);
  for (json odd :
       {json::array(), json("x"), json(3),
        json{{"resourceType", "Bundle"}, {"entry", 3}},
        json{{"resourceType", "Bundle"},
             {"entry", json::array({{{"resource",
                                      {{"resourceType", "Observation"},
                                       {"code", 7}}}}})}}}) {
    auto r = RequestFromHook(Hook({{"observations", odd}}), Catalog(), kToday);
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << odd;
  }
  EXPECT_EQ(
      RequestFromHook(json("not an object"), Catalog(), kToday).status().code(),
      absl::StatusCode::kInvalidArgument);
}

TEST(PrefetchTest, AgeOnlyFromAFullValidPastDate) {
  EXPECT_EQ(AgeOn("1972-03-04", kToday), 54);
  EXPECT_EQ(AgeOn("1972-12-01", kToday), 54);
  EXPECT_EQ(AgeOn("1972-12-02", kToday), 53);
  EXPECT_EQ(AgeOn("2000-02-29", absl::CivilDay(2001, 2, 28)), 0);
  EXPECT_EQ(AgeOn("1972", kToday), std::nullopt);
  EXPECT_EQ(AgeOn("1972-03", kToday), std::nullopt);
  EXPECT_EQ(AgeOn("1972-02-30", kToday), std::nullopt);
  EXPECT_EQ(AgeOn("2027-01-01", kToday), std::nullopt);
  EXPECT_EQ(AgeOn("19x2-03-04", kToday), std::nullopt);
}

}  // namespace
}  // namespace medius::cds
