#include "cds/prefetch.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/status_details.h"
#include "render/fhir.h"

namespace medius::cds {
namespace {

using nlohmann::json;

class Reader {
 public:
  Reader(const medius::v1::KnowledgeBaseInfo& catalog,
         medius::v1::AssessRequest* request)
      : request_(request) {
    for (const auto& f : catalog.findings()) findings_[f.code()] = &f;
  }

  void Bad(std::string path, std::string what) {
    violations_.push_back({std::move(path), std::move(what)});
  }
  std::vector<engine::FieldViolation>& violations() { return violations_; }

  // The finding `code` from the FHIR value at `value` (an answer or an
  // Observation): true when it was taken.
  void Take(const std::string& path, const std::string& code,
            const json& holder, bool duplicates_are_errors) {
    auto it = findings_.find(code);
    if (it == findings_.end()) {
      Bad(path, absl::StrCat("'", code,
                             "' is not a finding code of this knowledge base "
                             "(GET /fhir/Questionnaire/medius-hip-assessment "
                             "lists them)"));
      return;
    }
    const medius::v1::FindingInfo& info = *it->second;
    if (info.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
      Bad(path, absl::StrCat("'", code,
                             "' comes from the Patient resource (birthDate, "
                             "gender), not from an answer"));
      return;
    }
    if (auto [seen, fresh] = first_path_.emplace(code, path); !fresh) {
      if (duplicates_are_errors) {
        Bad(path, absl::StrCat("'", code, "' is answered twice (also at ",
                               seen->second, ")"));
      }
      return;  // Observations: the first (newest, as the query sorts) wins
    }
    medius::v1::Finding finding;
    finding.set_code(code);
    if (info.value_type() == medius::v1::VALUE_TYPE_BOOL) {
      if (!holder.contains("valueBoolean") ||
          !holder["valueBoolean"].is_boolean()) {
        Bad(path, absl::StrCat("'", code,
                               "' is a yes/no finding: expected valueBoolean"));
        return;
      }
      finding.set_present(holder["valueBoolean"].get<bool>());
    } else {
      const json* number = nullptr;
      if (holder.contains("valueDecimal")) number = &holder["valueDecimal"];
      if (holder.contains("valueInteger")) number = &holder["valueInteger"];
      if (holder.contains("valueQuantity") &&
          holder["valueQuantity"].is_object() &&
          holder["valueQuantity"].contains("value")) {
        number = &holder["valueQuantity"]["value"];
      }
      if (number == nullptr || !number->is_number()) {
        Bad(path,
            absl::StrCat(
                "'", code, "' is a measurement",
                info.unit().empty() ? "" : absl::StrCat(" in ", info.unit()),
                ": expected valueDecimal, valueInteger or "
                "valueQuantity.value"));
        return;
      }
      finding.set_number(number->get<double>());
    }
    *request_->add_findings() = std::move(finding);
  }

  void Side(const std::string& path, const json& answer) {
    static const std::pair<const char*, medius::v1::Side> kSides[] = {
        {"left", medius::v1::SIDE_LEFT},
        {"right", medius::v1::SIDE_RIGHT},
        {"bilateral", medius::v1::SIDE_BILATERAL}};
    if (answer.contains("valueCoding") && answer["valueCoding"].is_object()) {
      const json& code = answer["valueCoding"].value("code", json());
      for (const auto& [name, side] : kSides) {
        if (code.is_string() && code.get<std::string>() == name) {
          request_->mutable_patient()->set_affected_side(side);
          return;
        }
      }
    }
    Bad(path,
        "affected_side: expected valueCoding with code left, right or "
        "bilateral");
  }

