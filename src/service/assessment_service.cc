#include "service/assessment_service.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "grpcpp/support/proto_buffer_reader.h"
#include "service/grpc_status.h"

namespace medius::service {
namespace {

// The request's bytes as `message`, or INVALID_ARGUMENT naming its type.
absl::Status Parse(const grpc::ByteBuffer& bytes,
                   google::protobuf::Message* message) {
  grpc::ByteBuffer copy(bytes);  // shares the slices; reading consumes them
  grpc::ProtoBufferReader reader(&copy);
  if (!reader.status().ok() || !message->ParseFromZeroCopyStream(&reader)) {
    return absl::InvalidArgumentError(absl::StrCat("request is not a valid ",
                                                   message->GetTypeName(),
                                                   " (protobuf wire format)"));
  }
  return absl::OkStatus();
}

// Keeps the call (and so its in-flight slots) until gRPC has sent the
// answer. Complete reports the call and finishes the RPC, from the handler
// or later from the audit writer's thread.
class CallReactor final : public grpc::ServerUnaryReactor {
 public:
  explicit CallReactor(std::unique_ptr<app::Call> call)
      : call_(std::move(call)) {}
  void OnDone() override { delete this; }
  void OnCancel() override {}

  app::Call& call() { return *call_; }
  void Complete(const absl::Status& status) {
    call_->Finish(status);
    Finish(ToGrpcStatus(status));
  }

