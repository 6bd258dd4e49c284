// Red-flag rules of the shipped knowledge base (knowledge/red_flags.textproto)
// against the clinical sources, table-driven:
//  - every trigger of every rule has a scenario in which it fires and is the
//    reported trigger, with the urgency and destination the sources give
//    (shared/clinical/evidence.md section c and the catalog; where a source
//    gives the features but no tier for the combination, the knowledge
//    base's documented expert opinion, and the row says so);
//  - every rule has near misses that must not fire (one criterion absent,
//    an age just outside the band, a number just below the threshold);
//  - a finding that was not assessed never fires a rule and never counts
//    as a negative answer (three-valued logic).
// A new rule or trigger without a firing scenario here fails the coverage
// tests, as does a catalog red flag (tests/contract/published_codes.txt)
// without one.
#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "clinical/shipped_engine.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::testing {
namespace {

using medius::v1::AssessRequest;
using medius::v1::AssessResponse;
using medius::v1::Criterion;
using medius::v1::RedFlag;
using medius::v1::RedFlagRule;
using medius::v1::RedFlagTrigger;
using medius::v1::ReferralDestination;
using medius::v1::Urgency;

constexpr Urgency kEmergency = medius::v1::URGENCY_EMERGENCY;
constexpr Urgency kSameDay = medius::v1::URGENCY_SAME_DAY;
constexpr Urgency kUrgent = medius::v1::URGENCY_URGENT;
constexpr Urgency kSoon = medius::v1::URGENCY_SOON;
constexpr Urgency kRoutine = medius::v1::URGENCY_ROUTINE;

constexpr ReferralDestination kEd =
    medius::v1::REFERRAL_DESTINATION_EMERGENCY_DEPARTMENT;
constexpr ReferralDestination kSpinal =
    medius::v1::REFERRAL_DESTINATION_SPINAL_ON_CALL;
constexpr ReferralDestination kOrthoUrgent =
    medius::v1::REFERRAL_DESTINATION_ORTHOPAEDICS_URGENT;
constexpr ReferralDestination kPaedOrtho =
    medius::v1::REFERRAL_DESTINATION_PAEDIATRIC_ORTHOPAEDICS;
constexpr ReferralDestination kGpSameDay =
    medius::v1::REFERRAL_DESTINATION_GP_SAME_DAY;
constexpr ReferralDestination kRheumatology =
    medius::v1::REFERRAL_DESTINATION_RHEUMATOLOGY;
constexpr ReferralDestination kCancerPathway =
    medius::v1::REFERRAL_DESTINATION_SUSPECTED_CANCER_PATHWAY;
constexpr ReferralDestination kOrthoRoutine =
    medius::v1::REFERRAL_DESTINATION_ORTHOPAEDICS_ROUTINE;

// One input of a scenario. Anything not listed was not assessed.
struct In {
  enum Kind { kPresent, kAbsent, kNumber, kAge } kind;
  std::string code;
  double value;
};
In Yes(const std::string& code) { return {In::kPresent, code, 0}; }
In No(const std::string& code) { return {In::kAbsent, code, 0}; }
In Num(const std::string& code, double value) {
  return {In::kNumber, code, value};
}
In Age(double years) { return {In::kAge, "age_years", years}; }

AssessRequest Build(const std::vector<In>& inputs) {
  AssessRequest r;
  for (const In& in : inputs) {
    switch (in.kind) {
      case In::kPresent:
        AddBool(r, in.code, true);
        break;
      case In::kAbsent:
        AddBool(r, in.code, false);
        break;
      case In::kNumber:
        AddNumber(r, in.code, in.value);
        break;
      case In::kAge:
        r.mutable_patient()->set_age_years(in.value);
        break;
    }
  }
  return r;
}

// A scenario in which `flag` must fire, reported through its `trigger`-th
// trigger (1-based, in file order), at the urgency and destination that
// `basis` gives, naming exactly `triggered_by`.
struct Fires {
  std::string name;
  std::string flag;
  int trigger;
  Urgency urgency;
  ReferralDestination refer_to;
  std::vector<In> inputs;
  std::vector<std::string> triggered_by;
  std::string basis;
};

// A scenario in which `flag` must not fire, and why.
struct Silent {
  std::string name;
  std::string flag;
  std::vector<In> inputs;
  std::string why;
};

void PrintTo(const Fires& s, std::ostream* os) { *os << s.name; }
void PrintTo(const Silent& s, std::ostream* os) { *os << s.name; }

// Bases for the expected urgency and destination.
const char kInfectionRow[] =
    "evidence.md c infection: Emergency, emergency department (G-care; "
    "Exeter Hip Unit; gpreasoning.uk)";
const char kInfectionNoLocalSigns[] =
    "evidence.md c infection features, no tier for this combination: KB "
    "expert opinion (fever with risk factors but no local signs, or local "
    "signs without fever) -> doctor today";
const char kCesRow[] =
    "evidence.md c cauda equina: Emergency, ED / on-call spinal (BMJ Best "
    "Practice: MRI within 4 h)";
const char kCesBilateralOnly[] =
    "evidence.md c cauda equina lists bilateral leg symptoms; alone graded "
    "same-day review with safety-netting by KB expert opinion (source row: "
    "emergency)";
const char kFractureRow[] =
    "evidence.md c fracture: Emergency, same day, ED (G-care; gpreasoning.uk; "
    "Kernow; NHS Highland)";
const char kTraumaAlone[] =
    "NHS Highland pathway (evidence.md f): trauma -> urgent orthopaedics; KB "
    "expert opinion for trauma without deformity or loss of weight bearing";
const char kWeightBearingAlone[] =
    "evidence.md c fracture: sudden inability to weight bear +/- fall (Kernow) "
    "-> ED; KB grades it same day without other red flags (expert opinion)";
const char kStressRow[] =
    "evidence.md c bone stress injury: Urgent, urgent fracture clinic (G-care; "
    "Robertson & Wood 2017)";
const char kStressWeightBearing[] =
    "evidence.md c bone stress injury: same/next-day imaging, non-weight-"
    "bearing, urgent orthopaedics";
const char kMalignancyRow[] =
    "evidence.md c malignancy: Urgent, suspected-cancer (2WW) pathway "
    "(Henschke 2013; G-care; Kernow)";
const char kPathologicalFracture[] =
    "evidence.md c malignancy: same day if impending pathological fracture or "
    "cannot weight bear; fracture row: sudden inability to weight bear -> "
    "Emergency, ED";
const char kNeuroRow[] =
    "evidence.md c progressive neuro deficit: Urgent to emergency, spinal / "
    "neurosurgical team (NHS Lothian RefHelp)";
const char kNeuroConfirmed[] =
    "evidence.md c progressive neuro deficit: same day if acute motor loss "
    "(NHS Lothian RefHelp), spinal team";
const char kNeuroBilateral[] =
    "evidence.md c cauda equina: bilateral leg weakness -> Emergency, ED";
const char kAvnRow[] =
    "evidence.md c AVN: Urgent, urgent orthopaedic / fracture clinic (G-care; "
    "Kernow)";
const char kAvnRiskOnly[] =
    "evidence.md c AVN features; risk factor + groin pain before the hip "
    "examination graded soon by KB expert opinion (source row: urgent)";
const char kScfeRow[] =
    "catalog + evidence.md c SCFE: urgent unless unable to bear weight, "
    "paediatric orthopaedics (Peck 2017; gpreasoning.uk)";
const char kScfeUnstable[] =
    "evidence.md c SCFE: Emergency if unstable / cannot bear weight, ED "
    "(Peck 2017)";
const char kSpaRow[] =
    "evidence.md c inflammatory arthritis: Routine-soon, rheumatology (NICE "
    "NG65; NHS Lanarkshire)";
const char kDvtRow[] =
    "evidence.md c DVT: Same day, GP / acute medical / DVT clinic (Wells)";
const char kTearRow[] =
    "evidence.md d: surgery if conservative care fails or abductor power "
    "deficit with pain (Arthrosc Sports Med Rehabil 2022); not an emergency: "
    "routine orthopaedic opinion";
const char kNoImprovementRow[] =
    "evidence.md c/d: failure of physiotherapy in a GTPS picture should prompt "
    "imaging (Clifford 2019; physiatry 2024 poster); routine";

const std::vector<Fires>& FiringScenarios() {
  static const auto* table = new std::vector<Fires>{
      // --- infection -------------------------------------------------------
      {"infection_fever_hot_swelling",
       "infection",
       1,
       kEmergency,
       kEd,
       {Yes("fever_or_systemically_unwell"), Yes("hot_swollen_hip_or_bursa")},
       {"fever_or_systemically_unwell", "hot_swollen_hip_or_bursa"},
       kInfectionRow},
      {"infection_fever_cannot_weight_bear",
       "infection",
       2,
       kEmergency,
       kEd,
       {Yes("fever_or_systemically_unwell"), Yes("inability_to_weight_bear"),
        No("hot_swollen_hip_or_bursa")},
       {"fever_or_systemically_unwell", "inability_to_weight_bear"},
       kInfectionRow},
      {"infection_afebrile_hot_swelling_after_injection",
       "infection",
       3,
       kEmergency,
       kEd,
       {No("fever_or_systemically_unwell"), Yes("hot_swollen_hip_or_bursa"),
        Yes("recent_infection_or_invasive_procedure")},
       {"hot_swollen_hip_or_bursa", "recent_infection_or_invasive_procedure"},
       kInfectionRow},
      {"infection_hot_swelling_immunosuppressed",
       "infection",
       3,
       kEmergency,
       kEd,
       {Yes("hot_swollen_hip_or_bursa"), Yes("immunosuppression")},
       {"hot_swollen_hip_or_bursa", "immunosuppression"},
       kInfectionRow},
      {"infection_temperature_38_cannot_weight_bear",
       "infection",
       4,
       kEmergency,
       kEd,
       {Num("temperature_c", 38.0), Yes("inability_to_weight_bear")},
       {"temperature_c", "inability_to_weight_bear"},
       kInfectionRow},
      {"infection_temperature_38_5_hot_swelling",
       "infection",
       4,
       kEmergency,
       kEd,
       {Num("temperature_c", 38.5), Yes("hot_swollen_hip_or_bursa")},
       {"temperature_c", "hot_swollen_hip_or_bursa"},
       kInfectionRow},
      {"infection_fever_immunosuppressed_no_local_signs",
       "infection",
       5,
       kSameDay,
       kGpSameDay,
       {Yes("fever_or_systemically_unwell"), Yes("immunosuppression"),
        No("hot_swollen_hip_or_bursa"), No("inability_to_weight_bear")},
       {"fever_or_systemically_unwell", "immunosuppression"},
       kInfectionNoLocalSigns},
      {"infection_temperature_after_procedure_no_local_signs",
       "infection",
       5,
       kSameDay,
       kGpSameDay,
       {Num("temperature_c", 38.2),
        Yes("recent_infection_or_invasive_procedure"),
        No("hot_swollen_hip_or_bursa")},
       {"temperature_c", "recent_infection_or_invasive_procedure"},
       kInfectionNoLocalSigns},
      {"unassessed_infection_hot_swelling_temperature_not_measured",
       "infection",
       6,
       kSameDay,
       kGpSameDay,
       {Yes("hot_swollen_hip_or_bursa")},
       {"hot_swollen_hip_or_bursa"},
       kInfectionNoLocalSigns},
      {"infection_hot_swelling_no_fever_no_risk_factors",
       "infection",
       6,
       kSameDay,
       kGpSameDay,
       {Yes("hot_swollen_hip_or_bursa"), No("fever_or_systemically_unwell"),
        Num("temperature_c", 37.2),
        No("recent_infection_or_invasive_procedure"), No("immunosuppression"),
        No("inability_to_weight_bear")},
       {"hot_swollen_hip_or_bursa"},
       kInfectionNoLocalSigns},

      // --- cauda equina ----------------------------------------------------
      {"unassessed_cauda_equina_saddle_bladder_not_asked",
       "cauda_equina_syndrome",
       1,
       kEmergency,
       kEd,
       {Yes("saddle_anaesthesia")},
       {"saddle_anaesthesia"},
       kCesRow},
      {"cauda_equina_bladder_bowel",
       "cauda_equina_syndrome",
       1,
       kEmergency,
       kEd,
       {No("saddle_anaesthesia"), Yes("bladder_bowel_dysfunction")},
       {"bladder_bowel_dysfunction"},
       kCesRow},
      {"cauda_equina_saddle_and_bilateral_most_urgent_wins",
       "cauda_equina_syndrome",
       1,
       kEmergency,
       kEd,
       {Yes("saddle_anaesthesia"), Yes("bilateral_leg_neuro_symptoms")},
       {"saddle_anaesthesia"},
       kCesRow},
      {"cauda_equina_bilateral_leg_symptoms_only",
       "cauda_equina_syndrome",
       2,
       kSameDay,
       kGpSameDay,
       {Yes("bilateral_leg_neuro_symptoms"), No("saddle_anaesthesia"),
        No("bladder_bowel_dysfunction")},
       {"bilateral_leg_neuro_symptoms"},
       kCesBilateralOnly},

      // --- fracture --------------------------------------------------------
      {"fracture_fall_shortened_rotated_leg",
       "fracture",
       1,
       kEmergency,
       kEd,
       {Yes("fall_onto_hip"), Yes("leg_shortened_externally_rotated")},
       {"fall_onto_hip", "leg_shortened_externally_rotated"},
       kFractureRow},
      {"fracture_fall_cannot_weight_bear",
       "fracture",
       2,
       kEmergency,
       kEd,
       {Yes("fall_onto_hip"), Yes("inability_to_weight_bear")},
       {"fall_onto_hip", "inability_to_weight_bear"},
       kFractureRow},
      {"fracture_trauma_cannot_weight_bear",
       "fracture",
       2,
       kEmergency,
       kEd,
       {Yes("significant_trauma"), Yes("inability_to_weight_bear"),
        No("leg_shortened_externally_rotated")},
       {"significant_trauma", "inability_to_weight_bear"},
       kFractureRow},
      {"fracture_shortened_rotated_leg_no_fall_recorded",
       "fracture",
       3,
       kEmergency,
       kEd,
       {Yes("leg_shortened_externally_rotated")},
       {"leg_shortened_externally_rotated"},
       kFractureRow},
      {"fracture_trauma_still_walking",
       "fracture",
       4,
       kUrgent,
       kOrthoUrgent,
       {Yes("significant_trauma"), No("inability_to_weight_bear"),
        No("leg_shortened_externally_rotated")},
       {"significant_trauma"},
       kTraumaAlone},
      {"fracture_cannot_weight_bear_no_trauma",
       "fracture",
       5,
       kSameDay,
       kEd,
       {Yes("inability_to_weight_bear"), No("fall_onto_hip"),
        No("significant_trauma")},
       {"inability_to_weight_bear"},
       kWeightBearingAlone},

      // --- stress fracture -------------------------------------------------
      {"stress_fracture_load_increase_painful_hop",
       "stress_fracture",
       1,
       kUrgent,
       kOrthoUrgent,
       {Yes("recent_training_load_increase"), Yes("hop_test_pain")},
       {"recent_training_load_increase", "hop_test_pain"},
       kStressRow},
      {"stress_fracture_painful_hop_groin_no_load_change",
       "stress_fracture",
       2,
       kUrgent,
       kOrthoUrgent,
       {No("recent_training_load_increase"), Yes("hop_test_pain"),
        Yes("groin_pain")},
       {"hop_test_pain", "groin_pain"},
       kStressRow},
      {"stress_fracture_painful_hop_restricted_rotation",
       "stress_fracture",
       2,
       kUrgent,
       kOrthoUrgent,
       {Yes("hop_test_pain"), Yes("hip_internal_rotation_restricted")},
       {"hop_test_pain", "hip_internal_rotation_restricted"},
       kStressRow},
      {"stress_fracture_load_restricted_rotation_night_pain",
       "stress_fracture",
       3,
       kUrgent,
       kOrthoUrgent,
       {Yes("recent_training_load_increase"),
        Yes("hip_internal_rotation_restricted"), Yes("night_pain")},
       {"recent_training_load_increase", "hip_internal_rotation_restricted",
        "night_pain"},
       kStressRow},
      {"stress_fracture_gtps_mimic_load_constant_pain",
       "stress_fracture",
       4,
       kUrgent,
       kOrthoUrgent,
       {Yes("recent_training_load_increase"), Yes("pain_constant_unremitting"),
        Yes("lateral_hip_pain"), Yes("greater_trochanter_tenderness"),
        No("groin_pain")},
       {"recent_training_load_increase", "pain_constant_unremitting"},
       kStressRow},
      {"stress_fracture_load_increase_cannot_weight_bear",
       "stress_fracture",
       5,
       kSameDay,
       kOrthoUrgent,
       {Yes("recent_training_load_increase"), Yes("inability_to_weight_bear")},
       {"recent_training_load_increase", "inability_to_weight_bear"},
       kStressWeightBearing},

      // --- malignancy ------------------------------------------------------
      {"malignancy_history_of_cancer",
       "malignancy",
       1,
       kUrgent,
       kCancerPathway,
       {Yes("history_of_cancer")},
       {"history_of_cancer"},
       kMalignancyRow},
      {"malignancy_weight_loss_constant_pain",
       "malignancy",
       2,
       kUrgent,
       kCancerPathway,
       {No("history_of_cancer"), Yes("unexplained_weight_loss"),
        Yes("pain_constant_unremitting")},
       {"unexplained_weight_loss", "pain_constant_unremitting"},
       kMalignancyRow},
      {"unassessed_malignancy_weight_loss_night_pain_constant_not_asked",
       "malignancy",
       2,
       kUrgent,
       kCancerPathway,
       {Yes("unexplained_weight_loss"), Yes("night_pain")},
       {"unexplained_weight_loss", "night_pain"},
       kMalignancyRow},
      {"malignancy_empty_end_feel_night_pain",
       "malignancy",
       3,
       kUrgent,
       kCancerPathway,
       {Yes("empty_end_feel"), Yes("night_pain")},
       {"empty_end_feel", "night_pain"},
       kMalignancyRow},
      {"malignancy_empty_end_feel_weight_loss",
       "malignancy",
       3,
       kUrgent,
       kCancerPathway,
       {Yes("empty_end_feel"), Yes("unexplained_weight_loss")},
       {"empty_end_feel", "unexplained_weight_loss"},
       kMalignancyRow},
      {"malignancy_cancer_cannot_weight_bear",
       "malignancy",
       4,
       kEmergency,
       kEd,
       {Yes("history_of_cancer"), Yes("inability_to_weight_bear")},
       {"history_of_cancer", "inability_to_weight_bear"},
       kPathologicalFracture},
      {"malignancy_weight_loss_night_pain_cannot_weight_bear",
       "malignancy",
       4,
       kEmergency,
       kEd,
       {Yes("unexplained_weight_loss"), Yes("night_pain"),
        Yes("inability_to_weight_bear")},
       {"unexplained_weight_loss", "night_pain", "inability_to_weight_bear"},
       kPathologicalFracture},

      // --- progressive neurological deficit --------------------------------
      {"neuro_progressive_deficit_reported",
       "progressive_neuro_deficit",
       1,
       kUrgent,
       kSpinal,
       {Yes("progressive_neuro_deficit")},
       {"progressive_neuro_deficit"},
       kNeuroRow},
      {"neuro_progressive_deficit_confirmed_on_examination",
       "progressive_neuro_deficit",
       2,
       kSameDay,
       kSpinal,
       {Yes("progressive_neuro_deficit"), Yes("neuro_deficit")},
       {"progressive_neuro_deficit", "neuro_deficit"},
       kNeuroConfirmed},
      {"neuro_progressive_deficit_both_legs",
       "progressive_neuro_deficit",
       3,
       kEmergency,
       kEd,
       {Yes("progressive_neuro_deficit"), Yes("bilateral_leg_neuro_symptoms")},
       {"progressive_neuro_deficit", "bilateral_leg_neuro_symptoms"},
       kNeuroBilateral},

      // --- avascular necrosis ----------------------------------------------
      {"avn_steroids_groin_restricted_rotation",
       "avascular_necrosis",
       1,
       kUrgent,
       kOrthoUrgent,
       {Yes("long_term_corticosteroid_use"), Yes("groin_pain"),
        Yes("hip_internal_rotation_restricted")},
       {"long_term_corticosteroid_use", "groin_pain",
        "hip_internal_rotation_restricted"},
       kAvnRow},
      {"avn_alcohol_groin_restricted_rotation",
       "avascular_necrosis",
       1,
       kUrgent,
       kOrthoUrgent,
       {No("long_term_corticosteroid_use"), Yes("excessive_alcohol_use"),
        Yes("groin_pain"), Yes("hip_internal_rotation_restricted")},
       {"excessive_alcohol_use", "groin_pain",
        "hip_internal_rotation_restricted"},
       kAvnRow},
      {"avn_alcohol_groin_rotation_full",
       "avascular_necrosis",
       2,
       kSoon,
       kOrthoRoutine,
       {Yes("excessive_alcohol_use"), Yes("groin_pain"),
        No("hip_internal_rotation_restricted")},
       {"excessive_alcohol_use", "groin_pain"},
       kAvnRiskOnly},
      {"unassessed_avn_steroids_groin_alcohol_and_rotation_not_assessed",
       "avascular_necrosis",
       2,
       kSoon,
       kOrthoRoutine,
       {Yes("long_term_corticosteroid_use"), Yes("groin_pain")},
       {"long_term_corticosteroid_use", "groin_pain"},
       kAvnRiskOnly},

      // --- SCFE ------------------------------------------------------------
      {"scfe_age_13_limp",
       "scfe",
       1,
       kUrgent,
       kPaedOrtho,
       {Age(13), Yes("limp")},
       {"age_years", "limp"},
       kScfeRow},
      {"scfe_age_8_limp_lower_edge",
       "scfe",
       1,
       kUrgent,
       kPaedOrtho,
       {Age(8), Yes("limp")},
       {"age_years", "limp"},
       kScfeRow},
      {"scfe_age_16_9_limp_upper_edge",
       "scfe",
       1,
       kUrgent,
       kPaedOrtho,
       {Age(16.9), Yes("limp")},
       {"age_years", "limp"},
       kScfeRow},
      {"scfe_age_12_restricted_rotation",
       "scfe",
       2,
       kUrgent,
       kPaedOrtho,
       {Age(12), Yes("hip_internal_rotation_restricted")},
       {"age_years", "hip_internal_rotation_restricted"},
       kScfeRow},
      {"scfe_age_14_cannot_weight_bear",
       "scfe",
       3,
       kEmergency,
       kEd,
       {Age(14), Yes("inability_to_weight_bear"), Yes("limp")},
       {"age_years", "inability_to_weight_bear"},
       kScfeUnstable},

      // --- inflammatory arthritis ------------------------------------------
      {"spa_young_night_waking_buttock_pain",
       "inflammatory_arthritis",
       1,
       kSoon,
       kRheumatology,
       {Yes("low_back_pain"), Age(30), Num("symptom_duration_weeks", 26),
        Yes("night_pain"), Yes("buttock_pain")},
       {"low_back_pain", "age_years", "symptom_duration_weeks", "night_pain",
        "buttock_pain"},
       kSpaRow},
      {"spa_boundaries_12_weeks_stiffness_30_min",
       "inflammatory_arthritis",
       1,
       kSoon,
       kRheumatology,
       {Yes("low_back_pain"), Age(40), Num("symptom_duration_weeks", 12),
        Num("morning_stiffness_minutes", 30), Yes("buttock_pain"),
        No("night_pain")},
       {"low_back_pain", "age_years", "symptom_duration_weeks",
        "morning_stiffness_minutes", "buttock_pain"},
       kSpaRow},
      {"unassessed_spa_at_least_counts_only_true_items",
       "inflammatory_arthritis",
       1,
       kSoon,
       kRheumatology,
       {Yes("low_back_pain"), Age(28), Num("symptom_duration_weeks", 40),
        Yes("night_pain")},
       {"low_back_pain", "age_years", "symptom_duration_weeks", "night_pain"},
       kSpaRow},

      // --- DVT -------------------------------------------------------------
      {"dvt_calf_swelling",
       "dvt",
       1,
       kSameDay,
       kGpSameDay,
       {Yes("calf_swelling_tenderness")},
       {"calf_swelling_tenderness"},
       kDvtRow},

      // --- non-emergency referrals -----------------------------------------
      {"tear_weakness_trendelenburg_gait_failed_rehab",
       "orthopaedic_opinion_tear",
       1,
       kRoutine,
       kOrthoRoutine,
       {Yes("resisted_abduction_weakness"), Yes("trendelenburg_gait"),
        Yes("failed_conservative_care")},
       {"resisted_abduction_weakness", "trendelenburg_gait",
        "failed_conservative_care"},
       kTearRow},
      {"tear_weakness_trendelenburg_sign_failed_rehab",
       "orthopaedic_opinion_tear",
       1,
       kRoutine,
       kOrthoRoutine,
       {Yes("resisted_abduction_weakness"), No("trendelenburg_gait"),
        Yes("trendelenburg_sign"), Yes("failed_conservative_care")},
       {"resisted_abduction_weakness", "trendelenburg_sign",
        "failed_conservative_care"},
       kTearRow},
      {"no_improvement_after_rehab",
       "imaging_no_improvement",
       1,
       kRoutine,
       kOrthoRoutine,
       {Yes("failed_conservative_care"), Num("symptom_duration_weeks", 20)},
       {"failed_conservative_care"},
       kNoImprovementRow},
  };
  return *table;
}

const std::vector<Silent>& SilentScenarios() {
  static const auto* table = new std::vector<Silent>{
      // --- infection -------------------------------------------------------
      {"infection_fever_no_local_signs_no_risk_factors",
       "infection",
       {Yes("fever_or_systemically_unwell"), No("hot_swollen_hip_or_bursa"),
        No("inability_to_weight_bear"),
        No("recent_infection_or_invasive_procedure"), No("immunosuppression")},
       "fever alone: every infection trigger needs a local sign, inability to "
       "weight bear or a risk factor"},
      {"infection_temperature_37_9_cannot_weight_bear",
       "infection",
       {Num("temperature_c", 37.9), Yes("inability_to_weight_bear")},
       "37.9 is just below the 38.0 fever threshold"},
      {"infection_temperature_37_9_immunosuppressed",
       "infection",
       {Num("temperature_c", 37.9), Yes("immunosuppression"),
        No("fever_or_systemically_unwell")},
       "37.9 is just below 38.0 and the patient is not unwell"},
      {"unassessed_infection_fever_hot_swelling_not_assessed",
       "infection",
       {Yes("fever_or_systemically_unwell")},
       "hot swelling (and every other partner finding) was not assessed: "
       "the all-of is unknown, not true"},
      {"unassessed_infection_risk_factor_fever_not_asked",
       "infection",
       {Yes("immunosuppression"),
        Yes("recent_infection_or_invasive_procedure")},
       "risk factors alone; fever, temperature and local signs not assessed"},

      // --- cauda equina ----------------------------------------------------
      {"cauda_equina_one_leg_paraesthesia_only",
       "cauda_equina_syndrome",
       {Yes("paraesthesia_leg"), No("saddle_anaesthesia"),
        No("bladder_bowel_dysfunction"), No("bilateral_leg_neuro_symptoms")},
       "unilateral leg symptoms with a negative CES screen"},
      {"unassessed_cauda_equina_nothing_asked",
       "cauda_equina_syndrome",
       {Yes("low_back_pain"), Yes("pain_below_knee")},
       "CES questions not asked: not asked is not positive"},

      // --- fracture --------------------------------------------------------
      {"fracture_fall_walking_normal_leg",
       "fracture",
       {Yes("fall_onto_hip"), No("inability_to_weight_bear"),
        No("leg_shortened_externally_rotated"), No("significant_trauma")},
       "a low-energy fall onto the hip with weight bearing and leg position "
       "normal"},
      {"unassessed_fracture_fall_only",
       "fracture",
       {Yes("fall_onto_hip")},
       "fall with weight bearing and leg position not assessed"},

      // --- stress fracture -------------------------------------------------
      {"stress_fracture_load_increase_hop_pain_free",
       "stress_fracture",
       {Yes("recent_training_load_increase"), No("hop_test_pain"),
        No("pain_constant_unremitting"), No("inability_to_weight_bear")},
       "load increase with a pain-free hop and no constant pain"},
      {"stress_fracture_painful_hop_no_joint_sign_no_load_change",
       "stress_fracture",
       {Yes("hop_test_pain"), No("groin_pain"),
        No("hip_internal_rotation_restricted"),
        No("recent_training_load_increase")},
       "painful hop alone (gluteal tendinopathy can cause it)"},
      {"stress_fracture_load_groin_pain_not_constant_no_night_pain",
       "stress_fracture",
       {Yes("recent_training_load_increase"), Yes("groin_pain"),
        No("pain_constant_unremitting"), No("night_pain"), No("hop_test_pain"),
        No("inability_to_weight_bear")},
       "load and groin pain, but pain neither constant nor at night, hop "
       "pain-free"},
      {"stress_fracture_constant_pain_no_load_change",
       "stress_fracture",
       {Yes("pain_constant_unremitting"), No("recent_training_load_increase"),
        No("hop_test_pain")},
       "constant pain without a change in training load"},

      {"unassessed_stress_fracture_load_increase_only",
       "stress_fracture",
       {Yes("recent_training_load_increase")},
       "load increase with hop, pain pattern and weight bearing not assessed"},

      // --- malignancy ------------------------------------------------------
      {"malignancy_weight_loss_mechanical_pain",
       "malignancy",
       {Yes("unexplained_weight_loss"), No("pain_constant_unremitting"),
        No("night_pain"), No("history_of_cancer"), No("empty_end_feel")},
       "weight loss with mechanical pain (Henschke: weak on its own)"},
      {"malignancy_empty_end_feel_mechanical_pain",
       "malignancy",
       {Yes("empty_end_feel"), No("pain_constant_unremitting"),
        No("night_pain"), No("unexplained_weight_loss"),
        No("history_of_cancer")},
       "pain-limited examination alone"},
      {"unassessed_malignancy_cannot_weight_bear_cancer_not_asked",
       "malignancy",
       {Yes("inability_to_weight_bear")},
       "cancer history and weight loss not asked"},

      // --- progressive neurological deficit --------------------------------
      {"neuro_stable_deficit",
       "progressive_neuro_deficit",
       {Yes("neuro_deficit"), No("progressive_neuro_deficit")},
       "a stable (not worsening) deficit"},

      // --- avascular necrosis ----------------------------------------------
      {"avn_steroids_no_groin_pain",
       "avascular_necrosis",
       {Yes("long_term_corticosteroid_use"), No("groin_pain"),
        Yes("hip_internal_rotation_restricted")},
       "risk factor without groin pain"},
      {"avn_groin_restricted_rotation_no_risk_factor",
       "avascular_necrosis",
       {No("long_term_corticosteroid_use"), No("excessive_alcohol_use"),
        Yes("groin_pain"), Yes("hip_internal_rotation_restricted")},
       "hip joint signs without a risk factor (hip OA looks like this)"},
      {"unassessed_avn_steroids_rotation_groin_not_asked",
       "avascular_necrosis",
       {Yes("long_term_corticosteroid_use"),
        Yes("hip_internal_rotation_restricted")},
       "groin pain not asked"},

      // --- SCFE ------------------------------------------------------------
      {"scfe_age_7_9_limp",
       "scfe",
       {Age(7.9), Yes("limp")},
       "just below the 8-16 band"},
      {"scfe_age_17_limp",
       "scfe",
       {Age(17), Yes("limp"), Yes("hip_internal_rotation_restricted")},
       "just above the 8-16 band"},
      {"scfe_age_17_cannot_weight_bear",
       "scfe",
       {Age(17), Yes("inability_to_weight_bear")},
       "just above the band (other flags cover weight bearing)"},
      {"scfe_age_12_walks_normally_full_rotation",
       "scfe",
       {Age(12), No("limp"), No("hip_internal_rotation_restricted"),
        No("leg_shortened_externally_rotated"), No("inability_to_weight_bear")},
       "child in the band with none of the signs"},
      {"unassessed_scfe_limp_age_not_recorded",
       "scfe",
       {Yes("limp"), Yes("hip_internal_rotation_restricted")},
       "age not recorded: an age band is unknown, not true"},

      // --- inflammatory arthritis ------------------------------------------
      {"spa_age_45",
       "inflammatory_arthritis",
       {Yes("low_back_pain"), Age(45), Num("symptom_duration_weeks", 26),
        Yes("night_pain"), Yes("buttock_pain"),
        Num("morning_stiffness_minutes", 60)},
       "age 45 is just outside 'onset before 45'"},
      {"spa_11_weeks",
       "inflammatory_arthritis",
       {Yes("low_back_pain"), Age(30), Num("symptom_duration_weeks", 11),
        Yes("night_pain"), Yes("buttock_pain")},
       "11 weeks is just short of 3 months"},
      {"spa_stiffness_29_min",
       "inflammatory_arthritis",
       {Yes("low_back_pain"), Age(40), Num("symptom_duration_weeks", 26),
        Num("morning_stiffness_minutes", 29), Yes("buttock_pain"),
        No("night_pain")},
       "29 min is just below 30: one criterion of the 2 needed"},
      {"spa_young_mechanical_buttock_pain",
       "inflammatory_arthritis",
       {Yes("low_back_pain"), Age(30), Num("symptom_duration_weeks", 26),
        Yes("buttock_pain"), No("night_pain"),
        Num("morning_stiffness_minutes", 10)},
       "youth plus buttock pain but no inflammatory feature (0.2.0)"},
      {"spa_no_back_pain",
       "inflammatory_arthritis",
       {No("low_back_pain"), Age(30), Num("symptom_duration_weeks", 26),
        Yes("night_pain"), Yes("buttock_pain"),
        Num("morning_stiffness_minutes", 60)},
       "NG65 starts from low back pain"},
      {"unassessed_spa_duration_not_recorded",
       "inflammatory_arthritis",
       {Yes("low_back_pain"), Age(30), Yes("night_pain"), Yes("buttock_pain")},
       "symptom duration not recorded"},

      // --- DVT -------------------------------------------------------------
      {"dvt_no_calf_signs_after_surgery",
       "dvt",
       {No("calf_swelling_tenderness"),
        Yes("recent_infection_or_invasive_procedure"), Yes("pain_below_knee")},
       "risk factor and leg pain but no calf swelling or tenderness"},

      // --- non-emergency referrals -----------------------------------------
      {"tear_weakness_trendelenburg_care_not_yet_failed",
       "orthopaedic_opinion_tear",
       {Yes("resisted_abduction_weakness"), Yes("trendelenburg_gait"),
        No("failed_conservative_care")},
       "rehabilitation has not yet been tried or is still working"},
      {"tear_failed_care_strong_abductors",
       "orthopaedic_opinion_tear",
       {No("resisted_abduction_weakness"), Yes("trendelenburg_sign"),
        Yes("failed_conservative_care")},
       "no persistent weakness (imaging_no_improvement covers it)"},
      {"tear_failed_care_weak_no_trendelenburg",
       "orthopaedic_opinion_tear",
       {Yes("resisted_abduction_weakness"), No("trendelenburg_gait"),
        No("trendelenburg_sign"), Yes("failed_conservative_care")},
       "weak but no Trendelenburg gait or sign"},
      {"unassessed_tear_failed_care_not_assessed",
       "orthopaedic_opinion_tear",
       {Yes("resisted_abduction_weakness"), Yes("trendelenburg_gait")},
       "response to rehabilitation not recorded"},
      {"no_improvement_long_history_care_not_failed",
       "imaging_no_improvement",
       {No("failed_conservative_care"), Num("symptom_duration_weeks", 52)},
       "long history but rehabilitation is helping (or not yet tried)"},
  };
  return *table;
}

std::string Name(const ::testing::TestParamInfo<Fires>& info) {
  return info.param.name;
}
std::string SilentName(const ::testing::TestParamInfo<Silent>& info) {
  return info.param.name;
}

const RedFlagRule* RuleOf(const std::string& code) {
  for (const RedFlagRule& rule : ShippedKb().red_flags()) {
    if (rule.code() == code) return &rule;
  }
  return nullptr;
}

const RedFlag* FlagOf(const AssessResponse& response, const std::string& code) {
  for (const RedFlag& flag : response.red_flags()) {
    if (flag.code() == code) return &flag;
  }
  return nullptr;
}

std::string Fired(const AssessResponse& response) {
  std::string out;
  for (const RedFlag& flag : response.red_flags()) {
    out += flag.code() + "(" + medius::v1::Urgency_Name(flag.urgency()) + ") ";
  }
  return out.empty() ? "none" : out;
}

class RedFlagFiresTest : public ::testing::TestWithParam<Fires> {};

TEST_P(RedFlagFiresTest, FiresAtTheSourcedUrgencyWithItsFindings) {
  const Fires& s = GetParam();
  SCOPED_TRACE("expected from: " + s.basis);
  const AssessRequest request = Build(s.inputs);
  auto response = ShippedEngine().Assess(request);
  ASSERT_TRUE(response.ok()) << response.status();
  const RedFlag* flag = FlagOf(*response, s.flag);
  ASSERT_NE(flag, nullptr) << s.flag
                           << " did not fire; fired: " << Fired(*response);

  EXPECT_EQ(flag->urgency(), s.urgency)
      << medius::v1::Urgency_Name(flag->urgency());
  EXPECT_EQ(flag->refer_to(), s.refer_to)
      << medius::v1::ReferralDestination_Name(flag->refer_to());
  EXPECT_THAT(flag->triggered_by(),
              ::testing::UnorderedElementsAreArray(s.triggered_by));
  EXPECT_FALSE(flag->display_name().empty());
  EXPECT_FALSE(flag->action().empty());
  EXPECT_FALSE(flag->rationale().empty());
  ASSERT_GT(flag->sources_size(), 0);
  for (const std::string& source : flag->sources()) {
    EXPECT_FALSE(source.empty());
  }

  // Every triggering code was recorded present (or measured) in the request.
  std::set<std::string> given;
  for (const auto& f : request.findings()) {
    if (f.has_number() || f.present()) given.insert(f.code());
  }
  if (request.patient().has_age_years()) given.insert("age_years");
  for (const std::string& code : flag->triggered_by()) {
    EXPECT_TRUE(given.count(code)) << code << " was not present in the request";
  }

  // The reported trigger is the one this row is about.
  const RedFlagRule* rule = RuleOf(s.flag);
  ASSERT_NE(rule, nullptr);
  ASSERT_GE(s.trigger, 1);
  ASSERT_LE(s.trigger, rule->triggers_size());
  const RedFlagTrigger& trigger = rule->triggers(s.trigger - 1);
  EXPECT_EQ(flag->rationale(), trigger.rationale())
      << "another trigger of " << s.flag << " was reported";
  EXPECT_EQ(flag->action(), trigger.action());
}

INSTANTIATE_TEST_SUITE_P(RedFlagRules, RedFlagFiresTest,
                         ::testing::ValuesIn(FiringScenarios()), Name);

class RedFlagNearMissTest : public ::testing::TestWithParam<Silent> {};

TEST_P(RedFlagNearMissTest, DoesNotFire) {
  const Silent& s = GetParam();
  auto response = ShippedEngine().Assess(Build(s.inputs));
  ASSERT_TRUE(response.ok()) << response.status();
  const RedFlag* flag = FlagOf(*response, s.flag);
  EXPECT_EQ(flag, nullptr) << s.flag << " fired (" << s.why
                           << "): " << (flag ? flag->rationale() : "");
}

INSTANTIATE_TEST_SUITE_P(RedFlagRules, RedFlagNearMissTest,
                         ::testing::ValuesIn(SilentScenarios()), SilentName);

// --- coverage: a rule, trigger or catalog red flag without a scenario fails.

TEST(RedFlagRuleCoverageTest, EveryTriggerOfEveryRuleHasAFiringScenario) {
  std::map<std::string, std::set<int>> covered;
  for (const Fires& s : FiringScenarios()) {
    const RedFlagRule* rule = RuleOf(s.flag);
    ASSERT_NE(rule, nullptr) << s.name << ": no rule " << s.flag;
    ASSERT_TRUE(s.trigger >= 1 && s.trigger <= rule->triggers_size())
        << s.name << ": " << s.flag << " has no trigger " << s.trigger;
    covered[s.flag].insert(s.trigger);
  }
  int triggers = 0;
  for (const RedFlagRule& rule : ShippedKb().red_flags()) {
    for (int i = 1; i <= rule.triggers_size(); ++i) {
      ++triggers;
      EXPECT_TRUE(covered[rule.code()].count(i))
          << rule.code() << " trigger " << i
          << " has no firing scenario in red_flag_rules_test.cc";
    }
  }
  EXPECT_GE(triggers, 33);
}

TEST(RedFlagRuleCoverageTest, EveryRuleHasANearMiss) {
  std::set<std::string> covered;
  for (const Silent& s : SilentScenarios()) {
    ASSERT_NE(RuleOf(s.flag), nullptr) << s.name << ": no rule " << s.flag;
    covered.insert(s.flag);
  }
  for (const RedFlagRule& rule : ShippedKb().red_flags()) {
    EXPECT_TRUE(covered.count(rule.code()))
        << rule.code() << " has no near-miss scenario";
  }
}

TEST(RedFlagRuleCoverageTest, EveryCatalogRedFlagHasAFiringScenario) {
  std::set<std::string> covered;
  for (const Fires& s : FiringScenarios()) covered.insert(s.flag);
  std::ifstream in(std::string(MEDIUS_CONTRACT_DIR) + "/published_codes.txt");
  ASSERT_TRUE(in) << "published_codes.txt missing";
  int red_flags = 0;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string kind, code;
    if (!(fields >> kind >> code) || kind != "red_flag") continue;
    ++red_flags;
    EXPECT_TRUE(covered.count(code))
        << "catalog red flag " << code << " has no firing scenario";
  }
  EXPECT_GE(red_flags, 10);
}

