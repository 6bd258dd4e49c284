// AssessmentServiceImpl: the thin gRPC layer over the engine. Per call it
// authenticates the client (when tokens are configured), gives the
// assessment a unique id, calls the engine, maps errors to gRPC status
// (INVALID_ARGUMENT with google.rpc.BadRequest field violations), and
// reports the call to an observer. It decides nothing clinical.
//
// Example:
//   AssessmentServiceImpl service(*engine, {.tokens = &tokens,
//                                           .observer = &observer});
//   builder.RegisterService(&service);
//
// Thread-safety: handlers run concurrently on gRPC's callback threads; the
// engine is immutable, and the token source, rate limiter, observer and id
// generator must be thread-safe.
#ifndef MEDIUS_SERVICE_ASSESSMENT_SERVICE_H_
#define MEDIUS_SERVICE_ASSESSMENT_SERVICE_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "auth/token_store.h"
#include "engine/engine.h"
#include "grpcpp/grpcpp.h"
#include "medius/v1/assessment_service.grpc.pb.h"
#include "service/in_flight_limiter.h"
#include "service/rate_limiter.h"
#include "service/rpc_observer.h"

namespace medius::service {

// A random (version 4) UUID, e.g. "0b8f6c1e-1f2a-4c7d-9e3b-5a6f7c8d9e0f".
// Thread-safe.
std::string RandomUuid();

// gRPC status for an absl::Status; the canonical codes share numbers.
grpc::Status ToGrpcStatus(const absl::Status& status);

// INVALID_ARGUMENT carrying a google.rpc.Status with one BadRequest field
// violation per problem, in the standard "grpc-status-details-bin" trailer.
grpc::Status InvalidArgumentWithDetails(
    const std::string& message,
    const std::vector<engine::FieldViolation>& violations);

struct ServiceOptions {
  // Null: no client authentication (the server warns at start-up).
  const auth::Authenticator* tokens = nullptr;
  // Null: no rate limit. Applied per client after authentication.
  RateLimiter* rate_limiter = nullptr;
  // Null: calls are not reported.
  RpcObserver* observer = nullptr;
  // Most admitted calls in flight at once, server-wide (a call is in
  // flight until its response has been sent). More get RESOURCE_EXHAUSTED
  // at once, with RetryInfo. This bounds the memory of responses that
  // clients do not read (gRPC's memory quota does not count them). 0: no
  // limit.
  int max_calls_in_flight = 0;
  // Most of those one client (token name, or peer host without tokens) may
  // hold, so one client cannot take every slot. 0: no per-client limit.
  int max_calls_in_flight_per_client = 0;
  // Largest request accepted, checked here so that a refusal is logged and
  // counted like any call (gRPC's own limit, set above this, refuses before
  // any handler and leaves no trace). 0: no check here.
  size_t max_request_bytes = 0;
  std::function<std::string()> new_assessment_id = RandomUuid;
};

// Both methods take the request as bytes and parse it here, so bytes that
// are not a valid message get INVALID_ARGUMENT with a message (and are
// logged), instead of gRPC's bare UNIMPLEMENTED before any handler runs.
using RawCallbackService =
    medius::v1::AssessmentService::WithRawCallbackMethod_Assess<
        medius::v1::AssessmentService::WithRawCallbackMethod_GetKnowledgeBase<
            medius::v1::AssessmentService::Service>>;

class AssessmentServiceImpl final : public RawCallbackService {
 public:
  // `engine` (and the options' pointers) must outlive the service.
  explicit AssessmentServiceImpl(const engine::Engine& engine,
                                 ServiceOptions options = {});

  grpc::ServerUnaryReactor* Assess(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

  grpc::ServerUnaryReactor* GetKnowledgeBase(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

 private:
  // The authenticated client name ("" when authentication is off), or
  // UNAUTHENTICATED that does not say which part was wrong.
  grpc::Status Authenticate(const grpc::CallbackServerContext& context,
                            std::string* client) const;
  // RESOURCE_EXHAUSTED over options_.max_request_bytes.
  grpc::Status CheckSize(const grpc::ByteBuffer& bytes) const;
  // Authenticate, then the client's rate limit and in-flight share (held by
  // `reactor` until the call is done): RESOURCE_EXHAUSTED with
  // google.rpc.RetryInfo when it has used either.
  grpc::Status Admit(const grpc::CallbackServerContext& context,
                     std::string* client, grpc::ServerUnaryReactor* reactor);
  void Report(RpcRecord& record, const grpc::Status& status,
              double start_seconds) const;

  const engine::Engine& engine_;
  // GetKnowledgeBase's answer, serialized once: every call shares the slice.
  grpc::Slice info_bytes_;
  ServiceOptions options_;
  std::atomic<int> calls_in_flight_{0};
  std::unique_ptr<InFlightLimiter> per_client_;
};

}  // namespace medius::service

#endif  // MEDIUS_SERVICE_ASSESSMENT_SERVICE_H_
