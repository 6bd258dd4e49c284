// Application and Call: the transport-neutral core every transport (the gRPC
// service, the CDS Hooks façade) goes through, so they cannot drift. Per
// call: the request size limit, identity (bearer token), the client's rate
// limit and its share of the calls in flight, the engine, a unique
// assessment id, and one report to the observers (logs, metrics) with the
// final status. Errors are absl::Status; details a client can act on
// (which fields are wrong, when to retry) ride as payloads
// (status_details.h) that each transport renders its own way. The core
// decides nothing clinical: the engine does.
//
// Example (what a transport's handler does):
//   std::unique_ptr<Call> call = app.NewCall(
//       "Assess", {.transport = "grpc", .authorization = header,
//                  .peer_host = host});
//   absl::Status status = call->CheckSize(bytes.size());
//   if (status.ok()) status = call->Admit();
//   absl::StatusOr<medius::v1::AssessResponse> response;
//   if (status.ok()) {
//     response = call->Assess(request);
//     status = response.status();
//   }
//   call->Finish(status);  // reported once, with the transport's last word
//   // ... send the answer; destroying `call` frees its in-flight slots.
//
// The assessment record (audit/): with an audit writer, the transport hands
// each answered assessment to Call::Record and sends the answer when
// `done` says so (at once in best-effort mode; once stored, or UNAVAILABLE
// instead, in required mode). GetAssessment, ListAssessments and
// RecordOutcome read and extend the record, each behind its permission.
//
// Thread-safety: Application is thread-safe once built (the engine is
// immutable; the token source, rate limiter, observer and id generator must
// be thread-safe). A Call belongs to one call and is not shared.
#ifndef MEDIUS_APP_APPLICATION_H_
#define MEDIUS_APP_APPLICATION_H_

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "app/call_observer.h"
#include "app/in_flight_limiter.h"
#include "app/rate_limiter.h"
#include "audit/audit_store.h"
#include "audit/audit_writer.h"
#include "auth/token_store.h"
#include "common/uuid.h"
#include "engine/engine.h"
#include "medius/v1/audit.pb.h"

namespace medius::app {

struct AppOptions {
  // Null: no client authentication (the server warns at start-up).
  const auth::Authenticator* tokens = nullptr;
  // Null: no rate limit. Applied per client after authentication.
  RateLimiter* rate_limiter = nullptr;
  // Null: calls are not reported.
  CallObserver* observer = nullptr;
  // Most admitted calls in flight at once, server-wide (a call is in flight
  // until its Call is destroyed, i.e. its answer has been sent). More get
  // RESOURCE_EXHAUSTED at once, with a retry delay. This bounds the memory
  // of answers that clients do not read. 0: no limit.
  int max_calls_in_flight = 0;
  // Most of those one client (token name, or peer host without tokens) may
  // hold, so one client cannot take every slot. 0: no per-client limit.
  int max_calls_in_flight_per_client = 0;
  // Largest request accepted, checked here so that a refusal is reported
  // like any call. 0: no check.
  size_t max_request_bytes = 0;
  std::function<std::string()> new_assessment_id = common::RandomUuid;
  // Null: assessments are not recorded and the record's RPCs answer
  // FAILED_PRECONDITION.
  audit::AuditWriter* audit_writer = nullptr;
  // The record's reads (its own connection, used under a mutex here). Set
  // with audit_writer.
  audit::AuditStore* audit_reader = nullptr;
};

// What a transport knows about who is calling.
struct Caller {
  std::string transport;  // "grpc", "cds-hooks": for the report
  // The "authorization" header (HTTP) or metadata (gRPC) value, if sent.
  std::optional<std::string> authorization;
  // Who checks it: null means the application's own (AppOptions::tokens);
  // the CDS Hooks façade passes its JWT verifier.
  const auth::Authenticator* authenticator = nullptr;
  // The peer's host without its port: the client's key for limits when
  // authentication is off (a client opening new connections is still one
  // client).
  std::string peer_host;
};

class Application;

// One call through the core, from arrival until the transport has sent the
// answer (destroy it then: its in-flight slots are freed).
class Call {
 public:
  Call(const Call&) = delete;
  Call& operator=(const Call&) = delete;
  ~Call();

