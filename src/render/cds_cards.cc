#include "render/cds_cards.h"

#include <cmath>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "render/report.h"

namespace medius::render {
namespace {

using nlohmann::json;

// CDS Hooks: "summary ... SHOULD be under a 140-character limit".
constexpr size_t kSummaryLimit = 139;

std::string Percent(double p) {
  std::string s = absl::StrFormat("%.1f", p * 100);
  if (s.size() > 2 && s.compare(s.size() - 2, 2, ".0") == 0)
    s.resize(s.size() - 2);
  return s + "%";
}

std::string NewId(const CardContext& context) {
  return context.fhir.new_id ? context.fhir.new_id() : std::string();
}

std::string FindingName(const CardContext& context, const std::string& code) {
  if (context.catalog != nullptr) {
    for (const auto& f : context.catalog->findings()) {
      if (f.code() == code) return f.display_name();
    }
  }
  return code;
}

json Source(const medius::v1::AssessResponse& response) {
  return {{"label", absl::StrCat("Medius (knowledge base ",
                                 response.knowledge_base_version(), ")")}};
}

json Card(const medius::v1::AssessResponse& response,
          const CardContext& context, const std::string& indicator,
          const std::string& summary, const std::string& detail) {
  json card = {{"summary", CardSummary(summary)},
               {"indicator", indicator},
               {"source", Source(response)}};
  const std::string id = NewId(context);
  if (!id.empty()) card["uuid"] = id;
  if (!detail.empty()) card["detail"] = detail;
  return card;
}

// One suggestion creating `resource`, the card's only choice.
void Suggest(json& card, const CardContext& context, const std::string& label,
             json resource) {
  json suggestion = {{"label", label}, {"isRecommended", true}};
  const std::string id = NewId(context);
  if (!id.empty()) suggestion["uuid"] = id;
  const std::string type = resource["resourceType"].get<std::string>();
  suggestion["actions"] = json::array(
      {{{"type", "create"},
        {"description", absl::StrCat("Create a ", type, ": ", label)},
        {"resource", std::move(resource)}}});
  card["suggestions"] = json::array({std::move(suggestion)});
  card["selectionBehavior"] = "at-most-one";
}

json OverrideReason(const std::string& code, const std::string& display) {
  return {{"code", code},
          {"system", absl::StrCat(kCodeSystemBase, "override-reason")},
          {"display", display}};
}

json RedFlagCard(const medius::v1::RedFlag& flag,
                 const medius::v1::AssessResponse& response,
                 const CardContext& context) {
  const std::string destination = DestinationName(flag.refer_to());
  std::vector<std::string> lines;
  if (!flag.action().empty())
    lines.push_back(absl::StrCat("**Action:** ", flag.action()));
  if (!flag.rationale().empty()) {
    lines.push_back(absl::StrCat("**Why:** ", flag.rationale()));
  }
  if (!flag.triggered_by().empty()) {
    std::vector<std::string> names;
    for (const auto& code : flag.triggered_by()) {
      names.push_back(FindingName(context, code));
    }
    lines.push_back(
        absl::StrCat("**Raised by:** ", absl::StrJoin(names, "; ")));
  }
  if (!flag.sources().empty()) {
    lines.push_back(
        absl::StrCat("**Sources:** ", absl::StrJoin(flag.sources(), "; ")));
  }
  json card = Card(
      response, context, CardIndicator(flag.urgency()),
      absl::StrCat("Red flag: ", flag.display_name(), ". ",
                   UrgencyName(flag.urgency()), " referral: ", destination),
      absl::StrJoin(lines, "\n\n"));
  Suggest(card, context,
          absl::StrCat("Refer to ", destination, " (",
                       RequestPriority(flag.urgency()), ")"),
          ReferralRequest(flag, response, context.fhir));
  card["overrideReasons"] =
      json::array({OverrideReason("already-referred",
                                  "Already referred or under care for this"),
                   OverrideReason("finding-recorded-in-error",
                                  "A finding behind it was recorded in error"),
                   OverrideReason("clinical-judgement",
                                  "Not indicated on clinical judgement")});
  return card;
}

json DifferentialCard(const medius::v1::AssessResponse& response,
                      const CardContext& context) {
  // The leading conditions, as many of the top three as fit whole.
  std::string summary = "Most likely: ";
  int shown = 0;
  for (const auto& e : response.differential()) {
    if (shown == 3) break;
    std::string item = absl::StrCat(
        shown == 0 ? "" : ", ",
        e.display_name().empty() ? e.condition_code() : e.display_name(), " ",
        Percent(e.probability()));
    if (shown > 0 && summary.size() + item.size() > kSummaryLimit) break;
    absl::StrAppend(&summary, item);
    ++shown;
  }
  std::string detail;
  if (!response.disposition().statement().empty()) {
    absl::StrAppend(&detail, response.disposition().statement(), "\n\n");
  }
  if (response.primary_source().low_confidence()) {
    absl::StrAppend(&detail, "**Low confidence:** ",
                    response.primary_source().confidence_note(), "\n\n");
  }
  absl::StrAppend(&detail, "| Condition | Probability |\n|---|---|\n");
  for (const auto& e : response.differential()) {
    absl::StrAppend(
        &detail, "| ",
        e.display_name().empty() ? e.condition_code() : e.display_name(), " | ",
        Percent(e.probability()), " |\n");
  }
  if (!response.next_tests().empty()) {
    absl::StrAppend(&detail, "\n**Most worth doing next:**\n\n");
    for (const auto& t : response.next_tests()) {
      absl::StrAppend(
          &detail, "- ",
          t.display_name().empty() ? t.finding_code() : t.display_name(),
          t.reason().empty() ? "" : absl::StrCat(": ", t.reason()), "\n");
    }
  }
  absl::StrAppend(&detail, "\n", KnowledgeBaseLabel(response), ".");
  json card = Card(response, context, "info", summary, detail);
  Suggest(card, context, "Record the differential as a risk assessment",
          DifferentialRiskAssessment(response, context.fhir));
  return card;
}

// The protocol's card: the CarePlan when exercise is prescribed, a warning
// saying why when it is withheld, nothing when there is no protocol.
json ProtocolCard(const medius::v1::AssessResponse& response,
                  const CardContext& context) {
  const medius::v1::ExerciseProtocol& protocol = response.protocol();
  if (protocol.status() == medius::v1::PROTOCOL_STATUS_WITHHELD ||
      response.disposition().exercise_withheld()) {
    return Card(
        response, context, "warning",
        absl::StrCat("Exercise withheld: ",
                     absl::StripPrefix(protocol.reason(), "Withheld: ")),
        protocol.reason());
  }
  json plan = ExerciseCarePlan(response, context.fhir);
  if (plan.is_null()) {
    // Interim: advice only until the red-flag screen is complete.
    if (protocol.status() != medius::v1::PROTOCOL_STATUS_INTERIM ||
        protocol.advice().empty()) {
      return nullptr;
    }
    std::string detail = protocol.reason().empty()
                             ? std::string()
                             : absl::StrCat(protocol.reason(), "\n\n");
    for (const auto& a : protocol.advice())
      absl::StrAppend(&detail, "- ", a, "\n");
    return Card(response, context, "info",
                "Advice only, no loading exercise, until the red-flag screen "
                "is complete",
                detail);
  }
  std::string detail;
  if (!protocol.summary().empty())
    absl::StrAppend(&detail, protocol.summary(), "\n\n");
  int count = 0;
  for (const auto& phase : protocol.phases()) {
    absl::StrAppend(
        &detail, "**", phase.name(), "**",
        phase.goal().empty() ? "" : absl::StrCat(": ", phase.goal()), "\n\n");
    for (const auto& x : phase.exercises()) {
      ++count;
      absl::StrAppend(&detail, "- ", x.display_name(), ": ",
                      FormatDosage(x.dosage()), "\n");
    }
    absl::StrAppend(&detail, "\n");
  }
  for (const auto& x : protocol.targeted_exercises()) {
    ++count;
    absl::StrAppend(&detail, "- ", x.display_name(), ": ",
                    FormatDosage(x.dosage()), "\n");
  }
  if (!protocol.source().empty()) {
    absl::StrAppend(&detail, "\nSource: ", protocol.source());
  }
  json card =
      Card(response, context, "info",
           absl::StrCat("Exercise protocol: ", plan["title"].get<std::string>(),
                        " (", count, " exercises)"),
           detail);
  Suggest(card, context, "Add the exercise plan", std::move(plan));
  return card;
}

}  // namespace

std::string CardIndicator(medius::v1::Urgency urgency) {
  switch (urgency) {
    case medius::v1::URGENCY_EMERGENCY:
    case medius::v1::URGENCY_SAME_DAY:
      return "critical";
    case medius::v1::URGENCY_ROUTINE:
      return "info";
    default:  // urgent, soon, and anything not known to be routine
      return "warning";
  }
}

std::string CardSummary(const std::string& text) {
  // Count characters, not bytes: a UTF-8 continuation byte is 10xxxxxx.
  size_t chars = 0, cut = std::string::npos;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars == kSummaryLimit - 3) cut = i;
    ++chars;
  }
  if (chars <= kSummaryLimit) return text;
  std::string out = text.substr(0, cut);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out + "...";
}

json AssessmentCards(const medius::v1::AssessResponse& response,
                     const CardContext& context) {
  json cards = json::array();
  // Red flags first, one card each, in the engine's order (most urgent
  // first): clinical safety rule 2.
  for (const auto& flag : response.red_flags()) {
    cards.push_back(RedFlagCard(flag, response, context));
  }
  const auto& missing = response.disposition().missing_screening_findings();
  if (!missing.empty()) {
    std::string detail =
        "Serious pathology cannot be ruled out until these are asked "
        "(not assessed is not negative):\n\n";
    for (const auto& code : missing) {
      absl::StrAppend(&detail, "- ", FindingName(context, code), "\n");
    }
    cards.push_back(
        Card(response, context, "warning",
             absl::StrCat("Red-flag screen incomplete: ", missing.size(),
                          missing.size() == 1 ? " question" : " questions",
                          " still to ask"),
             detail));
  }
  if (!response.differential().empty()) {
    cards.push_back(DifferentialCard(response, context));
  }
  json protocol = ProtocolCard(response, context);
  if (!protocol.is_null()) cards.push_back(std::move(protocol));
  return {{"cards", std::move(cards)}};
}

}  // namespace medius::render
