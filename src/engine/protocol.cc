#include <algorithm>
#include <cmath>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/plural.h"
#include "engine/assessment_parts.h"
#include "engine/source_text.h"

namespace medius::engine {
namespace {

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
  for (const RankedCondition& r : ranked) {
    if (r.score.probability < threshold) continue;
    for (const auto& ci : exercise.contraindications()) {
      if (ci.condition_code() == r.condition->def->code()) return &ci;
    }
  }
  return nullptr;
}

// Builds the response's exercises, leaving out (and listing) what a likely
// condition contraindicates.
class Prescriber {
 public:
  Prescriber(const CompiledKb& kb, const std::vector<RankedCondition>& ranked,
             medius::v1::ExerciseProtocol* out)
      : kb_(kb), ranked_(ranked), out_(out) {}

  const CompiledKb& kb() const { return kb_; }

  // Fills `rx` and returns true, or records the exclusion and returns false.
  bool Prescribe(const std::string& code, const medius::v1::Dosage* dosage,
                 const medius::v1::Source* dosage_source,
                 medius::v1::PrescribedExercise* rx) {
    auto found = kb_.exercise_index.find(code);
    if (found == kb_.exercise_index.end()) return false;  // validated
    const auto& exercise = kb_.kb.exercises(found->second);
    if (const auto* ci = ActiveContraindication(
            exercise, ranked_,
            kb_.kb.settings().contraindication_min_probability())) {
      if (excluded_.insert(code).second) {
        medius::v1::ExcludedExercise* excluded = out_->add_excluded();
        excluded->set_exercise_code(code);
        excluded->set_condition_code(ci->condition_code());
        excluded->set_reason(ci->reason());
      }
      return false;
    }
    prescribed_.insert(code);
    rx->set_exercise_code(code);
    rx->set_display_name(exercise.display_name());
    rx->set_instructions(exercise.instructions());
    const bool override_dose = dosage != nullptr;
    *rx->mutable_dosage() = override_dose ? *dosage : exercise.dosage();
    const auto& source =
        override_dose ? *dosage_source : exercise.dosage_source();
    rx->set_dosage_source(SourceText(kb_, source));
    rx->set_dosage_expert_opinion(source.expert_opinion());
    return true;
  }

  bool prescribed(const std::string& code) const {
    return prescribed_.contains(code);
  }

  // The exercise's deferral when one of its conditions is likely enough.
  const medius::v1::Deferral* ActiveDeferral(const std::string& code) const {
    auto found = kb_.exercise_index.find(code);
    if (found == kb_.exercise_index.end()) return nullptr;
    const auto& exercise = kb_.kb.exercises(found->second);
    if (!exercise.has_deferral()) return nullptr;
    const double threshold =
        kb_.kb.settings().contraindication_min_probability();
    for (const RankedCondition& r : ranked_) {
      if (r.score.probability < threshold) continue;
      for (const std::string& c : exercise.deferral().condition_codes()) {
        if (c == r.condition->def->code()) return &exercise.deferral();
      }
    }
    return nullptr;
  }

