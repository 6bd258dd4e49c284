// Co-existing contributors alongside the leading primary source: the
// co-existence prevalence updated by a noisy-OR over the assessed rows (see
// CoexistencePrior in knowledge_base.proto and primary_source.h).
#include <algorithm>
#include <cmath>

#include "engine/primary_source.h"
#include "engine/scoring.h"
#include "engine/source_text.h"

namespace medius::engine {

std::vector<medius::v1::CoexistingContributor> CoexistingContributors(
    const CompiledKb& kb, const PrimaryScore& score,
    const Observations& observations, EvidenceText form) {
  const CompiledPrimaryModel& model = *kb.primary;
  std::vector<medius::v1::CoexistingContributor> out;
  if (score.probability.empty()) return out;
  // The leader as ToPrimaryAssessment orders the sources.
  size_t leader = 0;
  for (size_t s = 1; s < score.probability.size(); ++s) {
    const double a = score.probability[s], b = score.probability[leader];
    if (a > b ||
        (a == b && kb.conditions[model.sources[s]].def->code() <
                       kb.conditions[model.sources[leader]].def->code())) {
      leader = s;
    }
  }
  for (const auto& pair : model.coexistence) {
    if (pair.primary != static_cast<int>(leader)) continue;
    const auto& def = *kb.conditions[model.sources[pair.secondary]].def;
    medius::v1::CoexistingContributor c;
    c.set_condition_code(def.code());
    c.set_display_name(def.display_name());
    c.set_with_source(kb.conditions[model.sources[leader]].def->code());
    c.set_prior_probability(pair.def->prevalence());
    c.set_prior_source(pair.prior_source_text);
    double log_odds = pair.prior_log_odds;
    struct Line {
      const PrimaryScore::Contribution* contribution;
      double stated, applied;
    };
    std::vector<Line> lines;
    for (const auto& contribution : score.contributions) {
      const CompiledPrimaryRow& row = *contribution.row;
      // Number bands and patient context (age, sex) are not produced by a
      // source, so a noisy-OR says nothing about them.
      if (contribution.band != nullptr || row.def->p_present_size() == 0 ||
          kb.finding(row.finding).patient_context() !=
              medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
        continue;
      }
      const double p_lead = row.def->p_present(static_cast<int>(leader));
      const double p_other = row.def->p_present(pair.secondary);
      const bool present =
          observations[row.finding].state == Observed::kPresent;
      // Present: 1 - (1 - pL)(1 - pS) over pL. Absent: (1 - pL)(1 - pS)
      // over (1 - pL) = 1 - pS.
      const double stated =
          present
              ? std::log(1 - (1 - p_lead) * (1 - p_other)) - std::log(p_lead)
              : std::log(1 - p_other);
      if (std::fabs(stated) < 1e-9) continue;
      const double applied = contribution.weight * stated;
      log_odds += applied;
      lines.push_back({&contribution, stated, applied});
    }
    c.set_probability(Probability(log_odds));
    std::sort(lines.begin(), lines.end(), [](const Line& a, const Line& b) {
      if (std::fabs(a.applied) != std::fabs(b.applied)) {
        return std::fabs(a.applied) > std::fabs(b.applied);
      }
      return a.contribution->row->def->finding_code() <
             b.contribution->row->def->finding_code();
    });
    for (const Line& line : lines) {
      const CompiledPrimaryRow& row = *line.contribution->row;
      medius::v1::Evidence* e = c.add_evidence();
      e->set_present(observations[row.finding].state == Observed::kPresent);
      e->set_likelihood_ratio(std::exp(line.applied));
      e->set_stated_likelihood_ratio(std::exp(line.stated));
      // Code, name, group and a note pointing to the row's source and
      // citations in primary_source.sources.
      AddStaticEvidence(kb, row.contributor_wire, form, e);
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.probability() != b.probability()) {
      return a.probability() > b.probability();
    }
    return a.condition_code() < b.condition_code();
  });
  return out;
}

}  // namespace medius::engine
