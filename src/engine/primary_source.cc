#include "engine/primary_source.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "common/plural.h"
#include "engine/assessment_parts.h"
#include "engine/scoring.h"
#include "engine/source_text.h"

namespace medius::engine {
namespace {

using Doubles = absl::InlinedVector<double, 8>;

struct Term {
  const CompiledPrimaryRow* row = nullptr;
  const CompiledPrimaryBand* band = nullptr;
  Doubles ln;  // centred log-likelihood per source
  double spread = 0;
  double weight = 1;
};
using Terms = absl::InlinedVector<Term, 64>;

// The likelihood of the recorded value under each source; false when the
// finding was not assessed (or a number falls in no band).
bool Likelihood(const CompiledPrimaryRow& row, const Observation& obs,
                Doubles* ln, const CompiledPrimaryBand** band) {
  const std::vector<double>* source = nullptr;
  switch (obs.state) {
    case Observed::kPresent:
      source = &row.ln_present;
      break;
    case Observed::kAbsent:
      source = &row.ln_absent;
      break;
    case Observed::kNumber:
      for (const CompiledPrimaryBand& b : row.bands) {
        if (obs.number >= b.lo && obs.number < b.hi) {
          source = &b.ln_p;
          *band = &b;
          break;
        }
      }
      break;
    default:
      break;
  }
  if (source == nullptr || source->empty()) return false;
  ln->assign(source->begin(), source->end());
  return true;
}

// ln of P(obs | s) over P(obs | the other sources, weighted by the prior).
double LogRatio(const std::vector<double>& ln, const std::vector<double>& prior,
                size_t s) {
  double num = 0, den = 0;
  for (size_t t = 0; t < ln.size(); ++t) {
    if (t == s) continue;
    num += prior[t] * std::exp(ln[t]);
    den += prior[t];
  }
  return ln[s] - std::log(num / den);
}

// The posterior for a given prior, in inline buffers (no allocation for
// up to 8 sources and 64 assessed rows): shared by ScorePrimary and the
// what-if loop of SuggestPrimaryTests. Returns how many assessed rows
// discriminate.
int Posterior(const CompiledKb& kb, const Observations& observations, int prior,
              Terms* terms, Doubles* probability) {
  const CompiledPrimaryModel& model = *kb.primary;
  const size_t n = model.sources.size();
  const double discriminating = std::log(model.def->discriminating_ratio());
  int count = 0;
  terms->clear();
  for (const CompiledPrimaryRow& row : model.rows) {
    Term t;
    t.row = &row;
    if (!Likelihood(row, observations[row.finding], &t.ln, &t.band)) continue;
    // Centred on the mean so that the group weighting scales only what
    // tells the sources apart.
    const double mean = std::accumulate(t.ln.begin(), t.ln.end(), 0.0) / n;
    for (double& v : t.ln) v -= mean;
    auto [lo, hi] = std::minmax_element(t.ln.begin(), t.ln.end());
    t.spread = *hi - *lo;
    if (t.spread >= discriminating - 1e-12) ++count;
    terms->push_back(std::move(t));
  }
  // Evidence groups: the most discriminating member counts fully, the k-th
  // by dampening^k (STRONGEST: not at all).
  for (size_t i = 0; i < terms->size(); ++i) {
    const int g = (*terms)[i].row->group;
    if (g < 0) continue;
    bool first_of_group = true;
    for (size_t j = 0; j < i; ++j) {
      first_of_group = first_of_group && (*terms)[j].row->group != g;
    }
    if (!first_of_group) continue;
    absl::InlinedVector<Term*, 16> members;
    for (size_t j = i; j < terms->size(); ++j) {
      if ((*terms)[j].row->group == g) members.push_back(&(*terms)[j]);
    }
    std::stable_sort(
        members.begin(), members.end(),
        [](const Term* a, const Term* b) { return a->spread > b->spread; });
    const auto& group = *kb.groups[g];
    for (size_t k = 1; k < members.size(); ++k) {
      members[k]->weight =
          group.combination() == medius::v1::GROUP_COMBINATION_DAMPENED
              ? std::pow(group.dampening(), static_cast<double>(k))
              : 0;
    }
  }
  const std::vector<double>& ln_prior = model.priors[prior].ln_prior;
  probability->assign(ln_prior.begin(), ln_prior.end());
  for (const Term& t : *terms) {
    for (size_t s = 0; s < n; ++s) (*probability)[s] += t.weight * t.ln[s];
  }
  const double top =
      *std::max_element(probability->begin(), probability->end());
  double sum = 0;
  for (double& v : *probability) sum += v = std::exp(v - top);
  for (double& v : *probability) v /= sum;
  return count;
}

// The posterior if one more finding were recorded, from the current score
// in O(sources) (O(group size) for a grouped finding) instead of Posterior's
// pass over every row: what SuggestPrimaryTests asks for each candidate
// test and each of its results. The same arithmetic as Posterior: centred
// log-likelihoods, the group's members ranked by spread (ties in row order)
// and weighted 1, dampening^k (or 0), a softmax over prior + the sum.
class WhatIf {
 public:
  WhatIf(const CompiledKb& kb, const PrimaryScore& current)
      : kb_(kb), model_(*kb.primary), n_(model_.sources.size()) {
    const std::vector<double>& ln_prior = model_.priors[current.prior].ln_prior;
    base_.assign(ln_prior.begin(), ln_prior.end());
    group_sum_.assign(kb.groups.size(), Doubles(n_, 0.0));
    members_.resize(kb.groups.size());
    for (const auto& c : current.contributions) {
      for (size_t s = 0; s < n_; ++s) base_[s] += c.weight * c.ln_likelihood[s];
      const int g = c.row->group;
      if (g < 0) continue;
      for (size_t s = 0; s < n_; ++s) {
        group_sum_[g][s] += c.weight * c.ln_likelihood[s];
      }
      auto [lo, hi] =
          std::minmax_element(c.ln_likelihood.begin(), c.ln_likelihood.end());
      members_[g].push_back(
          {RowIndex(c.row), *hi - *lo, c.ln_likelihood.data()});
    }
  }

