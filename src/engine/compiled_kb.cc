#include "engine/compiled_kb.h"

#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "engine/evidence_wire.h"
#include "engine/source_text.h"

namespace medius::engine {
namespace {

using medius::v1::Criterion;

absl::StatusOr<int> FindingIndex(const CompiledKb& compiled,
                                 const std::string& code) {
  auto it = compiled.finding_index.find(code);
  if (it == compiled.finding_index.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown finding code '", code, "'"));
  }
  return it->second;
}

absl::StatusOr<CompiledCriterion> CompileCriterion(const CompiledKb& compiled,
                                                   const Criterion& c) {
  CompiledCriterion out;
  using Kind = CompiledCriterion::Kind;
  switch (c.kind_case()) {
    case Criterion::kPresent: {
      out.kind = Kind::kPresent;
      MEDIUS_ASSIGN_OR_RETURN(out.finding, FindingIndex(compiled, c.present()));
      return out;
    }
    case Criterion::kAbsent: {
      out.kind = Kind::kAbsent;
      MEDIUS_ASSIGN_OR_RETURN(out.finding, FindingIndex(compiled, c.absent()));
      return out;
    }
    case Criterion::kNumber: {
      out.kind = Kind::kNumber;
      MEDIUS_ASSIGN_OR_RETURN(
          out.finding, FindingIndex(compiled, c.number().finding_code()));
      if (c.number().has_at_least()) out.lo = c.number().at_least();
      if (c.number().has_below()) out.hi = c.number().below();
      return out;
    }
    case Criterion::kAge:
      out.kind = Kind::kAge;
      if (c.age().has_at_least()) out.lo = c.age().at_least();
      if (c.age().has_below()) out.hi = c.age().below();
      return out;
    case Criterion::kSex:
      out.kind = Kind::kSex;
      out.sex = c.sex();
      return out;
    case Criterion::kSide:
      out.kind = Kind::kSide;
      out.side = c.side();
      return out;
    case Criterion::kAllOf:
    case Criterion::kAnyOf:
    case Criterion::kAtLeast: {
      const auto& list =
          c.kind_case() == Criterion::kAllOf   ? c.all_of().criteria()
          : c.kind_case() == Criterion::kAnyOf ? c.any_of().criteria()
                                               : c.at_least().criteria();
      out.kind = c.kind_case() == Criterion::kAllOf   ? Kind::kAllOf
                 : c.kind_case() == Criterion::kAnyOf ? Kind::kAnyOf
                                                      : Kind::kAtLeast;
      out.count = static_cast<int>(c.at_least().count());
      for (const Criterion& child : list) {
        MEDIUS_ASSIGN_OR_RETURN(CompiledCriterion compiled_child,
                                CompileCriterion(compiled, child));
        out.children.push_back(std::move(compiled_child));
      }
      if (out.children.empty()) {
        return absl::InvalidArgumentError("empty criterion list");
      }
      return out;
    }
    case Criterion::KIND_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("empty criterion");
}

// Every Source message in `message`, found by reflection so that a Source
// added to the schema anywhere is cached without touching this code.
void CacheSourceTexts(const google::protobuf::Message& message,
                      CompiledKb& compiled) {
  if (message.GetDescriptor() == medius::v1::Source::descriptor()) {
    const auto& source = static_cast<const medius::v1::Source&>(message);
    compiled.source_texts[&source] = ComputeSourceText(compiled, source);
    return;
  }
  const google::protobuf::Reflection* reflection = message.GetReflection();
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const auto* field : fields) {
    if (field->cpp_type() !=
        google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        CacheSourceTexts(reflection->GetRepeatedMessage(message, field, i),
                         compiled);
      }
    } else {
      CacheSourceTexts(reflection->GetMessage(message, field), compiled);
    }
  }
}

absl::StatusOr<CompiledPrimaryModel> CompilePrimary(
    const CompiledKb& compiled,
    const absl::flat_hash_map<std::string, int>& group_index) {
  const medius::v1::PrimarySourceModel& def =
      compiled.kb.primary_source_model();
  CompiledPrimaryModel model;
  model.def = &def;
  absl::flat_hash_map<std::string, int> condition_index, source_index;
  for (size_t i = 0; i < compiled.conditions.size(); ++i) {
    condition_index[compiled.conditions[i].def->code()] = static_cast<int>(i);
  }
  for (const std::string& code : def.sources()) {
    auto it = condition_index.find(code);
    if (it == condition_index.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown primary source '", code, "'"));
    }
    source_index[code] = static_cast<int>(model.sources.size());
    model.sources.push_back(it->second);
  }
  for (const auto& prior_def : def.priors()) {
    CompiledPrimaryModel::Prior prior;
    prior.def = &prior_def;
    if (prior_def.has_when()) {
      MEDIUS_ASSIGN_OR_RETURN(prior.when,
                              CompileCriterion(compiled, prior_def.when()));
    }
    for (double p : prior_def.prior()) prior.ln_prior.push_back(std::log(p));
    model.priors.push_back(std::move(prior));
  }
  for (const auto& row_def : def.rows()) {
    CompiledPrimaryRow row;
    row.def = &row_def;
    MEDIUS_ASSIGN_OR_RETURN(row.finding,
                            FindingIndex(compiled, row_def.finding_code()));
    if (!row_def.group().empty()) {
      auto it = group_index.find(row_def.group());
      if (it == group_index.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("unknown evidence group '", row_def.group(), "'"));
      }
      row.group = it->second;
    }
    for (double p : row_def.p_present()) {
      row.ln_present.push_back(std::log(p));
      row.ln_absent.push_back(std::log(1 - p));
    }
    for (const auto& band_def : row_def.bands()) {
      CompiledPrimaryBand band;
      band.def = &band_def;
      if (band_def.has_min()) band.lo = band_def.min();
      if (band_def.has_max()) band.hi = band_def.max();
      for (double p : band_def.p()) band.ln_p.push_back(std::log(p));
      row.bands.push_back(std::move(band));
    }
    model.rows.push_back(std::move(row));
  }
  for (const auto& q_def : def.qualifiers()) {
    CompiledPrimaryModel::Qualifier q;
    q.def = &q_def;
    auto c = condition_index.find(q_def.condition_code());
    auto s = source_index.find(q_def.of_source());
    if (c == condition_index.end() || s == source_index.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown qualifier '", q_def.condition_code(), "'"));
    }
    q.condition = c->second;
    q.source = s->second;
    q.prior_log_odds = std::log(q_def.prior() / (1 - q_def.prior()));
    model.qualifiers.push_back(q);
  }
  for (const auto& c_def : def.coexistence()) {
    CompiledPrimaryModel::Coexistence c;
    c.def = &c_def;
    auto primary = source_index.find(c_def.primary());
    auto secondary = source_index.find(c_def.secondary());
    if (primary == source_index.end() || secondary == source_index.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown co-existence pair '", c_def.primary(), "' / '",
                       c_def.secondary(), "'"));
    }
    c.primary = primary->second;
    c.secondary = secondary->second;
    c.prior_log_odds = std::log(c_def.prevalence() / (1 - c_def.prevalence()));
    c.prior_source_text = SourceText(compiled, c_def.source());
    model.coexistence.push_back(std::move(c));
  }
  return model;
}

}  // namespace

