// Plain-text rendering of API responses for a clinician at a terminal:
// red flags first, then the differential with its evidence line by line,
// next tests, the protocol and notes. Pure functions of the messages.
//
// Example:
//   std::cout << medius::render::FormatAssessment(response);
#ifndef MEDIUS_RENDER_REPORT_H_
#define MEDIUS_RENDER_REPORT_H_

#include <string>

#include "medius/v1/assessment.pb.h"

namespace medius::render {

std::string FormatAssessment(const medius::v1::AssessResponse& response);
std::string FormatCatalog(const medius::v1::KnowledgeBaseInfo& info);

// Short human names for enum values ("Emergency", "Emergency department").
std::string UrgencyName(medius::v1::Urgency urgency);
std::string DestinationName(medius::v1::ReferralDestination destination);
// "1-2 x 10 reps, hold 5-10 s, twice daily, light" style dosage line.
std::string FormatDosage(const medius::v1::Dosage& dosage);

}  // namespace medius::render

#endif  // MEDIUS_RENDER_REPORT_H_
