// Red-flag rule evaluation in three-valued logic: a criterion is true,
// false, or unknown (it depends on a finding that was not assessed). A flag
// fires only on a definitely true trigger, so an unasked screening question
// never counts as a negative answer -- nor as a positive one.
//
// Thread-safety: pure functions.
#ifndef MEDIUS_ENGINE_RED_FLAGS_H_
#define MEDIUS_ENGINE_RED_FLAGS_H_

#include <optional>
#include <string>
#include <vector>

#include "engine/compiled_kb.h"
#include "medius/v1/assessment.pb.h"

namespace medius::engine {

enum class Truth { kFalse, kTrue, kUnknown };

struct PatientContext {
  std::optional<double> age_years;
  medius::v1::Sex sex = medius::v1::SEX_UNSPECIFIED;
  medius::v1::Side side = medius::v1::SIDE_UNSPECIFIED;
};

// Evaluates `criterion`. When the result is kTrue, appends to `because` the
// codes of the findings (or "age_years" / "sex") that made it true.
Truth Evaluate(const CompiledKb& kb, const CompiledCriterion& criterion,
               const Observations& observations, const PatientContext& patient,
               std::vector<std::string>* because);

// Every red flag that fires, most urgent first, then by code.
std::vector<medius::v1::RedFlag> EvaluateRedFlags(
    const CompiledKb& kb, const Observations& observations,
    const PatientContext& patient);

// Tests that could confirm or exclude a serious pathology that is possible
// but not settled: for each trigger that is unknown although part of it is
// already true (e.g. a runner with a load increase whose hop test was not
// done), its unassessed findings, most urgent trigger first, skipping
// triggers that could not raise their flag's urgency and the core screening
// questions (the disposition lists those). At most `limit`; each names the
// red flag (SuggestedTest.red_flag_code).
std::vector<medius::v1::SuggestedTest> SuggestRedFlagTests(
    const CompiledKb& kb, const Observations& observations,
    const PatientContext& patient,
    const std::vector<medius::v1::RedFlag>& raised, size_t limit);

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_RED_FLAGS_H_
