// OutcomeReport: how the knowledge base does in real use, from the stored
// record. Per knowledge-base version: agreement between the leading
// condition and the diagnosis confirmed later, red flags raised against
// serious pathology confirmed, and the calibration of the stated
// probabilities (reliability table, Brier score, an SVG plot).
//
// Counting rules (docs/AUDIT.md): an assessment counts once, with the
// latest outcome that gives each part (action; confirmed diagnosis). An
// assessment whose confirmed diagnosis is serious pathology counts for the
// red-flag table only; the others count for agreement and calibration.
//
// Example:
//   absl::StatusOr<OutcomeReport> r = BuildOutcomeReport(*store);
//   std::cout << FormatOutcomeReport(*r);
//
// Thread-safety: uses the store exclusively while building; pure after.
#ifndef MEDIUS_AUDIT_OUTCOME_REPORT_H_
#define MEDIUS_AUDIT_OUTCOME_REPORT_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "audit/audit_store.h"

namespace medius::audit {

struct CalibrationBin {
  int64_t predictions = 0;   // differential entries whose p fell here
  double sum_predicted = 0;  // their probabilities summed
  int64_t confirmed = 0;     // how many were the confirmed condition
};

struct VersionOutcomes {
  int64_t assessments = 0;
  int64_t with_outcome = 0;
  int64_t accepted = 0;
  int64_t overridden = 0;
  // Non-serious confirmed diagnoses: the leading condition was it (top-1),
  // or it was among the first three (top-3).
  int64_t confirmed_condition = 0;
  int64_t leading_agrees = 0;
  int64_t top3_agrees = 0;
  // Every confirmed diagnosis, by whether a red flag was raised.
  int64_t serious_flagged = 0;     // true positive
  int64_t serious_missed = 0;      // false negative
  int64_t benign_flagged = 0;      // false positive
  int64_t benign_not_flagged = 0;  // true negative
  // Multi-class Brier score: mean over confirmed (non-serious) cases of
  // sum over conditions of (p - outcome)^2.
  double brier_sum = 0;
  std::array<CalibrationBin, 10> bins;  // [0, 0.1), ..., [0.9, 1.0]
};

struct OutcomeReport {
  std::map<std::string, VersionOutcomes> by_version;
  int64_t records_read = 0;
};

absl::StatusOr<OutcomeReport> BuildOutcomeReport(AuditStore& store);

// Plain text, one section per version (ratios with their counts).
std::string FormatOutcomeReport(const OutcomeReport& report);

// A reliability diagram (stated probability against observed frequency,
// per version) as a standalone SVG document.
std::string CalibrationSvg(const OutcomeReport& report);

}  // namespace medius::audit

#endif  // MEDIUS_AUDIT_OUTCOME_REPORT_H_
