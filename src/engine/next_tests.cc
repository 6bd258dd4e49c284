#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/assessment_parts.h"

namespace medius::engine {
namespace {

// How many leading conditions a next test is chosen to separate.
constexpr size_t kLeadingConditions = 2;
// A test that moves no leading condition by at least this is not suggested.
constexpr double kMinUsefulChange = 0.01;

struct Outcome {
  Observation observation;
  std::string label;
};

// The distinct results a test could give for `condition`: present/absent
// for a bool finding, one value per band for a number finding.
std::vector<Outcome> PossibleOutcomes(const CompiledKb& kb, int finding,
                                      const CompiledCondition& condition) {
  const auto& def = kb.finding(finding);
  if (def.value_type() == medius::v1::VALUE_TYPE_BOOL) {
    return {{{Observed::kPresent, 0}, "positive"},
            {{Observed::kAbsent, 0}, "negative"}};
  }
  std::vector<Outcome> outcomes;
  for (const CompiledLr& lr : condition.lrs) {
    if (lr.finding != finding) continue;
    for (const CompiledBand& band : lr.bands) {
      double value = std::max(band.lo, def.min_value());
      if (value > def.max_value()) continue;
      outcomes.push_back({{Observed::kNumber, value}, band.def->label()});
    }
  }
  return outcomes;
}

std::string Percent(double p) {
  return absl::StrCat(static_cast<int>(std::lround(p * 100)), "%");
}

struct Candidate {
  int finding = -1;
  double change = 0;
  std::vector<std::string> reasons;
};

}  // namespace

std::vector<medius::v1::SuggestedTest> SuggestNextTests(
    const CompiledKb& kb, const Observations& observations,
    const std::vector<RankedCondition>& ranked) {
  const size_t leading = std::min(kLeadingConditions, ranked.size());
  std::set<int> findings;  // ordered: deterministic iteration
  for (size_t i = 0; i < leading; ++i) {
    for (const CompiledLr& lr : ranked[i].condition->lrs) {
      const auto& def = kb.finding(lr.finding);
      if (observations[lr.finding].state == Observed::kUnassessed &&
          def.patient_context() == medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
        findings.insert(lr.finding);
      }
    }
  }

  Observations scratch = observations;
  std::vector<Candidate> candidates;
  for (int finding : findings) {
    Candidate candidate{finding, 0, {}};
    for (size_t i = 0; i < leading; ++i) {
      const CompiledCondition& condition = *ranked[i].condition;
      const Outcome* high = nullptr;
      const Outcome* low = nullptr;
      double p_high = 0, p_low = 1;
      std::vector<Outcome> outcomes = PossibleOutcomes(kb, finding, condition);
      for (const Outcome& outcome : outcomes) {
        scratch[finding] = outcome.observation;
        double p = ScoreCondition(kb, condition, scratch).probability;
        if (high == nullptr || p > p_high) high = &outcome, p_high = p;
        if (low == nullptr || p < p_low) low = &outcome, p_low = p;
      }
      scratch[finding] = observations[finding];
      if (high == nullptr || p_high - p_low < kMinUsefulChange) continue;
      candidate.change += p_high - p_low;
      candidate.reasons.push_back(absl::StrCat(
          condition.def->display_name(), " ",
          Percent(ranked[i].score.probability), " now: ", high->label, " -> ",
          Percent(p_high), ", ", low->label, " -> ", Percent(p_low)));
    }
    if (candidate.change >= kMinUsefulChange) {
      candidates.push_back(std::move(candidate));
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [&kb](const Candidate& a, const Candidate& b) {
              if (a.change != b.change) return a.change > b.change;
              return kb.finding(a.finding).code() <
                     kb.finding(b.finding).code();
            });
  size_t count =
      std::min<size_t>(candidates.size(), kb.kb.settings().next_tests_count());
  std::vector<medius::v1::SuggestedTest> tests;
  for (size_t i = 0; i < count; ++i) {
    const auto& def = kb.finding(candidates[i].finding);
    medius::v1::SuggestedTest& test = tests.emplace_back();
    test.set_finding_code(def.code());
    test.set_display_name(def.display_name());
    test.set_how_to(def.description());
    test.set_reason(absl::StrJoin(candidates[i].reasons, "; "));
    test.set_expected_change(candidates[i].change);
  }
  return tests;
}

}  // namespace medius::engine
