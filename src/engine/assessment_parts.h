// The parts of an assessment after red flags: differential, next tests,
// exercise protocol and notes. Internal to the engine; split out so each
// stays small and testable.
//
// Thread-safety: pure functions.
#ifndef MEDIUS_ENGINE_ASSESSMENT_PARTS_H_
#define MEDIUS_ENGINE_ASSESSMENT_PARTS_H_

#include <string>
#include <vector>

#include "engine/compiled_kb.h"
#include "engine/red_flags.h"
#include "engine/scoring.h"
#include "medius/v1/assessment.pb.h"

namespace medius::engine {

struct RankedCondition {
  const CompiledCondition* condition = nullptr;
  ConditionScore score;
};

// Every condition scored, most probable first (then by code).
std::vector<RankedCondition> RankConditions(const CompiledKb& kb,
                                            const Observations& observations);

// The response entry for one ranked condition, evidence included.
medius::v1::DifferentialEntry ToDifferentialEntry(
    const CompiledKb& kb, const RankedCondition& ranked,
    const Observations& observations);

// The unassessed findings that would most change the two leading
// conditions, most useful first, at most settings.next_tests_count.
std::vector<medius::v1::SuggestedTest> SuggestNextTests(
    const CompiledKb& kb, const Observations& observations,
    const std::vector<RankedCondition>& ranked);

// The protocol for the leading condition, without exercises that any likely
// condition contraindicates; withheld when a red flag needs referral first.
// Personalised from the findings: starting phase from irritability,
// advice rules, targeted exercises for contributing factors, and the advice
// of co-existing likely conditions.
medius::v1::ExerciseProtocol BuildProtocol(
    const CompiledKb& kb, const Observations& observations,
    const PatientContext& patient, const std::vector<RankedCondition>& ranked,
    const std::vector<medius::v1::RedFlag>& red_flags);

// The response-level disposition: the most urgent red flag and what to do
// now, whether exercise is withheld, and the core screening questions that
// were not asked.
medius::v1::Disposition BuildDisposition(
    const CompiledKb& kb, const Observations& observations,
    const std::vector<medius::v1::RedFlag>& red_flags,
    const medius::v1::ExerciseProtocol& protocol);

// Caveats for the clinician: too few findings assessed, no condition likely,
// or the two leading conditions not yet separated.
std::vector<std::string> BuildNotes(
    const CompiledKb& kb, const Observations& observations,
    const std::vector<RankedCondition>& ranked,
    const std::vector<medius::v1::RedFlag>& red_flags,
    const std::vector<medius::v1::SuggestedTest>& next_tests,
    const medius::v1::Disposition& disposition);

// Red flags at or above this urgency withhold the protocol: the patient
// needs a medical opinion before loading the hip. Every screen-tier trigger
// is at least this urgent (the validator checks it), so any single strong
// feature holds back loading exercise (clinical safety rule 2).
inline constexpr medius::v1::Urgency kWithholdProtocolFrom =
    medius::v1::URGENCY_SOON;

// Findings the clinician reported; patient context (age, sex) is not an
// assessment.
int CountAssessed(const CompiledKb& kb, const Observations& observations);

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_ASSESSMENT_PARTS_H_
