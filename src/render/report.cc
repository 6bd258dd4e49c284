#include "render/report.h"

#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/urgency_text.h"

namespace medius::render {
namespace {

using medius::v1::AssessResponse;

std::string Percent(double p) {
  return absl::StrCat(static_cast<int>(std::lround(p * 100)), "%");
}

std::string RangeText(const medius::v1::Range& r) {
  if (r.min() == r.max()) return absl::StrCat(r.min());
  return absl::StrCat(r.min(), "-", r.max());
}

std::string Observed(const medius::v1::Evidence& e) {
  if (e.observed_case() == medius::v1::Evidence::kNumber) {
    return absl::StrCat("= ", e.number());
  }
  return e.present() ? "present" : "absent";
}

// "+" raised the probability, "-" lowered it, "=" recorded but not applied.
char Direction(double lr) {
  if (lr > 1) return '+';
  if (lr < 1) return '-';
  return '=';
}

void AppendDisposition(const AssessResponse& r, std::string* out) {
  const auto& d = r.disposition();
  absl::StrAppend(out, "DISPOSITION\n  ", d.statement(), "\n");
  if (!d.missing_screening_findings().empty()) {
    absl::StrAppend(out, "  Screening questions not asked: ",
                    absl::StrJoin(d.missing_screening_findings(), ", "), "\n");
  }
  absl::StrAppend(out, "\n");
}

void AppendRedFlags(const AssessResponse& r, std::string* out) {
  absl::StrAppend(out, "RED FLAGS\n");
  if (r.red_flags().empty()) {
    absl::StrAppend(out, "  None raised by the findings recorded.\n");
    return;
  }
  for (const auto& flag : r.red_flags()) {
    absl::StrAppend(out, "  !! ", UrgencyName(flag.urgency()), ": ",
                    flag.display_name(), "  -> ",
                    DestinationName(flag.refer_to()), "\n");
    absl::StrAppend(out, "     Do now:       ", flag.action(), "\n");
    absl::StrAppend(out, "     Why:          ", flag.rationale(), "\n");
    absl::StrAppend(out, "     Triggered by: ",
                    absl::StrJoin(flag.triggered_by(), ", "), "\n");
    if (!flag.trigger_id().empty()) {
      absl::StrAppend(out, "     Rule:         ", flag.trigger_id(),
                      flag.tier() == medius::v1::RED_FLAG_TIER_SCREEN
                          ? " (single-feature screen)"
                      : flag.tier() == medius::v1::RED_FLAG_TIER_ESCALATION
                          ? " (escalation)"
                          : "",
                      "\n");
    }
    absl::StrAppend(
        out, "     Source:       ", absl::StrJoin(flag.sources(), "; "), "\n");
  }
}

void AppendDifferential(const AssessResponse& r, std::string* out) {
  absl::StrAppend(out,
                  "\nDIFFERENTIAL (each condition's own probability; "
                  "conditions can co-exist; the protocol still follows this "
                  "ranking)\n");
  int rank = 0;
  for (const auto& entry : r.differential()) {
    absl::StrAppend(
        out,
        absl::StrFormat(
            "  %d. %-40s %4s   (prior %s%s)\n", ++rank, entry.display_name(),
            Percent(entry.probability()), Percent(entry.prior_probability()),
            entry.prior_expert_opinion() ? ", expert opinion" : ""));
    for (const auto& e : entry.evidence()) {
      absl::StrAppend(
          out, absl::StrFormat(
                   "       %c %-38s %-8s LR %-6s %s%s\n",
                   Direction(e.likelihood_ratio()), e.display_name(),
                   Observed(e), absl::StrFormat("%.2f", e.likelihood_ratio()),
                   e.expert_opinion() ? "[expert opinion] " : "", e.source()));
      if (!e.note().empty()) {
        absl::StrAppend(out, "           (", e.note(), ")\n");
      }
    }
  }
}

// Where the pain comes from: the normalised primary-source ranking, its
// confidence, the qualifiers (tear, bursal involvement) within GTPS, and
// likely co-existing contributors.
void AppendPrimarySource(const AssessResponse& r, std::string* out) {
  if (!r.has_primary_source()) return;
  const auto& p = r.primary_source();
  absl::StrAppend(out,
                  "\nWHERE THE PAIN IS COMING FROM (one distribution; sums to "
                  "100%; presentation: ",
                  p.presentation(), ")\n");
  if (p.low_confidence()) {
    absl::StrAppend(out, "  ?? LOW CONFIDENCE: ", p.confidence_note(), "\n");
  }
  int rank = 0;
  for (const auto& s : p.sources()) {
    absl::StrAppend(out,
                    absl::StrFormat("  %d. %-40s %4s   (prior %s)\n", ++rank,
                                    s.display_name(), Percent(s.probability()),
                                    Percent(s.prior_probability())));
    if (rank > 1) continue;  // the evidence of the leading source
    for (const auto& e : s.evidence()) {
      // References by id and evidence level; the full text is in the API.
      std::vector<std::string> refs;
      for (const auto& c : e.citations()) {
        refs.push_back(absl::StrCat(c.reference_id(), " (level ",
                                    c.evidence_level(), ")"));
      }
      absl::StrAppend(
          out, absl::StrFormat(
                   "       %c %-38s %-8s LR %-6s %s%s\n",
                   Direction(e.likelihood_ratio()), e.display_name(),
                   Observed(e), absl::StrFormat("%.2f", e.likelihood_ratio()),
                   e.expert_opinion() ? "[expert opinion] " : "",
                   refs.empty() ? e.source() : absl::StrJoin(refs, ", ")));
    }
  }
  for (const auto& q : p.qualifiers()) {
    absl::StrAppend(out, "  Within ", q.of_source(), ": ", q.display_name(),
                    " ", Percent(q.probability_given_source()), " (overall ",
                    Percent(q.probability()), ")\n");
  }
  // Contributors the findings made more likely than their base rate and
  // at least even: the ones worth managing alongside.
  for (const auto& c : p.contributors()) {
    if (c.probability() < 0.5 || c.probability() <= c.prior_probability()) {
      continue;
    }
    absl::StrAppend(out, "  May also contribute: ", c.display_name(), " ",
                    Percent(c.probability()), " (base rate alongside ",
                    c.with_source(), " ", Percent(c.prior_probability()),
                    ")\n");
  }
}

void AppendNextTests(const AssessResponse& r, std::string* out) {
  if (r.next_tests().empty()) return;
  absl::StrAppend(out, "\nNEXT TESTS (most useful first)\n");
  int rank = 0;
  for (const auto& t : r.next_tests()) {
    absl::StrAppend(out, "  ", ++rank, ". ", t.display_name(), " [",
                    t.finding_code(), "]\n     How: ", t.how_to(),
                    "\n     Why: ", t.reason(), "\n");
  }
}

void AppendProtocol(const AssessResponse& r, std::string* out) {
  const auto& p = r.protocol();
  absl::StrAppend(out, "\nEXERCISE PROTOCOL\n");
  if (p.status() != medius::v1::PROTOCOL_STATUS_RECOMMENDED) {
    absl::StrAppend(out, "  ", p.reason(), "\n");
    // Interim: the education and relative-rest advice is all there is.
    for (const std::string& a : p.advice()) {
      absl::StrAppend(out, "  - ", a, "\n");
    }
    return;
  }
  absl::StrAppend(out, "  ", p.display_name(), "\n  ", p.summary(),
                  "\n  Source: ", p.source(), "\n");
  if (!p.start_reason().empty()) {
    absl::StrAppend(out, "  Start: ", p.start_reason(), "\n");
  }
  for (const auto& phase : p.phases()) {
    absl::StrAppend(out, "\n  Phase: ", phase.name());
    if (!phase.typical_duration().empty()) {
      absl::StrAppend(out, " (", phase.typical_duration(), ")");
    }
    absl::StrAppend(out, "\n");
    if (!phase.goal().empty())
      absl::StrAppend(out, "    Goal: ", phase.goal(), "\n");
    if (!phase.entry_criteria().empty()) {
      absl::StrAppend(out, "    Start when: ", phase.entry_criteria(), "\n");
    }
    if (!phase.progression_criteria().empty()) {
      absl::StrAppend(out, "    Progress when: ", phase.progression_criteria(),
                      "\n");
    }
    for (const auto& x : phase.exercises()) {
      absl::StrAppend(out, "    - ", x.display_name(), ": ",
                      FormatDosage(x.dosage()), "  [",
                      x.dosage_expert_opinion() ? "expert opinion: " : "",
                      x.dosage_source(), "]\n");
    }
  }
  if (!p.targeted_exercises().empty()) {
    absl::StrAppend(out, "\n  Added for contributing factors:\n");
    for (const auto& x : p.targeted_exercises()) {
      absl::StrAppend(out, "    - ", x.display_name(), ": ",
                      FormatDosage(x.dosage()), "\n      Why: ", x.reason(),
                      "\n");
    }
  }
  if (!p.excluded().empty()) {
    absl::StrAppend(out, "\n  Left out (contraindicated):\n");
    for (const auto& x : p.excluded()) {
      absl::StrAppend(out, "    - ", x.exercise_code(), " (",
                      x.condition_code(), "): ", x.reason(), "\n");
    }
  }
  if (!p.advice().empty()) {
    absl::StrAppend(out, "\n  Advice:\n");
    for (const auto& a : p.advice()) absl::StrAppend(out, "    - ", a, "\n");
  }
  if (!p.review().empty())
    absl::StrAppend(out, "\n  Review: ", p.review(), "\n");
  if (!p.escalation().empty()) {
    absl::StrAppend(out, "  Escalate: ", p.escalation(), "\n");
  }
}

}  // namespace

std::string UrgencyName(medius::v1::Urgency urgency) {
  std::string text = common::UrgencyText(urgency);
  return text.empty() ? "UNSPECIFIED URGENCY" : text;
}

std::string DestinationName(medius::v1::ReferralDestination d) {
  switch (d) {
    case medius::v1::REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT:
      return "Emergency department";
    case medius::v1::REFERRAL_DESTINATION_SPINAL_ON_CALL:
      return "On-call spinal team";
    case medius::v1::REFERRAL_DESTINATION_ORTHOPAEDICS_URGENT:
      return "Urgent orthopaedic / fracture clinic";
    case medius::v1::REFERRAL_DESTINATION_PAEDIATRIC_ORTHOPAEDICS:
      return "Paediatric orthopaedics";
    case medius::v1::REFERRAL_DESTINATION_GP_SAME_DAY:
      return "GP, same day";
    case medius::v1::REFERRAL_DESTINATION_RHEUMATOLOGY:
      return "Rheumatology";
    case medius::v1::REFERRAL_DESTINATION_SUSPECTED_CANCER_PATHWAY:
      return "Suspected-cancer pathway";
    case medius::v1::REFERRAL_DESTINATION_ORTHOPAEDICS_ROUTINE:
      return "Orthopaedic opinion";
    default:
      return "Unspecified destination";
  }
}

std::string FormatDosage(const medius::v1::Dosage& d) {
  std::vector<std::string> parts;
  const bool reps = d.reps().max() > 0;
  const bool hold = d.hold_seconds().max() > 0;
  std::string hold_text =
      absl::StrCat("hold ", RangeText(d.hold_seconds()), " s");
  // "3 x 10 reps", or "3 x hold 30 s" for a hold without reps: sets never
  // dangle ("3 x , hold").
  std::string volume;
  if (reps) {
    volume = absl::StrCat(RangeText(d.reps()),
                          d.each_side() ? " reps each side" : " reps");
  } else if (hold) {
    volume = hold_text;
  }
  if (d.sets().max() > 0) {
    volume = volume.empty() ? absl::StrCat(RangeText(d.sets()), " sets")
                            : absl::StrCat(RangeText(d.sets()), " x ", volume);
  }
  if (!volume.empty()) parts.push_back(volume);
  if (reps && hold) parts.push_back(hold_text);
  for (const std::string* s : {&d.frequency(), &d.effort(), &d.rest()}) {
    if (!s->empty()) parts.push_back(*s);
  }
  if (!d.notes().empty()) parts.push_back(absl::StrCat("(", d.notes(), ")"));
  return absl::StrJoin(parts, ", ");
}

std::string FormatAssessment(const AssessResponse& r) {
  std::string out = absl::StrCat(
      "Medius assessment ", r.assessment_id(), "\nKnowledge base ",
      r.knowledge_base_version(), " (", r.knowledge_base_date(), ")");
  if (!r.encounter_id().empty())
    absl::StrAppend(&out, "   Encounter ", r.encounter_id());
  absl::StrAppend(&out, "\n\n");
  AppendDisposition(r, &out);
  AppendRedFlags(r, &out);
  AppendPrimarySource(r, &out);
  AppendDifferential(r, &out);
  AppendNextTests(r, &out);
  AppendProtocol(r, &out);
  if (!r.notes().empty()) {
    absl::StrAppend(&out, "\nNOTES\n");
    for (const auto& n : r.notes()) absl::StrAppend(&out, "  - ", n, "\n");
  }
  return out;
}

std::string FormatCatalog(const medius::v1::KnowledgeBaseInfo& info) {
  std::string out = absl::StrCat("Medius knowledge base ", info.version(), " (",
                                 info.date(), ")\n", info.description(), "\n");
  absl::StrAppend(&out, "\nFINDINGS (", info.findings_size(), ")\n");
  for (const auto& f : info.findings()) {
    std::string type = f.value_type() == medius::v1::VALUE_TYPE_NUMBER
                           ? absl::StrCat("number ", f.min_value(), "-",
                                          f.max_value(), " ", f.unit())
                           : "yes/no";
    if (f.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
      type = "from patient record";
    }
    absl::StrAppend(&out, absl::StrFormat("  %-36s %-24s %s\n", f.code(), type,
                                          f.display_name()));
  }
  absl::StrAppend(&out, "\nCONDITIONS (", info.conditions_size(), ")\n");
  for (const auto& c : info.conditions()) {
    absl::StrAppend(
        &out, absl::StrFormat("  %-36s %s\n", c.code(), c.display_name()));
  }
  absl::StrAppend(&out, "\nRED FLAGS (", info.red_flags_size(), ")\n");
  for (const auto& r : info.red_flags()) {
    absl::StrAppend(&out, absl::StrFormat("  %-36s %-10s %s\n", r.code(),
                                          UrgencyName(r.highest_urgency()),
                                          r.display_name()));
  }
  absl::StrAppend(&out, "\nEXERCISES (", info.exercises_size(), ")\n");
  for (const auto& e : info.exercises()) {
    absl::StrAppend(
        &out, absl::StrFormat("  %-36s %s\n", e.code(), e.display_name()));
  }
  return out;
}

}  // namespace medius::render
