// The core's side of the assessment record: Call::Record hands answered
// assessments to the audit writer; GetAssessment, ListAssessments and
// RecordOutcome read and extend the record.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "app/application.h"
#include "app/audit_json.h"
#include "app/status_details.h"

namespace medius::app {
namespace {

constexpr int kDefaultPageSize = 20;
constexpr int kMaxPageSize = 100;
constexpr size_t kMaxIdLength = 128;
constexpr size_t kMaxReasonLength = 200;
constexpr uint32_t kMaxWeeks = 520;

absl::Status NoStore() {
  return absl::FailedPreconditionError(
      "this server keeps no assessment record (--audit=off)");
}

absl::Status Invalid(std::vector<engine::FieldViolation> violations) {
  return WithViolations(
      absl::InvalidArgumentError(
          absl::StrCat(violations[0].field, ": ", violations[0].description)),
      violations);
}

// A condition or red-flag code of the loaded knowledge base.
bool KnownOutcomeCode(const medius::v1::KnowledgeBaseInfo& info,
                      const std::string& code) {
  for (const auto& c : info.conditions()) {
    if (c.code() == code) return true;
  }
  for (const auto& f : info.red_flags()) {
    if (f.code() == code) return true;
  }
  return false;
}

std::vector<engine::FieldViolation> CheckOutcome(
    const medius::v1::RecordOutcomeRequest& request,
    const medius::v1::KnowledgeBaseInfo& info) {
  std::vector<engine::FieldViolation> v;
  if (request.assessment_id().empty()) {
    v.push_back({"assessment_id", "required"});
  } else if (request.assessment_id().size() > kMaxIdLength) {
    v.push_back({"assessment_id", "longer than 128 characters"});
  }
  const medius::v1::Outcome& o = request.outcome();
  if (!request.has_outcome()) v.push_back({"outcome", "required"});
  // An action or confirmation method newer than this server is kept as
  // sent (the record stores the number; a later server can read it) and
  // counted as neither accepted nor overridden by the outcome report
  // (docs/API.md, "Forward compatibility").
  if (o.override_reason().size() > kMaxReasonLength) {
    v.push_back({"outcome.override_reason", "longer than 200 characters"});
  }
  if (o.has_confirmed()) {
    const std::string& code = o.confirmed().condition_code();
    if (code.empty()) {
      v.push_back({"outcome.confirmed.condition_code", "required"});
    } else if (!KnownOutcomeCode(info, code)) {
      v.push_back({"outcome.confirmed.condition_code",
                   absl::StrCat("unknown condition or red-flag code '",
                                code.substr(0, 64), "'")});
    }
  }
  for (int i = 0; i < o.follow_up_size(); ++i) {
    const auto& m = o.follow_up(i);
    const std::string at = absl::StrCat("outcome.follow_up[", i, "]");
    if (m.instrument() == medius::v1::MEASURE_INSTRUMENT_PAIN_NRS) {
      if (!(m.value() >= 0 && m.value() <= 10)) {
        v.push_back({at + ".value", "pain NRS is 0 to 10"});
      }
    } else if (m.instrument() == medius::v1::MEASURE_INSTRUMENT_VISA_G) {
      if (!(m.value() >= 0 && m.value() <= 100)) {
        v.push_back({at + ".value", "VISA-G is 0 to 100"});
      }
    } else {
      v.push_back({at + ".instrument", "required: PAIN_NRS or VISA_G"});
    }
    if (m.weeks() > kMaxWeeks) {
      v.push_back({at + ".weeks", "at most 520"});
    }
  }
  return v;
}

}  // namespace

absl::StatusOr<std::vector<audit::AuditRecord>> Application::ReadAssessment(
    const std::string& assessment_id) {
  absl::MutexLock lock(&reader_mutex_);
  return options_.audit_reader->GetAssessment(assessment_id);
}

void Call::Record(const medius::v1::AssessRequest& request,
                  std::string response_bytes,
                  std::function<void(const absl::Status&)> done) {
  audit::AuditWriter* writer = app_.options_.audit_writer;
  if (writer == nullptr || record_.assessment_id.empty()) {
    done(absl::OkStatus());
    return;
  }
  audit::AuditRecord r;
  r.kind = audit::RecordKind::kAssessment;
  r.assessment_id = record_.assessment_id;
  r.encounter_id = request.encounter_id();
  r.recorded_at = absl::Now();
  r.client = record_.client;
  r.transport = caller_.transport;
  r.knowledge_base_version = app_.engine_.version();
  r.knowledge_base_digest = app_.engine_.info().content_digest();
  r.request = request.SerializeAsString();
  r.response = std::move(response_bytes);
  writer->Submit(
      std::move(r), /*durable=*/false,
      [done = std::move(done)](const absl::Status& status,
                               const audit::AuditRecord*) { done(status); });
}

absl::StatusOr<medius::v1::GetAssessmentResponse> Call::GetAssessment(
    const medius::v1::GetAssessmentRequest& request) {
  if (app_.options_.audit_reader == nullptr) return NoStore();
  if (request.assessment_id().empty()) {
    return Invalid({{"assessment_id", "required"}});
  }
  absl::StatusOr<std::vector<audit::AuditRecord>> rows =
      app_.ReadAssessment(request.assessment_id());
  if (!rows.ok()) return rows.status();
  if (rows->empty() || (*rows)[0].kind != audit::RecordKind::kAssessment) {
    return absl::NotFoundError(absl::StrCat(
        "no assessment '", request.assessment_id().substr(0, kMaxIdLength),
        "' in the record (unknown, or purged by retention)"));
  }
  medius::v1::GetAssessmentResponse out;
  const audit::AuditRecord& a = (*rows)[0];
  if (!out.mutable_request()->ParseFromString(a.request) ||
      !out.mutable_response()->ParseFromString(a.response)) {
    return absl::DataLossError(
        absl::StrCat("assessment '", a.assessment_id, "' (record ", a.sequence,
                     ") does not parse: run `medius audit verify`"));
  }
  *out.mutable_provenance() = ProvenanceOf(a);
  for (size_t i = 1; i < rows->size(); ++i) {
    medius::v1::StoredOutcome* o = out.add_outcomes();
    o->mutable_outcome()->ParseFromString((*rows)[i].request);
    *o->mutable_provenance() = ProvenanceOf((*rows)[i]);
  }
  return out;
}

absl::StatusOr<medius::v1::ListAssessmentsResponse> Call::ListAssessments(
    const medius::v1::ListAssessmentsRequest& request) {
  if (app_.options_.audit_reader == nullptr) return NoStore();
  std::vector<engine::FieldViolation> v;
  if (request.encounter_id().empty()) v.push_back({"encounter_id", "required"});
  if (request.page_size() < 0 || request.page_size() > kMaxPageSize) {
    v.push_back({"page_size", "expected 0 (20) to 100"});
  }
  int64_t after = 0;
  if (!request.page_token().empty() &&
      (!absl::SimpleAtoi(request.page_token(), &after) || after < 0)) {
    v.push_back({"page_token", "not a token this server gave"});
  }
  if (!v.empty()) return Invalid(std::move(v));
  const int size =
      request.page_size() == 0 ? kDefaultPageSize : request.page_size();
  absl::StatusOr<std::vector<audit::AuditRecord>> rows;
  {
    absl::MutexLock lock(&app_.reader_mutex_);
    // One more than asked: whether there is a next page.
    rows = app_.options_.audit_reader->ListByEncounter(request.encounter_id(),
                                                       after, size + 1);
  }
  if (!rows.ok()) return rows.status();
  medius::v1::ListAssessmentsResponse out;
  for (int i = 0; i < static_cast<int>(rows->size()) && i < size; ++i) {
    const audit::AuditRecord& r = (*rows)[i];
    medius::v1::AssessmentSummary* s = out.add_assessments();
    s->set_assessment_id(r.assessment_id);
    *s->mutable_provenance() = ProvenanceOf(r);
    s->set_knowledge_base_version(r.knowledge_base_version);
    medius::v1::AssessResponse response;
    if (response.ParseFromString(r.response)) {
      if (response.differential_size() > 0) {
        s->set_leading_condition_code(
            response.differential(0).condition_code());
      }
      for (const auto& flag : response.red_flags()) {
        s->add_red_flag_codes(flag.code());
      }
    }
    if (i == size - 1 && static_cast<int>(rows->size()) > size) {
      out.set_next_page_token(absl::StrCat(r.sequence));
    }
  }
  return out;
}

void Call::RecordOutcome(
    const medius::v1::RecordOutcomeRequest& request,
    std::function<void(absl::StatusOr<medius::v1::RecordOutcomeResponse>)>
        done) {
  if (app_.options_.audit_reader == nullptr ||
      app_.options_.audit_writer == nullptr) {
    done(NoStore());
    return;
  }
  std::vector<engine::FieldViolation> v =
      CheckOutcome(request, app_.engine_.info());
  if (!v.empty()) {
    done(Invalid(std::move(v)));
    return;
  }
  absl::StatusOr<std::vector<audit::AuditRecord>> rows =
      app_.ReadAssessment(request.assessment_id());
  if (!rows.ok()) {
    done(rows.status());
    return;
  }
  if (rows->empty()) {
    done(absl::NotFoundError(absl::StrCat(
        "no assessment '", request.assessment_id(), "' in the record")));
    return;
  }
  audit::AuditRecord r;
  r.kind = audit::RecordKind::kOutcome;
  r.assessment_id = request.assessment_id();
  r.recorded_at = absl::Now();
  r.client = record_.client;
  r.transport = caller_.transport;
  r.knowledge_base_version = (*rows)[0].knowledge_base_version;
  r.knowledge_base_digest = (*rows)[0].knowledge_base_digest;
  r.request = request.outcome().SerializeAsString();
  app_.options_.audit_writer->Submit(
      std::move(r), /*durable=*/true,
      [done = std::move(done)](const absl::Status& status,
                               const audit::AuditRecord* stored) {
        if (!status.ok()) {
          done(status);
          return;
        }
        medius::v1::RecordOutcomeResponse out;
        *out.mutable_provenance() = ProvenanceOf(*stored);
        done(out);
      });
}

}  // namespace medius::app
