#include "render/report.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/urgency_text.h"
#include "render/text_wrap.h"

namespace medius::render {
namespace {

using medius::v1::AssessResponse;

// The report being written: its options and the output.
struct Writer {
  const ReportOptions& options;
  std::string out;

  // One paragraph: `first` then `text`, continued under `hang`.
  void Line(absl::string_view first, absl::string_view text,
            absl::string_view hang = "      ") {
    AppendWrapped(first, hang, text, options.width, &out);
  }
  void Heading(absl::string_view title) {
    absl::StrAppend(&out, "\n", title, "\n");
  }

  std::string FindingName(const std::string& code) const {
    if (options.catalog != nullptr) {
      for (const auto& f : options.catalog->findings()) {
        if (f.code() == code) return f.display_name();
      }
    }
    return code;
  }
  std::string ExerciseName(const std::string& code) const {
    if (options.catalog != nullptr) {
      for (const auto& e : options.catalog->exercises()) {
        if (e.code() == code) return e.display_name();
      }
    }
    return code;
  }
  std::string ConditionName(const std::string& code) const {
    if (options.catalog != nullptr) {
      for (const auto& c : options.catalog->conditions()) {
        if (c.code() == code) return c.display_name();
      }
    }
    return code;
  }
};

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

// "nice_cg124 (level 2)"; a level of "expert" is expert opinion.
std::string LevelText(const std::string& id, const std::string& level) {
  if (level.empty()) return id;
  if (level == "expert") return absl::StrCat(id, " (expert opinion)");
  return absl::StrCat(id, " (level ", level, ")");
}

// Where an evidence line's figure comes from: each reference by id with its
// evidence level (the full text is under REFERENCES, once), or the source
// text when there are no citations; expert opinion said once.
std::string EvidenceSource(const medius::v1::Evidence& e) {
  // Two references with their levels, then how many more (REFERENCES has
  // them all): a line's source should not outgrow the finding.
  std::vector<std::string> refs;
  for (const auto& c : e.citations()) {
    if (refs.size() == 2) {
      refs.back() += absl::StrCat(" +", e.citations_size() - 2, " more");
      break;
    }
    refs.push_back(LevelText(c.reference_id(), c.evidence_level()));
  }
  std::string text = refs.empty() ? e.source() : absl::StrJoin(refs, ", ");
  if (e.expert_opinion() &&
      !absl::StartsWithIgnoreCase(text, "expert opinion")) {
    text = text.empty() ? "expert opinion" : "expert opinion; " + text;
  }
  return text;
}

void AppendEvidence(Writer& w, const medius::v1::Evidence& e) {
  std::string name = e.display_name();
  if (name.size() > 40) name = name.substr(0, 39) + "~";
  w.Line(absl::StrFormat("       %c %-40s %-8s LR %-6s ",
                         Direction(e.likelihood_ratio()), name, Observed(e),
                         absl::StrFormat("%.2f", e.likelihood_ratio())),
         EvidenceSource(e), "           ");
  if (!e.note().empty()) {
    w.Line("           (", absl::StrCat(e.note(), ")"), "            ");
  }
}

// The findings that moved a probability most (|ln LR|), at most `max`,
// strongest first; then how many more there were.
void AppendStrongestEvidence(
    Writer& w,
    const google::protobuf::RepeatedPtrField<medius::v1::Evidence>& evidence,
    size_t max) {
  std::vector<const medius::v1::Evidence*> order;
  for (const auto& e : evidence) order.push_back(&e);
  std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) {
    return std::fabs(std::log(a->likelihood_ratio())) >
           std::fabs(std::log(b->likelihood_ratio()));
  });
  for (size_t i = 0; i < order.size() && i < max; ++i) {
    AppendEvidence(w, *order[i]);
  }
  if (order.size() > max) {
    w.Line("         ",
           absl::StrCat("... and ", order.size() - max,
                        " more findings with smaller effects (all of them: "
                        "--format=json)"),
           "           ");
  }
}

