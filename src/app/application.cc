#include "app/application.h"

#include <chrono>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "app/status_details.h"

namespace medius::app {
namespace {

double NowSeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

absl::Status Exhausted(const std::string& message, absl::Duration wait) {
  return WithRetryDelay(absl::ResourceExhaustedError(message), wait);
}

}  // namespace

Application::Application(const engine::Engine& engine, AppOptions options)
    : engine_(engine), options_(std::move(options)) {
  if (options_.max_calls_in_flight_per_client > 0) {
    per_client_ = std::make_unique<InFlightLimiter>(
        options_.max_calls_in_flight_per_client);
  }
}

std::unique_ptr<Call> Application::NewCall(std::string method, Caller caller) {
  return std::unique_ptr<Call>(
      new Call(*this, std::move(method), std::move(caller)));
}

Call::Call(Application& app, std::string method, Caller caller)
    : app_(app), caller_(std::move(caller)), start_seconds_(NowSeconds()) {
  record_.method = std::move(method);
  record_.transport = caller_.transport;
}

Call::~Call() {
  if (held_ != nullptr) held_->Release(held_key_);
  if (holds_server_slot_) {
    app_.calls_in_flight_.fetch_sub(1, std::memory_order_relaxed);
  }
}

absl::Status Call::CheckSize(size_t request_bytes) const {
  const size_t limit = app_.options_.max_request_bytes;
  if (limit == 0 || request_bytes <= limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(absl::StrCat(
      "request is ", request_bytes, " bytes; the limit is ", limit));
}

absl::Status Call::Admit(absl::string_view permission) {
  const AppOptions& options = app_.options_;
  const auth::Authenticator* authenticator =
      caller_.authenticator != nullptr ? caller_.authenticator : options.tokens;
  if (authenticator != nullptr) {
    std::optional<std::string> name;
    if (caller_.authorization.has_value()) {
      name = authenticator->Authenticate(*caller_.authorization);
    }
    if (!name.has_value()) {
      return absl::UnauthenticatedError("missing or invalid bearer token");
    }
    record_.client = *std::move(name);
    if (!authenticator->Allows(record_.client, permission)) {
      return absl::PermissionDeniedError(
          absl::StrCat("client '", record_.client, "' does not hold the '",
                       permission, "' permission"));
    }
  }
  if (options.rate_limiter == nullptr && app_.per_client_ == nullptr &&
      options.max_calls_in_flight == 0) {
    return absl::OkStatus();
  }
  // Unauthenticated deployments are limited per peer host.
  const std::string& key =
      record_.client.empty() ? caller_.peer_host : record_.client;
  if (options.rate_limiter != nullptr) {
    std::optional<absl::Duration> wait = options.rate_limiter->Admit(key);
    if (wait.has_value()) {
      return Exhausted(
          absl::StrFormat(
              "rate limit: this client has used its share; retry in %.3f s",
              absl::ToDoubleSeconds(*wait)),
          *wait);
    }
  }
  // A call refused here takes no slot: a client flooding the server (not
  // reading, or resetting its streams) holds at most its own share of the
  // server-wide slots, and the other clients keep theirs.
  if (app_.per_client_ != nullptr) {
    if (!app_.per_client_->Acquire(key)) {
      return Exhausted(
          "this client has too many calls in flight (responses not yet "
          "read); retry shortly",
          absl::Milliseconds(100));
    }
    held_ = app_.per_client_.get();
    held_key_ = key;
  }
  if (options.max_calls_in_flight > 0) {
    if (app_.calls_in_flight_.fetch_add(1, std::memory_order_relaxed) >=
        options.max_calls_in_flight) {
      app_.calls_in_flight_.fetch_sub(1, std::memory_order_relaxed);
      if (held_ != nullptr) held_->Release(held_key_);
      held_ = nullptr;
      return Exhausted(
          "server busy: too many calls in flight (responses not yet read); "
          "retry shortly",
          absl::Milliseconds(100));
    }
    holds_server_slot_ = true;
  }
  return absl::OkStatus();
}

absl::StatusOr<medius::v1::AssessResponse> Call::Assess(
    const medius::v1::AssessRequest& request, engine::AssessOptions options,
    std::string assessment_id) {
  std::vector<engine::FieldViolation> violations;
  absl::StatusOr<medius::v1::AssessResponse> response =
      app_.engine_.Assess(request, &violations, options);
  if (!response.ok()) {
    if (violations.empty()) return response.status();
    return WithViolations(response.status(), violations);
  }
  response->set_assessment_id(assessment_id.empty()
                                  ? app_.options_.new_assessment_id()
                                  : std::move(assessment_id));
  record_.assessment_id = response->assessment_id();
  record_.red_flags.clear();
  for (const auto& flag : response->red_flags()) {
    record_.red_flags.push_back(flag.code());
  }
  return response;
}

void Call::Finish(const absl::Status& status) {
  if (finished_) return;
  finished_ = true;
  if (app_.options_.observer == nullptr) return;
  record_.code = status.code();
  record_.latency_seconds = NowSeconds() - start_seconds_;
  record_.knowledge_base_version = app_.engine_.version();
  app_.options_.observer->OnCall(record_);
}

}  // namespace medius::app
