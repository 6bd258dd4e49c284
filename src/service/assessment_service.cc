#include "service/assessment_service.h"

#include <chrono>
#include <cstdint>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/error_details.h"
#include "grpcpp/support/proto_buffer_reader.h"

namespace medius::service {
namespace {

double NowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The request's bytes as `message`, or INVALID_ARGUMENT naming its type.
grpc::Status Parse(const grpc::ByteBuffer& bytes,
                   google::protobuf::Message* message) {
  grpc::ByteBuffer copy(bytes);  // shares the slices; reading consumes them
  grpc::ProtoBufferReader reader(&copy);
  if (!reader.status().ok() || !message->ParseFromZeroCopyStream(&reader)) {
    return grpc::Status(
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("request is not a valid ", message->GetTypeName(),
                     " (protobuf wire format)"));
  }
  return grpc::Status::OK;
}

// Finishes once; tells the service when gRPC has sent the response.
class CountedReactor final : public grpc::ServerUnaryReactor {
 public:
  // Holds one of `client`'s slots in `limiter` (null: none) and one of the
  // server-wide slots counted by `admitted` (null: none) until done.
  void Hold(InFlightLimiter* limiter, std::string client,
            std::atomic<int>* admitted) {
    limiter_ = limiter;
    client_ = std::move(client);
    admitted_ = admitted;
  }
  void OnDone() override {
    if (limiter_ != nullptr) limiter_->Release(client_);
    if (admitted_ != nullptr) {
      admitted_->fetch_sub(1, std::memory_order_relaxed);
    }
    delete this;
  }
  void OnCancel() override {}

