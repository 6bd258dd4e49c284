// Next tests by expected information gain about the two leading conditions.
//
// For one condition with current probability p, a test's possible results
// give post-test probabilities; we take the highest (p_hi) and lowest (p_lo).
// Bayes consistency (p = q p_hi + (1 - q) p_lo) gives q, the chance of the
// "high" result implied by the model itself, so no extra prevalence data is
// needed. When the knowledge base gives a likelihood ratio for only one
// direction, p sits at an end of [p_lo, p_hi] and q is undefined; we then
// assume an even chance (q = 0.5), which is stated in the reason.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/assessment_parts.h"
#include "engine/source_text.h"

namespace medius::engine {
namespace {

// How many leading conditions a next test is chosen to separate.
constexpr size_t kLeadingConditions = 2;
// A test expected to move the leading conditions by less than this (summed
// absolute probability) is not worth suggesting.
constexpr double kMinUsefulChange = 0.01;

struct Outcome {
  Observation observation;
  const std::string* label = nullptr;  // points into the knowledge base
};

// A std::vector, not an InlinedVector: GCC 12 at -O3 reports a false
// maybe-uninitialized inside absl::InlinedVector here, and this per-condition
// path no longer runs when the knowledge base has a primary-source model.
using Outcomes = std::vector<Outcome>;

// The distinct results a test could give for `condition`: positive and
// negative for a bool finding, one value per band for a number finding.
void PossibleOutcomes(const CompiledKb& kb, int finding,
                      const CompiledCondition& condition, Outcomes* outcomes) {
  static const std::string* const kPositive = new std::string("positive");
  static const std::string* const kNegative = new std::string("negative");
  const auto& def = kb.finding(finding);
  if (def.value_type() == medius::v1::VALUE_TYPE_BOOL) {
    outcomes->push_back({{Observed::kPresent, 0}, kPositive});
    outcomes->push_back({{Observed::kAbsent, 0}, kNegative});
    return;
  }
  for (const CompiledLr& lr : condition.lrs) {
    if (lr.finding != finding) continue;
    for (const CompiledBand& band : lr.bands) {
      double value = std::max(band.lo, def.min_value());
      if (value > def.max_value()) continue;
      outcomes->push_back({{Observed::kNumber, value}, &band.def->label()});
    }
  }
}

double Entropy(double p) {
  if (p <= 0 || p >= 1) return 0;
  return -(p * std::log2(p) + (1 - p) * std::log2(1 - p));
}

// What a test would do to one leading condition. Kept as numbers, and
// worded only for the few tests that are returned.
struct Effect {
  const CompiledCondition* condition = nullptr;
  double p = 0, p_hi = 0, p_lo = 0, q = 0;
  bool consistent = false;
  const std::string* high = nullptr;
  const std::string* low = nullptr;
};

struct Candidate {
  int finding = -1;
  double information_gain = 0;
  double expected_change = 0;
  std::array<Effect, kLeadingConditions> effects;
  size_t effect_count = 0;
};

std::string Reason(const Effect& e) {
  return absl::StrCat(
      e.condition->def->display_name(), " ", Percent(e.p), " now: ", *e.high,
      " -> ", Percent(e.p_hi), ", ", *e.low, " -> ", Percent(e.p_lo),
      e.consistent ? absl::StrCat(" (", *e.high, " expected in about ",
                                  Percent(e.q), ")")
                   : " (chance of each result unknown; assumed even)");
}

std::string Reasons(const Candidate& candidate) {
  std::vector<std::string> reasons;
  for (size_t i = 0; i < candidate.effect_count; ++i) {
    reasons.push_back(Reason(candidate.effects[i]));
  }
  return absl::StrJoin(reasons, "; ");
}

// Adds what `finding` is expected to tell about one leading condition.
void Evaluate(const CompiledKb& kb, const RankedCondition& ranked, int finding,
              const Observations& observations, Observations& scratch,
              Candidate& candidate) {
  const CompiledCondition& condition = *ranked.condition;
  const double p = ranked.score.probability;
  Outcomes outcomes;
  PossibleOutcomes(kb, finding, condition, &outcomes);
  const Outcome* high = nullptr;
  const Outcome* low = nullptr;
  double p_hi = 0, p_lo = 1;
  for (const Outcome& outcome : outcomes) {
    scratch[finding] = outcome.observation;
    double post = Probability(ScoreLogOdds(kb, condition, scratch));
    if (high == nullptr || post > p_hi) high = &outcome, p_hi = post;
    if (low == nullptr || post < p_lo) low = &outcome, p_lo = post;
  }
  scratch[finding] = observations[finding];
  if (high == nullptr || p_hi - p_lo < kMinUsefulChange) return;

  const double margin = 1e-9 * (p_hi - p_lo);
  const bool consistent = p > p_lo + margin && p < p_hi - margin;
  const double q = consistent ? (p - p_lo) / (p_hi - p_lo) : 0.5;
  candidate.information_gain +=
      std::max(0.0, Entropy(p) - q * Entropy(p_hi) - (1 - q) * Entropy(p_lo));
  candidate.expected_change +=
      q * std::fabs(p_hi - p) + (1 - q) * std::fabs(p - p_lo);
  candidate.effects[candidate.effect_count++] = {
      &condition, p, p_hi, p_lo, q, consistent, high->label, low->label};
}

}  // namespace

std::vector<medius::v1::SuggestedTest> SuggestNextTests(
    const CompiledKb& kb, const Observations& observations,
    const std::vector<RankedCondition>& ranked) {
  const size_t leading = std::min(kLeadingConditions, ranked.size());
  // Marks by finding index: iterating them in index order is deterministic.
  absl::InlinedVector<bool, 256> wanted(observations.size(), false);
  size_t wanted_count = 0;
  for (size_t i = 0; i < leading; ++i) {
    for (const CompiledLr& lr : ranked[i].condition->lrs) {
      const auto& def = kb.finding(lr.finding);
      if (observations[lr.finding].state == Observed::kUnassessed &&
          def.patient_context() == medius::v1::PATIENT_CONTEXT_UNSPECIFIED &&
          !wanted[lr.finding]) {
        wanted[lr.finding] = true;
        ++wanted_count;
      }
    }
  }

  Observations scratch = observations;
  std::vector<Candidate> candidates;
  candidates.reserve(wanted_count);
  for (int finding = 0; finding < static_cast<int>(wanted.size()); ++finding) {
    if (!wanted[finding]) continue;
    Candidate candidate;
    candidate.finding = finding;
    for (size_t i = 0; i < leading; ++i) {
      Evaluate(kb, ranked[i], finding, observations, scratch, candidate);
    }
    if (candidate.expected_change >= kMinUsefulChange) {
      candidates.push_back(std::move(candidate));
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [&kb](const Candidate& a, const Candidate& b) {
              if (a.information_gain != b.information_gain) {
                return a.information_gain > b.information_gain;
              }
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
    test.set_reason(Reasons(candidates[i]));
    test.set_expected_change(candidates[i].expected_change);
    test.set_expected_information_gain_bits(candidates[i].information_gain);
  }
  return tests;
}

}  // namespace medius::engine
