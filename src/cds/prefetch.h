// The findings of a CDS Hooks call, read from its prefetch: the FHIR
// resources the EHR sends with the hook (discovery.h asks for them). Two
// forms are accepted, and may be combined:
//   - "assessment": a QuestionnaireResponse to the Medius assessment form
//     (questionnaire.h), or a searchset Bundle whose first such resource is
//     taken: each answered item whose linkId is a finding code becomes a
//     finding (valueBoolean for yes/no findings; valueDecimal, valueInteger
//     or valueQuantity.value for measurements); the "affected_side" item
//     (valueCoding left | right | bilateral) gives the side. Unanswered
//     items are not assessed, never "no".
//   - "observations": a Bundle of Observations coded in the Medius finding
//     code system (fhir.h), with valueBoolean, valueInteger or
//     valueQuantity; entered-in-error and cancelled ones are skipped, and so
//     is one with a dataAbsentReason (not assessed).
// "patient" (a Patient) gives sex (gender) and age (birthDate, on `today`;
// a partial date leaves the age unknown rather than guessing it).
// context.encounterId becomes the request's encounter id.
//
// Errors: FAILED_PRECONDITION (HTTP 412) when the prefetch has neither
// findings source, saying which keys are expected; INVALID_ARGUMENT naming
// the JSON path for an answer of the wrong type, an unknown linkId or a
// finding given twice. The engine then checks ranges as for gRPC.
//
// Example:
//   absl::StatusOr<medius::v1::AssessRequest> request =
//       RequestFromHook(body, engine.info(), absl::CivilDay(2026, 12, 1));
//
// Thread-safety: a pure function.
#ifndef MEDIUS_CDS_PREFETCH_H_
#define MEDIUS_CDS_PREFETCH_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "medius/v1/assessment.pb.h"
#include "nlohmann/json.hpp"

namespace medius::cds {

// The QuestionnaireResponse item that carries the affected side.
inline constexpr char kAffectedSideLinkId[] = "affected_side";

absl::StatusOr<medius::v1::AssessRequest> RequestFromHook(
    const nlohmann::json& body, const medius::v1::KnowledgeBaseInfo& catalog,
    absl::CivilDay today);

// Whole years from `birth_date` (FHIR date "YYYY-MM-DD") to `today`;
// nullopt for a partial or malformed date or one after today.
std::optional<int> AgeOn(const std::string& birth_date, absl::CivilDay today);

}  // namespace medius::cds

#endif  // MEDIUS_CDS_PREFETCH_H_
