#include "engine/request_check.h"

#include <cmath>
#include <string>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"

namespace medius::engine {
namespace {

using medius::v1::Finding;

// Codes are echoed in messages; a hostile megabyte-long code must not be.
std::string Quote(const std::string& code) {
  if (code.size() <= kMaxCodeLength) return absl::StrCat("'", code, "'");
  return absl::StrCat("'", code.substr(0, kMaxCodeLength), "...'");
}

// "0 to 120 years"; a unit that is itself the scale ("0-10") is not
// repeated after it.
std::string Range(const medius::v1::FindingDefinition& f) {
  std::string range = absl::StrCat(f.min_value(), " to ", f.max_value());
  if (f.unit().empty() ||
      f.unit() == absl::StrCat(f.min_value(), "-", f.max_value())) {
    return range;
  }
  return absl::StrCat(range, " ", f.unit());
}

void CheckPatient(const medius::v1::AssessRequest& request,
                  std::vector<FieldViolation>* violations) {
  const auto& patient = request.patient();
  if (patient.has_age_years()) {
    double age = patient.age_years();
    if (!std::isfinite(age) || age < 0 || age > kMaxAgeYears) {
      violations->push_back(
          {"patient.age_years",
           absl::StrCat("age ", age, " is outside 0 to 120 years")});
    }
  }
  // A sex or side number this server does not know (a newer client's) is
  // not an error: the engine treats it as not recorded and says so in a
  // note (docs/API.md, "Forward compatibility").
}

// Where each finding was first given (-1: not yet), indexed by finding; a
// knowledge base of up to 256 findings needs no heap for it.
using FirstSeen = absl::InlinedVector<int, 256>;

void CheckFinding(const Finding& finding, const std::string& path,
                  const CompiledKb& kb, Observations* observations,
                  FirstSeen* first_seen, int position,
                  std::vector<FieldViolation>* violations) {
  if (finding.code().empty()) {
    violations->push_back({path + ".code", "a finding code is required"});
    return;
  }
  if (finding.code().size() > kMaxCodeLength) {
    violations->push_back(
        {path + ".code",
         absl::StrCat("code ", Quote(finding.code()), " is longer than ",
                      kMaxCodeLength, " characters")});
    return;
  }
  auto it = kb.finding_index.find(finding.code());
  if (it == kb.finding_index.end()) {
    violations->push_back(
        {path + ".code",
         absl::StrCat("unknown finding code ", Quote(finding.code()),
                      " (see GetKnowledgeBase)")});
    return;
  }
  const int index = it->second;
  const auto& def = kb.finding(index);
  if (def.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
    violations->push_back(
        {path + ".code",
         absl::StrCat(
             Quote(finding.code()),
             " comes from the patient record; send it in ",
             def.patient_context() == medius::v1::PATIENT_CONTEXT_AGE_YEARS
                 ? "patient.age_years"
                 : "patient.sex",
             ", not as a finding")});
    return;
  }
  int& seen = (*first_seen)[index];
  if (seen >= 0) {
    violations->push_back(
        {path + ".code",
         absl::StrCat("duplicate finding ", Quote(finding.code()),
                      ", already given in findings[", seen, "]")});
    return;
  }
  seen = position;
  Observation& obs = (*observations)[index];
  switch (finding.value_case()) {
    case Finding::VALUE_NOT_SET:
      violations->push_back(
          {path, absl::StrCat("no value: set present (or number) for ",
                              Quote(finding.code()),
                              "; leave out findings that were not assessed")});
      return;
    case Finding::kPresent:
      if (def.value_type() != medius::v1::VALUE_TYPE_BOOL) {
        violations->push_back(
            {path + ".present",
             absl::StrCat(Quote(finding.code()), " is a number finding (",
                          def.unit(), "); send number")});
        return;
      }
      obs.state = finding.present() ? Observed::kPresent : Observed::kAbsent;
      return;
    case Finding::kNumber: {
      if (def.value_type() != medius::v1::VALUE_TYPE_NUMBER) {
        violations->push_back(
            {path + ".number",
             absl::StrCat(Quote(finding.code()),
                          " is a yes/no finding; send present")});
        return;
      }
      double value = finding.number();
      if (!std::isfinite(value) || value < def.min_value() ||
          value > def.max_value()) {
        violations->push_back(
            {path + ".number",
             absl::StrCat(value, " is outside the valid range ", Range(def),
                          " of ", Quote(finding.code()))});
        return;
      }
      obs.state = Observed::kNumber;
      obs.number = value;
      return;
    }
  }
}

}  // namespace

std::vector<FieldViolation> CheckRequest(
    const medius::v1::AssessRequest& request, const CompiledKb& kb,
    Observations* observations) {
  std::vector<FieldViolation> violations;
  if (request.encounter_id().size() > kMaxEncounterIdLength) {
    violations.push_back(
        {"encounter_id",
         absl::StrCat("longer than ", kMaxEncounterIdLength, " characters")});
  }
  CheckPatient(request, &violations);
  if (request.findings_size() > kMaxFindings) {
    violations.push_back(
        {"findings",
         absl::StrCat(request.findings_size(), " findings exceed the limit of ",
                      kMaxFindings)});
    return violations;
  }
  observations->assign(kb.kb.findings_size(), Observation{});
  FirstSeen first_seen(kb.kb.findings_size(), -1);
  for (int i = 0; i < request.findings_size(); ++i) {
    if (violations.size() >= kMaxViolations) {
      violations.resize(kMaxViolations);
      violations.push_back(
          {"findings", absl::StrCat("checking stopped after ", kMaxViolations,
                                    " problems (at findings[", i,
                                    "]); fix these and send again")});
      return violations;
    }
    CheckFinding(request.findings(i), absl::StrCat("findings[", i, "]"), kb,
                 observations, &first_seen, i, &violations);
  }
  if (violations.size() > kMaxViolations) {
    violations.resize(kMaxViolations);
    violations.push_back(
        {"findings", absl::StrCat("checking stopped after ", kMaxViolations,
                                  " problems; fix these and send again")});
  }
  if (!violations.empty()) return violations;

  // Patient context becomes evidence only when it was recorded.
  const auto& patient = request.patient();
  if (kb.age_finding >= 0 && patient.has_age_years()) {
    (*observations)[kb.age_finding] = {Observed::kNumber, patient.age_years()};
  }
  if (kb.female_finding >= 0) {
    if (patient.sex() == medius::v1::SEX_FEMALE) {
      (*observations)[kb.female_finding].state = Observed::kPresent;
    } else if (patient.sex() == medius::v1::SEX_MALE) {
      (*observations)[kb.female_finding].state = Observed::kAbsent;
    }
  }
  return violations;
}

}  // namespace medius::engine