// The leading conditions for the summary: the pain-source ranking when
// there is one (a single distribution), else the differential.
void AppendSummary(Writer& w, const AssessResponse& r) {
  const std::string hang(16, ' ');
  absl::StrAppend(&w.out, "SUMMARY\n");
  w.Line("  Disposition:  ", r.disposition().statement(), hang);
  if (r.red_flags().empty()) {
    w.Line("  Red flags:    ", "none raised by the findings recorded", hang);
  }
  for (int i = 0; i < r.red_flags_size(); ++i) {
    const auto& flag = r.red_flags(i);
    w.Line(i == 0 ? "  Red flags:    " : hang,
           absl::StrCat("!! ", UrgencyName(flag.urgency()), ": ",
                        flag.display_name(), " -> ",
                        DestinationName(flag.refer_to())),
           hang + "   ");
  }
  int rank = 0;
  auto leading = [&](const std::string& name, double p) {
    if (rank == 3) return;
    ++rank;
    // The percentage before the name keeps the three aligned.
    w.Line(absl::StrFormat("%s%d. %6s  ", rank == 1 ? "  Most likely:  " : hang,
                           rank, PercentOneDecimal(p)),
           name, hang + std::string(11, ' '));
  };
  if (r.has_primary_source() && !r.primary_source().sources().empty()) {
    for (const auto& s : r.primary_source().sources()) {
      leading(s.display_name(), s.probability());
    }
  } else {
    for (const auto& d : r.differential()) {
      leading(d.display_name(), d.probability());
    }
  }
  if (r.primary_source().low_confidence()) {
    w.Line("  Confidence:   ",
           absl::StrCat("LOW. ", r.primary_source().confidence_note()), hang);
  }
  std::vector<std::string> next;
  for (const auto& t : r.next_tests()) {
    if (next.size() == 3) break;
    next.push_back(t.display_name());
  }
  if (!next.empty()) {
    w.Line("  Do next:      ", absl::StrJoin(next, "; "), hang);
  }
  const auto& p = r.protocol();
  if (p.status() == medius::v1::PROTOCOL_STATUS_RECOMMENDED) {
    std::string start;
    if (p.start_phase() < static_cast<uint32_t>(p.phases_size())) {
      start = absl::StrCat(", starting at \"",
                           p.phases(static_cast<int>(p.start_phase())).name(),
                           "\"");
    }
    w.Line("  Exercise:     ", absl::StrCat(p.display_name(), start), hang);
  } else {
    w.Line("  Exercise:     ", absl::StrCat("none to start. ", p.reason()),
           hang);
  }
  std::vector<std::string> asked;
  for (const auto& code : r.disposition().missing_screening_findings()) {
    asked.push_back(w.FindingName(code));
  }
  if (!asked.empty()) {
    w.Line("  Not asked:    ",
           absl::StrCat("screening questions ", absl::StrJoin(asked, "; ")),
           hang);
  }
}

void AppendRedFlags(Writer& w, const AssessResponse& r) {
  if (r.red_flags().empty()) return;  // said in the summary
  w.Heading("RED FLAGS");
  const std::string hang(19, ' ');
  for (const auto& flag : r.red_flags()) {
    w.Line("  !! ",
           absl::StrCat(UrgencyName(flag.urgency()), ": ", flag.display_name(),
                        " -> ", DestinationName(flag.refer_to())),
           "     ");
    if (!flag.action().empty())
      w.Line("     Do now:       ", flag.action(), hang);
    if (!flag.rationale().empty())
      w.Line("     Why:          ", flag.rationale(), hang);
    std::vector<std::string> by;
    for (const auto& code : flag.triggered_by())
      by.push_back(w.FindingName(code));
    w.Line("     Triggered by: ", absl::StrJoin(by, "; "), hang);
    if (!flag.trigger_id().empty()) {
      w.Line("     Rule:         ",
             absl::StrCat(flag.trigger_id(),
                          flag.tier() == medius::v1::RED_FLAG_TIER_SCREEN
                              ? " (single-feature screen)"
                          : flag.tier() == medius::v1::RED_FLAG_TIER_ESCALATION
                              ? " (escalation)"
                              : ""),
             hang);
    }
    if (!flag.sources().empty()) {
      w.Line("     Source:       ", absl::StrJoin(flag.sources(), "; "), hang);
    }
  }
}

