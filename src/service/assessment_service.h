// AssessmentServiceImpl: medius.v1.AssessmentService over gRPC, a thin
// adapter over the application core (app/application.h). Per call it reads
// the caller from the metadata and peer, parses the request bytes, runs the
// call through the core, writes the answer and maps the core's absl::Status
// to gRPC (service/grpc_status.h). Limits, identity, assessment ids and
// reporting live in the core, shared with the CDS Hooks façade. It decides
// nothing clinical.
//
// Example:
//   app::Application app(*engine, {.tokens = &tokens, .observer = &log});
//   AssessmentServiceImpl service(app);
//   builder.RegisterService(&service);
//
// Thread-safety: handlers run concurrently on gRPC's callback threads; the
// application is thread-safe.
#ifndef MEDIUS_SERVICE_ASSESSMENT_SERVICE_H_
#define MEDIUS_SERVICE_ASSESSMENT_SERVICE_H_

#include "app/application.h"
#include "grpcpp/grpcpp.h"
#include "medius/v1/assessment_service.grpc.pb.h"

namespace medius::service {

// Both methods take the request as bytes and parse it here, so bytes that
// are not a valid message get INVALID_ARGUMENT with a message (and are
// reported), instead of gRPC's bare UNIMPLEMENTED before any handler runs;
// Assess writes its answer as spliced bytes (engine/spliced_wire.h).
using V1 = medius::v1::AssessmentService;
using RawCallbackService =
    V1::WithRawCallbackMethod_Assess<V1::WithRawCallbackMethod_GetKnowledgeBase<
        V1::WithRawCallbackMethod_GetAssessment<
            V1::WithRawCallbackMethod_ListAssessments<
                V1::WithRawCallbackMethod_RecordOutcome<V1::Service>>>>>;

class AssessmentServiceImpl final : public RawCallbackService {
 public:
  // `app` must outlive the service.
  explicit AssessmentServiceImpl(app::Application& app);

  grpc::ServerUnaryReactor* Assess(grpc::CallbackServerContext* context,
                                   const grpc::ByteBuffer* request,
                                   grpc::ByteBuffer* response) override;

  grpc::ServerUnaryReactor* GetKnowledgeBase(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;

  // The assessment record (app/application.h).
  grpc::ServerUnaryReactor* GetAssessment(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* ListAssessments(
      grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
      grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* RecordOutcome(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request,
                                          grpc::ByteBuffer* response) override;

 private:
  std::unique_ptr<app::Call> NewCall(
      const char* method, const grpc::CallbackServerContext& context);
  template <typename Request, typename Run>
  grpc::ServerUnaryReactor* RecordCall(const char* method,
                                       absl::string_view permission,
                                       grpc::CallbackServerContext* context,
                                       const grpc::ByteBuffer* request_bytes,
                                       Run run);

  app::Application& app_;
  // GetKnowledgeBase's answer, serialized once: every call shares the slice.
  grpc::Slice info_bytes_;
};

}  // namespace medius::service

#endif  // MEDIUS_SERVICE_ASSESSMENT_SERVICE_H_
