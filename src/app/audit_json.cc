#include "app/audit_json.h"

#include "absl/time/time.h"
#include "google/protobuf/util/json_util.h"

namespace medius::app {

void FillRequestJson(audit::AuditRecord& record) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  if (record.kind == audit::RecordKind::kOutcome) {
    medius::v1::Outcome outcome;
    if (outcome.ParseFromString(record.request) &&
        google::protobuf::util::MessageToJsonString(outcome, &json, options)
            .ok()) {
      record.request_json = std::move(json);
    }
    return;
  }
  medius::v1::AssessRequest request;
  if (request.ParseFromString(record.request) &&
      google::protobuf::util::MessageToJsonString(request, &json, options)
          .ok()) {
    record.request_json = std::move(json);
  }
}

medius::v1::RecordProvenance ProvenanceOf(const audit::AuditRecord& r) {
  medius::v1::RecordProvenance p;
  p.set_sequence(r.sequence);
  p.set_recorded_at(absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", r.recorded_at,
                                     absl::UTCTimeZone()));
  p.set_client(r.client);
  p.set_transport(r.transport);
  p.set_hash(r.hash);
  p.set_previous_hash(r.previous_hash);
  return p;
}

}  // namespace medius::app