// Where the pain comes from: the normalised primary-source ranking, its
// confidence, the qualifiers (tear, bursal involvement) within GTPS, and
// likely co-existing contributors.
void AppendPrimarySource(Writer& w, const AssessResponse& r) {
  if (!r.has_primary_source()) return;
  const auto& p = r.primary_source();
  w.Heading(absl::StrCat(
      "WHERE THE PAIN IS COMING FROM (one distribution, sums to 100%; "
      "presentation: ",
      p.presentation(), ")"));
  if (p.low_confidence()) {
    w.Line("  ?? LOW CONFIDENCE: ", p.confidence_note(), "     ");
  }
  int rank = 0;
  for (const auto& s : p.sources()) {
    w.Line(absl::StrFormat("  %d. %-44s %6s   (prior %s)", ++rank,
                           s.display_name(), Percent(s.probability()),
                           Percent(s.prior_probability())),
           "");
    if (rank > 1) continue;  // the evidence of the leading source
    AppendStrongestEvidence(w, s.evidence(), 8);
  }
  for (const auto& q : p.qualifiers()) {
    w.Line("  Within ",
           absl::StrCat(q.of_source(), ": ", q.display_name(), " ",
                        Percent(q.probability_given_source()), " (overall ",
                        Percent(q.probability()), ")"),
           "    ");
  }
  // Contributors the findings made more likely than their base rate and
  // at least even: the ones worth managing alongside.
  for (const auto& c : p.contributors()) {
    if (c.probability() < 0.5 || c.probability() <= c.prior_probability()) {
      continue;
    }
    w.Line("  May also contribute: ",
           absl::StrCat(c.display_name(), " ", Percent(c.probability()),
                        " (base rate alongside ", c.with_source(), " ",
                        Percent(c.prior_probability()), ")"),
           "    ");
  }
}

void AppendDifferential(Writer& w, const AssessResponse& r) {
  w.Heading(
      "DIFFERENTIAL (each condition's own probability; conditions can "
      "co-exist)");
  int rank = 0;
  for (const auto& entry : r.differential()) {
    w.Line(absl::StrFormat(
               "  %d. %-44s %6s   (prior %s%s)", ++rank, entry.display_name(),
               Percent(entry.probability()), Percent(entry.prior_probability()),
               entry.prior_expert_opinion() ? ", expert opinion" : ""),
           "");
    // Evidence for the three leading conditions, the strongest of it.
    if (rank <= 3) AppendStrongestEvidence(w, entry.evidence(), 4);
  }
}

void AppendNextTests(Writer& w, const AssessResponse& r) {
  if (r.next_tests().empty()) return;
  w.Heading("NEXT TESTS (most useful first)");
  int rank = 0;
  for (const auto& t : r.next_tests()) {
    w.Line(absl::StrCat("  ", ++rank, ". "), t.display_name(), "     ");
    if (!t.how_to().empty()) w.Line("     How: ", t.how_to(), "          ");
    if (!t.reason().empty()) w.Line("     Why: ", t.reason(), "          ");
  }
}

void AppendExercise(Writer& w, const medius::v1::PrescribedExercise& x) {
  w.Line("    - ",
         absl::StrCat(x.display_name(), ": ", FormatDosage(x.dosage())),
         "      ");
}