  // Fills `after` with the posterior were `row` recorded as `obs`.
  void Posterior(const CompiledPrimaryRow& row, const Observation& obs,
                 Doubles* after) const {
    Doubles ln;
    const CompiledPrimaryBand* band = nullptr;
    after->assign(base_.begin(), base_.end());
    if (Likelihood(row, obs, &ln, &band)) {
      const double mean = std::accumulate(ln.begin(), ln.end(), 0.0) / n_;
      for (double& v : ln) v -= mean;
      if (row.group < 0) {
        for (size_t s = 0; s < n_; ++s) (*after)[s] += ln[s];
      } else {
        AddGroup(row, ln, after);
      }
    }
    const double top = *std::max_element(after->begin(), after->end());
    double sum = 0;
    for (double& v : *after) sum += v = std::exp(v - top);
    for (double& v : *after) v /= sum;
  }

 private:
  struct Member {
    size_t row;
    double spread;
    const double* ln;  // n_ centred log-likelihoods
  };

  size_t RowIndex(const CompiledPrimaryRow* row) const {
    return static_cast<size_t>(row - model_.rows.data());
  }

  // Replaces the group's current contribution by the one with `row` added.
  void AddGroup(const CompiledPrimaryRow& row, const Doubles& ln,
                Doubles* after) const {
    const int g = row.group;
    auto [lo, hi] = std::minmax_element(ln.begin(), ln.end());
    absl::InlinedVector<Member, 16> members(members_[g].begin(),
                                            members_[g].end());
    members.push_back({RowIndex(&row), *hi - *lo, ln.data()});
    std::sort(members.begin(), members.end(),
              [](const Member& a, const Member& b) {
                if (a.spread != b.spread) return a.spread > b.spread;
                return a.row < b.row;
              });
    const auto& group = *kb_.groups[g];
    for (size_t s = 0; s < n_; ++s) (*after)[s] -= group_sum_[g][s];
    for (size_t k = 0; k < members.size(); ++k) {
      const double weight =
          k == 0 ? 1
          : group.combination() == medius::v1::GROUP_COMBINATION_DAMPENED
              ? std::pow(group.dampening(), static_cast<double>(k))
              : 0;
      for (size_t s = 0; s < n_; ++s) {
        (*after)[s] += weight * members[k].ln[s];
      }
    }
  }

