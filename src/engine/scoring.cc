#include "engine/scoring.h"

#include <algorithm>
#include <cmath>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace medius::engine {
namespace {

const std::string& Code(const ScoredEvidence& e) {
  return e.lr->def->finding_code();
}

// Strongest first; ties broken by code so the order never depends on the
// order of the request. A condition has one likelihood ratio per finding
// (the validator's rule), so this is a strict total order within a group.
bool Stronger(double stated_a, const std::string& code_a, double stated_b,
              const std::string& code_b) {
  double sa = std::fabs(stated_a), sb = std::fabs(stated_b);
  if (sa != sb) return sa > sb;
  return code_a < code_b;
}

bool Stronger(const ScoredEvidence& a, const ScoredEvidence& b) {
  return Stronger(a.stated_ln, Code(a), b.stated_ln, Code(b));
}

// An evidence group's members in one condition. Groups hold a few
// correlated findings, so the inline buffer keeps scoring off the heap.
using GroupMembers = absl::InlinedVector<ScoredEvidence*, 8>;

void ApplyGroup(const medius::v1::EvidenceGroup& group, GroupMembers& members) {
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
  bool grouped = false;
  for (const CompiledLr& lr : condition.lrs) {
    ScoredEvidence e;
    e.lr = &lr;
    if (!StatedLogRatio(lr, observations[lr.finding], &e.stated_ln, &e.band)) {
      continue;
    }
    e.applied_ln = e.stated_ln;
    grouped |= lr.group >= 0;
    // One allocation for the whole evidence list, never regrown.
    if (score.evidence.empty()) score.evidence.reserve(condition.lrs.size());
    score.evidence.push_back(std::move(e));
  }
  // Each group once, at its first member (groups are disjoint, so the order
  // in which they are applied does not matter).
  for (size_t i = 0; grouped && i < score.evidence.size(); ++i) {
    const int group = score.evidence[i].lr->group;
    if (group < 0) continue;
    bool first = true;
    for (size_t j = 0; j < i && first; ++j) {
      first = score.evidence[j].lr->group != group;
    }
    if (!first) continue;
    GroupMembers members;
    for (size_t j = i; j < score.evidence.size(); ++j) {
      if (score.evidence[j].lr->group == group) {
        members.push_back(&score.evidence[j]);
      }
    }
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

double ScoreLogOdds(const CompiledKb& kb, const CompiledCondition& condition,
                    const Observations& observations) {
  // The same terms as ScoreCondition, added in the same order (the order of
  // condition.lrs), so the result is bit-identical. A grouped finding's
  // place in its group is the number of stronger assessed members.
  double log_odds = condition.prior_log_odds;
  for (const CompiledLr& lr : condition.lrs) {
    double stated = 0;
    const CompiledBand* band = nullptr;
    if (!StatedLogRatio(lr, observations[lr.finding], &stated, &band)) {
      continue;
    }
    if (lr.group < 0) {
      log_odds += stated;
      continue;
    }
    int rank = 0;
    for (const CompiledLr& other : condition.lrs) {
      if (&other == &lr || other.group != lr.group) continue;
      double other_stated = 0;
      const CompiledBand* other_band = nullptr;
      if (StatedLogRatio(other, observations[other.finding], &other_stated,
                         &other_band) &&
          Stronger(other_stated, other.def->finding_code(), stated,
                   lr.def->finding_code())) {
        ++rank;
      }
    }
    const medius::v1::EvidenceGroup& group = *kb.groups[lr.group];
    double applied;
    if (group.combination() == medius::v1::GROUP_COMBINATION_DAMPENED) {
      applied = stated * std::pow(group.dampening(), static_cast<double>(rank));
    } else {
      applied = rank == 0 ? stated : 0;
    }
    log_odds += applied;
  }
  return log_odds;
}

}  // namespace medius::engine