  // A QuestionnaireResponse's items, nested groups and answers included.
  void Items(const std::string& path, const json& items) {
    if (!items.is_array()) {
      Bad(path, "expected an array of items");
      return;
    }
    for (size_t i = 0; i < items.size(); ++i) {
      const json& item = items[i];
      const std::string at = absl::StrCat(path, "[", i, "]");
      if (!item.is_object()) {
        Bad(at, "expected an item object");
        continue;
      }
      const json& answers = item.value("answer", json::array());
      const std::string link =
          item.contains("linkId") && item["linkId"].is_string()
              ? item["linkId"].get<std::string>()
              : "";
      if (answers.is_array() && !answers.empty()) {
        const std::string answer_path = absl::StrCat(at, ".answer[0]");
        if (answers.size() > 1) {
          Bad(absl::StrCat(at, ".answer"), "expected one answer per item");
        } else if (link == kAffectedSideLinkId) {
          Side(answer_path, answers[0]);
        } else if (link.empty()) {
          Bad(absl::StrCat(at, ".linkId"), "an answered item needs a linkId");
        } else {
          Take(answer_path, link, answers[0], /*duplicates_are_errors=*/true);
        }
        for (size_t a = 0; a < answers.size(); ++a) {
          if (answers[a].is_object() && answers[a].contains("item")) {
            Items(absl::StrCat(at, ".answer[", a, "].item"),
                  answers[a]["item"]);
          }
        }
      }
      if (item.contains("item")) Items(absl::StrCat(at, ".item"), item["item"]);
    }
  }

  void Observations(const std::string& path, const json& bundle) {
    if (!bundle.is_object() || bundle.value("resourceType", "") != "Bundle" ||
        !bundle.value("entry", json::array()).is_array()) {
      Bad(path, "expected a Bundle of Observation resources");
      return;
    }
    const json& entries =
        bundle.contains("entry") ? bundle["entry"] : json::array();
    const std::string system = absl::StrCat(render::kCodeSystemBase, "finding");
    for (size_t i = 0; i < entries.size(); ++i) {
      const std::string at = absl::StrCat(path, ".entry[", i, "].resource");
      if (!entries[i].is_object()) continue;
      const json& obs = entries[i].value("resource", json());
      if (!obs.is_object() || obs.value("resourceType", "") != "Observation") {
        continue;  // an OperationOutcome or another type: not a finding
      }
      const std::string status = obs.value("status", "");
      if (status == "entered-in-error" || status == "cancelled" ||
          obs.contains("dataAbsentReason")) {
        continue;  // not assessed
      }
      std::string code;
      const json& codings =
          obs.value("code", json::object()).value("coding", json::array());
      for (const json& c : codings) {
        if (c.is_object() && c.value("system", "") == system &&
            c.contains("code") && c["code"].is_string()) {
          code = c["code"].get<std::string>();
        }
      }
      if (code.empty()) continue;  // not coded as a Medius finding
      Take(at, code, obs, /*duplicates_are_errors=*/false);
    }
  }

