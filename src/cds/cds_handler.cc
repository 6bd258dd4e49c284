#include "cds/cds_handler.h"

#include <cmath>
#include <future>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "app/status_details.h"
#include "cds/discovery.h"
#include "cds/prefetch.h"
#include "common/uuid.h"
#include "nlohmann/json.hpp"
#include "render/cds_cards.h"
#include "render/fhir_questionnaire.h"

namespace medius::cds {
namespace {

using nlohmann::json;

const std::string kServicePath = absl::StrCat("/cds-services/", kServiceId);
const std::string kFeedbackPath = absl::StrCat(kServicePath, "/feedback");
const std::string kQuestionnairePath =
    absl::StrCat("/fhir/Questionnaire/", render::kQuestionnaireId);

HttpResponse Json(int status, const json& body) {
  HttpResponse r;
  r.status = status;
  r.body = body.dump();
  return r;
}

HttpResponse Error(int http_status, const absl::Status& status) {
  json error = {{"code", absl::StatusCodeToString(status.code())},
                {"message", std::string(status.message())}};
  json violations = json::array();
  for (const auto& v : app::Violations(status)) {
    violations.push_back({{"field", v.field}, {"description", v.description}});
  }
  if (!violations.empty()) error["violations"] = std::move(violations);
  HttpResponse r = Json(http_status, {{"error", std::move(error)}});
  if (std::optional<absl::Duration> wait = app::RetryDelay(status)) {
    r.headers.push_back(
        {"Retry-After", absl::StrCat(std::max<int64_t>(
                            1, static_cast<int64_t>(
                                   std::ceil(absl::ToDoubleSeconds(*wait)))))});
  }
  if (status.code() == absl::StatusCode::kUnauthenticated) {
    r.headers.push_back({"WWW-Authenticate", "Bearer"});
  }
  return r;
}

HttpResponse Error(const absl::Status& status) {
  return Error(HttpStatusFor(status.code()), status);
}

// A FHIR id: [A-Za-z0-9-.]{1,64}. Anything else is not put in a reference.
bool IsFhirId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '.') {
      return false;
    }
  }
  return true;
}

std::string ContextId(const json& body, const char* key) {
  if (!body.is_object() || !body.contains("context") ||
      !body["context"].is_object()) {
    return "";
  }
  const json& context = body["context"];
  if (!context.contains(key) || !context[key].is_string()) return "";
  std::string id = context[key].get<std::string>();
  return IsFhirId(id) ? id : "";
}

// Card uuids name their assessment, so that feedback (which carries only the
// card's uuid) lands on the right record: the assessment id is a random
// UUID ending in "0000", and its cards and suggestions count up from it in
// the last four hex digits (106 random bits stay).
std::string CardAddressableId() {
  std::string id = common::RandomUuid();
  id.replace(id.size() - 4, 4, "0000");
  return id;
}

std::string AssessmentOfCard(const std::string& card) {
  if (card.size() != 36) return "";
  return card.substr(0, 32) + "0000";
}

// Waits for the core's callback: the HTTP listener answers on its own
// thread, one request at a time per thread.
absl::Status RecordAndWait(app::Call& call,
                           const medius::v1::AssessRequest& request,
                           const medius::v1::AssessResponse& response) {
  std::promise<absl::Status> recorded;
  std::future<absl::Status> result = recorded.get_future();
  call.Record(request, response.SerializeAsString(),
              [&recorded](const absl::Status& s) { recorded.set_value(s); });
  return result.get();
}

absl::Status OutcomeAndWait(app::Call& call,
                            const medius::v1::RecordOutcomeRequest& request) {
  std::promise<absl::Status> stored;
  std::future<absl::Status> result = stored.get_future();
  call.RecordOutcome(
      request,
      [&stored](absl::StatusOr<medius::v1::RecordOutcomeResponse> response) {
        stored.set_value(response.status());
      });
  return result.get();
}

}  // namespace

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
      return 412;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnimplemented:
      return 501;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

CdsHandler::CdsHandler(app::Application& app, CdsHandlerOptions options)
    : app_(app),
      options_(std::move(options)),
      discovery_(Discovery(app.engine().info()).dump()),
      questionnaire_(
          render::AssessmentQuestionnaire(app.engine().info()).dump()) {
  if (!options_.today) {
    options_.today = [] {
      return absl::ToCivilDay(absl::Now(), absl::UTCTimeZone());
    };
  }
}

