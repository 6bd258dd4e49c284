// RpcObserver: what the service reports about each finished call, for logs
// and metrics. The record holds no patient data: no age, no findings; the
// encounter id is passed only so an observer can hash it, never to be
// written as is.
#ifndef MEDIUS_SERVICE_RPC_OBSERVER_H_
#define MEDIUS_SERVICE_RPC_OBSERVER_H_

#include <string>
#include <vector>

#include "grpcpp/support/status.h"

namespace medius::service {

struct RpcRecord {
  std::string method;  // e.g. "Assess"
  grpc::StatusCode code = grpc::StatusCode::OK;
  double latency_seconds = 0;
  std::string client;         // authenticated client name, or "" if none
  std::string assessment_id;  // "" unless an assessment was produced
  std::string knowledge_base_version;
  std::vector<std::string> red_flags;  // codes of the red flags raised
  std::string encounter_id;  // raw: observers must hash it, never log it
};

// Implementations must be thread-safe: calls finish on many threads.
class RpcObserver {
 public:
  virtual ~RpcObserver() = default;
  virtual void OnRpc(const RpcRecord& record) = 0;
};

}  // namespace medius::service

#endif  // MEDIUS_SERVICE_RPC_OBSERVER_H_
