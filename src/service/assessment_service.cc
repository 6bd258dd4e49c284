#include "service/assessment_service.h"

#include <cstdint>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_format.h"

namespace medius::service {

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

AssessmentServiceImpl::AssessmentServiceImpl(
    const engine::Engine& engine,
    std::function<std::string()> new_assessment_id)
    : engine_(engine), new_assessment_id_(std::move(new_assessment_id)) {}

grpc::ServerUnaryReactor* AssessmentServiceImpl::Assess(
    grpc::CallbackServerContext* context,
    const medius::v1::AssessRequest* request,
    medius::v1::AssessResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::StatusOr<medius::v1::AssessResponse> result = engine_.Assess(*request);
  if (!result.ok()) {
    reactor->Finish(ToGrpcStatus(result.status()));
    return reactor;
  }
  *response = *std::move(result);
  response->set_assessment_id(new_assessment_id_());
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerUnaryReactor* AssessmentServiceImpl::GetKnowledgeBase(
    grpc::CallbackServerContext* context,
    const medius::v1::GetKnowledgeBaseRequest* /*request*/,
    medius::v1::KnowledgeBaseInfo* response) {
  *response = engine_.info();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

}  // namespace medius::service
