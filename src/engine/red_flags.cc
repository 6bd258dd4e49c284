#include "engine/red_flags.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "engine/source_text.h"

namespace medius::engine {
namespace {

using Kind = CompiledCriterion::Kind;

// The codes that made a criterion true, as pointers into the knowledge base
// (or to the two patient fields): no string is copied until a flag fires.
using Codes = absl::InlinedVector<const std::string*, 16>;

const std::string& AgeCode() {
  static const std::string* const code = new std::string("age_years");
  return *code;
}

const std::string& SexCode() {
  static const std::string* const code = new std::string("sex");
  return *code;
}

Truth InRange(double value, const CompiledCriterion& c) {
  return value >= c.lo && value < c.hi ? Truth::kTrue : Truth::kFalse;
}

Truth EvaluateLeaf(const CompiledKb& kb, const CompiledCriterion& c,
                   const Observations& observations,
                   const PatientContext& patient, const std::string** code) {
  switch (c.kind) {
    case Kind::kPresent: {
      *code = &kb.finding(c.finding).code();
      const Observation& obs = observations[c.finding];
      if (obs.state == Observed::kPresent) return Truth::kTrue;
      if (obs.state == Observed::kAbsent) return Truth::kFalse;
      return Truth::kUnknown;
    }
    case Kind::kAbsent: {
      *code = &kb.finding(c.finding).code();
      const Observation& obs = observations[c.finding];
      if (obs.state == Observed::kAbsent) return Truth::kTrue;
      if (obs.state == Observed::kPresent) return Truth::kFalse;
      return Truth::kUnknown;
    }
    case Kind::kNumber: {
      *code = &kb.finding(c.finding).code();
      const Observation& obs = observations[c.finding];
      if (obs.state != Observed::kNumber) return Truth::kUnknown;
      return InRange(obs.number, c);
    }
    case Kind::kAge:
      *code = &AgeCode();
      if (!patient.age_years.has_value()) return Truth::kUnknown;
      return InRange(*patient.age_years, c);
    case Kind::kSex:
      *code = &SexCode();
      if (patient.sex == medius::v1::SEX_UNSPECIFIED) return Truth::kUnknown;
      return patient.sex == c.sex ? Truth::kTrue : Truth::kFalse;
    default:
      return Truth::kUnknown;
  }
}

// Evaluate, appending to `because` the codes of a true criterion; leaves
// `because` as it found it otherwise.
Truth EvaluateInto(const CompiledKb& kb, const CompiledCriterion& criterion,
                   const Observations& observations,
                   const PatientContext& patient, Codes* because) {
  if (criterion.kind != Kind::kAllOf && criterion.kind != Kind::kAnyOf &&
      criterion.kind != Kind::kAtLeast) {
    const std::string* code = nullptr;
    Truth t = EvaluateLeaf(kb, criterion, observations, patient, &code);
    if (t == Truth::kTrue) because->push_back(code);
    return t;
  }
  int true_count = 0, unknown_count = 0;
  // The children's codes go straight into `because`, and are taken back
  // if this criterion turns out not true.
  const size_t mark = because->size();
  for (const CompiledCriterion& child : criterion.children) {
    Truth t = EvaluateInto(kb, child, observations, patient, because);
    if (t == Truth::kTrue) ++true_count;
    if (t == Truth::kUnknown) ++unknown_count;
  }
  const int n = static_cast<int>(criterion.children.size());
  int needed = criterion.kind == Kind::kAllOf   ? n
               : criterion.kind == Kind::kAnyOf ? 1
                                                : criterion.count;
  Truth result;
  if (true_count >= needed) {
    result = Truth::kTrue;
  } else if (true_count + unknown_count >= needed) {
    result = Truth::kUnknown;
  } else {
    result = Truth::kFalse;
  }
  if (result != Truth::kTrue) because->resize(mark);
  return result;
}

}  // namespace

Truth Evaluate(const CompiledKb& kb, const CompiledCriterion& criterion,
               const Observations& observations, const PatientContext& patient,
               std::vector<std::string>* because) {
  Codes codes;
  Truth t = EvaluateInto(kb, criterion, observations, patient, &codes);
  for (const std::string* code : codes) because->push_back(*code);
  return t;
}

std::vector<medius::v1::RedFlag> EvaluateRedFlags(
    const CompiledKb& kb, const Observations& observations,
    const PatientContext& patient) {
  std::vector<medius::v1::RedFlag> flags;
  for (const CompiledRedFlag& rule : kb.red_flags) {
    const CompiledTrigger* fired = nullptr;
    Codes because;
    for (const CompiledTrigger& trigger : rule.triggers) {
      Codes codes;
      if (EvaluateInto(kb, trigger.when, observations, patient, &codes) !=
          Truth::kTrue) {
        continue;
      }
      // The most urgent firing trigger wins; the first on a tie.
      if (fired == nullptr || trigger.def->urgency() > fired->def->urgency()) {
        fired = &trigger;
        because = std::move(codes);
      }
    }
    if (fired == nullptr) continue;
    std::sort(
        because.begin(), because.end(),
        [](const std::string* a, const std::string* b) { return *a < *b; });
    because.erase(std::unique(because.begin(), because.end(),
                              [](const std::string* a, const std::string* b) {
                                return *a == *b;
                              }),
                  because.end());
    medius::v1::RedFlag& flag = flags.emplace_back();
    flag.set_code(rule.def->code());
    flag.set_display_name(rule.def->display_name());
    flag.set_urgency(fired->def->urgency());
    flag.set_refer_to(fired->def->refer_to());
    for (const std::string* code : because) flag.add_triggered_by(*code);
    flag.set_rationale(fired->def->rationale());
    flag.set_action(fired->def->action());
    flag.add_sources(SourceText(fired->def->source()));
  }
  std::sort(flags.begin(), flags.end(),
            [](const medius::v1::RedFlag& a, const medius::v1::RedFlag& b) {
              if (a.urgency() != b.urgency()) return a.urgency() > b.urgency();
              return a.code() < b.code();
            });
  return flags;
}

}  // namespace medius::engine
