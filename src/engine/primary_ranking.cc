// The differential ranked by the primary-source model (RankByPrimary and its
// response entries; see assessment_parts.h). The per-condition scores stay
// the ranking only for a knowledge base without a primary-source model.
#include <algorithm>
#include <utility>

#include "engine/assessment_parts.h"
#include "engine/source_text.h"

namespace medius::engine {
namespace {

// Index of `condition` (into CompiledKb::conditions) in the model's sources,
// or -1.
int SourceIndex(const CompiledPrimaryModel& model, const CompiledKb& kb,
                const CompiledCondition* condition) {
  for (size_t s = 0; s < model.sources.size(); ++s) {
    if (&kb.conditions[model.sources[s]] == condition) {
      return static_cast<int>(s);
    }
  }
  return -1;
}

int QualifierIndex(const CompiledPrimaryModel& model, const CompiledKb& kb,
                   const CompiledCondition* condition) {
  for (size_t q = 0; q < model.qualifiers.size(); ++q) {
    if (&kb.conditions[model.qualifiers[q].condition] == condition) {
      return static_cast<int>(q);
    }
  }
  return -1;
}

}  // namespace

std::vector<RankedCondition> RankByPrimary(
    const CompiledKb& kb, const PrimaryScore& score,
    std::vector<RankedCondition> ranked) {
  const CompiledPrimaryModel& model = *kb.primary;
  const double refinement = kb.kb.settings().refinement_min_probability();
  std::vector<double> key(ranked.size());
  std::vector<int> promoted(ranked.size(), 0);
  for (size_t i = 0; i < ranked.size(); ++i) {
    double& p = ranked[i].score.probability;
    const int s = SourceIndex(model, kb, ranked[i].condition);
    const int q = QualifierIndex(model, kb, ranked[i].condition);
    if (s >= 0) {
      p = score.probability[s];
      key[i] = p;
    } else if (q >= 0) {
      const double source = score.probability[model.qualifiers[q].source];
      const double given = score.qualifier_given[q];
      p = source * given;
      key[i] = given >= refinement ? source : p;
      promoted[i] = given >= refinement ? 1 : 0;
    } else {
      key[i] = p;
    }
  }
  return SortByKey(std::move(ranked), key, promoted);
}

medius::v1::DifferentialEntry ToDifferentialEntry(
    const CompiledKb& kb, const RankedCondition& ranked,
    const PrimaryScore& score,
    const medius::v1::PrimarySourceAssessment& primary) {
  const medius::v1::ConditionDefinition& def = *ranked.condition->def;
  // The condition's own prior is replaced below by the model's.
  medius::v1::DifferentialEntry entry = EntryHeader(kb, ranked);
  for (const auto& source : primary.sources()) {
    if (source.condition_code() != def.code()) continue;
    entry.set_prior_probability(source.prior_probability());
    entry.set_prior_source(primary.prior_source());
    entry.set_prior_expert_opinion(
        kb.primary->priors[score.prior].def->source().expert_opinion());
    *entry.mutable_evidence() = source.evidence();
    return entry;
  }
  for (const auto& q : kb.primary->qualifiers) {
    if (&kb.conditions[q.condition] != ranked.condition) continue;
    double source_prior = 0;
    for (const auto& source : primary.sources()) {
      if (source.condition_code() == q.def->of_source()) {
        source_prior = source.prior_probability();
      }
    }
    entry.set_prior_probability(source_prior * q.def->prior());
    entry.set_prior_source(SourceText(kb, q.def->prior_source()));
    entry.set_prior_expert_opinion(q.def->prior_source().expert_opinion());
    for (const auto& out_q : primary.qualifiers()) {
      if (out_q.condition_code() == def.code()) {
        *entry.mutable_evidence() = out_q.evidence();
      }
    }
    return entry;
  }
  // Neither a source nor a qualifier: its own prior stays.
  return entry;
}

}  // namespace medius::engine
