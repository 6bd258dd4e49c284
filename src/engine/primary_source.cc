#include "engine/primary_source.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/assessment_parts.h"
#include "engine/scoring.h"
#include "engine/source_text.h"

namespace medius::engine {
namespace {

double Spread(const std::vector<double>& v) {
  auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  return *hi - *lo;
}

// The likelihood of the recorded value under each source; false when the
// finding was not assessed (or a number falls in no band).
bool Likelihood(const CompiledPrimaryRow& row, const Observation& obs,
                std::vector<double>* ln, const CompiledPrimaryBand** band) {
  switch (obs.state) {
    case Observed::kPresent:
      *ln = row.ln_present;
      return !ln->empty();
    case Observed::kAbsent:
      *ln = row.ln_absent;
      return !ln->empty();
    case Observed::kNumber:
      for (const CompiledPrimaryBand& b : row.bands) {
        if (obs.number >= b.lo && obs.number < b.hi) {
          *ln = b.ln_p;
          *band = &b;
          return true;
        }
      }
      return false;
    default:
      return false;
  }
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

}  // namespace

PrimaryScore ScorePrimary(const CompiledKb& kb,
                          const Observations& observations,
                          const PatientContext& patient) {
  const CompiledPrimaryModel& model = *kb.primary;
  const size_t n = model.sources.size();
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
  std::vector<double> total = model.priors[score.prior].ln_prior;
  const double discriminating = std::log(model.def->discriminating_ratio());
  for (const CompiledPrimaryRow& row : model.rows) {
    PrimaryScore::Contribution c;
    c.row = &row;
    if (!Likelihood(row, observations[row.finding], &c.ln_likelihood,
                    &c.band)) {
      continue;
    }
    // Centred on the mean so that the group weighting scales only what
    // tells the sources apart.
    const double mean =
        std::accumulate(c.ln_likelihood.begin(), c.ln_likelihood.end(), 0.0) /
        n;
    for (double& v : c.ln_likelihood) v -= mean;
    if (Spread(c.ln_likelihood) >= discriminating - 1e-12) {
      ++score.discriminating;
    }
    score.contributions.push_back(std::move(c));
  }
  // Evidence groups: the most discriminating member counts fully, the k-th
  // by dampening^k (STRONGEST: not at all).
  for (size_t g = 0; g < kb.groups.size(); ++g) {
    std::vector<PrimaryScore::Contribution*> members;
    for (auto& c : score.contributions) {
      if (c.row->group == static_cast<int>(g)) members.push_back(&c);
    }
    std::stable_sort(members.begin(), members.end(),
                     [](const PrimaryScore::Contribution* a,
                        const PrimaryScore::Contribution* b) {
                       return Spread(a->ln_likelihood) >
                              Spread(b->ln_likelihood);
                     });
    const auto& group = *kb.groups[g];
    for (size_t k = 1; k < members.size(); ++k) {
      members[k]->weight =
          group.combination() == medius::v1::GROUP_COMBINATION_DAMPENED
              ? std::pow(group.dampening(), static_cast<double>(k))
              : 0;
    }
  }
  for (const auto& c : score.contributions) {
    for (size_t s = 0; s < n; ++s) total[s] += c.weight * c.ln_likelihood[s];
  }
  const double top = *std::max_element(total.begin(), total.end());
  double sum = 0;
  score.probability.resize(n);
  for (size_t s = 0; s < n; ++s)
    sum += score.probability[s] = std::exp(total[s] - top);
  for (double& p : score.probability) p /= sum;
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
    const Observations& observations) {
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
      e->set_finding_code(row.def->finding_code());
      e->set_display_name(kb.finding(row.finding).display_name());
      if (obs.state == Observed::kNumber) {
        e->set_number(obs.number);
      } else {
        e->set_present(obs.state == Observed::kPresent);
      }
      e->set_likelihood_ratio(std::exp(line.applied));
      e->set_stated_likelihood_ratio(std::exp(line.stated));
      e->set_source(SourceText(kb, row.def->source()));
      e->set_expert_opinion(row.def->source().expert_opinion());
      AddCitations(kb, row.def->source(), e);
      if (row.group >= 0) e->set_group(kb.groups[row.group]->id());
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

  for (const auto& q : model.qualifiers) {
    const CompiledCondition& condition = kb.conditions[q.condition];
    // The qualifier's own LRs, from its prior given the source.
    const double log_odds = ScoreLogOdds(kb, condition, observations) -
                            condition.prior_log_odds + q.prior_log_odds;
    const double given = Probability(log_odds);
    medius::v1::SourceQualifier* out_q = out.add_qualifiers();
    out_q->set_condition_code(condition.def->code());
    out_q->set_display_name(condition.def->display_name());
    out_q->set_of_source(q.def->of_source());
    out_q->set_probability_given_source(given);
    out_q->set_probability(given * score.probability[q.source]);
    RankedCondition ranked{&condition,
                           ScoreCondition(kb, condition, observations)};
    medius::v1::DifferentialEntry entry =
        ToDifferentialEntry(kb, ranked, observations);
    out_q->mutable_evidence()->Swap(entry.mutable_evidence());
  }

  if (score.low_confidence) {
    const auto& m = *model.def;
    const double leading = score.probability[order[0]];
    out.set_low_confidence(true);
    out.set_confidence_note(absl::StrCat(
        "Too little discriminating evidence to rank the pain sources: ",
        score.discriminating, " finding(s) recorded that tell them apart (",
        m.min_discriminating_findings(), " or more needed)",
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
  const CompiledPrimaryModel& model = *kb.primary;
  const size_t n = model.sources.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return current.probability[a] > current.probability[b];
  });
  const double h0 = Entropy(current.probability);
  struct Candidate {
    const CompiledPrimaryRow* row = nullptr;
    double gain = 0, change = 0;
    std::string reason;
  };
  std::vector<Candidate> candidates;
  Observations scratch = observations;
  for (const CompiledPrimaryRow& row : model.rows) {
    const auto& def = kb.finding(row.finding);
    if (observations[row.finding].state != Observed::kUnassessed ||
        def.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
      continue;
    }
    struct Result {
      Observation obs;
      std::vector<double> p;  // P(result | source)
      std::string label;
    };
    std::vector<Result> results;
    if (!row.ln_present.empty()) {
      std::vector<double> yes, no;
      for (size_t s = 0; s < n; ++s) {
        yes.push_back(std::exp(row.ln_present[s]));
        no.push_back(std::exp(row.ln_absent[s]));
      }
      results.push_back({{Observed::kPresent, 0}, yes, "positive"});
      results.push_back({{Observed::kAbsent, 0}, no, "negative"});
    } else {
      for (const CompiledPrimaryBand& band : row.bands) {
        std::vector<double> p;
        for (double ln : band.ln_p) p.push_back(std::exp(ln));
        results.push_back(
            {{Observed::kNumber, std::max(band.lo, def.min_value())},
             p,
             band.def->label()});
      }
    }
    Candidate c;
    c.row = &row;
    const size_t lead = order[0];
    std::vector<std::string> effects;
    for (const Result& r : results) {
      double predictive = 0;
      for (size_t s = 0; s < n; ++s)
        predictive += current.probability[s] * r.p[s];
      scratch[row.finding] = r.obs;
      const PrimaryScore after = ScorePrimary(kb, scratch, patient);
      c.gain += predictive * (h0 - Entropy(after.probability));
      for (size_t i = 0; i < 2 && i < n; ++i) {
        c.change += predictive * std::fabs(after.probability[order[i]] -
                                           current.probability[order[i]]);
      }
      effects.push_back(
          absl::StrCat(r.label, " -> ",
                       kb.conditions[model.sources[lead]].def->display_name(),
                       " ", Percent(after.probability[lead])));
    }
    scratch[row.finding] = observations[row.finding];
    c.reason = absl::StrCat(
        "Where the pain comes from: ", absl::StrJoin(effects, "; "), ".");
    if (c.gain > 1e-6) candidates.push_back(std::move(c));
  }
  std::sort(candidates.begin(), candidates.end(),
            [&](const Candidate& a, const Candidate& b) {
              if (a.gain != b.gain) return a.gain > b.gain;
              return a.row->def->finding_code() < b.row->def->finding_code();
            });
  std::vector<medius::v1::SuggestedTest> tests;
  for (size_t i = 0; i < candidates.size() && i < count; ++i) {
    const auto& def = kb.finding(candidates[i].row->finding);
    medius::v1::SuggestedTest& t = tests.emplace_back();
    t.set_finding_code(def.code());
    t.set_display_name(def.display_name());
    t.set_how_to(def.description());
    t.set_reason(candidates[i].reason);
    t.set_expected_change(candidates[i].change);
    t.set_expected_information_gain_bits(candidates[i].gain);
  }
  return tests;
}

}  // namespace medius::engine
