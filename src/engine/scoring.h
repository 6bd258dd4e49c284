// Likelihood-ratio scoring of one condition: prior odds times the LR of
// every assessed finding that bears on it, in log space, with correlated
// findings combined by their evidence group's rule.
//
// Unassessed findings contribute nothing (clinical safety rule 1).
//
// Thread-safety: pure functions.
#ifndef MEDIUS_ENGINE_SCORING_H_
#define MEDIUS_ENGINE_SCORING_H_

#include <string>
#include <vector>

#include "engine/compiled_kb.h"

namespace medius::engine {

struct ScoredEvidence {
  const CompiledLr* lr = nullptr;
  const CompiledBand* band = nullptr;  // the band matched, for number findings
  double stated_ln = 0;                // ln of the LR the knowledge base states
  double applied_ln = 0;  // ln of the LR actually applied (after grouping)
  std::string note;
};

struct ConditionScore {
  double log_odds = 0;
  double probability = 0;
  // Ordered by |applied_ln|, then |stated_ln|, then finding code.
  std::vector<ScoredEvidence> evidence;
};

// The stated ln LR of `lr` for `observation`; false when the observation
// carries no LR (unassessed, a direction without a figure, or a number in no
// band).
bool StatedLogRatio(const CompiledLr& lr, const Observation& observation,
                    double* ln_ratio, const CompiledBand** band);

ConditionScore ScoreCondition(const CompiledKb& kb,
                              const CompiledCondition& condition,
                              const Observations& observations);

// ScoreCondition(...).log_odds, bit for bit, without building the evidence
// list or its notes: no allocation. For what-if scoring (next tests), which
// runs it once per candidate test and outcome.
double ScoreLogOdds(const CompiledKb& kb, const CompiledCondition& condition,
                    const Observations& observations);

inline double Probability(double log_odds) {
  return 1.0 / (1.0 + std::exp(-log_odds));
}

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_SCORING_H_
