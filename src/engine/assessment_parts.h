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
#include "engine/primary_source.h"
#include "engine/red_flags.h"
#include "engine/scoring.h"
#include "medius/v1/assessment.pb.h"

namespace medius::engine {

struct RankedCondition {
  const CompiledCondition* condition = nullptr;
  ConditionScore score;
};

// `ranked` ordered by `key` (descending), then promoted refinements first,
// then by probability and code.
std::vector<RankedCondition> SortByKey(std::vector<RankedCondition> ranked,
                                       const std::vector<double>& key,
                                       const std::vector<int>& promoted);

// Every condition scored, most probable first (then by code).
std::vector<RankedCondition> RankConditions(const CompiledKb& kb,
                                            const Observations& observations);

// With a primary-source model, the differential follows it, so that the
// differential, the protocol and the notes cannot disagree with "where the
// pain comes from": a source's probability is P(source | findings) (the
// sources sum to 1); a qualifier's (a tear or bursal involvement within
// GTPS) is P(qualifier and its source | findings), a part of its source's.
// A qualifier likely given its source (settings.refinement_min_probability)
// takes its source's place and sorts just before it, so that its protocol
// applies. A condition in neither role keeps its own score (the validator
// forbids that in a knowledge base with a primary-source model).
std::vector<RankedCondition> RankByPrimary(const CompiledKb& kb,
                                           const PrimaryScore& score,
                                           std::vector<RankedCondition> ranked);

// The differential entry for a condition ranked by RankByPrimary: the
// probability it was ranked with, and the evidence and prior of its source
// or qualifier in `primary` (ToPrimaryAssessment of the same score).
medius::v1::DifferentialEntry ToDifferentialEntry(
    const CompiledKb& kb, const RankedCondition& ranked,
    const PrimaryScore& score,
    const medius::v1::PrimarySourceAssessment& primary);

// A differential entry's code, names, probability, the condition's own
// prior and `refines`, without evidence.
medius::v1::DifferentialEntry EntryHeader(const CompiledKb& kb,
                                          const RankedCondition& ranked);

// The response entry for one ranked condition, evidence included.
medius::v1::DifferentialEntry ToDifferentialEntry(
    const CompiledKb& kb, const RankedCondition& ranked,
    const Observations& observations,
    EvidenceText form = EvidenceText::kInline);

// The unassessed findings that would most change the two leading
// conditions, most useful first, at most settings.next_tests_count.
std::vector<medius::v1::SuggestedTest> SuggestNextTests(
    const CompiledKb& kb, const Observations& observations,
    const std::vector<RankedCondition>& ranked);

// The protocol for the leading condition, without exercises that any likely
// condition contraindicates; withheld when a red flag needs referral first,
// and not chosen while the primary source is ranked with low confidence
// (`low_confidence`: a loading programme aimed at the wrong source is the
// error the published-case validation found).
// Personalised from the findings: starting phase from irritability,
// advice rules, targeted exercises for contributing factors, and the advice
// of co-existing likely conditions.
medius::v1::ExerciseProtocol BuildProtocol(
    const CompiledKb& kb, const Observations& observations,
    const PatientContext& patient, const std::vector<RankedCondition>& ranked,
    const std::vector<medius::v1::RedFlag>& red_flags,
    bool low_confidence = false);

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