void AppendProtocol(Writer& w, const AssessResponse& r) {
  const auto& p = r.protocol();
  w.Heading("EXERCISE PROTOCOL");
  if (p.status() != medius::v1::PROTOCOL_STATUS_RECOMMENDED) {
    w.Line("  ", p.reason(), "  ");
    // Interim: the education and relative-rest advice is all there is.
    for (const std::string& a : p.advice()) w.Line("  - ", a, "    ");
    return;
  }
  w.Line("  ", p.display_name(), "  ");
  w.Line("  ", p.summary(), "  ");
  w.Line("  Source: ", p.source(), "    ");
  if (!p.start_reason().empty()) w.Line("  Start: ", p.start_reason(), "    ");
  for (const auto& phase : p.phases()) {
    w.Line(
        "\n  Phase: ",
        phase.typical_duration().empty()
            ? phase.name()
            : absl::StrCat(phase.name(), " (", phase.typical_duration(), ")"),
        "    ");
    if (!phase.goal().empty()) w.Line("    Goal: ", phase.goal(), "      ");
    if (!phase.entry_criteria().empty()) {
      w.Line("    Start when: ", phase.entry_criteria(), "      ");
    }
    if (!phase.progression_criteria().empty()) {
      w.Line("    Progress when: ", phase.progression_criteria(), "      ");
    }
    // Each dosage source once per phase, as a letter on its exercises.
    std::vector<std::string> sources;
    for (const auto& x : phase.exercises()) {
      std::string source = x.dosage_source();
      if (x.dosage_expert_opinion() &&
          !absl::StartsWithIgnoreCase(source, "expert opinion")) {
        source = "expert opinion: " + source;
      }
      auto at = std::find(sources.begin(), sources.end(), source);
      if (at == sources.end()) at = sources.insert(sources.end(), source);
      const char letter = static_cast<char>('a' + (at - sources.begin()) % 26);
      w.Line("    - ",
             absl::StrCat(x.display_name(), ": ", FormatDosage(x.dosage()),
                          " [", std::string(1, letter), "]"),
             "      ");
    }
    for (size_t i = 0; i < sources.size(); ++i) {
      w.Line(
          absl::StrCat(i == 0 ? "    Dosage from: [" : "                 [",
                       std::string(1, static_cast<char>('a' + i % 26)), "] "),
          sources[i], std::string(21, ' '));
    }
  }
  if (!p.targeted_exercises().empty()) {
    absl::StrAppend(&w.out, "\n  Added for contributing factors:\n");
    for (const auto& x : p.targeted_exercises()) {
      AppendExercise(w, x);
      w.Line("      Why: ", x.reason(), "        ");
    }
  }
  if (!p.excluded().empty()) {
    absl::StrAppend(&w.out, "\n  Left out (contraindicated):\n");
    for (const auto& x : p.excluded()) {
      w.Line(
          "    - ",
          absl::StrCat(w.ExerciseName(x.exercise_code()), " (",
                       w.ConditionName(x.condition_code()), "): ", x.reason()),
          "      ");
    }
  }
  if (!p.advice().empty()) {
    absl::StrAppend(&w.out, "\n  Advice:\n");
    for (const auto& a : p.advice()) w.Line("    - ", a, "      ");
  }
  if (!p.review().empty()) w.Line("\n  Review: ", p.review(), "    ");
  if (!p.escalation().empty()) w.Line("  Escalate: ", p.escalation(), "    ");
}

void AppendReferences(Writer& w, const AssessResponse& r) {
  if (r.cited_references().empty()) return;
  w.Heading("REFERENCES");
  for (const auto& c : r.cited_references()) {
    w.Line(absl::StrCat("  ", c.reference_id(), ": "),
           c.evidence_level().empty() ? c.text()
           : c.evidence_level() == "expert"
               ? absl::StrCat(c.text(), " [expert opinion]")
               : absl::StrCat(c.text(), " [level ", c.evidence_level(), "]"),
           "      ");
  }
}

std::string PercentWith(double p, bool one_decimal) {
  if (!(p > 0)) return "0%";
  if (p >= 1) return "100%";
  const double v = p * 100;
  if (v < 0.05) return "<0.1%";
  if (v >= 99.95) return ">99.9%";
  if (one_decimal || v < 1 || v >= 99) return absl::StrFormat("%.1f%%", v);
  return absl::StrCat(static_cast<int>(std::lround(v)), "%");
}

}  // namespace

std::string Percent(double p) { return PercentWith(p, false); }
std::string PercentOneDecimal(double p) { return PercentWith(p, true); }

