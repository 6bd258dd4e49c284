#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/assessment_parts.h"
#include "engine/source_text.h"

namespace medius::engine {
namespace {

std::string Percent(double p) {
  return absl::StrCat(static_cast<int>(p * 100 + 0.5), "%");
}

// The first protocol (knowledge-base order) that treats `condition_code`.
const medius::v1::ProtocolDefinition* ProtocolFor(
    const CompiledKb& kb, const std::string& condition_code) {
  for (const auto& protocol : kb.kb.protocols()) {
    for (const std::string& code : protocol.for_conditions()) {
      if (code == condition_code) return &protocol;
    }
  }
  return nullptr;
}

// The contraindication of `exercise` by a condition at or above the
// threshold, if any (the most probable such condition).
const medius::v1::Contraindication* ActiveContraindication(
    const medius::v1::ExerciseDefinition& exercise,
    const std::vector<RankedCondition>& ranked, double threshold) {
  for (const RankedCondition& r : ranked) {  // most probable first
    if (r.score.probability < threshold) break;
    for (const auto& ci : exercise.contraindications()) {
      if (ci.condition_code() == r.condition->def->code()) return &ci;
    }
  }
  return nullptr;
}

}  // namespace

medius::v1::ExerciseProtocol BuildProtocol(
    const CompiledKb& kb, const std::vector<RankedCondition>& ranked,
    const std::vector<medius::v1::RedFlag>& red_flags) {
  medius::v1::ExerciseProtocol out;
  std::vector<std::string> blocking;
  for (const auto& flag : red_flags) {
    if (flag.urgency() >= kWithholdProtocolFrom) {
      blocking.push_back(flag.display_name());
    }
  }
  if (!blocking.empty()) {
    out.set_status(medius::v1::PROTOCOL_STATUS_WITHHELD);
    out.set_reason(absl::StrCat(
        "Withheld: red flag(s) needing medical assessment first (",
        absl::StrJoin(blocking, ", "),
        "). Do not start exercise until the referral has been acted on."));
    return out;
  }
  const auto& settings = kb.kb.settings();
  if (ranked.empty() ||
      ranked.front().score.probability < settings.protocol_min_probability()) {
    out.set_status(medius::v1::PROTOCOL_STATUS_NONE);
    out.set_reason(absl::StrCat(
        "No condition reached ", Percent(settings.protocol_min_probability()),
        "; complete the assessment (see next tests) before choosing a "
        "protocol."));
    return out;
  }
  const RankedCondition& leading = ranked.front();
  const medius::v1::ProtocolDefinition* protocol =
      ProtocolFor(kb, leading.condition->def->code());
  if (protocol == nullptr) {
    out.set_status(medius::v1::PROTOCOL_STATUS_NONE);
    out.set_reason(absl::StrCat("The knowledge base has no protocol for ",
                                leading.condition->def->display_name(), "."));
    return out;
  }

  out.set_status(medius::v1::PROTOCOL_STATUS_RECOMMENDED);
  out.set_protocol_code(protocol->code());
  out.set_display_name(protocol->display_name());
  out.add_for_conditions(leading.condition->def->code());
  out.set_summary(protocol->summary());
  *out.mutable_advice() = protocol->advice();
  out.set_source(SourceText(protocol->source()));
  for (const auto& phase_def : protocol->phases()) {
    medius::v1::Phase* phase = out.add_phases();
    phase->set_name(phase_def.name());
    phase->set_goal(phase_def.goal());
    phase->set_entry_criteria(phase_def.entry_criteria());
    phase->set_progression_criteria(phase_def.progression_criteria());
    phase->set_typical_duration(phase_def.typical_duration());
    for (const auto& pe : phase_def.exercises()) {
      auto found = kb.exercise_index.find(pe.exercise_code());
      if (found == kb.exercise_index.end()) continue;  // validated at Create
      const auto& exercise = kb.kb.exercises(found->second);
      if (const auto* ci = ActiveContraindication(
              exercise, ranked, settings.contraindication_min_probability())) {
        medius::v1::ExcludedExercise* excluded = out.add_excluded();
        excluded->set_exercise_code(exercise.code());
        excluded->set_condition_code(ci->condition_code());
        excluded->set_reason(ci->reason());
        continue;
      }
      medius::v1::PrescribedExercise* rx = phase->add_exercises();
      rx->set_exercise_code(exercise.code());
      rx->set_display_name(exercise.display_name());
      rx->set_instructions(exercise.instructions());
      const bool override_dose = pe.has_dosage();
      *rx->mutable_dosage() = override_dose ? pe.dosage() : exercise.dosage();
      const auto& source =
          override_dose ? pe.dosage_source() : exercise.dosage_source();
      rx->set_dosage_source(SourceText(source));
      rx->set_dosage_expert_opinion(source.expert_opinion());
    }
  }
  return out;
}

}  // namespace medius::engine