 private:
  const CompiledKb& kb_;
  const std::vector<RankedCondition>& ranked_;
  medius::v1::ExerciseProtocol* out_;
  absl::flat_hash_set<std::string> prescribed_, excluded_;
};

// Adds the protocol's phases. An exercise deferred by a likely condition
// (e.g. a compressive position in tendinopathy) is left out of the early
// phases and given in the last one, once, with the reason.
void AddPhases(const medius::v1::ProtocolDefinition& protocol,
               Prescriber& prescriber, medius::v1::ExerciseProtocol* out) {
  struct Deferred {
    const medius::v1::PhaseExercise* exercise;
    const medius::v1::Deferral* deferral;
  };
  std::vector<Deferred> deferred;
  const int last = protocol.phases_size() - 1;
  for (int p = 0; p <= last; ++p) {
    const auto& phase_def = protocol.phases(p);
    medius::v1::Phase* phase = out->add_phases();
    phase->set_name(phase_def.name());
    phase->set_goal(phase_def.goal());
    phase->set_entry_criteria(phase_def.entry_criteria());
    phase->set_progression_criteria(phase_def.progression_criteria());
    phase->set_typical_duration(phase_def.typical_duration());
    auto prescribe = [&](const medius::v1::PhaseExercise& pe,
                         medius::v1::PrescribedExercise* rx) {
      return prescriber.Prescribe(pe.exercise_code(),
                                  pe.has_dosage() ? &pe.dosage() : nullptr,
                                  &pe.dosage_source(), rx);
    };
    for (const auto& pe : phase_def.exercises()) {
      if (p < last) {
        if (const auto* d = prescriber.ActiveDeferral(pe.exercise_code())) {
          deferred.push_back({&pe, d});
          continue;
        }
      }
      medius::v1::PrescribedExercise rx;
      if (prescribe(pe, &rx)) *phase->add_exercises() = std::move(rx);
    }
    if (p != last) continue;
    for (const Deferred& d : deferred) {
      if (prescriber.prescribed(d.exercise->exercise_code())) continue;
      medius::v1::PrescribedExercise rx;
      if (prescribe(*d.exercise, &rx)) {
        rx.set_reason(absl::StrCat(
            d.deferral->reason(), " (",
            SourceText(prescriber.kb(), d.deferral->source()), ")"));
        *phase->add_exercises() = std::move(rx);
      }
    }
  }
}

void SetStartPhase(const CompiledKb& kb, const Observations& observations,
                   const PatientContext& patient,
                   const medius::v1::ProtocolDefinition& protocol,
                   medius::v1::ExerciseProtocol* out) {
  std::vector<std::string> because;
  Truth high =
      kb.high_irritability.has_value()
          ? Evaluate(kb, *kb.high_irritability, observations, patient, &because)
          : Truth::kUnknown;
  Truth low =
      kb.low_irritability.has_value()
          ? Evaluate(kb, *kb.low_irritability, observations, patient, &because)
          : Truth::kUnknown;
  out->set_start_phase(0);
  if (high == Truth::kTrue) {
    out->set_irritability(medius::v1::IRRITABILITY_HIGH);
    out->set_start_reason(absl::StrCat(
        "High irritability (", absl::StrJoin(because, ", "),
        "): start at the first phase and progress by symptom response."));
  } else if (low == Truth::kTrue) {
    out->set_irritability(medius::v1::IRRITABILITY_LOW);
    out->set_start_phase(protocol.low_irritability_start_phase());
    out->set_start_reason(
        protocol.low_irritability_start_phase() == 0
            ? "Low irritability: start at the first phase; progress as "
              "tolerated."
            : absl::StrCat(
                  "Low irritability (", absl::StrJoin(because, ", "),
                  "): start at phase '",
                  protocol.phases(protocol.low_irritability_start_phase())
                      .name(),
                  "'; education and load management still apply."));
  } else if (high == Truth::kFalse) {
    out->set_irritability(medius::v1::IRRITABILITY_MODERATE);
    out->set_start_reason("Moderate irritability: start at the first phase.");
  } else {
    out->set_irritability(medius::v1::IRRITABILITY_UNSPECIFIED);
    out->set_start_reason(
        "Irritability unknown (pain score and night pain not recorded): "
        "start at the first phase.");
  }
}

bool Treats(const std::vector<std::string>& treated,
            const google::protobuf::RepeatedPtrField<std::string>& codes) {
  if (codes.empty()) return true;
  for (const std::string& c : codes) {
    if (std::find(treated.begin(), treated.end(), c) != treated.end()) {
      return true;
    }
  }
  return false;
}

void AddAdvice(const std::string& advice, medius::v1::ExerciseProtocol* out) {
  for (const std::string& existing : out->advice()) {
    if (existing == advice) return;
  }
  out->add_advice(advice);
}

}  // namespace

