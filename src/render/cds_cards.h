// An assessment as CDS Hooks 2.0 cards (https://cds-hooks.hl7.org/2.0/):
// first one card per red flag, most urgent first (indicator "critical" for
// emergency and same day, "warning" for urgent and soon, "info" for
// routine), each suggesting a FHIR ServiceRequest for the referral; then a
// "warning" card when the red-flag screen is incomplete, listing the
// questions still to ask; then an "info" card with the differential
// (markdown detail, suggesting a RiskAssessment) and one with the exercise
// protocol (suggesting a CarePlan), or a "warning" card saying why exercise
// is withheld. Red-flag cards are never merged or dropped. Every card has a
// uuid, a summary under 140 characters and a source naming Medius and the
// knowledge base. Pure function of the response.
//
// Example:
//   CardContext context{.fhir = {.patient = "Patient/123",
//                                .new_id = [] { return RandomUuid(); }},
//                       .catalog = &engine.info()};
//   nlohmann::json body = AssessmentCards(response, context);  // {"cards":
//   [...]}
//
// Thread-safety: a pure function; safe to call concurrently (`new_id`
// must be, if shared).
#ifndef MEDIUS_RENDER_CDS_CARDS_H_
#define MEDIUS_RENDER_CDS_CARDS_H_

#include <string>

#include "medius/v1/assessment.pb.h"
#include "nlohmann/json.hpp"
#include "render/fhir.h"

namespace medius::render {

struct CardContext {
  FhirContext fhir;  // its new_id also gives each card and suggestion a uuid
  // Display names for finding codes (the missing screening questions);
  // null: codes are shown as they are.
  const medius::v1::KnowledgeBaseInfo* catalog = nullptr;
};

// "critical", "warning" or "info" for a red flag of this urgency.
// Unspecified is "warning": an urgency we cannot read is not routine.
std::string CardIndicator(medius::v1::Urgency urgency);

// `text` cut to fewer than 140 characters (CDS Hooks' limit for a
// summary), at a character boundary, ending in "..." when cut.
std::string CardSummary(const std::string& text);

// The CDS Hooks service response: {"cards": [...]}.
nlohmann::json AssessmentCards(const medius::v1::AssessResponse& response,
                               const CardContext& context);

}  // namespace medius::render

#endif  // MEDIUS_RENDER_CDS_CARDS_H_
