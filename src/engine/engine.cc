#include "engine/engine.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "engine/assessment_parts.h"
#include "engine/basic_view.h"
#include "engine/evidence_wire.h"
#include "engine/primary_source.h"
#include "engine/red_flags.h"
#include "engine/source_text.h"
#include "kb/validator.h"

namespace medius::engine {
namespace {

// The finding codes a criterion looks at (patient context excluded).
void CollectFindingCodes(const medius::v1::Criterion& c,
                         std::vector<std::string>* codes) {
  using C = medius::v1::Criterion;
  switch (c.kind_case()) {
    case C::kPresent:
      codes->push_back(c.present());
      break;
    case C::kAbsent:
      codes->push_back(c.absent());
      break;
    case C::kNumber:
      codes->push_back(c.number().finding_code());
      break;
    case C::kAllOf:
      for (const auto& child : c.all_of().criteria()) {
        CollectFindingCodes(child, codes);
      }
      break;
    case C::kAnyOf:
      for (const auto& child : c.any_of().criteria()) {
        CollectFindingCodes(child, codes);
      }
      break;
    case C::kAtLeast:
      for (const auto& child : c.at_least().criteria()) {
        CollectFindingCodes(child, codes);
      }
      break;
    default:
      break;
  }
}

// A protocol as the knowledge base writes it: every phase and exercise with
// its default dosage, nothing personalised (GetKnowledgeBase).
medius::v1::ExerciseProtocol CatalogProtocol(
    const CompiledKb& compiled, const medius::v1::ProtocolDefinition& def) {
  medius::v1::ExerciseProtocol out;
  out.set_protocol_code(def.code());
  out.set_display_name(def.display_name());
  for (const auto& c : def.for_conditions()) out.add_for_conditions(c);
  out.set_summary(def.summary());
  for (const auto& phase_def : def.phases()) {
    medius::v1::Phase* phase = out.add_phases();
    phase->set_name(phase_def.name());
    phase->set_goal(phase_def.goal());
    phase->set_entry_criteria(phase_def.entry_criteria());
    phase->set_progression_criteria(phase_def.progression_criteria());
    phase->set_typical_duration(phase_def.typical_duration());
    for (const auto& pe : phase_def.exercises()) {
      auto found = compiled.exercise_index.find(pe.exercise_code());
      if (found == compiled.exercise_index.end()) continue;  // validated
      const auto& exercise = compiled.kb.exercises(found->second);
      medius::v1::PrescribedExercise* rx = phase->add_exercises();
      rx->set_exercise_code(pe.exercise_code());
      rx->set_display_name(exercise.display_name());
      rx->set_instructions(exercise.instructions());
      const bool own = pe.has_dosage();
      *rx->mutable_dosage() = own ? pe.dosage() : exercise.dosage();
      const auto& source = own ? pe.dosage_source() : exercise.dosage_source();
      rx->set_dosage_source(SourceText(compiled, source));
      rx->set_dosage_expert_opinion(source.expert_opinion());
    }
  }
  for (const auto& a : def.advice()) out.add_advice(a);
  out.set_source(SourceText(compiled, def.source()));
  out.set_review(def.review());
  out.set_escalation(def.escalation());
  return out;
}

medius::v1::KnowledgeBaseInfo BuildInfo(const CompiledKb& compiled) {
  const medius::v1::KnowledgeBase& kb = compiled.kb;
  medius::v1::KnowledgeBaseInfo info;
  info.set_version(kb.version().version());
  info.set_date(kb.version().date());
  info.set_description(kb.version().description());
  info.set_content_digest(kb.version().content_digest());
  for (const auto& f : kb.findings()) {
    medius::v1::FindingInfo* out = info.add_findings();
    out->set_code(f.code());
    out->set_display_name(f.display_name());
    out->set_description(f.description());
    out->set_value_type(f.value_type());
    out->set_section(f.section());
    out->set_unit(f.unit());
    out->set_min_value(f.min_value());
    out->set_max_value(f.max_value());
    out->set_deprecation_note(f.deprecation_note());
    out->set_patient_context(f.patient_context());
  }
  for (const auto& c : kb.conditions()) {
    medius::v1::ConditionInfo* out = info.add_conditions();
    out->set_code(c.code());
    out->set_display_name(c.display_name());
    out->set_description(c.description());
    out->set_category(c.category());
    out->set_refines(c.refines());
  }
  for (const auto& r : kb.red_flags()) {
    medius::v1::RedFlagInfo* out = info.add_red_flags();
    out->set_code(r.code());
    out->set_display_name(r.display_name());
    out->set_description(r.description());
    medius::v1::Urgency highest = medius::v1::URGENCY_UNSPECIFIED;
    std::vector<std::string> screen;
    for (const auto& t : r.triggers()) {
      highest = std::max(highest, t.urgency());
      if (t.tier() == medius::v1::RED_FLAG_TIER_SCREEN) {
        CollectFindingCodes(t.when(), &screen);
      }
    }
    out->set_highest_urgency(highest);
    std::sort(screen.begin(), screen.end());
    screen.erase(std::unique(screen.begin(), screen.end()), screen.end());
    for (auto& code : screen) out->add_screen_findings(std::move(code));
  }
  for (const auto& e : kb.exercises()) {
    medius::v1::ExerciseInfo* out = info.add_exercises();
    out->set_code(e.code());
    out->set_display_name(e.display_name());
    out->set_instructions(e.instructions());
  }
  for (const auto& p : kb.protocols()) {
    *info.add_protocols() = CatalogProtocol(compiled, p);
  }
  std::vector<const medius::v1::Reference*> references;
  for (const auto& r : kb.references()) references.push_back(&r);
  std::sort(references.begin(), references.end(),
            [](const auto* a, const auto* b) { return a->id() < b->id(); });
  for (const medius::v1::Reference* r : references) {
    medius::v1::Citation* c = info.add_references();
    c->set_reference_id(r->id());
    c->set_text(ComputeReferenceText(*r));
    c->set_design(r->design());
    c->set_evidence_level(r->evidence_level());
  }
  return info;
}

}  // namespace

Engine::Engine(std::unique_ptr<const CompiledKb> kb,
               medius::v1::KnowledgeBaseInfo info)
    : kb_(std::move(kb)), info_(std::move(info)) {}

absl::StatusOr<std::unique_ptr<const Engine>> Engine::Create(
    medius::v1::KnowledgeBase kb) {
  std::vector<kb::Issue> issues = kb::Validate(kb);
  if (!issues.empty()) {
    std::vector<std::string> lines;
    for (const kb::Issue& issue : issues) {
      lines.push_back(absl::StrCat(issue.path, ": ", issue.message));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "knowledge base is not valid:\n", absl::StrJoin(lines, "\n")));
  }
  MEDIUS_ASSIGN_OR_RETURN(std::unique_ptr<const CompiledKb> compiled,
                          Compile(std::move(kb)));
  medius::v1::KnowledgeBaseInfo info = BuildInfo(*compiled);
  return std::unique_ptr<const Engine>(
      new Engine(std::move(compiled), std::move(info)));
}