app::Caller CdsHandler::CallerOf(const HttpRequest& request) const {
  app::Caller caller;
  caller.transport = "cds-hooks";
  caller.peer_host = request.peer_host;
  caller.authenticator = options_.authenticator;
  if (auto it = request.headers.find("authorization");
      it != request.headers.end()) {
    caller.authorization = it->second;
  }
  return caller;
}

void CdsHandler::AddCors(const HttpRequest& request, HttpResponse* response,
                         bool preflight) const {
  auto origin = request.headers.find("origin");
  if (origin == request.headers.end()) return;
  bool allowed = false;
  for (const std::string& o : options_.allowed_origins) {
    allowed = allowed || o == "*" || o == origin->second;
  }
  if (!allowed) return;
  response->headers.push_back({"Access-Control-Allow-Origin", origin->second});
  response->headers.push_back({"Vary", "Origin"});
  if (preflight) {
    response->headers.push_back(
        {"Access-Control-Allow-Methods", "GET, POST, OPTIONS"});
    response->headers.push_back(
        {"Access-Control-Allow-Headers", "Authorization, Content-Type"});
    response->headers.push_back({"Access-Control-Max-Age", "600"});
  }
}

HttpResponse CdsHandler::Handle(const HttpRequest& request) const {
  const std::string& path = request.path;
  const bool known = path == "/cds-services" || path == kServicePath ||
                     path == kFeedbackPath || path == kQuestionnairePath;
  HttpResponse response;
  if (!known) {
    response = Error(404, absl::NotFoundError(absl::StrCat(
                              "no such resource: ", path,
                              " (GET /cds-services lists the service)")));
  } else if (request.method == "OPTIONS") {
    response.status = 204;
    response.content_type.clear();
    AddCors(request, &response, /*preflight=*/true);
    return response;
  } else if (path == "/cds-services" || path == kQuestionnairePath) {
    if (request.method != "GET") {
      response = Error(
          405, absl::UnimplementedError(absl::StrCat(path, " takes GET")));
      response.headers.push_back({"Allow", "GET, OPTIONS"});
    } else {
      // Public: they describe the service and its form, never a patient.
      std::unique_ptr<app::Call> call = app_.NewCall(
          path == kQuestionnairePath ? "FhirQuestionnaire" : "CdsDiscovery",
          CallerOf(request));
      call->Finish(absl::OkStatus());
      response.body = path == kQuestionnairePath ? questionnaire_ : discovery_;
      if (path == kQuestionnairePath) {
        response.content_type = "application/fhir+json";
      }
    }
  } else if (request.method != "POST") {
    response =
        Error(405, absl::UnimplementedError(absl::StrCat(path, " takes POST")));
    response.headers.push_back({"Allow", "POST, OPTIONS"});
  } else {
    response = path == kServicePath ? Service(request) : Feedback(request);
  }
  AddCors(request, &response, /*preflight=*/false);
  return response;
}

std::optional<HttpResponse> CdsHandler::Admit(
    const HttpRequest& request, app::Call& call,
    absl::string_view permission) const {
  // (The listener refuses bodies over its own limit, which is the same,
  // before they are read: those never reach here.)
  absl::Status status = call.CheckSize(request.body.size());
  if (!status.ok()) {
    call.Finish(status);
    return Error(413, status);
  }
  status = call.Admit(permission);
  if (!status.ok()) {
    call.Finish(status);
    return Error(status);
  }
  return std::nullopt;
}

HttpResponse CdsHandler::Service(const HttpRequest& request) const {
  std::unique_ptr<app::Call> call =
      app_.NewCall("CdsService", CallerOf(request));
  if (std::optional<HttpResponse> refused =
          Admit(request, *call, auth::kPermissionAssess)) {
    return *std::move(refused);
  }
  absl::Status status;
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    status = absl::InvalidArgumentError("the request body is not JSON");
    call->Finish(status);
    return Error(status);
  }
  absl::StatusOr<medius::v1::AssessRequest> assess =
      RequestFromHook(body, app_.engine().info(), options_.today());
  if (!assess.ok()) {
    call->Finish(assess.status());
    return Error(assess.status());
  }
  call->set_encounter_id(assess->encounter_id());
  absl::StatusOr<medius::v1::AssessResponse> answer =
      call->Assess(*assess, {}, CardAddressableId());
  if (!answer.ok()) {
    call->Finish(answer.status());
    return Error(answer.status());
  }
  // No card goes out unrecorded (in --audit=required mode).
  status = RecordAndWait(*call, *assess, *answer);
  if (!status.ok()) {
    call->Finish(status);
    return Error(status);
  }
  render::CardContext context;
  if (std::string id = ContextId(body, "patientId"); !id.empty()) {
    context.fhir.patient = absl::StrCat("Patient/", id);
  }
  if (std::string id = ContextId(body, "encounterId"); !id.empty()) {
    context.fhir.encounter = absl::StrCat("Encounter/", id);
  }
  context.fhir.authored =
      absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::Now(), absl::UTCTimeZone());
  context.fhir.new_id = [prefix = answer->assessment_id().substr(0, 32),
                         n = 0]() mutable {
    return absl::StrCat(prefix, absl::Hex(++n, absl::kZeroPad4));
  };
  context.catalog = &app_.engine().info();
  HttpResponse response = Json(200, render::AssessmentCards(*answer, context));
  call->Finish(absl::OkStatus());
  return response;
}

