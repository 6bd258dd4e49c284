#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/assessment_parts.h"
#include "engine/source_text.h"

namespace medius::engine {
namespace {}  // namespace

std::vector<RankedCondition> RankConditions(const CompiledKb& kb,
                                            const Observations& observations) {
  std::vector<RankedCondition> ranked;
  ranked.reserve(kb.conditions.size());
  for (const CompiledCondition& condition : kb.conditions) {
    ranked.push_back({&condition, ScoreCondition(kb, condition, observations)});
  }
  std::sort(ranked.begin(), ranked.end(),
            [](const RankedCondition& a, const RankedCondition& b) {
              if (a.score.probability != b.score.probability) {
                return a.score.probability > b.score.probability;
              }
              return a.condition->def->code() < b.condition->def->code();
            });
  return ranked;
}

medius::v1::DifferentialEntry ToDifferentialEntry(
    const CompiledKb& kb, const RankedCondition& ranked,
    const Observations& observations) {
  const medius::v1::ConditionDefinition& def = *ranked.condition->def;
  medius::v1::DifferentialEntry entry;
  entry.set_condition_code(def.code());
  entry.set_display_name(def.display_name());
  entry.set_category(def.category());
  entry.set_probability(ranked.score.probability);
  entry.set_prior_probability(def.prior());
  entry.set_prior_source(SourceText(def.prior_source()));
  entry.set_prior_expert_opinion(def.prior_source().expert_opinion());
  for (const ScoredEvidence& scored : ranked.score.evidence) {
    const CompiledLr& lr = *scored.lr;
    const Observation& obs = observations[lr.finding];
    medius::v1::Evidence* e = entry.add_evidence();
    e->set_finding_code(lr.def->finding_code());
    e->set_display_name(kb.finding(lr.finding).display_name());
    if (obs.state == Observed::kNumber) {
      e->set_number(obs.number);
    } else {
      e->set_present(obs.state == Observed::kPresent);
    }
    e->set_likelihood_ratio(std::exp(scored.applied_ln));
    e->set_stated_likelihood_ratio(std::exp(scored.stated_ln));
    // A band may carry its own source; otherwise the entry's applies.
    const medius::v1::Source& source =
        scored.band != nullptr && scored.band->def->has_source()
            ? scored.band->def->source()
            : lr.def->source();
    e->set_source(SourceText(source));
    e->set_expert_opinion(source.expert_opinion());
    e->set_group(lr.def->group());
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