std::vector<FieldViolation> Engine::CheckRequest(
    const medius::v1::AssessRequest& request) const {
  Observations observations;
  return engine::CheckRequest(request, *kb_, &observations);
}

absl::StatusOr<medius::v1::AssessResponse> Engine::Assess(
    const medius::v1::AssessRequest& request,
    std::vector<FieldViolation>* violations_out, AssessOptions options) const {
  const bool basic = request.view() == medius::v1::ASSESS_VIEW_BASIC;
  const EvidenceText form = FormFor(options.spliced, basic);
  Observations observations;
  std::vector<FieldViolation> violations =
      engine::CheckRequest(request, *kb_, &observations);
  if (!violations.empty()) {
    // The message lists the first few; the details (violations_out) carry
    // up to kMaxViolations.
    std::vector<std::string> parts;
    for (const FieldViolation& v : violations) {
      if (parts.size() == kMaxViolationsInMessage) break;
      parts.push_back(absl::StrCat(v.field, ": ", v.description));
    }
    std::string message =
        absl::StrCat("invalid AssessRequest: ", absl::StrJoin(parts, "; "));
    if (violations.size() > parts.size()) {
      absl::StrAppend(&message, "; and ", violations.size() - parts.size(),
                      " more in the BadRequest details");
    }
    if (violations_out != nullptr) *violations_out = std::move(violations);
    return absl::InvalidArgumentError(message);
  }

  medius::v1::AssessResponse response;
  response.set_knowledge_base_version(info_.version());
  response.set_knowledge_base_date(info_.date());
  response.set_knowledge_base_digest(info_.content_digest());
  response.set_encounter_id(request.encounter_id());

  // Red flags first (clinical safety rule 2): they are computed before, and
  // independently of, everything else, and always returned.
  PatientContext patient;
  if (request.patient().has_age_years()) {
    patient.age_years = request.patient().age_years();
  }
  // A value newer than this server is treated as not recorded (unknown,
  // not "no match": a sex-specific red flag must stay possible).
  const bool known_sex = medius::v1::Sex_IsValid(request.patient().sex());
  const bool known_side =
      medius::v1::Side_IsValid(request.patient().affected_side());
  patient.sex =
      known_sex ? request.patient().sex() : medius::v1::SEX_UNSPECIFIED;
  patient.side = known_side ? request.patient().affected_side()
                            : medius::v1::SIDE_UNSPECIFIED;
  std::vector<medius::v1::RedFlag> red_flags =
      EvaluateRedFlags(*kb_, observations, patient);
  for (const auto& flag : red_flags) *response.add_red_flags() = flag;

  std::vector<RankedCondition> ranked = RankConditions(*kb_, observations);
  std::optional<PrimaryScore> primary;
  if (kb_->primary.has_value()) {
    primary = ScorePrimary(*kb_, observations, patient);
    *response.mutable_primary_source() =
        ToPrimaryAssessment(*kb_, *primary, observations, form);
  }
  if (primary.has_value()) {
    ranked = RankByPrimary(*kb_, *primary, std::move(ranked));
    for (const RankedCondition& r : ranked) {
      *response.add_differential() =
          ToDifferentialEntry(*kb_, r, *primary, response.primary_source());
    }
  } else {
    for (const RankedCondition& r : ranked) {
      *response.add_differential() =
          ToDifferentialEntry(*kb_, r, observations, form);
    }
  }
  // Red-flag discriminators first (hop, fulcrum, temperature, CRP...), then
  // the tests that separate the differential.
  const size_t count = kb_->kb.settings().next_tests_count();
  for (auto& test :
       SuggestRedFlagTests(*kb_, observations, patient, red_flags, count)) {
    *response.add_next_tests() = std::move(test);
  }
  // With a primary-source model the tests are the ones that best tell the
  // sources apart; otherwise those that separate the two leading
  // conditions.
  for (auto& test :
       primary.has_value()
           ? SuggestPrimaryTests(*kb_, observations, patient, *primary, count)
           : SuggestNextTests(*kb_, observations, ranked)) {
    bool duplicate = false;
    for (const auto& t : response.next_tests()) {
      duplicate = duplicate || t.finding_code() == test.finding_code();
    }
    if (!duplicate) *response.add_next_tests() = std::move(test);
  }
  *response.mutable_protocol() =
      BuildProtocol(*kb_, observations, patient, ranked, red_flags,
                    primary.has_value() && primary->low_confidence);
  *response.mutable_disposition() =
      BuildDisposition(*kb_, observations, red_flags, response.protocol());

  for (auto& note :
       BuildNotes(*kb_, observations, ranked, red_flags,
                  {response.next_tests().begin(), response.next_tests().end()},
                  response.disposition())) {
    response.add_notes(std::move(note));
  }
  if (!known_sex) {
    response.add_notes(
        absl::StrCat("patient.sex: value ", request.patient().sex(),
                     " is newer than this server; treated as not recorded"));
  }
  if (!known_side) {
    response.add_notes(absl::StrCat(
        "patient.affected_side: value ", request.patient().affected_side(),
        " is newer than this server; treated as not recorded"));
  }
  // Each cited reference's text once per response, in id order. Thousands
  // of citations name about a hundred references: a hash set of views into
  // the response's own strings, then a sort of the distinct ones (a
  // std::set<std::string> here, a copy and a tree node per citation, was a
  // sixth of Assess).
  absl::flat_hash_set<absl::string_view> distinct;
  auto collect = [&](const auto& evidence) {
    for (const auto& e : evidence) {
      for (const auto& c : e.citations()) distinct.insert(c.reference_id());
      // A spliced Evidence's citations are in its blob.
      const int wire = SplicedWireMarker(e).wire;
      if (wire >= 0 && static_cast<size_t>(wire) < kb_->evidence_wire.size()) {
        for (const std::string& id : kb_->evidence_wire[wire].reference_ids) {
          distinct.insert(id);
        }
      }
    }
  };
  for (const auto& d : response.differential()) collect(d.evidence());
  for (const auto& s : response.primary_source().sources()) {
    collect(s.evidence());
  }
  for (const auto& q : response.primary_source().qualifiers()) {
    collect(q.evidence());
  }
  std::vector<absl::string_view> cited(distinct.begin(), distinct.end());
  std::sort(cited.begin(), cited.end());
  // The views stay valid: cited_references is a field of its own.
  for (absl::string_view id : cited) {
    auto it = kb_->references.find(id);
    if (it == kb_->references.end()) continue;  // validated
    medius::v1::Citation* c = response.add_cited_references();
    c->set_reference_id(std::string(id));
    auto text = kb_->reference_texts.find(it->second);
    c->set_text(text != kb_->reference_texts.end()
                    ? text->second
                    : ComputeReferenceText(*it->second));
    c->set_design(it->second->design());
    c->set_evidence_level(it->second->evidence_level());
  }
  // Thin evidence is said first: the ranking should not be acted on yet.
  if (response.primary_source().low_confidence()) {
    response.add_notes(absl::StrCat(
        "low_confidence: ", response.primary_source().confidence_note()));
    std::rotate(response.mutable_notes()->rbegin(),
                response.mutable_notes()->rbegin() + 1,
                response.mutable_notes()->rend());
  }
  if (basic) StripToBasic(&response);
  return response;
}

absl::StatusOr<std::string> Engine::SerializeSpliced(
    medius::v1::AssessResponse& response) const {
  MEDIUS_ASSIGN_OR_RETURN(std::unique_ptr<SplicedResponse> spliced,
                          Splice(response));
  std::string bytes(spliced->size(), '\0');
  spliced->WriteTo(reinterpret_cast<uint8_t*>(bytes.data()));
  return bytes;
}

}  // namespace medius::engine
