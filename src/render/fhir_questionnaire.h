// The Medius assessment form as a FHIR R4 Questionnaire, generated from the
// knowledge-base catalog so that an EMR builds its form from it and sends
// the QuestionnaireResponse back with the hook (cds/prefetch.h): one group
// per section (history, red-flag screen, examination, outcome measures), one
// item per finding with linkId = the finding's code, type boolean or
// decimal (with its unit and range as the standard extensions), coded in
// the Medius finding code system, and its description as a help item; and
// the affected side as a choice. Findings that come from the Patient (age,
// sex) and deprecated findings are left out (deprecated codes are still
// accepted).
//
// Example:
//   nlohmann::json q = AssessmentQuestionnaire(engine.info());
//
// Thread-safety: a pure function.
#ifndef MEDIUS_RENDER_FHIR_QUESTIONNAIRE_H_
#define MEDIUS_RENDER_FHIR_QUESTIONNAIRE_H_

#include <string>

#include "medius/v1/assessment.pb.h"
#include "nlohmann/json.hpp"

namespace medius::render {

inline constexpr char kQuestionnaireId[] = "medius-hip-assessment";

// "https://medius.dev/fhir/Questionnaire/medius-hip-assessment": the
// canonical URL a QuestionnaireResponse names.
std::string QuestionnaireUrl();

nlohmann::json AssessmentQuestionnaire(
    const medius::v1::KnowledgeBaseInfo& catalog);

}  // namespace medius::render

#endif  // MEDIUS_RENDER_FHIR_QUESTIONNAIRE_H_
