#include "cds/discovery.h"

#include "absl/strings/str_cat.h"
#include "render/fhir.h"
#include "render/fhir_questionnaire.h"

namespace medius::cds {

nlohmann::json Discovery(const medius::v1::KnowledgeBaseInfo& catalog) {
  nlohmann::json prefetch = {
      {"patient", "Patient/{{context.patientId}}"},
      {"assessment",
       absl::StrCat(
           "QuestionnaireResponse?subject=Patient/{{context.patientId}}"
           "&questionnaire=",
           render::QuestionnaireUrl(),
           "&status=completed&_sort=-authored&_count=1")},
      {"observations",
       absl::StrCat("Observation?subject=Patient/{{context.patientId}}&code=",
                    render::kCodeSystemBase, "finding|&_sort=-date")}};
  nlohmann::json service = {
      {"hook", kHook},
      {"id", kServiceId},
      {"title", "Medius lateral hip pain assessment"},
      {"description",
       absl::StrCat(
           "From the findings of a first consultation for lateral hip pain: "
           "red-flag referrals first, then a differential (gluteal "
           "tendinopathy, gluteus medius tear, trochanteric bursitis, "
           "referred pain) with the tests most worth doing next, and a "
           "phased, dosed exercise plan that is safe for what the patient "
           "may have. Knowledge base ",
           catalog.version(), ".")},
      {"prefetch", prefetch},
      {"usageRequirements",
       absl::StrCat("Needs the findings: the QuestionnaireResponse to ",
                    render::QuestionnaireUrl(), " (GET /fhir/Questionnaire/",
                    render::kQuestionnaireId,
                    " on this service) or Observations coded in ",
                    render::kCodeSystemBase,
                    "finding. Unanswered questions count as not assessed.")}};
  return {{"services", nlohmann::json::array({service})}};
}

}  // namespace medius::cds