medius::v1::ExerciseProtocol BuildProtocol(
    const CompiledKb& kb, const Observations& observations,
    const PatientContext& patient, const std::vector<RankedCondition>& ranked,
    const std::vector<medius::v1::RedFlag>& red_flags, bool low_confidence) {
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
        "Withheld: ", blocking.size() == 1 ? "a red flag" : "red flags",
        " needing medical assessment first (", absl::StrJoin(blocking, ", "),
        "). Do not start exercise until the referral has been acted on."));
    return out;
  }
  const auto& settings = kb.kb.settings();
  std::vector<std::string> unasked;
  for (int index : kb.core_screening) {
    if (observations[index].state == Observed::kUnassessed) {
      unasked.push_back(kb.finding(index).display_name());
    }
  }
  if (!unasked.empty()) {
    // Not asked is not "no" (clinical safety rule 1): until the screen is
    // complete, serious pathology has not been looked for, so no loading.
    out.set_status(medius::v1::PROTOCOL_STATUS_INTERIM);
    out.set_reason(absl::StrCat(
        "The red-flag screen is incomplete (not asked: ",
        absl::StrJoin(unasked, "; "),
        "). Education and relative rest only until these are asked; no "
        "loading exercise yet."));
    for (const std::string& a : settings.interim_advice()) {
      AddAdvice(
          absl::StrCat(a, " (", SourceText(kb, settings.interim_source()), ")"),
          &out);
    }
    return out;
  }
  const int assessed = CountAssessed(kb, observations);
  if (assessed < static_cast<int>(settings.min_findings_for_confidence())) {
    out.set_status(medius::v1::PROTOCOL_STATUS_NONE);
    out.set_reason(absl::StrCat(
        "Only ", common::Counted(assessed, "finding"),
        " assessed, fewer than the ", settings.min_findings_for_confidence(),
        " needed to name a condition; complete the assessment (see next "
        "tests) before choosing a protocol."));
    return out;
  }
  if (low_confidence) {
    out.set_status(medius::v1::PROTOCOL_STATUS_NONE);
    out.set_reason(
        "Where the pain comes from is not yet clear from the findings "
        "recorded (low confidence): do the next tests before choosing a "
        "protocol, so that loading is not aimed at the wrong source.");
    return out;
  }
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
  out.set_summary(protocol->summary());
  out.set_source(SourceText(kb, protocol->source()));
  out.set_review(protocol->review());
  out.set_escalation(protocol->escalation());
  std::vector<std::string> treated = {leading.condition->def->code()};
  out.add_for_conditions(leading.condition->def->code());
  for (const std::string& a : protocol->advice()) AddAdvice(a, &out);

  Prescriber prescriber(kb, ranked, &out);
  AddPhases(*protocol, prescriber, &out);
  SetStartPhase(kb, observations, patient, *protocol, &out);

  // Co-existing likely conditions with a pathway of their own: say so and
  // add their advice (their contraindications already apply above).
  for (size_t i = 1; i < ranked.size(); ++i) {
    const RankedCondition& other = ranked[i];
    if (other.score.probability < settings.protocol_min_probability()) break;
    const auto* other_protocol = ProtocolFor(kb, other.condition->def->code());
    treated.push_back(other.condition->def->code());
    out.add_for_conditions(other.condition->def->code());
    if (other_protocol == nullptr || other_protocol == protocol) continue;
    AddAdvice(absl::StrCat(
                  "Also likely: ", other.condition->def->display_name(), " (",
                  Percent(other.score.probability), "); manage alongside (",
                  other_protocol->display_name(), ")."),
              &out);
    for (const std::string& a : other_protocol->advice()) AddAdvice(a, &out);
  }

  // Advice the findings call for.
  for (size_t i = 0; i < kb.advice_when.size(); ++i) {
    const auto& rule = kb.kb.advice_rules(static_cast<int>(i));
    std::vector<std::string> because;
    if (!Treats(treated, rule.for_conditions()) ||
        Evaluate(kb, kb.advice_when[i], observations, patient, &because) !=
            Truth::kTrue) {
      continue;
    }
    AddAdvice(
        absl::StrCat(rule.advice(), " (", SourceText(kb, rule.source()), ")"),
        &out);
  }

  // Exercises for contributing factors, unless contraindicated or already
  // in the protocol.
  for (size_t i = 0; i < kb.targeted_when.size(); ++i) {
    const auto& rule = kb.kb.targeted_exercises(static_cast<int>(i));
    std::vector<std::string> because;
    if (Evaluate(kb, kb.targeted_when[i], observations, patient, &because) !=
        Truth::kTrue) {
      continue;
    }
    std::vector<std::string> already;
    for (const std::string& code : rule.exercise_codes()) {
      if (prescriber.prescribed(code)) {
        already.push_back(
            kb.kb.exercises(kb.exercise_index.at(code)).display_name());
        continue;
      }
      medius::v1::PrescribedExercise rx;
      if (prescriber.Prescribe(code, nullptr, nullptr, &rx)) {
        rx.set_reason(absl::StrCat(rule.reason(), " (",
                                   SourceText(kb, rule.source()), ")"));
        *out.add_targeted_exercises() = std::move(rx);
      }
    }
    // Already in the phases: say that they also serve this factor.
    if (!already.empty()) {
      AddAdvice(absl::StrCat(rule.reason(), " In this protocol: ",
                             absl::StrJoin(already, ", "), " (",
                             SourceText(kb, rule.source()), ")."),
                &out);
    }
  }
  return out;
}

}  // namespace medius::engine
