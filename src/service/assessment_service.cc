#include "service/assessment_service.h"

#include <chrono>
#include <cstdint>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/error_details.h"

namespace medius::service {
namespace {

double NowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string RandomUuid() {
  // One generator per thread: absl::BitGen is not thread-safe, and a lock
  // on every call would serialise the service.
  thread_local absl::BitGen gen;
  uint64_t hi = absl::Uniform<uint64_t>(gen);
  uint64_t lo = absl::Uniform<uint64_t>(gen);
  hi = (hi & ~uint64_t{0xF000}) | uint64_t{0x4000};            // version 4
  lo = (lo & ~(uint64_t{0xC} << 60)) | (uint64_t{0x8} << 60);  // variant 10
  return absl::StrFormat("%08x-%04x-%04x-%04x-%012x", hi >> 32,
                         (hi >> 16) & 0xFFFF, hi & 0xFFFF, lo >> 48,
                         lo & 0xFFFFFFFFFFFFULL);
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

grpc::Status InvalidArgumentWithDetails(
    const std::string& message,
    const std::vector<engine::FieldViolation>& violations) {
  google::rpc::BadRequest bad_request;
  for (const engine::FieldViolation& v : violations) {
    auto* out = bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(v.description);
  }
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
  details.set_message(message);
  details.add_details()->PackFrom(bad_request);
  grpc::Status status;
  grpc::SetErrorDetails(details, &status);
  return status;
}

AssessmentServiceImpl::AssessmentServiceImpl(const engine::Engine& engine,
                                             ServiceOptions options)
    : engine_(engine), options_(std::move(options)) {}

grpc::Status AssessmentServiceImpl::Authenticate(
    const grpc::CallbackServerContext& context, std::string* client) const {
  if (options_.tokens == nullptr) return grpc::Status::OK;
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it != metadata.end()) {
    std::optional<std::string> name = options_.tokens->Authenticate(
        absl::string_view(it->second.data(), it->second.size()));
    if (name.has_value()) {
      *client = *std::move(name);
      return grpc::Status::OK;
    }
  }
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "missing or invalid bearer token");
}

void AssessmentServiceImpl::Report(RpcRecord& record,
                                   const grpc::Status& status,
                                   double start_seconds) const {
  if (options_.observer == nullptr) return;
  record.code = status.error_code();
  record.latency_seconds = NowSeconds() - start_seconds;
  record.knowledge_base_version = engine_.version();
  options_.observer->OnRpc(record);
}

grpc::ServerUnaryReactor* AssessmentServiceImpl::Assess(
    grpc::CallbackServerContext* context,
    const medius::v1::AssessRequest* request,
    medius::v1::AssessResponse* response) {
  const double start = NowSeconds();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  RpcRecord record;
  record.method = "Assess";
  record.encounter_id = request->encounter_id();
  grpc::Status status = Authenticate(*context, &record.client);
  if (status.ok() && context->IsCancelled()) {
    // The client gave up (or its deadline passed) before we started: do
    // no work for nobody.
    status = grpc::Status(grpc::StatusCode::CANCELLED,
                          "call cancelled or past its deadline");
  } else if (status.ok()) {
    std::vector<engine::FieldViolation> violations;
    absl::StatusOr<medius::v1::AssessResponse> result =
        engine_.Assess(*request, &violations);
    if (result.ok()) {
      *response = *std::move(result);
      response->set_assessment_id(options_.new_assessment_id());
      record.assessment_id = response->assessment_id();
      for (const auto& flag : response->red_flags()) {
        record.red_flags.push_back(flag.code());
      }
    } else if (!violations.empty()) {
      status = InvalidArgumentWithDetails(
          std::string(result.status().message()), violations);
    } else {
      status = ToGrpcStatus(result.status());
    }
  }
  Report(record, status, start);
  reactor->Finish(status);
  return reactor;
}

grpc::ServerUnaryReactor* AssessmentServiceImpl::GetKnowledgeBase(
    grpc::CallbackServerContext* context,
    const medius::v1::GetKnowledgeBaseRequest* /*request*/,
    medius::v1::KnowledgeBaseInfo* response) {
  const double start = NowSeconds();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  RpcRecord record;
  record.method = "GetKnowledgeBase";
  grpc::Status status = Authenticate(*context, &record.client);
  if (status.ok()) *response = engine_.info();
  Report(record, status, start);
  reactor->Finish(status);
  return reactor;
}

}  // namespace medius::service
