// The FHIR mappings, value by value: urgency to request priority, the
// differential to RiskAssessment predictions, dosage to CarePlan activity.
#include "render/fhir.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::render {
namespace {

using ::testing::HasSubstr;

FhirContext Context() {
  static int next = 0;
  FhirContext context;
  context.patient = "Patient/p1";
  context.encounter = "Encounter/e1";
  context.authored = "2026-12-01T09:30:00Z";
  context.new_id = [] { return "id-" + std::to_string(++next); };
  return context;
}

medius::v1::AssessResponse Response() {
  medius::v1::AssessResponse r;
  r.set_assessment_id("a-1");
  r.set_knowledge_base_version("0.6.0");
  r.set_knowledge_base_date("2026-11-30");
  r.set_knowledge_base_digest("b54af88d7b081fb8");
  auto* flag = r.add_red_flags();
  flag->set_code("fracture");
  flag->set_display_name("Possible fracture");
  flag->set_urgency(medius::v1::URGENCY_SAME_DAY);
  flag->set_refer_to(medius::v1::REFERRAL_DESTINATION_ORTHOPAEDICS_URGENT);
  flag->add_triggered_by("fall_onto_hip");
  flag->set_action("Same-day imaging.");
  flag->set_rationale("Fall in an older adult with pain on weight bearing.");
  for (auto [code, p, lr] : {std::tuple{"gluteal_tendinopathy", 0.71234, 3.2},
                             std::tuple{"hip_oa", 0.2, 0.4}}) {
    auto* d = r.add_differential();
    d->set_condition_code(code);
    d->set_display_name(std::string(code) + " name");
    d->set_probability(p);
    d->set_prior_probability(0.25);
    auto* e = d->add_evidence();
    e->set_finding_code("gt_tenderness");
    e->set_display_name("Greater trochanter tenderness");
    e->set_likelihood_ratio(lr);
  }
  auto* protocol = r.mutable_protocol();
  protocol->set_status(medius::v1::PROTOCOL_STATUS_RECOMMENDED);
  protocol->set_protocol_code("gt_loading");
  protocol->set_display_name("Gluteal tendon loading");
  protocol->add_advice("Avoid lying on the painful side.");
  auto* phase = protocol->add_phases();
  phase->set_name("Phase 1: isometrics");
  for (const char* code : {"iso_abduction", "bridge"}) {
    auto* x = phase->add_exercises();
    x->set_exercise_code(code);
    x->set_display_name(std::string(code) + " name");
    x->mutable_dosage()->mutable_sets()->set_min(3);
    x->mutable_dosage()->mutable_sets()->set_max(3);
    x->mutable_dosage()->mutable_hold_seconds()->set_min(30);
    x->mutable_dosage()->mutable_hold_seconds()->set_max(45);
    x->mutable_dosage()->set_frequency("daily");
  }
  return r;
}

TEST(FhirTest, EveryUrgencyHasAPriorityAndOnlyRoutineIsRoutine) {
  EXPECT_EQ(RequestPriority(medius::v1::URGENCY_EMERGENCY), "stat");
  EXPECT_EQ(RequestPriority(medius::v1::URGENCY_SAME_DAY), "asap");
  EXPECT_EQ(RequestPriority(medius::v1::URGENCY_URGENT), "urgent");
  EXPECT_EQ(RequestPriority(medius::v1::URGENCY_SOON), "urgent");
  EXPECT_EQ(RequestPriority(medius::v1::URGENCY_ROUTINE), "routine");
  EXPECT_EQ(RequestPriority(medius::v1::URGENCY_UNSPECIFIED), "urgent");
  EXPECT_EQ(RequestPriority(static_cast<medius::v1::Urgency>(42)), "urgent");
}

TEST(FhirTest, AReferralIsAProposedServiceRequestForTheDestination) {
  const auto r = Response();
  nlohmann::json sr = ReferralRequest(r.red_flags(0), r, Context());
  EXPECT_EQ(sr["resourceType"], "ServiceRequest");
  EXPECT_EQ(sr["status"], "draft");
  EXPECT_EQ(sr["intent"], "proposal");
  EXPECT_EQ(sr["priority"], "asap");
  EXPECT_EQ(sr["subject"]["reference"], "Patient/p1");
  EXPECT_EQ(sr["encounter"]["reference"], "Encounter/e1");
  EXPECT_EQ(sr["authoredOn"], "2026-12-01T09:30:00Z");
  EXPECT_EQ(sr["code"]["coding"][0]["system"],
            "https://medius.dev/fhir/CodeSystem/referral-destination");
  EXPECT_EQ(sr["code"]["coding"][0]["code"], "orthopaedics-urgent");
  EXPECT_EQ(sr["reasonCode"][0]["coding"][0]["code"], "fracture");
  EXPECT_EQ(sr["identifier"][0]["value"], "a-1");
  EXPECT_THAT(sr["note"].dump(), HasSubstr("Same-day imaging."));
  EXPECT_THAT(sr["note"].dump(), HasSubstr("digest b54af88d7b081fb8"));
}

TEST(FhirTest, WithoutAPatientReferenceTheSubjectIsNamedByDisplay) {
  const auto r = Response();
  FhirContext context;
  nlohmann::json sr = ReferralRequest(r.red_flags(0), r, context);
  EXPECT_FALSE(sr["subject"].contains("reference"));
  EXPECT_EQ(sr["subject"]["display"], "the assessed patient");
  EXPECT_FALSE(sr.contains("encounter"));
  EXPECT_FALSE(sr.contains("id"));
}

TEST(FhirTest, TheRiskAssessmentHasOnePredictionPerConditionInOrder) {
  nlohmann::json ra = DifferentialRiskAssessment(Response(), Context());
  EXPECT_EQ(ra["resourceType"], "RiskAssessment");
  EXPECT_EQ(ra["status"], "preliminary");
  EXPECT_THAT(ra["method"]["text"].get<std::string>(),
              HasSubstr("0.6.0 (2026-11-30, digest b54af88d7b081fb8)"));
  ASSERT_EQ(ra["prediction"].size(), 2u);
  EXPECT_EQ(ra["prediction"][0]["outcome"]["coding"][0]["code"],
            "gluteal_tendinopathy");
  EXPECT_DOUBLE_EQ(ra["prediction"][0]["probabilityDecimal"].get<double>(),
                   0.7123);
  EXPECT_EQ(ra["prediction"][0]["rationale"],
            "Prior 25%; raised by: Greater trochanter tenderness");
  EXPECT_EQ(ra["prediction"][1]["rationale"],
            "Prior 25%; lowered by: Greater trochanter tenderness");
}

TEST(FhirTest, TheCarePlanHasAnActivityPerExerciseWithItsDosage) {
  nlohmann::json plan = ExerciseCarePlan(Response(), Context());
  EXPECT_EQ(plan["resourceType"], "CarePlan");
  EXPECT_EQ(plan["intent"], "proposal");
  EXPECT_EQ(plan["title"], "Gluteal tendon loading");
  ASSERT_EQ(plan["activity"].size(), 2u);
  const nlohmann::json& detail = plan["activity"][1]["detail"];
  EXPECT_EQ(detail["code"]["coding"][0]["code"], "bridge");
  EXPECT_EQ(detail["status"], "not-started");
  EXPECT_EQ(detail["description"].get<std::string>().rfind(
                "Phase 1: isometrics: 3 x hold 30-45 s, daily", 0),
            0u)
      << detail["description"];
  EXPECT_THAT(plan["note"].dump(),
              HasSubstr("Avoid lying on the painful side."));
}

TEST(FhirTest, NoCarePlanWhenExerciseIsWithheldOrAbsent) {
  for (auto status :
       {medius::v1::PROTOCOL_STATUS_WITHHELD, medius::v1::PROTOCOL_STATUS_NONE,
        medius::v1::PROTOCOL_STATUS_UNSPECIFIED}) {
    auto r = Response();
    r.mutable_protocol()->set_status(status);
    EXPECT_TRUE(ExerciseCarePlan(r, Context()).is_null()) << status;
  }
  auto r = Response();
  r.mutable_protocol()->clear_phases();
  EXPECT_TRUE(ExerciseCarePlan(r, Context()).is_null());
}

TEST(FhirTest, TheBundleHoldsEveryResourceWithUrnFullUrls) {
  nlohmann::json bundle = AssessmentBundle(Response(), Context());
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["type"], "collection");
  ASSERT_EQ(bundle["entry"].size(), 3u);
  std::vector<std::string> types;
  for (const auto& e : bundle["entry"]) {
    types.push_back(e["resource"]["resourceType"]);
    EXPECT_EQ(e["fullUrl"],
              "urn:uuid:" + e["resource"]["id"].get<std::string>());
  }
  EXPECT_THAT(types, ::testing::ElementsAre("ServiceRequest", "RiskAssessment",
                                            "CarePlan"));
}

}  // namespace
}  // namespace medius::render