absl::StatusOr<std::unique_ptr<const CompiledKb>> Compile(
    medius::v1::KnowledgeBase kb) {
  auto compiled = std::make_unique<CompiledKb>();
  compiled->kb = std::move(kb);
  const medius::v1::KnowledgeBase& source = compiled->kb;

  for (int i = 0; i < source.findings_size(); ++i) {
    const auto& f = source.findings(i);
    compiled->finding_index.emplace(f.code(), i);
    if (f.patient_context() == medius::v1::PATIENT_CONTEXT_AGE_YEARS) {
      compiled->age_finding = i;
    } else if (f.patient_context() == medius::v1::PATIENT_CONTEXT_FEMALE) {
      compiled->female_finding = i;
    }
  }
  absl::flat_hash_map<std::string, int> group_index;
  for (int i = 0; i < source.evidence_groups_size(); ++i) {
    group_index.emplace(source.evidence_groups(i).id(), i);
    compiled->groups.push_back(&source.evidence_groups(i));
  }
  for (int i = 0; i < source.exercises_size(); ++i) {
    compiled->exercise_index.emplace(source.exercises(i).code(), i);
  }

  for (const auto& def : source.conditions()) {
    CompiledCondition condition;
    condition.def = &def;
    condition.prior_log_odds = std::log(def.prior() / (1 - def.prior()));
    for (const auto& lr_def : def.likelihood_ratios()) {
      CompiledLr lr;
      lr.def = &lr_def;
      MEDIUS_ASSIGN_OR_RETURN(lr.finding,
                              FindingIndex(*compiled, lr_def.finding_code()));
      if (!lr_def.group().empty()) {
        auto it = group_index.find(lr_def.group());
        if (it == group_index.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat("unknown evidence group '", lr_def.group(), "'"));
        }
        lr.group = it->second;
      }
      lr.has_positive = lr_def.has_positive();
      lr.has_negative = lr_def.has_negative();
      if (lr.has_positive) lr.ln_positive = std::log(lr_def.positive());
      if (lr.has_negative) lr.ln_negative = std::log(lr_def.negative());
      for (const auto& band_def : lr_def.bands()) {
        CompiledBand band;
        band.def = &band_def;
        if (band_def.has_min()) band.lo = band_def.min();
        if (band_def.has_max()) band.hi = band_def.max();
        band.ln_ratio = std::log(band_def.ratio());
        lr.bands.push_back(band);
      }
      condition.lrs.push_back(std::move(lr));
    }
    compiled->conditions.push_back(std::move(condition));
  }

  for (const auto& def : source.red_flags()) {
    CompiledRedFlag flag;
    flag.def = &def;
    for (const auto& trigger_def : def.triggers()) {
      CompiledTrigger trigger;
      trigger.def = &trigger_def;
      MEDIUS_ASSIGN_OR_RETURN(trigger.when,
                              CompileCriterion(*compiled, trigger_def.when()));
      flag.triggers.push_back(std::move(trigger));
    }
    compiled->red_flags.push_back(std::move(flag));
  }
  for (const auto& rule : source.advice_rules()) {
    MEDIUS_ASSIGN_OR_RETURN(CompiledCriterion when,
                            CompileCriterion(*compiled, rule.when()));
    compiled->advice_when.push_back(std::move(when));
  }
  for (const auto& rule : source.targeted_exercises()) {
    MEDIUS_ASSIGN_OR_RETURN(CompiledCriterion when,
                            CompileCriterion(*compiled, rule.when()));
    compiled->targeted_when.push_back(std::move(when));
  }
  const auto& settings = source.settings();
  if (settings.has_high_irritability()) {
    MEDIUS_ASSIGN_OR_RETURN(
        compiled->high_irritability,
        CompileCriterion(*compiled, settings.high_irritability()));
  }
  if (settings.has_low_irritability()) {
    MEDIUS_ASSIGN_OR_RETURN(
        compiled->low_irritability,
        CompileCriterion(*compiled, settings.low_irritability()));
  }
  for (const std::string& code : settings.core_screening_findings()) {
    MEDIUS_ASSIGN_OR_RETURN(int index, FindingIndex(*compiled, code));
    compiled->core_screening.push_back(index);
  }
  for (const auto& r : source.references()) {
    compiled->references[r.id()] = &r;
    compiled->reference_texts[&r] = ComputeReferenceText(r);
  }
  CacheSourceTexts(source, *compiled);
  if (source.has_primary_source_model()) {
    MEDIUS_ASSIGN_OR_RETURN(compiled->primary,
                            CompilePrimary(*compiled, group_index));
  }
  CompileEvidenceWire(*compiled);
  return std::unique_ptr<const CompiledKb>(std::move(compiled));
}

}  // namespace medius::engine