 private:
  std::unique_ptr<app::Call> call_;
};

absl::Status Serialize(const google::protobuf::Message& message,
                       grpc::ByteBuffer* bytes) {
  bool own = false;
  grpc::Status s =
      grpc::SerializationTraits<google::protobuf::Message>::Serialize(
          message, bytes, &own);
  return s.ok() ? absl::OkStatus()
                : absl::InternalError("response could not be serialized");
}

// An Assess answer built with AssessOptions::spliced, written straight into
// one slice: the knowledge-base text goes from the compiled knowledge base to
// the transport's buffer in one copy.
absl::Status SerializeSpliced(const engine::Engine& engine,
                              medius::v1::AssessResponse& response,
                              grpc::ByteBuffer* bytes) {
  absl::StatusOr<std::unique_ptr<engine::SplicedResponse>> spliced =
      engine.Splice(response);
  if (!spliced.ok()) {
    return absl::InternalError("response could not be serialized");
  }
  grpc::Slice slice((*spliced)->size());
  (*spliced)->WriteTo(const_cast<uint8_t*>(slice.begin()));
  grpc::ByteBuffer buffer(&slice, 1);
  bytes->Swap(&buffer);
  return absl::OkStatus();
}

}  // namespace

AssessmentServiceImpl::AssessmentServiceImpl(app::Application& app)
    : app_(app), info_bytes_(app.engine().info().SerializeAsString()) {}

std::unique_ptr<app::Call> AssessmentServiceImpl::NewCall(
    const char* method, const grpc::CallbackServerContext& context) {
  app::Caller caller;
  caller.transport = "grpc";
  const auto& metadata = context.client_metadata();
  if (auto it = metadata.find("authorization"); it != metadata.end()) {
    caller.authorization.emplace(it->second.data(), it->second.size());
  }
  caller.peer_host = context.peer();  // "ipv4:127.0.0.1:5678"
  if (size_t colon = caller.peer_host.rfind(':'); colon != std::string::npos) {
    caller.peer_host.resize(colon);
  }
  return app_.NewCall(method, std::move(caller));
}

grpc::ServerUnaryReactor* AssessmentServiceImpl::Assess(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  std::unique_ptr<app::Call> call = NewCall("Assess", *context);
  medius::v1::AssessRequest request;
  absl::Status status = call->CheckSize(request_bytes->Length());
  if (status.ok()) status = Parse(*request_bytes, &request);
  call->set_encounter_id(request.encounter_id());
  if (status.ok()) status = call->Admit();
  if (status.ok() && context->IsCancelled()) {
    // The client gave up (or its deadline passed) before we started: do
    // no work for nobody.
    status = absl::CancelledError("call cancelled or past its deadline");
  } else if (status.ok()) {
    absl::StatusOr<medius::v1::AssessResponse> response =
        call->Assess(request, {.spliced = true});
    status = response.ok()
                 ? SerializeSpliced(app_.engine(), *response, response_bytes)
                 : response.status();
  }
  auto* reactor = new CallReactor(std::move(call));
  if (!status.ok() || !app_.records_assessments()) {
    reactor->Complete(status);
    return reactor;
  }
  // The answer goes out when the record says so (required mode: once
  // stored; UNAVAILABLE instead if it cannot be).
  std::string bytes;
  if (grpc::Slice slice; response_bytes->TrySingleSlice(&slice).ok()) {
    bytes.assign(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  reactor->call().Record(request, std::move(bytes),
                         [reactor, response_bytes](const absl::Status& s) {
                           if (!s.ok()) response_bytes->Clear();
                           reactor->Complete(s);
                         });
  return reactor;
}

grpc::ServerUnaryReactor* AssessmentServiceImpl::GetKnowledgeBase(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  std::unique_ptr<app::Call> call = NewCall("GetKnowledgeBase", *context);
  medius::v1::GetKnowledgeBaseRequest request;
  absl::Status status = call->CheckSize(request_bytes->Length());
  if (status.ok()) status = Parse(*request_bytes, &request);
  if (status.ok()) status = call->Admit();
  if (status.ok()) {
    grpc::ByteBuffer buffer(&info_bytes_, 1);  // a reference, not a copy
    response_bytes->Swap(&buffer);
  }
  call->Finish(status);
  grpc::ServerUnaryReactor* reactor = new CallReactor(std::move(call));
  reactor->Finish(ToGrpcStatus(status));
  return reactor;
}

// The three record RPCs: parse, admit with the permission, run, answer.
template <typename Request, typename Run>
grpc::ServerUnaryReactor* AssessmentServiceImpl::RecordCall(
    const char* method, absl::string_view permission,
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    Run run) {
  auto* reactor = new CallReactor(NewCall(method, *context));
  Request request;
  absl::Status status = reactor->call().CheckSize(request_bytes->Length());
  if (status.ok()) status = Parse(*request_bytes, &request);
  if (status.ok()) status = reactor->call().Admit(permission);
  if (!status.ok()) {
    reactor->Complete(status);
    return reactor;
  }
  run(reactor->call(), request,
      [reactor](const absl::Status& s) { reactor->Complete(s); });
  return reactor;
}

grpc::ServerUnaryReactor* AssessmentServiceImpl::GetAssessment(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  return RecordCall<medius::v1::GetAssessmentRequest>(
      "GetAssessment", auth::kPermissionAuditRead, context, request_bytes,
      [response_bytes](app::Call& call, const auto& request, auto complete) {
        auto response = call.GetAssessment(request);
        complete(response.ok() ? Serialize(*response, response_bytes)
                               : response.status());
      });
}

grpc::ServerUnaryReactor* AssessmentServiceImpl::ListAssessments(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  return RecordCall<medius::v1::ListAssessmentsRequest>(
      "ListAssessments", auth::kPermissionAuditRead, context, request_bytes,
      [response_bytes](app::Call& call, const auto& request, auto complete) {
        auto response = call.ListAssessments(request);
        complete(response.ok() ? Serialize(*response, response_bytes)
                               : response.status());
      });
}

grpc::ServerUnaryReactor* AssessmentServiceImpl::RecordOutcome(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  return RecordCall<medius::v1::RecordOutcomeRequest>(
      "RecordOutcome", auth::kPermissionOutcomeWrite, context, request_bytes,
      [response_bytes](app::Call& call, const auto& request, auto complete) {
        call.RecordOutcome(
            request,
            [response_bytes, complete](
                absl::StatusOr<medius::v1::RecordOutcomeResponse> response) {
              complete(response.ok() ? Serialize(*response, response_bytes)
                                     : response.status());
            });
      });
}

}  // namespace medius::service
