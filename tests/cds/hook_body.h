// HookBody: an AssessRequest as an EHR would send it with the CDS Hooks
// patient-view hook, for tests of the façade (in-process and end to end):
// a Patient whose birth date gives the age in whole years (the request's
// age is floored to match), and a QuestionnaireResponse to the Medius form
// with one answered item per finding and the affected side.
//
// Example:
//   nlohmann::json body = HookBody(&request, 2026);
//
// Thread-safety: a pure function (it edits only `request`).
#ifndef MEDIUS_TESTS_CDS_HOOK_BODY_H_
#define MEDIUS_TESTS_CDS_HOOK_BODY_H_

#include "absl/strings/str_format.h"
#include "medius/v1/assessment.pb.h"
#include "nlohmann/json.hpp"

namespace medius::cds {

// `year` is the current year; birth dates are put mid-June of an earlier
// year so that the age holds on any date after June 15 of `year`.
inline nlohmann::json HookBody(medius::v1::AssessRequest* request, int year) {
  using nlohmann::json;
  json patient = {{"resourceType", "Patient"}, {"id", "p1"}};
  if (request->patient().sex() == medius::v1::SEX_FEMALE) {
    patient["gender"] = "female";
  }
  if (request->patient().sex() == medius::v1::SEX_MALE)
    patient["gender"] = "male";
  if (request->patient().has_age_years()) {
    const int age = static_cast<int>(request->patient().age_years());
    request->mutable_patient()->set_age_years(age);
    patient["birthDate"] = absl::StrFormat("%04d-06-15", year - age);
  }
  json items = json::array();
  static const char* kSides[] = {"", "left", "right", "bilateral"};
  const int side = request->patient().affected_side();
  if (side > 0 && side < 4) {
    items.push_back(
        {{"linkId", "affected_side"},
         {"answer",
          json::array({{{"valueCoding", {{"code", kSides[side]}}}}})}});
  }
  for (const auto& f : request->findings()) {
    json answer = f.value_case() == medius::v1::Finding::kNumber
                      ? json{{"valueDecimal", f.number()}}
                      : json{{"valueBoolean", f.present()}};
    items.push_back({{"linkId", f.code()}, {"answer", json::array({answer})}});
  }
  json context = {{"userId", "Practitioner/7"}, {"patientId", "p1"}};
  if (!request->encounter_id().empty()) {
    context["encounterId"] = request->encounter_id();
  }
  return {{"hook", "patient-view"},
          {"hookInstance", "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"},
          {"context", context},
          {"prefetch",
           {{"patient", patient},
            {"assessment",
             {{"resourceType", "QuestionnaireResponse"},
              {"status", "completed"},
              {"item", items}}}}}};
}

}  // namespace medius::cds

#endif  // MEDIUS_TESTS_CDS_HOOK_BODY_H_
