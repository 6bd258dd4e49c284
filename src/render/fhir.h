// An assessment as FHIR R4 resources, for EMRs that take decision support
// as FHIR: a ServiceRequest per red-flag referral, a RiskAssessment with one
// prediction per condition of the differential, and a CarePlan with one
// activity per prescribed exercise and its dosage. Codes use the Medius
// code systems under kCodeSystemBase (docs/INTEGRATION.md lists them);
// every resource says which knowledge-base version and digest produced it.
// Pure functions of the response: the same answer gives the same resources
// (ids come from the caller's `new_id`).
//
// Example:
//   FhirContext context{.patient = "Patient/123",
//                       .encounter = "Encounter/9",
//                       .new_id = [] { return RandomUuid(); }};
//   nlohmann::json bundle = AssessmentBundle(response, context);
//
// Thread-safety: pure functions; safe to call concurrently (`new_id` must
// be, if shared).
#ifndef MEDIUS_RENDER_FHIR_H_
#define MEDIUS_RENDER_FHIR_H_

#include <functional>
#include <string>

#include "medius/v1/assessment.pb.h"
#include "nlohmann/json.hpp"

namespace medius::render {

// The Medius code systems: kCodeSystemBase + "condition", "finding",
// "red-flag", "referral-destination", "exercise", "protocol".
inline constexpr char kCodeSystemBase[] = "https://medius.dev/fhir/CodeSystem/";

struct FhirContext {
  // A FHIR reference to the patient ("Patient/123"); empty: the resources
  // name "the assessed patient" by display only.
  std::string patient;
  // A FHIR reference to the encounter ("Encounter/9"); empty: none.
  std::string encounter;
  // When the assessment was made (FHIR dateTime); empty: not stated.
  std::string authored;
  // A fresh id for each resource (a UUID), so a suggestion can be
  // accepted without clashing with what the EMR holds.
  std::function<std::string()> new_id;
};

// FHIR request-priority for an urgency: emergency "stat", same day "asap",
// urgent and soon "urgent", routine "routine". Unspecified is "urgent":
// a referral whose urgency is unknown is not treated as routine.
std::string RequestPriority(medius::v1::Urgency urgency);

// One ServiceRequest (status draft, intent proposal) referring the patient
// to the flag's destination, with the flag as reason and its action and
// rationale as notes; `response` is the assessment that raised it.
nlohmann::json ReferralRequest(const medius::v1::RedFlag& flag,
                               const medius::v1::AssessResponse& response,
                               const FhirContext& context);

// One RiskAssessment (status preliminary) with a prediction per condition
// of the differential, in its order; `method` names the knowledge base.
nlohmann::json DifferentialRiskAssessment(
    const medius::v1::AssessResponse& response, const FhirContext& context);

// A CarePlan (status draft, intent proposal) with one activity per
// exercise of each phase, its dosage in words; null when the protocol
// prescribes nothing (withheld, or none).
nlohmann::json ExerciseCarePlan(const medius::v1::AssessResponse& response,
                                const FhirContext& context);

// All of the above in a Bundle of type collection (`medius assess --fhir`).
nlohmann::json AssessmentBundle(const medius::v1::AssessResponse& response,
                                const FhirContext& context);

// "Medius knowledge base 0.6.0 (2026-11-30, digest b54af88d7b081fb8)".
std::string KnowledgeBaseLabel(const medius::v1::AssessResponse& response);

}  // namespace medius::render

#endif  // MEDIUS_RENDER_FHIR_H_