 private:
  InFlightLimiter* limiter_ = nullptr;
  std::string client_;
  std::atomic<int>* admitted_ = nullptr;
};

// RESOURCE_EXHAUSTED with google.rpc.RetryInfo (retry after `wait`).
grpc::Status ExhaustedWithRetry(const std::string& message,
                                absl::Duration wait) {
  google::rpc::RetryInfo retry;
  const int64_t nanos = absl::ToInt64Nanoseconds(wait);
  retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry.mutable_retry_delay()->set_nanos(
      static_cast<int32_t>(nanos % 1000000000));
  google::rpc::Status details;
  details.set_code(grpc::StatusCode::RESOURCE_EXHAUSTED);
  details.set_message(message);
  details.add_details()->PackFrom(retry);
  grpc::Status status;
  grpc::SetErrorDetails(details, &status);
  return status;
}

// An Assess answer built with AssessOptions::spliced, written straight into
// one slice: the knowledge-base text goes from the compiled knowledge base to
// the transport's buffer in one copy.
grpc::Status SerializeSpliced(const engine::Engine& engine,
                              medius::v1::AssessResponse& response,
                              grpc::ByteBuffer* bytes) {
  absl::StatusOr<std::unique_ptr<engine::SplicedResponse>> spliced =
      engine.Splice(response);
  if (!spliced.ok()) {
    return grpc::Status(grpc::StatusCode::INTERNAL,
                        "response could not be serialized");
  }
  grpc::Slice slice((*spliced)->size());
  (*spliced)->WriteTo(const_cast<uint8_t*>(slice.begin()));
  grpc::ByteBuffer buffer(&slice, 1);
  bytes->Swap(&buffer);
  return grpc::Status::OK;
}

grpc::Status Busy() {
  return ExhaustedWithRetry(
      "server busy: too many calls in flight (responses not yet read); "
      "retry shortly",
      absl::Milliseconds(100));
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
    : engine_(engine),
      info_bytes_(engine.info().SerializeAsString()),
      options_(std::move(options)) {
  if (options_.max_calls_in_flight_per_client > 0) {
    per_client_ = std::make_unique<InFlightLimiter>(
        options_.max_calls_in_flight_per_client);
  }
}

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

grpc::Status AssessmentServiceImpl::CheckSize(
    const grpc::ByteBuffer& bytes) const {
  if (options_.max_request_bytes == 0 ||
      bytes.Length() <= options_.max_request_bytes) {
    return grpc::Status::OK;
  }
  return grpc::Status(
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      absl::StrCat("request is ", bytes.Length(), " bytes; the limit is ",
                   options_.max_request_bytes));
}

grpc::Status AssessmentServiceImpl::Admit(
    const grpc::CallbackServerContext& context, std::string* client,
    grpc::ServerUnaryReactor* reactor) {
  grpc::Status status = Authenticate(context, client);
  if (!status.ok()) return status;
  if (options_.rate_limiter == nullptr && per_client_ == nullptr &&
      options_.max_calls_in_flight == 0) {
    return status;
  }
  // Unauthenticated deployments are limited per peer host (not per port:
  // a client opening new connections is still one client).
  std::string key = *client;
  if (key.empty()) {
    key = context.peer();
    if (size_t colon = key.rfind(':'); colon != std::string::npos) {
      key.resize(colon);
    }
  }
  if (options_.rate_limiter != nullptr) {
    std::optional<absl::Duration> wait = options_.rate_limiter->Admit(key);
    if (wait.has_value()) {
      return ExhaustedWithRetry(
          absl::StrFormat(
              "rate limit: this client has used its share; retry in %.3f s",
              absl::ToDoubleSeconds(*wait)),
          *wait);
    }
  }
  // A call refused here takes no slot: a client flooding the server (not
  // reading, or resetting its streams) holds at most its own share of the
  // server-wide slots, and the other clients keep theirs.
  if (per_client_ != nullptr && !per_client_->Acquire(key)) {
    return ExhaustedWithRetry(
        "this client has too many calls in flight (responses not yet "
        "read); retry shortly",
        absl::Milliseconds(100));
  }
  InFlightLimiter* held = per_client_.get();
  std::atomic<int>* admitted = nullptr;
  if (options_.max_calls_in_flight > 0) {
    if (calls_in_flight_.fetch_add(1, std::memory_order_relaxed) >=
        options_.max_calls_in_flight) {
      calls_in_flight_.fetch_sub(1, std::memory_order_relaxed);
      if (held != nullptr) held->Release(key);
      return Busy();
    }
    admitted = &calls_in_flight_;
  }
  static_cast<CountedReactor*>(reactor)->Hold(held, std::move(key), admitted);
  return grpc::Status::OK;
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
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  const double start = NowSeconds();
  grpc::ServerUnaryReactor* reactor = new CountedReactor();
  RpcRecord record;
  record.method = "Assess";
  medius::v1::AssessRequest request;
  grpc::Status status = CheckSize(*request_bytes);
  if (status.ok()) status = Parse(*request_bytes, &request);
  record.encounter_id = request.encounter_id();
  if (status.ok()) status = Admit(*context, &record.client, reactor);
  if (status.ok() && context->IsCancelled()) {
    // The client gave up (or its deadline passed) before we started: do
    // no work for nobody.
    status = grpc::Status(grpc::StatusCode::CANCELLED,
                          "call cancelled or past its deadline");
  } else if (status.ok()) {
    std::vector<engine::FieldViolation> violations;
    absl::StatusOr<medius::v1::AssessResponse> result =
        engine_.Assess(request, &violations, {.spliced = true});
    if (result.ok()) {
      result->set_assessment_id(options_.new_assessment_id());
      record.assessment_id = result->assessment_id();
      for (const auto& flag : result->red_flags()) {
        record.red_flags.push_back(flag.code());
      }
      status = SerializeSpliced(engine_, *result, response_bytes);
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
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  const double start = NowSeconds();
  grpc::ServerUnaryReactor* reactor = new CountedReactor();
  RpcRecord record;
  record.method = "GetKnowledgeBase";
  medius::v1::GetKnowledgeBaseRequest request;
  grpc::Status status = CheckSize(*request_bytes);
  if (status.ok()) status = Parse(*request_bytes, &request);
  if (status.ok()) status = Admit(*context, &record.client, reactor);
  if (status.ok()) {
    grpc::ByteBuffer buffer(&info_bytes_, 1);  // a reference, not a copy
    response_bytes->Swap(&buffer);
  }
  Report(record, status, start);
  reactor->Finish(status);
  return reactor;
}

}  // namespace medius::service
