// CdsHandler: the CDS Hooks 2.0 service and the FHIR form as HTTP, minus
// the socket (cds/http_server.h owns that): a request in, a response out,
// through the same application core as gRPC (app/application.h), so the
// two transports share identity, limits, assessment ids and reporting.
//
//   GET  /cds-services                                 discovery
//   POST /cds-services/medius-hip-assessment           cards for the findings
//   POST /cds-services/medius-hip-assessment/feedback  accepted / overridden
//   GET  /fhir/Questionnaire/medius-hip-assessment     the assessment form
//   OPTIONS (any of the above)                         CORS preflight
//
// Errors are JSON, {"error": {"code", "message", "violations"}}: 400 for a
// malformed request (naming the JSON path), 401 without a valid bearer
// token (JWT from an allow-listed EHR, cds/jwt.h), 412 when the prefetch
// lacks the findings, 413 over the size limit, 429 with Retry-After when a
// client has used its share, 404 / 405 for unknown paths and methods.
//
// Example:
//   CdsHandler handler(app, {.allowed_origins = {"https://ehr.example.org"}});
//   HttpResponse r = handler.Handle({.method = "GET", .path =
//   "/cds-services"});
//
// Thread-safety: Handle may be called concurrently (the application, the
// authenticator and the callbacks must be thread-safe).
#ifndef MEDIUS_CDS_CDS_HANDLER_H_
#define MEDIUS_CDS_CDS_HANDLER_H_

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/time/civil_time.h"
#include "app/application.h"
#include "auth/token_store.h"

namespace medius::cds {

struct HttpRequest {
  std::string method;  // "GET", "POST", "OPTIONS"
  std::string path;    // without the query string
  // Header names in lower case.
  absl::flat_hash_map<std::string, std::string> headers;
  std::string body;
  std::string peer_host;  // the client's address, without its port
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// One card's outcome as the EHR reports it. No free text is kept: a user
// comment may name the patient, so only whether there was one.
struct CardFeedback {
  std::string card;     // the card's uuid
  std::string outcome;  // "accepted" or "overridden"
  int accepted_suggestions = 0;
  std::string override_reason;  // the reason's code, if given
  bool has_user_comment = false;
  std::string client;  // who reported it (the authenticated EHR)
};

struct CdsHandlerOptions {
  // Origins a browser-based EHR may call from (CORS); "*" allows any.
  // Empty: no CORS headers (server-to-server EHRs need none).
  std::vector<std::string> allowed_origins;
  // Verifies the EHR's bearer JWT; null: the application's own tokens
  // apply, as for gRPC (none, in an --insecure deployment without them).
  const auth::Authenticator* authenticator = nullptr;
  // Today's date, for ages from birth dates.
  std::function<absl::CivilDay()> today;
  // Told each card's feedback (logged now; the audit store later).
  std::function<void(const CardFeedback&)> on_feedback;
};

class CdsHandler {
 public:
  // `app` must outlive the handler.
  CdsHandler(app::Application& app, CdsHandlerOptions options);

  HttpResponse Handle(const HttpRequest& request) const;

 private:
  // The size limit and the core's admission (identity, limits): the error
  // response when the call may not go on (already reported).
  std::optional<HttpResponse> Admit(const HttpRequest& request, app::Call& call,
                                    absl::string_view permission) const;
  HttpResponse Service(const HttpRequest& request) const;
  HttpResponse Feedback(const HttpRequest& request) const;
  void AddCors(const HttpRequest& request, HttpResponse* response,
               bool preflight) const;
  app::Caller CallerOf(const HttpRequest& request) const;

  app::Application& app_;
  CdsHandlerOptions options_;
  std::string discovery_;      // serialized once
  std::string questionnaire_;  // serialized once
};

// The HTTP status for a core status: INVALID_ARGUMENT 400, UNAUTHENTICATED
// 401, PERMISSION_DENIED 403, NOT_FOUND 404, FAILED_PRECONDITION 412,
// RESOURCE_EXHAUSTED 429, UNIMPLEMENTED 501, UNAVAILABLE 503,
// DEADLINE_EXCEEDED 504, anything else 500.
int HttpStatusFor(absl::StatusCode code);

}  // namespace medius::cds

#endif  // MEDIUS_CDS_CDS_HANDLER_H_
