#include "render/fhir.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "render/report.h"

namespace medius::render {
namespace {

using nlohmann::json;

json Coding(const std::string& system, const std::string& code,
            const std::string& display) {
  json c = {{"system", absl::StrCat(kCodeSystemBase, system)}, {"code", code}};
  if (!display.empty()) c["display"] = display;
  return c;
}

json Concept(const std::string& system, const std::string& code,
             const std::string& display) {
  return {{"coding", json::array({Coding(system, code, display)})},
          {"text", display.empty() ? code : display}};
}

// "REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT" -> "emergency-department":
// the enum's names are part of medius.v1, so these codes are as stable.
std::string EnumCode(const std::string& name, absl::string_view prefix) {
  std::string code(absl::StripPrefix(name, prefix));
  absl::AsciiStrToLower(&code);
  absl::StrReplaceAll({{"_", "-"}}, &code);
  return code;
}

// Common header of every resource: id, the assessment it came from, the
// patient and encounter.
json Resource(const char* type, const medius::v1::AssessResponse& response,
              const FhirContext& context) {
  json r = {{"resourceType", type}};
  if (context.new_id) r["id"] = context.new_id();
  if (!response.assessment_id().empty()) {
    r["identifier"] =
        json::array({{{"system", absl::StrCat(kCodeSystemBase, "assessment")},
                      {"value", response.assessment_id()}}});
  }
  r["subject"] = context.patient.empty()
                     ? json{{"display", "the assessed patient"}}
                     : json{{"reference", context.patient}};
  if (!context.encounter.empty()) {
    r["encounter"] = {{"reference", context.encounter}};
  }
  return r;
}

double Rounded(double p) { return std::round(p * 10000) / 10000; }

std::string EvidenceName(const medius::v1::Evidence& e) {
  return e.display_name().empty() ? e.finding_code() : e.display_name();
}

// "Prior 12%; raised by: A, B; lowered by: C": the strongest three each
// way, so a reader sees why without the whole evidence list.
std::string Rationale(const medius::v1::DifferentialEntry& entry) {
  std::vector<const medius::v1::Evidence*> up, down;
  for (const auto& e : entry.evidence()) {
    if (e.likelihood_ratio() > 1) up.push_back(&e);
    if (e.likelihood_ratio() < 1) down.push_back(&e);
  }
  auto strongest = [](std::vector<const medius::v1::Evidence*>& list,
                      bool raising) {
    std::stable_sort(list.begin(), list.end(), [&](auto* a, auto* b) {
      return raising ? a->likelihood_ratio() > b->likelihood_ratio()
                     : a->likelihood_ratio() < b->likelihood_ratio();
    });
    std::vector<std::string> names;
    for (size_t i = 0; i < list.size() && i < 3; ++i) {
      names.push_back(EvidenceName(*list[i]));
    }
    return absl::StrJoin(names, ", ");
  };
  std::string out =
      absl::StrCat("Prior ", Rounded(entry.prior_probability() * 100), "%");
  if (!up.empty()) absl::StrAppend(&out, "; raised by: ", strongest(up, true));
  if (!down.empty()) {
    absl::StrAppend(&out, "; lowered by: ", strongest(down, false));
  }
  return out;
}

}  // namespace

std::string KnowledgeBaseLabel(const medius::v1::AssessResponse& response) {
  std::string label =
      absl::StrCat("Medius knowledge base ", response.knowledge_base_version());
  std::vector<std::string> about;
  if (!response.knowledge_base_date().empty()) {
    about.push_back(response.knowledge_base_date());
  }
  if (!response.knowledge_base_digest().empty()) {
    about.push_back(absl::StrCat("digest ", response.knowledge_base_digest()));
  }
  if (!about.empty())
    absl::StrAppend(&label, " (", absl::StrJoin(about, ", "), ")");
  return label;
}

std::string RequestPriority(medius::v1::Urgency urgency) {
  switch (urgency) {
    case medius::v1::URGENCY_EMERGENCY:
      return "stat";
    case medius::v1::URGENCY_SAME_DAY:
      return "asap";
    case medius::v1::URGENCY_ROUTINE:
      return "routine";
    default:  // urgent, soon, and anything not known to be routine
      return "urgent";
  }
}

json ReferralRequest(const medius::v1::RedFlag& flag,
                     const medius::v1::AssessResponse& response,
                     const FhirContext& context) {
  json r = Resource("ServiceRequest", response, context);
  r["status"] = "draft";
  r["intent"] = "proposal";
  r["priority"] = RequestPriority(flag.urgency());
  const std::string destination = DestinationName(flag.refer_to());
  r["code"] =
      Concept("referral-destination",
              EnumCode(medius::v1::ReferralDestination_Name(flag.refer_to()),
                       "REFERRAL_DESTINATION_"),
              destination);
  r["code"]["text"] = absl::StrCat("Referral: ", destination);
  r["reasonCode"] =
      json::array({Concept("red-flag", flag.code(), flag.display_name())});
  if (!context.authored.empty()) r["authoredOn"] = context.authored;
  json notes = json::array();
  if (!flag.action().empty()) notes.push_back({{"text", flag.action()}});
  if (!flag.rationale().empty()) {
    notes.push_back({{"text", absl::StrCat("Why: ", flag.rationale())}});
  }
  if (!flag.triggered_by().empty()) {
    notes.push_back(
        {{"text", absl::StrCat("Raised by: ",
                               absl::StrJoin(flag.triggered_by(), ", "))}});
  }
  notes.push_back(
      {{"text", absl::StrCat("From ", KnowledgeBaseLabel(response))}});
  r["note"] = std::move(notes);
  return r;
}

json DifferentialRiskAssessment(const medius::v1::AssessResponse& response,
                                const FhirContext& context) {
  json r = Resource("RiskAssessment", response, context);
  r["status"] = "preliminary";
  const std::string label = KnowledgeBaseLabel(response);
  r["method"] = {
      {"coding",
       json::array({Coding("knowledge-base", response.knowledge_base_version(),
                           label)})},
      {"text", label}};
  if (!context.authored.empty()) r["occurrenceDateTime"] = context.authored;
  json predictions = json::array();
  for (const auto& entry : response.differential()) {
    predictions.push_back(
        {{"outcome",
          Concept("condition", entry.condition_code(), entry.display_name())},
         {"probabilityDecimal", Rounded(entry.probability())},
         {"rationale", Rationale(entry)}});
  }
  if (!predictions.empty()) r["prediction"] = std::move(predictions);
  if (response.primary_source().low_confidence()) {
    r["note"] = json::array(
        {{{"text",
           absl::StrCat("Low confidence: ",
                        response.primary_source().confidence_note())}}});
  }
  return r;
}

json ExerciseCarePlan(const medius::v1::AssessResponse& response,
                      const FhirContext& context) {
  const medius::v1::ExerciseProtocol& protocol = response.protocol();
  const bool prescribes =
      protocol.status() == medius::v1::PROTOCOL_STATUS_RECOMMENDED ||
      protocol.status() == medius::v1::PROTOCOL_STATUS_INTERIM;
  json activities = json::array();
  auto add = [&](const medius::v1::PrescribedExercise& x,
                 const std::string& where) {
    std::string text = absl::StrCat(where, ": ", FormatDosage(x.dosage()));
    if (!x.instructions().empty())
      absl::StrAppend(&text, ". ", x.instructions());
    if (!x.reason().empty()) absl::StrAppend(&text, " Why: ", x.reason());
    activities.push_back(
        {{"detail",
          {{"code", Concept("exercise", x.exercise_code(), x.display_name())},
           {"status", "not-started"},
           {"description", text}}}});
  };
  if (prescribes) {
    for (const auto& phase : protocol.phases()) {
      for (const auto& x : phase.exercises()) add(x, phase.name());
    }
    for (const auto& x : protocol.targeted_exercises()) add(x, "Targeted");
  }
  if (activities.empty()) return nullptr;
  json r = Resource("CarePlan", response, context);
  r["status"] = "draft";
  r["intent"] = "proposal";
  r["title"] = protocol.display_name().empty() ? protocol.protocol_code()
                                               : protocol.display_name();
  if (!protocol.summary().empty()) r["description"] = protocol.summary();
  if (!context.authored.empty()) r["created"] = context.authored;
  r["activity"] = std::move(activities);
  json notes = json::array();
  if (protocol.status() == medius::v1::PROTOCOL_STATUS_INTERIM) {
    notes.push_back({{"text", absl::StrCat("Interim: ", protocol.reason())}});
  }
  for (const auto& a : protocol.advice()) notes.push_back({{"text", a}});
  if (!protocol.review().empty()) {
    notes.push_back({{"text", absl::StrCat("Review: ", protocol.review())}});
  }
  if (!protocol.escalation().empty()) {
    notes.push_back(
        {{"text", absl::StrCat("Escalate if: ", protocol.escalation())}});
  }
  notes.push_back(
      {{"text", absl::StrCat("From ", KnowledgeBaseLabel(response))}});
  r["note"] = std::move(notes);
  return r;
}

json AssessmentBundle(const medius::v1::AssessResponse& response,
                      const FhirContext& context) {
  json entries = json::array();
  auto add = [&](json resource) {
    if (resource.is_null()) return;
    json entry;
    if (resource.contains("id")) {
      entry["fullUrl"] =
          absl::StrCat("urn:uuid:", resource["id"].get<std::string>());
    }
    entry["resource"] = std::move(resource);
    entries.push_back(std::move(entry));
  };
  for (const auto& flag : response.red_flags()) {
    add(ReferralRequest(flag, response, context));
  }
  add(DifferentialRiskAssessment(response, context));
  add(ExerciseCarePlan(response, context));
  json bundle = {{"resourceType", "Bundle"}, {"type", "collection"}};
  if (context.new_id) bundle["id"] = context.new_id();
  if (!context.authored.empty()) bundle["timestamp"] = context.authored;
  bundle["entry"] = std::move(entries);
  return bundle;
}

}  // namespace medius::render
