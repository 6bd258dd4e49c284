// CallObserver: what the application core reports about each finished call,
// whichever transport carried it, for logs and metrics (and, later, the
// audit store). The record holds no patient data: no age, no findings; the
// encounter id is passed only so an observer can hash it, never to be
// written as is.
//
// Example:
//   class Counter : public CallObserver {
//     void OnCall(const CallRecord& r) override { ++calls_[r.method]; }
//   };
//
// Thread-safety: implementations must be thread-safe; calls finish on many
// threads at once.
#ifndef MEDIUS_APP_CALL_OBSERVER_H_
#define MEDIUS_APP_CALL_OBSERVER_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace medius::app {

struct CallRecord {
  std::string method;     // e.g. "Assess"
  std::string transport;  // "grpc", "cds-hooks"
  // The canonical code; gRPC's status codes have the same numbers.
  absl::StatusCode code = absl::StatusCode::kOk;
  double latency_seconds = 0;
  std::string client;         // authenticated client name, or "" if none
  std::string assessment_id;  // "" unless an assessment was produced
  std::string knowledge_base_version;
  std::vector<std::string> red_flags;  // codes of the red flags raised
  std::string encounter_id;  // raw: observers must hash it, never log it
};

class CallObserver {
 public:
  virtual ~CallObserver() = default;
  virtual void OnCall(const CallRecord& record) = 0;
};

}  // namespace medius::app

#endif  // MEDIUS_APP_CALL_OBSERVER_H_
