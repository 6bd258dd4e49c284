#include "render/fhir_questionnaire.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "render/fhir.h"

namespace medius::render {
namespace {

using nlohmann::json;

struct Section {
  medius::v1::FindingSection section;
  const char* link_id;
  const char* text;
};

constexpr Section kSections[] = {
    {medius::v1::FINDING_SECTION_RED_FLAG_SCREEN, "section-red-flag-screen",
     "Red-flag screen (serious pathology)"},
    {medius::v1::FINDING_SECTION_HISTORY, "section-history",
     "History and pain profile"},
    {medius::v1::FINDING_SECTION_EXAMINATION, "section-examination",
     "Physical examination and special tests"},
    {medius::v1::FINDING_SECTION_OUTCOME_MEASURE, "section-outcome-measures",
     "Outcome measures"},
    {medius::v1::FINDING_SECTION_UNSPECIFIED, "section-other",
     "Other findings"},
};

json Item(const medius::v1::FindingInfo& f) {
  const bool number = f.value_type() == medius::v1::VALUE_TYPE_NUMBER;
  json item = {
      {"linkId", f.code()},
      {"text", f.display_name()},
      {"type", number ? "decimal" : "boolean"},
      {"code",
       json::array({{{"system", absl::StrCat(kCodeSystemBase, "finding")},
                     {"code", f.code()},
                     {"display", f.display_name()}}})}};
  if (number) {
    json extensions = json::array();
    if (!f.unit().empty()) {
      extensions.push_back(
          {{"url",
            "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"},
           {"valueCoding", {{"display", f.unit()}}}});
    }
    if (f.max_value() > f.min_value()) {
      extensions.push_back(
          {{"url", "http://hl7.org/fhir/StructureDefinition/minValue"},
           {"valueDecimal", f.min_value()}});
      extensions.push_back(
          {{"url", "http://hl7.org/fhir/StructureDefinition/maxValue"},
           {"valueDecimal", f.max_value()}});
    }
    if (!extensions.empty()) item["extension"] = std::move(extensions);
  }
  if (!f.description().empty()) {
    item["item"] = json::array(
        {{{"linkId", absl::StrCat(f.code(), ".help")},
          {"text", f.description()},
          {"type", "display"},
          {"extension",
           json::array(
               {{{"url",
                  "http://hl7.org/fhir/StructureDefinition/"
                  "questionnaire-itemControl"},
                 {"valueCodeableConcept",
                  {{"coding",
                    json::array(
                        {{{"system",
                           "http://hl7.org/fhir/questionnaire-item-control"},
                          {"code", "help"}}})}}}}})}}});
  }
  return item;
}

json SideItem() {
  json options = json::array();
  for (const char* side : {"left", "right", "bilateral"}) {
    json coding = {{"system", absl::StrCat(kCodeSystemBase, "side")},
                   {"code", side},
                   {"display", side}};
    options.push_back({{"valueCoding", std::move(coding)}});
  }
  return {{"linkId", "affected_side"},
          {"text", "Affected side"},
          {"type", "choice"},
          {"answerOption", std::move(options)}};
}

}  // namespace

std::string QuestionnaireUrl() {
  return absl::StrCat("https://medius.dev/fhir/Questionnaire/",
                      kQuestionnaireId);
}

json AssessmentQuestionnaire(const medius::v1::KnowledgeBaseInfo& catalog) {
  json groups = json::array();
  groups.push_back(SideItem());
  for (const Section& section : kSections) {
    json items = json::array();
    for (const auto& f : catalog.findings()) {
      if (f.section() != section.section) continue;
      if (f.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED)
        continue;
      if (!f.deprecation_note().empty()) continue;
      items.push_back(Item(f));
    }
    if (items.empty()) continue;
    groups.push_back({{"linkId", section.link_id},
                      {"text", section.text},
                      {"type", "group"},
                      {"item", std::move(items)}});
  }
  json q = {{"resourceType", "Questionnaire"},
            {"id", kQuestionnaireId},
            {"url", QuestionnaireUrl()},
            {"version", catalog.version()},
            {"name", "MediusHipAssessment"},
            {"title", "Medius lateral hip pain assessment"},
            {"status", "active"},
            {"subjectType", json::array({"Patient"})},
            {"description",
             absl::StrCat("History and examination findings for a first "
                          "consultation for lateral hip pain, from the Medius "
                          "knowledge base ",
                          catalog.version(),
                          ". An unanswered item is not assessed, never "
                          "'no'.")}};
  if (!catalog.date().empty()) q["date"] = catalog.date();
  q["item"] = std::move(groups);
  return q;
}

}  // namespace medius::render