std::string UrgencyName(medius::v1::Urgency urgency) {
  std::string text = common::UrgencyText(urgency);
  if (!text.empty()) return text;
  if (urgency == medius::v1::URGENCY_UNSPECIFIED) return "UNSPECIFIED URGENCY";
  // Newer than this build: never read as routine.
  return absl::StrCat("URGENT (urgency ", static_cast<int>(urgency),
                      " unknown to this client)");
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
    case medius::v1::REFERRAL_DESTINATION_GP_SOON:
      return "GP, within days";
    case medius::v1::REFERRAL_DESTINATION_RHEUMATOLOGY:
      return "Rheumatology";
    case medius::v1::REFERRAL_DESTINATION_SUSPECTED_CANCER_PATHWAY:
      return "Suspected-cancer pathway";
    case medius::v1::REFERRAL_DESTINATION_ORTHOPAEDICS_ROUTINE:
      return "Orthopaedic opinion";
    default:
      return "see the action";
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
  std::string text = absl::StrJoin(parts, ", ");
  if (!d.notes().empty()) absl::StrAppend(&text, " (", d.notes(), ")");
  return text;
}

std::string FormatAssessment(const AssessResponse& r,
                             const ReportOptions& options) {
  Writer w{options, {}};
  std::string title = absl::StrCat("Medius assessment ", r.assessment_id());
  if (!r.encounter_id().empty()) {
    absl::StrAppend(&title, ", encounter ", r.encounter_id());
  }
  w.Line("", title, "  ");
  w.Line("",
         absl::StrCat("Knowledge base ", r.knowledge_base_version(), " (",
                      r.knowledge_base_date(), ")"),
         "  ");
  absl::StrAppend(&w.out, "\n");
  AppendSummary(w, r);
  AppendRedFlags(w, r);
  AppendPrimarySource(w, r);
  AppendDifferential(w, r);
  AppendNextTests(w, r);
  AppendProtocol(w, r);
  if (!r.notes().empty()) {
    w.Heading("NOTES");
    for (const auto& n : r.notes()) w.Line("  - ", n, "    ");
  }
  AppendReferences(w, r);
  return w.out;
}

std::string FormatCatalog(const medius::v1::KnowledgeBaseInfo& info) {
  std::string out = absl::StrCat("Medius knowledge base ", info.version(), " (",
                                 info.date(), ")\n");
  AppendWrapped("", "", info.description(), 100, &out);
  absl::StrAppend(&out, "\nFINDINGS (", info.findings_size(), ")\n");
  for (const auto& f : info.findings()) {
    std::string scale = absl::StrCat(f.min_value(), "-", f.max_value());
    std::string type =
        f.value_type() == medius::v1::VALUE_TYPE_NUMBER
            ? absl::StrCat("number ", scale,
                           f.unit() == scale ? "" : " " + f.unit())
            : "yes/no";
    if (f.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
      type = "from patient record";
    }
    AppendWrapped(absl::StrFormat("  %-36s %-24s ", f.code(), type),
                  std::string(64, ' '), f.display_name(), 100, &out);
  }
  absl::StrAppend(&out, "\nCONDITIONS (", info.conditions_size(), ")\n");
  for (const auto& c : info.conditions()) {
    AppendWrapped(absl::StrFormat("  %-36s ", c.code()), std::string(39, ' '),
                  c.display_name(), 100, &out);
  }
  absl::StrAppend(&out, "\nRED FLAGS (", info.red_flags_size(), ")\n");
  for (const auto& r : info.red_flags()) {
    AppendWrapped(absl::StrFormat("  %-36s %-10s ", r.code(),
                                  UrgencyName(r.highest_urgency())),
                  std::string(50, ' '), r.display_name(), 100, &out);
  }
  absl::StrAppend(&out, "\nEXERCISES (", info.exercises_size(), ")\n");
  for (const auto& e : info.exercises()) {
    AppendWrapped(absl::StrFormat("  %-36s ", e.code()), std::string(39, ' '),
                  e.display_name(), 100, &out);
  }
  return out;
}

}  // namespace medius::render
