#include "kb/primary_model_check.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace medius::kb {
namespace {

using medius::v1::Criterion;
using medius::v1::FindingDefinition;

std::string At(const std::string& path, int index) {
  return absl::StrCat(path, "[", index, "]");
}

// Finding codes a criterion looks at.
void Codes(const Criterion& c, std::set<std::string>* out) {
  switch (c.kind_case()) {
    case Criterion::kPresent:
      out->insert(c.present());
      break;
    case Criterion::kAbsent:
      out->insert(c.absent());
      break;
    case Criterion::kNumber:
      out->insert(c.number().finding_code());
      break;
    case Criterion::kAllOf:
      for (const auto& x : c.all_of().criteria()) Codes(x, out);
      break;
    case Criterion::kAnyOf:
      for (const auto& x : c.any_of().criteria()) Codes(x, out);
      break;
    case Criterion::kAtLeast:
      for (const auto& x : c.at_least().criteria()) Codes(x, out);
      break;
    default:
      break;
  }
}

bool Probability(double p) { return std::isfinite(p) && p > 0 && p < 1; }

}  // namespace

void CheckPrimarySourceModel(const ModelCheckContext& ctx) {
  const auto& kb = ctx.kb;
  if (!kb.has_primary_source_model()) return;
  const auto& m = kb.primary_source_model();
  const std::string path = "primary_source_model";
  auto require = [&](bool ok, const std::string& p, const std::string& msg) {
    if (!ok) ctx.report(p, msg);
  };

  absl::flat_hash_set<std::string> conditions, groups;
  for (const auto& c : kb.conditions()) conditions.insert(c.code());
  for (const auto& g : kb.evidence_groups()) groups.insert(g.id());
  absl::flat_hash_map<std::string, const FindingDefinition*> findings;
  for (const auto& f : kb.findings()) findings[f.code()] = &f;

  const int n = m.sources_size();
  require(n >= 2, path + ".sources", "needs at least two primary sources");
  std::set<std::string> sources;
  for (int i = 0; i < n; ++i) {
    require(conditions.contains(m.sources(i)), At(path + ".sources", i),
            absl::StrCat("unknown condition code '", m.sources(i), "'"));
    require(sources.insert(m.sources(i)).second, At(path + ".sources", i),
            absl::StrCat("duplicate source '", m.sources(i), "'"));
  }

  // Priors: sum to 1; the last is the default; their findings are neutral.
  std::set<std::string> prior_findings;
  require(m.priors_size() > 0, path + ".priors", "needs at least one prior");
  for (int i = 0; i < m.priors_size(); ++i) {
    const auto& prior = m.priors(i);
    const std::string ppath = At(path + ".priors", i);
    require(!prior.presentation().empty(), ppath + ".presentation", "required");
    const bool last = i == m.priors_size() - 1;
    require(last != prior.has_when(), ppath + ".when",
            last ? "the last prior is the default: no when"
                 : "every prior but the last needs a when");
    if (prior.has_when()) {
      ctx.check_criterion(prior.when(), ppath + ".when");
      Codes(prior.when(), &prior_findings);
    }
    require(prior.prior_size() == n, ppath + ".prior",
            absl::StrCat("needs one prior per source (", n, ")"));
    double sum = 0;
    for (int s = 0; s < prior.prior_size(); ++s) {
      require(Probability(prior.prior(s)), At(ppath + ".prior", s),
              "must be in (0, 1)");
      sum += prior.prior(s);
    }
    require(std::fabs(sum - 1) < 1e-6, ppath + ".prior",
            absl::StrCat("must sum to 1 (sums to ", sum, ")"));
    ctx.check_source(prior.source(), ppath + ".source");
  }

  // The likelihood table: every finding is a row or neutral, never both.
  std::set<std::string> rows, neutral;
  for (int i = 0; i < m.neutral_findings_size(); ++i) {
    const std::string& code = m.neutral_findings(i);
    require(findings.contains(code), At(path + ".neutral_findings", i),
            absl::StrCat("unknown finding code '", code, "'"));
    require(neutral.insert(code).second, At(path + ".neutral_findings", i),
            absl::StrCat("duplicate '", code, "'"));
  }
  if (m.neutral_findings_size() > 0) {
    ctx.check_source(m.neutral_source(), path + ".neutral_source");
  }
  for (int i = 0; i < m.rows_size(); ++i) {
    const auto& row = m.rows(i);
    const std::string rpath = At(path + ".rows", i);
    auto found = findings.find(row.finding_code());
    if (found == findings.end()) {
      ctx.report(
          rpath + ".finding_code",
          absl::StrCat("unknown finding code '", row.finding_code(), "'"));
      continue;
    }
    require(rows.insert(row.finding_code()).second, rpath + ".finding_code",
            absl::StrCat("duplicate row for '", row.finding_code(), "'"));
    require(!neutral.count(row.finding_code()), rpath + ".finding_code",
            "a finding is either a row or neutral");
    require(!prior_findings.count(row.finding_code()), rpath + ".finding_code",
            "chooses the prior, so it must be neutral (no double counting)");
    require(row.group().empty() || groups.contains(row.group()),
            rpath + ".group",
            absl::StrCat("unknown evidence group '", row.group(), "'"));
    ctx.check_source(row.source(), rpath + ".source");
    const FindingDefinition& f = *found->second;
    if (f.value_type() == medius::v1::VALUE_TYPE_BOOL) {
      require(row.bands_size() == 0, rpath + ".bands",
              "a bool finding has p_present, not bands");
      require(row.p_present_size() == n, rpath + ".p_present",
              absl::StrCat("needs one probability per source (", n, ")"));
      for (int s = 0; s < row.p_present_size(); ++s) {
        require(Probability(row.p_present(s)), At(rpath + ".p_present", s),
                "must be in (0, 1)");
      }
      continue;
    }
    require(row.p_present_size() == 0, rpath + ".p_present",
            "a number finding has bands, not p_present");
    require(row.bands_size() > 0, rpath + ".bands", "needs bands");
    // Bands in order, contiguous, covering [min_value, max_value].
    std::vector<double> sums(n, 0);
    double expected_min = -INFINITY;
    for (int b = 0; b < row.bands_size(); ++b) {
      const auto& band = row.bands(b);
      const std::string bpath = At(rpath + ".bands", b);
      const double lo = band.has_min() ? band.min() : -INFINITY;
      const double hi = band.has_max() ? band.max() : INFINITY;
      require(b == 0 ? lo <= f.min_value() : lo == expected_min, bpath + ".min",
              b == 0 ? "the first band must start at or below the valid minimum"
                     : "bands must be contiguous (min = previous max)");
      require(lo < hi, bpath, "needs min < max");
      expected_min = hi;
      require(band.p_size() == n, bpath + ".p",
              absl::StrCat("needs one probability per source (", n, ")"));
      for (int s = 0; s < band.p_size() && s < n; ++s) {
        require(Probability(band.p(s)), At(bpath + ".p", s),
                "must be in (0, 1)");
        sums[s] += band.p(s);
      }
    }
    require(expected_min > f.max_value(), rpath + ".bands",
            "the last band must reach past the valid maximum");
    for (int s = 0; s < n; ++s) {
      require(std::fabs(sums[s] - 1) < 1e-6, rpath + ".bands",
              absl::StrCat("source ", s, "'s probabilities must sum to 1 (",
                           sums[s], ")"));
    }
  }
  for (const auto& f : kb.findings()) {
    require(rows.count(f.code()) || neutral.count(f.code()), path + ".rows",
            absl::StrCat("finding '", f.code(),
                         "' has no row and is not neutral: every cell of the "
                         "table must be stated"));
  }
  for (const std::string& code : prior_findings) {
    require(neutral.count(code) > 0, path + ".neutral_findings",
            absl::StrCat("'", code, "' chooses the prior: list it as neutral"));
  }

  for (int i = 0; i < m.qualifiers_size(); ++i) {
    const auto& q = m.qualifiers(i);
    const std::string qpath = At(path + ".qualifiers", i);
    require(conditions.contains(q.condition_code()), qpath + ".condition_code",
            absl::StrCat("unknown condition code '", q.condition_code(), "'"));
    require(!sources.count(q.condition_code()), qpath + ".condition_code",
            "a qualifier is not itself a primary source");
    require(sources.count(q.of_source()) > 0, qpath + ".of_source",
            absl::StrCat("'", q.of_source(), "' is not a primary source"));
    require(Probability(q.prior()), qpath + ".prior", "must be in (0, 1)");
    ctx.check_source(q.prior_source(), qpath + ".prior_source");
  }
  // With a primary-source model every condition is ranked by it, so each
  // must be a source or a qualifier (else it would keep a score on another
  // scale beside a normalised one).
  std::set<std::string> qualified;
  for (const auto& q : m.qualifiers()) qualified.insert(q.condition_code());
  for (int i = 0; i < kb.conditions_size(); ++i) {
    const std::string& code = kb.conditions(i).code();
    require(sources.count(code) > 0 || qualified.count(code) > 0,
            At("conditions", i) + ".code",
            absl::StrCat("'", code,
                         "' is neither a primary source nor a qualifier of "
                         "primary_source_model"));
  }
  std::set<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < m.coexistence_size(); ++i) {
    const auto& c = m.coexistence(i);
    const std::string cpath = At(path + ".coexistence", i);
    require(sources.count(c.primary()) > 0, cpath + ".primary",
            absl::StrCat("'", c.primary(), "' is not a primary source"));
    require(sources.count(c.secondary()) > 0, cpath + ".secondary",
            absl::StrCat("'", c.secondary(), "' is not a primary source"));
    require(c.primary() != c.secondary(), cpath + ".secondary",
            "a source cannot co-exist with itself");
    require(pairs.insert({c.primary(), c.secondary()}).second, cpath,
            "duplicate co-existence pair");
    require(Probability(c.prevalence()), cpath + ".prevalence",
            "must be in (0, 1)");
    ctx.check_source(c.source(), cpath + ".source");
  }
  require(m.discriminating_ratio() > 1, path + ".discriminating_ratio",
          "must be above 1");
  require(m.min_leading_probability() > 0 && m.min_leading_probability() < 1,
          path + ".min_leading_probability", "must be in (0, 1)");
  ctx.check_source(m.confidence_source(), path + ".confidence_source");
}

}  // namespace medius::kb
