#include "engine/scoring.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "absl/strings/str_cat.h"

namespace medius::engine {
namespace {

const std::string& Code(const ScoredEvidence& e) {
  return e.lr->def->finding_code();
}

// Strongest first; ties broken by code so the order never depends on the
// order of the request.
bool Stronger(const ScoredEvidence& a, const ScoredEvidence& b) {
  double sa = std::fabs(a.stated_ln), sb = std::fabs(b.stated_ln);
  if (sa != sb) return sa > sb;
  return Code(a) < Code(b);
}

void ApplyGroup(const medius::v1::EvidenceGroup& group,
                std::vector<ScoredEvidence*>& members) {
  std::sort(members.begin(), members.end(),
            [](const ScoredEvidence* a, const ScoredEvidence* b) {
              return Stronger(*a, *b);
            });
  const std::string& strongest = Code(*members.front());
  for (size_t k = 0; k < members.size(); ++k) {
    ScoredEvidence& e = *members[k];
    if (group.combination() == medius::v1::GROUP_COMBINATION_DAMPENED) {
      double factor = std::pow(group.dampening(), static_cast<double>(k));
      e.applied_ln = e.stated_ln * factor;
      if (k > 0) {
        e.note = absl::StrCat("correlated with ", strongest, " in group '",
                              group.display_name(), "': weight x",
                              absl::SixDigits(factor));
      }
    } else {
      e.applied_ln = k == 0 ? e.stated_ln : 0;
      if (k > 0) {
        e.note = absl::StrCat("not applied: correlated with ", strongest,
                              " in group '", group.display_name(),
                              "', which counts once");
      }
    }
  }
}

}  // namespace

bool StatedLogRatio(const CompiledLr& lr, const Observation& observation,
                    double* ln_ratio, const CompiledBand** band) {
  *band = nullptr;
  switch (observation.state) {
    case Observed::kUnassessed:
      return false;
    case Observed::kPresent:
      *ln_ratio = lr.ln_positive;
      return lr.has_positive;
    case Observed::kAbsent:
      *ln_ratio = lr.ln_negative;
      return lr.has_negative;
    case Observed::kNumber:
      for (const CompiledBand& b : lr.bands) {
        if (observation.number >= b.lo && observation.number < b.hi) {
          *ln_ratio = b.ln_ratio;
          *band = &b;
          return true;
        }
      }
      return false;
  }
  return false;
}

ConditionScore ScoreCondition(const CompiledKb& kb,
                              const CompiledCondition& condition,
                              const Observations& observations) {
  ConditionScore score;
  // Grouped members, keyed by group index (ordered, for determinism).
  std::map<int, std::vector<size_t>> grouped;
  for (const CompiledLr& lr : condition.lrs) {
    ScoredEvidence e;
    e.lr = &lr;
    if (!StatedLogRatio(lr, observations[lr.finding], &e.stated_ln, &e.band)) {
      continue;
    }
    e.applied_ln = e.stated_ln;
    if (lr.group >= 0) grouped[lr.group].push_back(score.evidence.size());
    score.evidence.push_back(std::move(e));
  }
  for (auto& [group, indexes] : grouped) {
    std::vector<ScoredEvidence*> members;
    for (size_t i : indexes) members.push_back(&score.evidence[i]);
    ApplyGroup(*kb.groups[group], members);
  }
  score.log_odds = condition.prior_log_odds;
  for (const ScoredEvidence& e : score.evidence) score.log_odds += e.applied_ln;
  score.probability = Probability(score.log_odds);
  std::sort(score.evidence.begin(), score.evidence.end(),
            [](const ScoredEvidence& a, const ScoredEvidence& b) {
              double aa = std::fabs(a.applied_ln), ab = std::fabs(b.applied_ln);
              if (aa != ab) return aa > ab;
              return Stronger(a, b);
            });
  return score;
}

}  // namespace medius::engine