  const CompiledKb& kb_;
  const CompiledPrimaryModel& model_;
  const size_t n_;
  Doubles base_;
  std::vector<Doubles> group_sum_;
  std::vector<absl::InlinedVector<Member, 8>> members_;
};

}  // namespace

PrimaryScore ScorePrimary(const CompiledKb& kb,
                          const Observations& observations,
                          const PatientContext& patient) {
  const CompiledPrimaryModel& model = *kb.primary;
  PrimaryScore score;
  for (size_t i = 0; i < model.priors.size(); ++i) {
    const auto& prior = model.priors[i];
    std::vector<std::string> because;
    if (!prior.when.has_value() ||
        Evaluate(kb, *prior.when, observations, patient, &because) ==
            Truth::kTrue) {
      score.prior = static_cast<int>(i);
      break;
    }
  }
  Terms terms;
  Doubles probability;
  score.discriminating =
      Posterior(kb, observations, score.prior, &terms, &probability);
  score.probability.assign(probability.begin(), probability.end());
  for (const Term& t : terms) {
    score.contributions.push_back(
        {t.row, t.band, std::vector<double>(t.ln.begin(), t.ln.end()),
         t.weight});
  }
  for (const auto& q : model.qualifiers) {
    const CompiledCondition& condition = kb.conditions[q.condition];
    // The qualifier's own LRs, from its prior given the source.
    score.qualifier_given.push_back(
        Probability(ScoreLogOdds(kb, condition, observations) -
                    condition.prior_log_odds + q.prior_log_odds));
  }
  const double leading =
      *std::max_element(score.probability.begin(), score.probability.end());
  score.low_confidence =
      score.discriminating <
          static_cast<int>(model.def->min_discriminating_findings()) ||
      leading < model.def->min_leading_probability();
  return score;
}

medius::v1::PrimarySourceAssessment ToPrimaryAssessment(
    const CompiledKb& kb, const PrimaryScore& score,
    const Observations& observations, EvidenceText form) {
  const CompiledPrimaryModel& model = *kb.primary;
  const auto& prior_def = *model.priors[score.prior].def;
  medius::v1::PrimarySourceAssessment out;
  out.set_presentation(prior_def.presentation());
  out.set_prior_source(SourceText(kb, prior_def.source()));
  out.set_discriminating_findings(score.discriminating);
  std::vector<double> prior(prior_def.prior().begin(), prior_def.prior().end());

  std::vector<size_t> order(model.sources.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (score.probability[a] != score.probability[b]) {
      return score.probability[a] > score.probability[b];
    }
    return kb.conditions[model.sources[a]].def->code() <
           kb.conditions[model.sources[b]].def->code();
  });
  for (size_t s : order) {
    const auto& def = *kb.conditions[model.sources[s]].def;
    medius::v1::PrimarySource* source = out.add_sources();
    source->set_condition_code(def.code());
    source->set_display_name(def.display_name());
    source->set_probability(score.probability[s]);
    source->set_prior_probability(prior[s]);
    struct Line {
      const PrimaryScore::Contribution* c;
      double stated, applied;
    };
    std::vector<Line> lines;
    for (const auto& c : score.contributions) {
      const double stated = LogRatio(c.ln_likelihood, prior, s);
      if (std::fabs(stated) < 1e-9) continue;
      lines.push_back({&c, stated, c.weight * stated});
    }
    std::sort(lines.begin(), lines.end(), [&](const Line& a, const Line& b) {
      if (std::fabs(a.applied) != std::fabs(b.applied)) {
        return std::fabs(a.applied) > std::fabs(b.applied);
      }
      return a.c->row->def->finding_code() < b.c->row->def->finding_code();
    });
    for (const Line& line : lines) {
      const CompiledPrimaryRow& row = *line.c->row;
      const Observation& obs = observations[row.finding];
      medius::v1::Evidence* e = source->add_evidence();
      if (obs.state == Observed::kNumber) {
        e->set_number(obs.number);
      } else {
        e->set_present(obs.state == Observed::kPresent);
      }
      e->set_likelihood_ratio(std::exp(line.applied));
      e->set_stated_likelihood_ratio(std::exp(line.stated));
      // Code, name, source text, citations and group.
      AddStaticEvidence(kb, row.wire, form, e);
      std::string note =
          line.c->band != nullptr ? line.c->band->def->label() : "";
      if (line.c->weight < 1) {
        absl::StrAppend(&note, note.empty() ? "" : "; ",
                        absl::StrFormat("weighted x%.2f in its evidence group",
                                        line.c->weight));
      }
      e->set_note(note);
    }
  }

  for (size_t i = 0; i < model.qualifiers.size(); ++i) {
    const auto& q = model.qualifiers[i];
    const CompiledCondition& condition = kb.conditions[q.condition];
    const double given = score.qualifier_given[i];
    medius::v1::SourceQualifier* out_q = out.add_qualifiers();
    out_q->set_condition_code(condition.def->code());
    out_q->set_display_name(condition.def->display_name());
    out_q->set_of_source(q.def->of_source());
    out_q->set_probability_given_source(given);
    out_q->set_probability(given * score.probability[q.source]);
    RankedCondition ranked{&condition,
                           ScoreCondition(kb, condition, observations)};
    medius::v1::DifferentialEntry entry =
        ToDifferentialEntry(kb, ranked, observations, form);
    out_q->mutable_evidence()->Swap(entry.mutable_evidence());
  }

  for (auto& c : CoexistingContributors(kb, score, observations, form)) {
    *out.add_contributors() = std::move(c);
  }

