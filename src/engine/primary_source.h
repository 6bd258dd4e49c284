// The primary pain source: one normalised distribution over mutually
// exclusive sources, P(source | findings) proportional to prior(source |
// presentation) x product of P(finding | source), in log space, with
// correlated findings weighted by their evidence group; qualifiers (a tear
// or bursal involvement within GTPS) get their own probability given the
// source; and a confidence flag when too little discriminating evidence was
// recorded.
//
// Example:
//   PrimaryScore score = ScorePrimary(kb, observations, patient);
//   medius::v1::PrimarySourceAssessment a =
//       ToPrimaryAssessment(kb, score, observations);
//
// Thread-safety: pure functions.
#ifndef MEDIUS_ENGINE_PRIMARY_SOURCE_H_
#define MEDIUS_ENGINE_PRIMARY_SOURCE_H_

#include <vector>

#include "engine/compiled_kb.h"
#include "engine/evidence_wire.h"
#include "engine/red_flags.h"
#include "medius/v1/assessment.pb.h"

namespace medius::engine {

struct PrimaryScore {
  int prior = -1;                   // index into CompiledPrimaryModel::priors
  std::vector<double> probability;  // per source, sums to 1
  struct Contribution {
    const CompiledPrimaryRow* row = nullptr;
    const CompiledPrimaryBand* band = nullptr;  // number findings
    std::vector<double> ln_likelihood;          // per source
    double weight = 1;                          // evidence-group weight
  };
  std::vector<Contribution> contributions;
  // Per CompiledPrimaryModel::qualifiers: P(qualifier | its source is the
  // primary source, findings), from the qualifier's own likelihood ratios.
  std::vector<double> qualifier_given;
  int discriminating = 0;
  bool low_confidence = false;
};

// Requires kb.primary.
PrimaryScore ScorePrimary(const CompiledKb& kb,
                          const Observations& observations,
                          const PatientContext& patient);

// `form`: whether each Evidence's static fields are in the message or
// marked for SerializeSpliced (evidence_wire.h).
medius::v1::PrimarySourceAssessment ToPrimaryAssessment(
    const CompiledKb& kb, const PrimaryScore& score,
    const Observations& observations,
    EvidenceText form = EvidenceText::kInline);

// Other sources that may contribute alongside the leading one: for each
// co-existence pair whose primary is the leader, the prevalence updated by
// a noisy-OR over the assessed bool rows (P(present | both) = 1 - (1 - pL)
// x (1 - pS)), with the evidence-group weights of `score`; most probable
// first. Included in ToPrimaryAssessment.
std::vector<medius::v1::CoexistingContributor> CoexistingContributors(
    const CompiledKb& kb, const PrimaryScore& score,
    const Observations& observations,
    EvidenceText form = EvidenceText::kInline);

// The unassessed findings whose result is expected to tell most about the
// primary source: expected information gain (bits) over the distribution,
// each result weighted by its predictive probability under the model
// (sum over sources of P(source) x P(result | source)). At most `count`,
// most informative first, then by code.
std::vector<medius::v1::SuggestedTest> SuggestPrimaryTests(
    const CompiledKb& kb, const Observations& observations,
    const PatientContext& patient, const PrimaryScore& current, size_t count);

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_PRIMARY_SOURCE_H_
