#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/assessment_parts.h"
#include "engine/source_text.h"

namespace medius::engine {

std::vector<RankedCondition> SortByKey(std::vector<RankedCondition> ranked,
                                       const std::vector<double>& key,
                                       const std::vector<int>& promoted) {
  std::vector<size_t> order(ranked.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (key[a] != key[b]) return key[a] > key[b];
    if (promoted[a] != promoted[b]) return promoted[a] > promoted[b];
    if (ranked[a].score.probability != ranked[b].score.probability) {
      return ranked[a].score.probability > ranked[b].score.probability;
    }
    return ranked[a].condition->def->code() < ranked[b].condition->def->code();
  });
  std::vector<RankedCondition> sorted;
  sorted.reserve(ranked.size());
  for (size_t i : order) sorted.push_back(std::move(ranked[i]));
  return sorted;
}

std::vector<RankedCondition> RankConditions(const CompiledKb& kb,
                                            const Observations& observations) {
  std::vector<RankedCondition> ranked;
  ranked.reserve(kb.conditions.size());
  for (const CompiledCondition& condition : kb.conditions) {
    ranked.push_back({&condition, ScoreCondition(kb, condition, observations)});
  }
  // Ranking key: a condition's own probability, except that a likely
  // refinement (a tear of a tendinopathy) takes its broader condition's
  // probability and sorts just before it.
  std::vector<double> key(ranked.size());
  std::vector<int> promoted(ranked.size(), 0);
  const double threshold = kb.kb.settings().refinement_min_probability();
  for (size_t i = 0; i < ranked.size(); ++i) {
    key[i] = ranked[i].score.probability;
    const std::string& broader = ranked[i].condition->def->refines();
    if (broader.empty() || ranked[i].score.probability < threshold) continue;
    for (const RankedCondition& other : ranked) {
      if (other.condition->def->code() == broader &&
          other.score.probability > key[i]) {
        key[i] = other.score.probability;
        promoted[i] = 1;
      }
    }
  }
  return SortByKey(std::move(ranked), key, promoted);
}

medius::v1::DifferentialEntry EntryHeader(const CompiledKb& kb,
                                          const RankedCondition& ranked) {
  const medius::v1::ConditionDefinition& def = *ranked.condition->def;
  medius::v1::DifferentialEntry entry;
  entry.set_condition_code(def.code());
  entry.set_display_name(def.display_name());
  entry.set_category(def.category());
  entry.set_probability(ranked.score.probability);
  entry.set_prior_probability(def.prior());
  entry.set_prior_source(SourceText(kb, def.prior_source()));
  entry.set_prior_expert_opinion(def.prior_source().expert_opinion());
  entry.set_refines(def.refines());
  return entry;
}

medius::v1::DifferentialEntry ToDifferentialEntry(
    const CompiledKb& kb, const RankedCondition& ranked,
    const Observations& observations, EvidenceText form) {
  medius::v1::DifferentialEntry entry = EntryHeader(kb, ranked);
  for (const ScoredEvidence& scored : ranked.score.evidence) {
    const CompiledLr& lr = *scored.lr;
    const Observation& obs = observations[lr.finding];
    medius::v1::Evidence* e = entry.add_evidence();
    if (obs.state == Observed::kNumber) {
      e->set_number(obs.number);
    } else {
      e->set_present(obs.state == Observed::kPresent);
    }
    e->set_likelihood_ratio(std::exp(scored.applied_ln));
    e->set_stated_likelihood_ratio(std::exp(scored.stated_ln));
    // Code, name, source text and group; a band may carry its own source,
    // otherwise the entry's applies.
    AddStaticEvidence(kb,
                      scored.band != nullptr && scored.band->wire >= 0
                          ? scored.band->wire
                          : lr.wire,
                      form, e);
    std::string note = scored.note;
    if (scored.band != nullptr) {
      note = note.empty() ? scored.band->def->label()
                          : absl::StrCat(scored.band->def->label(), "; ", note);
    }
    e->set_note(note);
  }
  return entry;
}

}  // namespace medius::engine