  // RESOURCE_EXHAUSTED when the request is over max_request_bytes.
  absl::Status CheckSize(size_t request_bytes) const;
  // Kept for the report, which hashes it; set once the request is parsed.
  void set_encounter_id(std::string id) {
    record_.encounter_id = std::move(id);
  }
  // UNAUTHENTICATED (saying nothing about which part was wrong), or
  // RESOURCE_EXHAUSTED with a retry delay when the client has used its rate
  // or its share of the calls in flight, or the server is full. On OK the
  // call holds its slots until destroyed.
  //
  // `permission` (auth::kPermission*): PERMISSION_DENIED when the
  // authenticated client does not hold it. Without authentication there is
  // no client to hold anything and every permission is open (the server
  // warns at start-up).
  absl::Status Admit(absl::string_view permission = auth::kPermissionAssess);
  // The engine's answer with a fresh assessment id, or INVALID_ARGUMENT
  // naming the fields (WithViolations) for a bad request. Call Admit first.
  absl::StatusOr<medius::v1::AssessResponse> Assess(
      const medius::v1::AssessRequest& request,
      engine::AssessOptions options = {}, std::string assessment_id = "");
  // Hands the answered assessment (after Assess) to the audit store.
  // `done` runs once, maybe on another thread: OK means send the answer;
  // UNAVAILABLE (required mode, the store cannot take it) means send that
  // instead. Without an audit store `done` runs at once with OK.
  void Record(const medius::v1::AssessRequest& request,
              std::string response_bytes,
              std::function<void(const absl::Status&)> done);

  // The record's RPCs (Admit with their permission first).
  absl::StatusOr<medius::v1::GetAssessmentResponse> GetAssessment(
      const medius::v1::GetAssessmentRequest& request);
  absl::StatusOr<medius::v1::ListAssessmentsResponse> ListAssessments(
      const medius::v1::ListAssessmentsRequest& request);
  // `done` runs once the outcome is stored (or with the error), maybe on
  // the writer's thread.
  void RecordOutcome(
      const medius::v1::RecordOutcomeRequest& request,
      std::function<void(absl::StatusOr<medius::v1::RecordOutcomeResponse>)>
          done);
  // Reports the call to the observers with `status`, the transport's last
  // word (a serialization failure after Assess counts). Only the first
  // Finish reports.
  void Finish(const absl::Status& status);

  const std::string& client() const { return record_.client; }
  const std::string& assessment_id() const { return record_.assessment_id; }

 private:
  friend class Application;
  Call(Application& app, std::string method, Caller caller);

  Application& app_;
  Caller caller_;
  CallRecord record_;
  double start_seconds_;
  bool finished_ = false;
  // Slots held since Admit.
  InFlightLimiter* held_ = nullptr;
  std::string held_key_;
  bool holds_server_slot_ = false;
};

class Application {
 public:
  // `engine` (and the options' pointers) must outlive the application.
  Application(const engine::Engine& engine, AppOptions options = {});

  std::unique_ptr<Call> NewCall(std::string method, Caller caller);
  const engine::Engine& engine() const { return engine_; }
  bool records_assessments() const { return options_.audit_writer != nullptr; }

 private:
  friend class Call;
  // The store's rows for an assessment id (reader under reader_mutex_).
  absl::StatusOr<std::vector<audit::AuditRecord>> ReadAssessment(
      const std::string& assessment_id);
  absl::Mutex reader_mutex_;
  const engine::Engine& engine_;
  AppOptions options_;
  std::atomic<int> calls_in_flight_{0};
  std::unique_ptr<InFlightLimiter> per_client_;
};

}  // namespace medius::app

#endif  // MEDIUS_APP_APPLICATION_H_