  if (score.low_confidence) {
    const auto& m = *model.def;
    const double leading = score.probability[order[0]];
    out.set_low_confidence(true);
    out.set_confidence_note(absl::StrCat(
        "Too little discriminating evidence to rank the pain sources: ",
        common::Counted(score.discriminating, "finding"),
        " recorded that tell them apart (", m.min_discriminating_findings(),
        " or more needed)",
        leading < m.min_leading_probability()
            ? absl::StrCat(", and the leading source is only ",
                           Percent(leading))
            : "",
        ". Do the next tests before acting on the ranking."));
  }
  return out;
}

namespace {

double Entropy(const std::vector<double>& p) {
  double h = 0;
  for (double x : p) {
    if (x > 0) h -= x * std::log2(x);
  }
  return h;
}

}  // namespace

std::vector<medius::v1::SuggestedTest> SuggestPrimaryTests(
    const CompiledKb& kb, const Observations& observations,
    const PatientContext& patient, const PrimaryScore& current, size_t count) {
  (void)patient;  // the prior cannot change: its findings are neutral
  const CompiledPrimaryModel& model = *kb.primary;
  const size_t n = model.sources.size();
  size_t lead = 0;
  for (size_t s = 1; s < n; ++s) {
    if (current.probability[s] > current.probability[lead]) lead = s;
  }
  size_t second = lead == 0 ? 1 : 0;
  for (size_t s = 0; s < n; ++s) {
    if (s != lead && current.probability[s] > current.probability[second]) {
      second = s;
    }
  }
  const double h0 = Entropy(current.probability);
  struct Effect {
    const std::string* label;
    double lead_after;
  };
  struct Candidate {
    const CompiledPrimaryRow* row = nullptr;
    double gain = 0, change = 0;
    absl::InlinedVector<Effect, 4> effects;
  };
  std::vector<Candidate> candidates;
  candidates.reserve(model.rows.size());
  static const std::string* const kPositive = new std::string("positive");
  static const std::string* const kNegative = new std::string("negative");
  const WhatIf what_if(kb, current);
  Doubles after;
  for (const CompiledPrimaryRow& row : model.rows) {
    const auto& def = kb.finding(row.finding);
    if (observations[row.finding].state != Observed::kUnassessed ||
        def.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
      continue;
    }
    Candidate c;
    c.row = &row;
    // Each possible result: its observation, P(result | source), label.
    auto consider = [&](const Observation& obs, const auto& p_of_source,
                        const std::string* label) {
      double predictive = 0;
      for (size_t s = 0; s < n; ++s) {
        predictive += current.probability[s] * p_of_source(s);
      }
      what_if.Posterior(row, obs, &after);
      double h = 0;
      for (double x : after) {
        if (x > 0) h -= x * std::log2(x);
      }
      c.gain += predictive * (h0 - h);
      c.change +=
          predictive * (std::fabs(after[lead] - current.probability[lead]) +
                        std::fabs(after[second] - current.probability[second]));
      c.effects.push_back({label, after[lead]});
    };
    if (!row.ln_present.empty()) {
      consider(
          {Observed::kPresent, 0},
          [&](size_t s) { return std::exp(row.ln_present[s]); }, kPositive);
      consider(
          {Observed::kAbsent, 0},
          [&](size_t s) { return std::exp(row.ln_absent[s]); }, kNegative);
    } else {
      for (const CompiledPrimaryBand& band : row.bands) {
        consider(
            {Observed::kNumber, std::max(band.lo, def.min_value())},
            [&](size_t s) { return std::exp(band.ln_p[s]); },
            &band.def->label());
      }
    }
    if (c.gain > 1e-6) candidates.push_back(std::move(c));
  }
  std::sort(candidates.begin(), candidates.end(),
            [&](const Candidate& a, const Candidate& b) {
              if (a.gain != b.gain) return a.gain > b.gain;
              return a.row->def->finding_code() < b.row->def->finding_code();
            });
  const std::string& lead_name =
      kb.conditions[model.sources[lead]].def->display_name();
  std::vector<medius::v1::SuggestedTest> tests;
  for (size_t i = 0; i < candidates.size() && i < count; ++i) {
    const Candidate& c = candidates[i];
    const auto& def = kb.finding(c.row->finding);
    std::vector<std::string> effects;
    for (const Effect& e : c.effects) {
      effects.push_back(absl::StrCat(*e.label, " -> ", lead_name, " ",
                                     Percent(e.lead_after)));
    }
    medius::v1::SuggestedTest& t = tests.emplace_back();
    t.set_finding_code(def.code());
    t.set_display_name(def.display_name());
    t.set_how_to(def.description());
    t.set_reason(absl::StrCat(
        "Where the pain comes from: ", absl::StrJoin(effects, "; "), "."));
    t.set_expected_change(c.change);
    t.set_expected_information_gain_bits(c.gain);
  }
  return tests;
}

}  // namespace medius::engine