// The test tells triggers apart by their action and rationale.
TEST(RedFlagRuleCoverageTest, TriggersOfARuleAreDistinguishable) {
  for (const RedFlagRule& rule : ShippedKb().red_flags()) {
    std::set<std::pair<std::string, std::string>> seen;
    for (const RedFlagTrigger& t : rule.triggers()) {
      EXPECT_TRUE(seen.insert({t.action(), t.rationale()}).second)
          << rule.code() << ": two triggers share action and rationale";
    }
  }
}

// --- not assessed is neither positive nor negative.

TEST(RedFlagUnassessedTest, NothingAssessedFiresNothing) {
  AssessRequest empty;
  auto response = ShippedEngine().Assess(empty);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->red_flags_size(), 0) << Fired(*response);
}

void CollectCodes(const Criterion& c, std::set<std::string>* present,
                  std::set<std::string>* numbers) {
  switch (c.kind_case()) {
    case Criterion::kPresent:
      present->insert(c.present());
      break;
    case Criterion::kNumber:
      numbers->insert(c.number().finding_code());
      break;
    case Criterion::kAllOf:
      for (const auto& child : c.all_of().criteria()) {
        CollectCodes(child, present, numbers);
      }
      break;
    case Criterion::kAnyOf:
      for (const auto& child : c.any_of().criteria()) {
        CollectCodes(child, present, numbers);
      }
      break;
    case Criterion::kAtLeast:
      for (const auto& child : c.at_least().criteria()) {
        CollectCodes(child, present, numbers);
      }
      break;
    default:
      break;
  }
}

// Every finding any rule looks at, answered negatively (normal values for the
// measurements, an adult outside every age band): nothing fires.
TEST(RedFlagUnassessedTest, EveryRedFlagFindingAbsentFiresNothing) {
  const std::map<std::string, double> normal = {
      {"temperature_c", 36.8},
      {"symptom_duration_weeks", 6},
      {"morning_stiffness_minutes", 5},
  };
  std::set<std::string> present, numbers;
  for (const RedFlagRule& rule : ShippedKb().red_flags()) {
    for (const RedFlagTrigger& t : rule.triggers()) {
      CollectCodes(t.when(), &present, &numbers);
    }
  }
  AssessRequest request;
  request.mutable_patient()->set_age_years(50);
  for (const std::string& code : present) AddBool(request, code, false);
  for (const std::string& code : numbers) {
    auto it = normal.find(code);
    ASSERT_NE(it, normal.end()) << "add a normal value for " << code;
    AddNumber(request, code, it->second);
  }
  EXPECT_GE(present.size(), 30u);
  auto response = ShippedEngine().Assess(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->red_flags_size(), 0) << Fired(*response);
}

}  // namespace
}  // namespace medius::testing