 private:
  medius::v1::AssessRequest* request_;
  absl::flat_hash_map<std::string, const medius::v1::FindingInfo*> findings_;
  absl::flat_hash_map<std::string, std::string> first_path_;
  std::vector<engine::FieldViolation> violations_;
};

// The QuestionnaireResponse itself, or the first one in a searchset Bundle.
const json* QuestionnaireResponse(const json& value) {
  if (!value.is_object()) return nullptr;
  const std::string type = value.value("resourceType", "");
  if (type == "QuestionnaireResponse") return &value;
  if (type != "Bundle") return nullptr;
  // value["entry"], not value.value("entry", ...): that is a copy, and the
  // pointer returned must point into `value`.
  if (!value.contains("entry") || !value["entry"].is_array()) return nullptr;
  for (const json& e : value["entry"]) {
    if (e.is_object() && e.contains("resource") && e["resource"].is_object() &&
        e["resource"].value("resourceType", "") == "QuestionnaireResponse") {
      return &e["resource"];
    }
  }
  return nullptr;
}

absl::StatusOr<medius::v1::AssessRequest> Read(
    const json& body, const medius::v1::KnowledgeBaseInfo& catalog,
    absl::CivilDay today);

}  // namespace

std::optional<int> AgeOn(const std::string& birth_date, absl::CivilDay today) {
  std::vector<std::string> parts = absl::StrSplit(birth_date, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || parts[0].size() != 4 || parts[1].size() != 2 ||
      parts[2].size() != 2 || !absl::SimpleAtoi(parts[0], &y) ||
      !absl::SimpleAtoi(parts[1], &m) || !absl::SimpleAtoi(parts[2], &d)) {
    return std::nullopt;
  }
  const absl::CivilDay birth(y, m, d);
  // CivilDay normalises 2026-02-30 to March: such a date is malformed.
  if (birth.year() != y || birth.month() != m || birth.day() != d ||
      birth > today) {
    return std::nullopt;
  }
  int age = static_cast<int>(today.year() - birth.year());
  if (today.month() < birth.month() ||
      (today.month() == birth.month() && today.day() < birth.day())) {
    --age;
  }
  return age;
}

absl::StatusOr<medius::v1::AssessRequest> RequestFromHook(
    const json& body, const medius::v1::KnowledgeBaseInfo& catalog,
    absl::CivilDay today) {
  // The readers check types before they look; this is the backstop for a
  // shape they did not foresee (a number where a string was expected deep
  // in an Observation): a clear INVALID_ARGUMENT, never a crash.
  try {
    return Read(body, catalog, today);
  } catch (const json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid CDS Hooks request: unexpected JSON shape (", e.what(), ")"));
  }
}

namespace {

absl::StatusOr<medius::v1::AssessRequest> Read(
    const json& body, const medius::v1::KnowledgeBaseInfo& catalog,
    absl::CivilDay today) {
  if (!body.is_object()) {
    return absl::InvalidArgumentError("the request body is not a JSON object");
  }
  medius::v1::AssessRequest request;
  Reader reader(catalog, &request);
  if (!body.contains("hookInstance") || !body["hookInstance"].is_string()) {
    reader.Bad("hookInstance", "required (a UUID for this hook call)");
  }
  const json& context = body.value("context", json::object());
  if (!context.is_object()) {
    reader.Bad("context", "expected an object");
  } else if (context.contains("encounterId") &&
             context["encounterId"].is_string()) {
    request.set_encounter_id(context["encounterId"].get<std::string>());
  }
  const json& prefetch = body.value("prefetch", json::object());
  const json* assessment = nullptr;
  const json* observations = nullptr;
  if (prefetch.is_object()) {
    if (prefetch.contains("assessment") && !prefetch["assessment"].is_null()) {
      assessment = &prefetch["assessment"];
    }
    if (prefetch.contains("observations") &&
        !prefetch["observations"].is_null()) {
      observations = &prefetch["observations"];
    }
  }
  if (assessment == nullptr && observations == nullptr) {
    return absl::FailedPreconditionError(
        "the prefetch has no findings: send 'assessment' (the "
        "QuestionnaireResponse to the Medius assessment form) or "
        "'observations' (a Bundle of Observations coded in the Medius finding "
        "code system), as GET /cds-services describes; Medius does not fetch "
        "from fhirServer yet");
  }
  if (assessment != nullptr) {
    const json* qr = QuestionnaireResponse(*assessment);
    if (qr == nullptr) {
      reader.Bad("prefetch.assessment",
                 "expected a QuestionnaireResponse or a Bundle holding one");
    } else if (qr->value("status", "") == "entered-in-error") {
      reader.Bad("prefetch.assessment.status",
                 "the QuestionnaireResponse was entered in error");
    } else if (qr->contains("item")) {
      reader.Items("prefetch.assessment.item", (*qr)["item"]);
    }
  }
  if (observations != nullptr) {
    reader.Observations("prefetch.observations", *observations);
  }
  const json& patient = prefetch.is_object() && prefetch.contains("patient") &&
                                prefetch["patient"].is_object()
                            ? prefetch["patient"]
                            : json::object();
  const std::string gender = patient.value("gender", "");
  if (gender == "female")
    request.mutable_patient()->set_sex(medius::v1::SEX_FEMALE);
  if (gender == "male")
    request.mutable_patient()->set_sex(medius::v1::SEX_MALE);
  if (gender == "other")
    request.mutable_patient()->set_sex(medius::v1::SEX_OTHER);
  if (patient.contains("birthDate") && patient["birthDate"].is_string()) {
    std::optional<int> age =
        AgeOn(patient["birthDate"].get<std::string>(), today);
    if (age.has_value()) request.mutable_patient()->set_age_years(*age);
  }
  if (!reader.violations().empty()) {
    std::string message = absl::StrCat(
        "invalid CDS Hooks request: ", reader.violations()[0].field, ": ",
        reader.violations()[0].description);
    if (reader.violations().size() > 1) {
      absl::StrAppend(&message, "; and ", reader.violations().size() - 1,
                      " more in the details");
    }
    return app::WithViolations(absl::InvalidArgumentError(message),
                               reader.violations());
  }
  return request;
}

}  // namespace
}  // namespace medius::cds
