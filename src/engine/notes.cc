#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/plural.h"
#include "engine/assessment_parts.h"
#include "engine/source_text.h"

namespace medius::engine {

int CountAssessed(const CompiledKb& kb, const Observations& observations) {
  int count = 0;
  for (size_t i = 0; i < observations.size(); ++i) {
    if (observations[i].state != Observed::kUnassessed &&
        kb.finding(static_cast<int>(i)).patient_context() ==
            medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
      ++count;
    }
  }
  return count;
}

std::vector<std::string> BuildNotes(
    const CompiledKb& kb, const Observations& observations,
    const std::vector<RankedCondition>& ranked,
    const std::vector<medius::v1::RedFlag>& red_flags,
    const std::vector<medius::v1::SuggestedTest>& next_tests,
    const medius::v1::Disposition& disposition) {
  std::vector<std::string> notes;
  const auto& settings = kb.kb.settings();
  if (!disposition.missing_screening_findings().empty()) {
    std::vector<std::string> questions;
    for (const std::string& code : disposition.missing_screening_findings()) {
      questions.push_back(kb.finding(kb.finding_index.at(code)).display_name());
    }
    // Machine-readable prefix: integrators can detect it.
    notes.push_back(absl::StrCat(
        "red_flag_screen_incomplete: not asked: ",
        absl::StrJoin(questions, "; "),
        ". Not asked is not 'no': ask them before ruling out serious "
        "pathology."));
  }
  if (!red_flags.empty()) {
    notes.push_back(absl::StrCat(
        common::Counted(red_flags.size(), "red flag"), " raised: act on ",
        red_flags.size() == 1 ? "the referral" : "the referrals",
        " before treating the differential."));
  }
  const int assessed = CountAssessed(kb, observations);
  if (assessed < static_cast<int>(settings.min_findings_for_confidence())) {
    notes.push_back(absl::StrCat(
        "Only ", common::Counted(assessed, "finding"), " assessed (fewer than ",
        settings.min_findings_for_confidence(),
        "): low confidence; the probabilities are close to the priors."));
  }
  std::vector<std::string> tests;
  for (const auto& t : next_tests) tests.push_back(t.display_name());
  const std::string see_tests =
      tests.empty()
          ? ""
          : absl::StrCat(" Most useful next: ", absl::StrJoin(tests, "; "),
                         ".");
  if (ranked.empty()) return notes;
  const RankedCondition& first = ranked[0];
  if (first.score.probability < settings.protocol_min_probability()) {
    notes.push_back(absl::StrCat("No condition is likely yet (highest: ",
                                 first.condition->def->display_name(), " ",
                                 Percent(first.score.probability), ").",
                                 see_tests));
  } else if (ranked.size() > 1 &&
             first.score.probability - ranked[1].score.probability <
                 settings.separation_margin()) {
    const RankedCondition& second = ranked[1];
    notes.push_back(absl::StrCat(
        first.condition->def->display_name(), " (",
        Percent(first.score.probability), ") and ",
        second.condition->def->display_name(), " (",
        Percent(second.score.probability),
        ") are not yet separated by the findings recorded; they may "
        "co-exist.",
        see_tests));
  }
  return notes;
}

}  // namespace medius::engine
