// AssessmentServiceImpl: the thin gRPC layer over the engine. It checks
// nothing itself and decides nothing clinical: it gives each call a unique
// assessment id, calls the engine, and maps absl::Status to grpc::Status.
//
// Example:
//   AssessmentServiceImpl service(*engine);
//   builder.RegisterService(&service);
//
// Thread-safety: handlers run concurrently on gRPC's callback threads; the
// engine is immutable and the id generator must be thread-safe.
#ifndef MEDIUS_SERVICE_ASSESSMENT_SERVICE_H_
#define MEDIUS_SERVICE_ASSESSMENT_SERVICE_H_

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "engine/engine.h"
#include "grpcpp/grpcpp.h"
#include "medius/v1/assessment_service.grpc.pb.h"

namespace medius::service {

// A random (version 4) UUID, e.g. "0b8f6c1e-1f2a-4c7d-9e3b-5a6f7c8d9e0f".
// Thread-safe.
std::string RandomUuid();

// gRPC status for an absl::Status; the canonical codes share numbers.
grpc::Status ToGrpcStatus(const absl::Status& status);

class AssessmentServiceImpl final
    : public medius::v1::AssessmentService::CallbackService {
 public:
  // `engine` must outlive the service.
  explicit AssessmentServiceImpl(
      const engine::Engine& engine,
      std::function<std::string()> new_assessment_id = RandomUuid);

  grpc::ServerUnaryReactor* Assess(
      grpc::CallbackServerContext* context,
      const medius::v1::AssessRequest* request,
      medius::v1::AssessResponse* response) override;

  grpc::ServerUnaryReactor* GetKnowledgeBase(
      grpc::CallbackServerContext* context,
      const medius::v1::GetKnowledgeBaseRequest* request,
      medius::v1::KnowledgeBaseInfo* response) override;

 private:
  const engine::Engine& engine_;
  std::function<std::string()> new_assessment_id_;
};

}  // namespace medius::service

#endif  // MEDIUS_SERVICE_ASSESSMENT_SERVICE_H_