HttpResponse CdsHandler::Feedback(const HttpRequest& request) const {
  std::unique_ptr<app::Call> call =
      app_.NewCall("CdsFeedback", CallerOf(request));
  if (std::optional<HttpResponse> refused =
          Admit(request, *call, auth::kPermissionOutcomeWrite)) {
    return *std::move(refused);
  }
  absl::Status status;
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  std::vector<engine::FieldViolation> violations;
  std::vector<CardFeedback> records;
  if (!body.is_object() || !body.contains("feedback") ||
      !body["feedback"].is_array()) {
    violations.push_back({"feedback", "expected an array of card outcomes"});
  } else {
    for (size_t i = 0; i < body["feedback"].size(); ++i) {
      const json& f = body["feedback"][i];
      const std::string at = absl::StrCat("feedback[", i, "]");
      if (!f.is_object()) {
        violations.push_back({at, "expected an object"});
        continue;
      }
      CardFeedback record;
      record.client = call->client();
      if (f.contains("card") && f["card"].is_string()) {
        record.card = f["card"].get<std::string>();
      } else {
        violations.push_back({at + ".card", "required: the card's uuid"});
      }
      if (f.contains("outcome") && f["outcome"].is_string()) {
        record.outcome = f["outcome"].get<std::string>();
      }
      if (record.outcome != "accepted" && record.outcome != "overridden") {
        violations.push_back(
            {at + ".outcome", "expected \"accepted\" or \"overridden\""});
      }
      if (!f.contains("outcomeTimestamp") ||
          !f["outcomeTimestamp"].is_string()) {
        violations.push_back({at + ".outcomeTimestamp", "required"});
      }
      if (f.contains("acceptedSuggestions") &&
          f["acceptedSuggestions"].is_array()) {
        record.accepted_suggestions =
            static_cast<int>(f["acceptedSuggestions"].size());
      }
      if (f.contains("overrideReason") && f["overrideReason"].is_object()) {
        const json& reason = f["overrideReason"];
        if (reason.contains("reason") && reason["reason"].is_object() &&
            reason["reason"].contains("code") &&
            reason["reason"]["code"].is_string()) {
          record.override_reason = reason["reason"]["code"].get<std::string>();
        }
        record.has_user_comment = reason.contains("userComment");
      }
      records.push_back(std::move(record));
    }
  }
  if (!violations.empty()) {
    status = app::WithViolations(absl::InvalidArgumentError(absl::StrCat(
                                     "invalid feedback: ", violations[0].field,
                                     ": ", violations[0].description)),
                                 violations);
    call->Finish(status);
    return Error(status);
  }
  if (options_.on_feedback) {
    for (const CardFeedback& record : records) options_.on_feedback(record);
  }
  // Into the assessment record, next to the assessment the card came from.
  if (app_.records_assessments()) {
    for (const CardFeedback& record : records) {
      medius::v1::RecordOutcomeRequest outcome;
      outcome.set_assessment_id(AssessmentOfCard(record.card));
      outcome.mutable_outcome()->set_action(
          record.outcome == "accepted"
              ? medius::v1::CLINICIAN_ACTION_ACCEPTED
              : medius::v1::CLINICIAN_ACTION_OVERRIDDEN);
      outcome.mutable_outcome()->set_override_reason(
          record.override_reason.substr(0, 200));
      status = outcome.assessment_id().empty()
                   ? absl::NotFoundError("unknown card uuid")
                   : OutcomeAndWait(*call, outcome);
      if (status.code() == absl::StatusCode::kNotFound) {
        status = absl::NotFoundError(
            absl::StrCat("card ", record.card.substr(0, 64),
                         " is not one of this service's cards"));
      }
      if (!status.ok()) {
        call->Finish(status);
        return Error(status);
      }
    }
  }
  call->Finish(absl::OkStatus());
  return Json(200, json::object());
}

}  // namespace medius::cds
