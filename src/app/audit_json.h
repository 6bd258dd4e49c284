// The JSON a human reads in the assessment record: the stored request (or
// outcome) rendered on the audit writer's thread before the record is
// appended (AuditWriterOptions::prepare), and the stored response rendered
// when it is read back (`medius audit show`).
//
// Example:
//   options.prepare = medius::app::FillRequestJson;
//
// Thread-safety: pure functions.
#ifndef MEDIUS_APP_AUDIT_JSON_H_
#define MEDIUS_APP_AUDIT_JSON_H_

#include <string>

#include "audit/audit_record.h"
#include "medius/v1/audit.pb.h"

namespace medius::app {

// Sets record.request_json from record.request (an AssessRequest or an
// Outcome, by kind); leaves it empty for bytes that do not parse.
void FillRequestJson(audit::AuditRecord& record);

// The provenance the API reports for a stored record.
medius::v1::RecordProvenance ProvenanceOf(const audit::AuditRecord& record);

}  // namespace medius::app

#endif  // MEDIUS_APP_AUDIT_JSON_H_
