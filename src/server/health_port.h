// A plaintext, health-only gRPC port for orchestrator probes when the main
// port requires mutual TLS (a kubelet or load balancer has no client
// certificate). It serves grpc.health.v1.Health/Check from a HealthState
// that the server flips as it starts and stops.
//
// Thread-safety: HealthState is safe to update while Check runs.
#ifndef MEDIUS_SERVER_HEALTH_PORT_H_
#define MEDIUS_SERVER_HEALTH_PORT_H_

#include <atomic>
#include <memory>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "server/server_limits.h"

namespace medius::server {

class HealthState {
 public:
  void SetServing(bool serving) { serving_.store(serving); }
  bool serving() const { return serving_.load(); }

 private:
  std::atomic<bool> serving_{false};
};

// Answers for "" (the server) and `service_name`; NOT_FOUND for others, as
// the standard health service does.
class HealthCheckService final
    : public grpc::health::v1::Health::CallbackService {
 public:
  HealthCheckService(const HealthState& state, std::string service_name)
      : state_(state), service_name_(std::move(service_name)) {}

  grpc::ServerUnaryReactor* Check(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request,
      grpc::health::v1::HealthCheckResponse* response) override;

 private:
  const HealthState& state_;
  const std::string service_name_;
};

// Starts a plaintext server with only the health service on `address`
// (never reflection: `limits.reflection` should be false).
// Returns null (and sets *port to 0) if it cannot bind.
std::unique_ptr<grpc::Server> StartHealthServer(const std::string& address,
                                                HealthCheckService* service,
                                                int* port,
                                                const ServerLimits& limits);

}  // namespace medius::server

#endif  // MEDIUS_SERVER_HEALTH_PORT_H_
