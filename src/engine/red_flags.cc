#include "engine/red_flags.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/urgency_text.h"
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

const std::string& SideCode() {
  static const std::string* const code = new std::string("affected_side");
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
    case Kind::kSide:
      *code = &SideCode();
      if (patient.side == medius::v1::SIDE_UNSPECIFIED) return Truth::kUnknown;
      return patient.side == c.side ? Truth::kTrue : Truth::kFalse;
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

// Counts the leaves of `c` that are true and, when `c` is unknown, appends
// the unassessed findings whose answer could still settle it: the children
// of a true any_of or a false all_of could not change it, so are skipped.
void Unsettled(const CompiledKb& kb, const CompiledCriterion& c,
               const Observations& observations, const PatientContext& patient,
               std::vector<int>* unassessed, int* true_leaves) {
  Codes codes;
  const Truth t = EvaluateInto(kb, c, observations, patient, &codes);
  if (t == Truth::kTrue) {
    *true_leaves += static_cast<int>(codes.size());
    return;
  }
  if (t == Truth::kFalse) return;
  if (c.children.empty()) {
    if (c.finding >= 0 && kb.finding(c.finding).patient_context() ==
                              medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
      unassessed->push_back(c.finding);
    }
    return;
  }
  for (const CompiledCriterion& child : c.children) {
    Unsettled(kb, child, observations, patient, unassessed, true_leaves);
  }
}

}  // namespace

std::vector<medius::v1::SuggestedTest> SuggestRedFlagTests(
    const CompiledKb& kb, const Observations& observations,
    const PatientContext& patient,
    const std::vector<medius::v1::RedFlag>& raised, size_t limit) {
  struct Open {
    const CompiledRedFlag* rule;
    const CompiledTrigger* trigger;
    std::vector<int> findings;
  };
  std::vector<Open> open;
  for (const CompiledRedFlag& rule : kb.red_flags) {
    medius::v1::Urgency current = medius::v1::URGENCY_UNSPECIFIED;
    for (const auto& flag : raised) {
      if (flag.code() == rule.def->code()) current = flag.urgency();
    }
    for (const CompiledTrigger& trigger : rule.triggers) {
      if (trigger.def->urgency() <= current ||
          trigger.def->urgency() <= medius::v1::URGENCY_ROUTINE) {
        continue;
      }
      Codes codes;
      if (EvaluateInto(kb, trigger.when, observations, patient, &codes) !=
          Truth::kUnknown) {
        continue;
      }
      Open o{&rule, &trigger, {}};
      int true_leaves = 0;
      Unsettled(kb, trigger.when, observations, patient, &o.findings,
                &true_leaves);
      if (true_leaves > 0 && !o.findings.empty()) open.push_back(std::move(o));
    }
  }
  // Most urgent first; knowledge-base order on a tie (stable).
  std::stable_sort(open.begin(), open.end(), [](const Open& a, const Open& b) {
    return a.trigger->def->urgency() > b.trigger->def->urgency();
  });
  std::vector<medius::v1::SuggestedTest> tests;
  // Core screening questions are asked through the disposition's
  // missing_screening_findings (and hold back the protocol until answered);
  // repeating them here would crowd out the examination tests.
  std::vector<int> seen(kb.core_screening.begin(), kb.core_screening.end());
  for (const Open& o : open) {
    for (int finding : o.findings) {
      if (tests.size() >= limit) return tests;
      if (std::find(seen.begin(), seen.end(), finding) != seen.end()) continue;
      seen.push_back(finding);
      const auto& def = kb.finding(finding);
      medius::v1::SuggestedTest& test = tests.emplace_back();
      test.set_finding_code(def.code());
      test.set_display_name(def.display_name());
      test.set_how_to(def.description());
      test.set_red_flag_code(o.rule->def->code());
      test.set_reason(absl::StrCat(
          "Red-flag check: could raise ", o.rule->def->display_name(), " (",
          common::UrgencyText(o.trigger->def->urgency()), ", rule ",
          o.trigger->def->id(),
          "); ask or test this before the "
          "differential's tests."));
    }
  }
  return tests;
}

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
    flag.add_sources(SourceText(kb, fired->def->source()));
    flag.set_trigger_id(fired->def->id());
    flag.set_tier(fired->def->tier());
  }
  std::sort(flags.begin(), flags.end(),
            [](const medius::v1::RedFlag& a, const medius::v1::RedFlag& b) {
              if (a.urgency() != b.urgency()) return a.urgency() > b.urgency();
              return a.code() < b.code();
            });
  return flags;
}

}  // namespace medius::engine
