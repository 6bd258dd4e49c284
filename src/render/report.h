// Plain-text rendering of API responses for a clinician at a terminal,
// wrapped at 100 columns: a short summary first (disposition, red flags,
// the three most likely conditions, what to do next), then the details
// (red flags, where the pain comes from, the differential with its
// evidence, next tests, the protocol, notes) and the references cited, each
// once. Pure functions of the messages; thread-safe.
//
// Example:
//   std::cout << medius::render::FormatAssessment(response, {.catalog =
//   &info});
#ifndef MEDIUS_RENDER_REPORT_H_
#define MEDIUS_RENDER_REPORT_H_

#include <string>

#include "medius/v1/assessment.pb.h"

namespace medius::render {

struct ReportOptions {
  // The knowledge base's catalog (GetKnowledgeBase), for the names of codes
  // an answer carries without one (screening questions not asked, exercises
  // left out). Without it those are shown as codes.
  const medius::v1::KnowledgeBaseInfo* catalog = nullptr;
  // Columns; no line is wider.
  size_t width = 100;
};

std::string FormatAssessment(const medius::v1::AssessResponse& response,
                             const ReportOptions& options = {});
std::string FormatCatalog(const medius::v1::KnowledgeBaseInfo& info);

// A probability as a percentage: whole numbers between 1% and 99%, one
// decimal outside that range, and never a rounded 0% or 100% for a value
// that is not exactly 0 or 1 ("<0.1%", ">99.9%"): 99.5% must not read as
// certain.
std::string Percent(double probability);
// The same with one decimal everywhere ("62.3%"), for the summary.
std::string PercentOneDecimal(double probability);

// Short human names for enum values ("EMERGENCY", "Emergency department").
// An urgency newer than this build reads as urgent (types.proto, forward
// compatibility).
std::string UrgencyName(medius::v1::Urgency urgency);
std::string DestinationName(medius::v1::ReferralDestination destination);
// "1-2 x 10 reps, hold 5-10 s, twice daily, light" style dosage line.
std::string FormatDosage(const medius::v1::Dosage& dosage);

}  // namespace medius::render

#endif  // MEDIUS_RENDER_REPORT_H_
