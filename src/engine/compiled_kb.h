// The compiled, immutable form of a validated knowledge base: codes resolved
// to dense indexes, logs of likelihood ratios precomputed, red-flag criteria
// turned into trees over finding indexes. Built once by Engine::Create and
// shared read-only by every evaluation.
//
// Thread-safety: immutable after Compile; safe to share across threads.
#ifndef MEDIUS_ENGINE_COMPILED_KB_H_
#define MEDIUS_ENGINE_COMPILED_KB_H_

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "medius/v1/assessment.pb.h"
#include "medius/v1/knowledge_base.pb.h"

namespace medius::engine {

// One finding's reported value in a request (indexed by finding).
enum class Observed : unsigned char { kUnassessed, kPresent, kAbsent, kNumber };
struct Observation {
  Observed state = Observed::kUnassessed;
  double number = 0;
};
using Observations = std::vector<Observation>;

struct CompiledBand {
  double lo = -INFINITY;  // inclusive
  double hi = INFINITY;   // exclusive
  double ln_ratio = 0;
  const medius::v1::NumberBand* def = nullptr;
  // CompiledKb::evidence_wire index when the band has a source of its own;
  // -1: the likelihood ratio's applies.
  int wire = -1;
};

struct CompiledLr {
  int finding = -1;
  int group = -1;  // index into CompiledKb::groups, or -1
  bool has_positive = false, has_negative = false;
  double ln_positive = 0, ln_negative = 0;
  std::vector<CompiledBand> bands;
  const medius::v1::LikelihoodRatio* def = nullptr;
  int wire = -1;  // CompiledKb::evidence_wire index (evidence_wire.h)
};

struct CompiledCondition {
  double prior_log_odds = 0;
  std::vector<CompiledLr> lrs;
  const medius::v1::ConditionDefinition* def = nullptr;
};

struct CompiledCriterion {
  enum class Kind {
    kPresent,
    kAbsent,
    kNumber,
    kAge,
    kSex,
    kSide,
    kAllOf,
    kAnyOf,
    kAtLeast
  };
  Kind kind = Kind::kPresent;
  int finding = -1;                                   // kPresent, kNumber
  double lo = -INFINITY, hi = INFINITY;               // kNumber, kAge: [lo, hi)
  medius::v1::Sex sex = medius::v1::SEX_UNSPECIFIED;  // kSex
  medius::v1::Side side = medius::v1::SIDE_UNSPECIFIED;  // kSide
  int count = 0;                                         // kAtLeast
  std::vector<CompiledCriterion> children;  // kAllOf, kAnyOf, kAtLeast
};

struct CompiledTrigger {
  CompiledCriterion when;
  const medius::v1::RedFlagTrigger* def = nullptr;
};

struct CompiledRedFlag {
  std::vector<CompiledTrigger> triggers;
  const medius::v1::RedFlagRule* def = nullptr;
};

// The primary-source model (PrimarySourceModel), compiled: log
// probabilities per source, in PrimarySourceModel.sources order.
struct CompiledPrimaryBand {
  double lo = -INFINITY, hi = INFINITY;
  std::vector<double> ln_p;
  const medius::v1::LikelihoodBand* def = nullptr;
};

struct CompiledPrimaryRow {
  int finding = -1;
  int group = -1;  // index into CompiledKb::groups, or -1
  std::vector<double> ln_present, ln_absent;  // bool findings
  std::vector<CompiledPrimaryBand> bands;     // number findings
  const medius::v1::LikelihoodRow* def = nullptr;
  // CompiledKb::evidence_wire indexes (evidence_wire.h): the row's static
  // evidence in primary_source.sources (source text and citations
  // included), and in contributors (which refer to the former for both).
  int wire = -1;
  int contributor_wire = -1;
};

struct CompiledPrimaryModel {
  std::vector<int> sources;  // indexes into CompiledKb::conditions
  struct Prior {
    std::optional<CompiledCriterion> when;
    std::vector<double> ln_prior;
    const medius::v1::PresentationPrior* def = nullptr;
  };
  std::vector<Prior> priors;
  std::vector<CompiledPrimaryRow> rows;
  struct Qualifier {
    int condition = -1;  // index into CompiledKb::conditions
    int source = -1;     // index into `sources`
    double prior_log_odds = 0;
    const medius::v1::QualifierDefinition* def = nullptr;
  };
  std::vector<Qualifier> qualifiers;
  struct Coexistence {
    int primary = -1, secondary = -1;  // indexes into `sources`
    double prior_log_odds = 0;
    std::string prior_source_text;
    const medius::v1::CoexistencePrior* def = nullptr;
  };
  std::vector<Coexistence> coexistence;
  const medius::v1::PrimarySourceModel* def = nullptr;
};

struct CompiledKb {
  // The validated source; every def pointer above points into it.
  medius::v1::KnowledgeBase kb;
  absl::flat_hash_map<std::string, int> finding_index;
  int age_finding = -1;     // the PATIENT_CONTEXT_AGE_YEARS finding, if any
  int female_finding = -1;  // the PATIENT_CONTEXT_FEMALE finding, if any
  absl::flat_hash_map<std::string, int> exercise_index;
  std::vector<CompiledCondition> conditions;
  std::vector<CompiledRedFlag> red_flags;
  // Copy-free view of kb.evidence_groups() by index.
  std::vector<const medius::v1::EvidenceGroup*> groups;
  // Parallel to kb.advice_rules() and kb.targeted_exercises().
  std::vector<CompiledCriterion> advice_when;
  std::vector<CompiledCriterion> targeted_when;
  // Irritability criteria from settings, when set.
  std::optional<CompiledCriterion> high_irritability, low_irritability;
  // Finding indexes of settings.core_screening_findings.
  std::vector<int> core_screening;
  // Set when the knowledge base has a primary-source model.
  std::optional<CompiledPrimaryModel> primary;
  // kb.references() by id.
  absl::flat_hash_map<std::string, const medius::v1::Reference*> references;
  // Response text built once at Compile rather than on every call: the
  // SourceText of every Source in `kb`, and the ReferenceText of every
  // reference, keyed by address (both point into `kb`).
  absl::flat_hash_map<const medius::v1::Source*, std::string> source_texts;
  absl::flat_hash_map<const medius::v1::Reference*, std::string>
      reference_texts;
  // The static fields of response Evidence, serialized once
  // (evidence_wire.h), with the reference ids their citations name.
  struct EvidenceWire {
    std::string bytes;
    std::string basic_bytes;  // the same for ASSESS_VIEW_BASIC
    std::vector<std::string> reference_ids;
  };
  std::vector<EvidenceWire> evidence_wire;

  const medius::v1::FindingDefinition& finding(int i) const {
    return kb.findings(i);
  }
};

// Compiles `kb`, which must already have passed kb::Validate. Returns
// INVALID_ARGUMENT (never crashes) if a reference does not resolve.
absl::StatusOr<std::unique_ptr<const CompiledKb>> Compile(
    medius::v1::KnowledgeBase kb);

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_COMPILED_KB_H_
