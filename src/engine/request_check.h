// Request validation: every problem of an AssessRequest, each naming the
// offending field ("findings[3].code"), and the request's findings turned
// into Observations indexed by finding.
//
// Clinical safety rule 1 starts here: only findings that were sent become
// observations; everything else stays kUnassessed, never "absent".
//
// Thread-safety: re-entrant.
#ifndef MEDIUS_ENGINE_REQUEST_CHECK_H_
#define MEDIUS_ENGINE_REQUEST_CHECK_H_

#include <string>
#include <vector>

#include "engine/compiled_kb.h"
#include "medius/v1/assessment.pb.h"

namespace medius::engine {

struct FieldViolation {
  std::string field;        // e.g. "findings[3].code", "patient.age_years"
  std::string description;  // what is wrong, for the integrator
};

// Limits that keep a request's cost bounded.
inline constexpr int kMaxFindings = 256;
inline constexpr size_t kMaxEncounterIdLength = 128;
inline constexpr size_t kMaxCodeLength = 64;
inline constexpr double kMaxAgeYears = 120;
// At most this many violations are reported (checking stops there, and a
// last entry says so), so that an INVALID_ARGUMENT reply with its
// BadRequest details stays well under gRPC's 8 KiB metadata limit: a reply
// that cannot arrive helps nobody.
inline constexpr size_t kMaxViolations = 20;
// Of those, how many the status message itself lists (the rest are in the
// details only).
inline constexpr size_t kMaxViolationsInMessage = 5;

// Returns every violation, up to kMaxViolations and then one entry saying
// that checking stopped (empty when the request is valid). When valid,
// `observations` holds one entry per knowledge-base finding, including the
// patient-context findings derived from request.patient.
std::vector<FieldViolation> CheckRequest(
    const medius::v1::AssessRequest& request, const CompiledKb& kb,
    Observations* observations);

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_REQUEST_CHECK_H_
