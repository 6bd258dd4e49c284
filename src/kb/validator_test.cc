#include "kb/validator.h"

#include <functional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/test_kb.h"

namespace medius::kb {
namespace {

using medius::v1::KnowledgeBase;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(ValidatorTest, SmallKnowledgeBaseIsSound) {
  EXPECT_THAT(Validate(medius::testing::SmallKb()), IsEmpty());
}

// Patient context does not count as a finding: age plus one finding, or one
// of several findings, is still a single-feature screen trigger.
TEST(ValidatorTest, ScreenTriggerMayAddPatientContextOrAlternatives) {
  KnowledgeBase kb = medius::testing::SmallKb();
  auto* when = kb.mutable_red_flags(0)->mutable_triggers(1)->mutable_when();
  auto* all_of = when->mutable_all_of();
  all_of->add_criteria()->mutable_age()->set_at_least(50);
  all_of->add_criteria()->set_side(medius::v1::SIDE_BILATERAL);
  auto* any_of = all_of->add_criteria()->mutable_any_of();
  any_of->add_criteria()->set_present("hot");
  any_of->add_criteria()->set_present("fever");
  EXPECT_THAT(Validate(kb), IsEmpty());
}

struct Case {
  std::string name;
  std::function<void(KnowledgeBase&)> mutate;
  std::string path;
  std::string message;
};

class ValidatorIssueTest : public ::testing::TestWithParam<Case> {};

TEST_P(ValidatorIssueTest, ReportsIssueAtPath) {
  KnowledgeBase kb = medius::testing::SmallKb();
  GetParam().mutate(kb);
  EXPECT_THAT(
      Validate(kb),
      Contains(AllOf(Field(&Issue::path, GetParam().path),
                     Field(&Issue::message, HasSubstr(GetParam().message)))));
}

INSTANTIATE_TEST_SUITE_P(
    EachKindOfIssue, ValidatorIssueTest,
    ::testing::Values(
        Case{"declared_section_missing",
             [](KnowledgeBase& kb) {
               kb.mutable_version()->add_required_sections("protocols");
               kb.clear_protocols();
             },
             "protocols", "required section 'protocols' is missing"},
        Case{"always_required_findings",
             [](KnowledgeBase& kb) { kb.clear_findings(); }, "findings",
             "required section 'findings'"},
        Case{"unknown_required_section",
             [](KnowledgeBase& kb) {
               kb.mutable_version()->add_required_sections("protocol");
             },
             "version.required_sections[0]",
             "'protocol' is not a knowledge-base section"},
        Case{"undefined_enum_deep_in_a_rule",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(0)->set_refer_to(
                   static_cast<medius::v1::ReferralDestination>(77));
             },
             "red_flags[0].triggers[0].refer_to",
             "77 is not a defined value of medius.v1.ReferralDestination"},
        Case{"undefined_enum_in_a_finding",
             [](KnowledgeBase& kb) {
               kb.mutable_findings(0)->set_value_type(
                   static_cast<medius::v1::ValueType>(9));
             },
             "findings[0].value_type", "9 is not a defined value"},
        Case{"missing_version", [](KnowledgeBase& kb) { kb.clear_version(); },
             "version", "needs a version"},
        Case{
            "bad_semver",
            [](KnowledgeBase& kb) { kb.mutable_version()->set_version("1.2"); },
            "version.version", "semantic version"},
        Case{"bad_date",
             [](KnowledgeBase& kb) {
               kb.mutable_version()->set_date("21/11/2026");
             },
             "version.date", "ISO date"},
        Case{"missing_settings", [](KnowledgeBase& kb) { kb.clear_settings(); },
             "settings", "engine settings"},
        Case{"duplicate_finding",
             [](KnowledgeBase& kb) { *kb.add_findings() = kb.findings(0); },
             "findings[9].code", "duplicate code 'tender'"},
        Case{"malformed_code",
             [](KnowledgeBase& kb) {
               kb.mutable_findings(1)->set_code("Lying Pain");
             },
             "findings[1].code", "lower_snake_case"},
        Case{
            "number_without_range",
            [](KnowledgeBase& kb) { kb.mutable_findings(3)->set_max_value(0); },
            "findings[3].max_value", "min_value < max_value"},
        Case{"finding_without_description",
             [](KnowledgeBase& kb) {
               kb.mutable_findings(0)->clear_description();
             },
             "findings[0].description", "how to elicit"},
        Case{
            "prior_out_of_range",
            [](KnowledgeBase& kb) { kb.mutable_conditions(0)->set_prior(1.0); },
            "conditions[0].prior", "must be in (0, 1)"},
        Case{"prior_without_source",
             [](KnowledgeBase& kb) {
               kb.mutable_conditions(0)->clear_prior_source();
             },
             "conditions[0].prior_source", "citation is required"},
        Case{"expert_opinion_without_note",
             [](KnowledgeBase& kb) {
               kb.mutable_conditions(0)
                   ->mutable_likelihood_ratios(1)
                   ->mutable_source()
                   ->clear_note();
             },
             "conditions[0].likelihood_ratios[1].source.note", "justification"},
        Case{"condition_without_evidence",
             [](KnowledgeBase& kb) {
               kb.mutable_conditions(1)->clear_likelihood_ratios();
             },
             "conditions[1].likelihood_ratios", "needs evidence"},
        Case{"dangling_finding",
             [](KnowledgeBase& kb) {
               kb.mutable_conditions(0)
                   ->mutable_likelihood_ratios(0)
                   ->set_finding_code("nope");
             },
             "conditions[0].likelihood_ratios[0].finding_code",
             "unknown finding code 'nope'"},
        Case{"lr_not_positive",
             [](KnowledgeBase& kb) {
               kb.mutable_conditions(0)
                   ->mutable_likelihood_ratios(2)
                   ->set_positive(0);
             },
             "conditions[0].likelihood_ratios[2].positive", "positive number"},
        Case{"lr_without_direction",
             [](KnowledgeBase& kb) {
               auto* lr =
                   kb.mutable_conditions(0)->mutable_likelihood_ratios(2);
               lr->clear_positive();
               lr->clear_negative();
             },
             "conditions[0].likelihood_ratios[2]", "positive and/or negative"},
        Case{"bands_on_bool",
             [](KnowledgeBase& kb) {
               kb.mutable_conditions(0)
                   ->mutable_likelihood_ratios(2)
                   ->add_bands()
                   ->set_ratio(2);
             },
             "conditions[0].likelihood_ratios[2].bands", "number findings"},
        Case{"overlapping_bands",
             [](KnowledgeBase& kb) {
               kb.mutable_conditions(1)
                   ->mutable_likelihood_ratios(0)
                   ->mutable_bands(1)
                   ->set_min(2);
             },
             "conditions[1].likelihood_ratios[0].bands[1]", "overlaps band 0"},
        Case{"duplicate_lr_finding",
             [](KnowledgeBase& kb) {
               auto* c = kb.mutable_conditions(0);
               *c->add_likelihood_ratios() = c->likelihood_ratios(2);
             },
             "conditions[0].likelihood_ratios[4].finding_code",
             "already has a likelihood ratio"},
        Case{
            "unknown_group",
            [](KnowledgeBase& kb) {
              kb.mutable_conditions(0)->mutable_likelihood_ratios(2)->set_group(
                  "zz");
            },
            "conditions[0].likelihood_ratios[2].group",
            "unknown evidence group"},
        Case{"unused_group",
             [](KnowledgeBase& kb) {
               auto* g = kb.add_evidence_groups();
               *g = kb.evidence_groups(0);
               g->set_id("spare");
             },
             "evidence_groups[1]", "never used"},
        Case{"bad_dampening",
             [](KnowledgeBase& kb) {
               auto* g = kb.mutable_evidence_groups(0);
               g->set_combination(medius::v1::GROUP_COMBINATION_DAMPENED);
               g->set_dampening(1.5);
             },
             "evidence_groups[0].dampening", "(0, 1]"},
        Case{"red_flag_without_trigger",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->clear_triggers();
             },
             "red_flags[0].triggers", "at least one trigger"},
        Case{"red_flag_dangling_finding",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)
                   ->mutable_triggers(1)
                   ->mutable_when()
                   ->set_present("warm");
             },
             "red_flags[0].triggers[1].when.present",
             "unknown finding code 'warm'"},
        Case{"red_flag_present_on_number",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)
                   ->mutable_triggers(1)
                   ->mutable_when()
                   ->set_present("count");
             },
             "red_flags[0].triggers[1].when.present", "not a bool finding"},
        Case{"red_flag_without_urgency",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(0)->clear_urgency();
             },
             "red_flags[0].triggers[0].urgency", "required"},
        Case{"at_least_count_too_big",
             [](KnowledgeBase& kb) {
               auto* at_least = kb.mutable_red_flags(0)
                                    ->mutable_triggers(1)
                                    ->mutable_when()
                                    ->mutable_at_least();
               at_least->set_count(2);
               at_least->add_criteria()->set_present("hot");
             },
             "red_flags[0].triggers[1].when.at_least.count", "between 1 and"},
        // The tier rule (issue 9): the sensitivity design is checked.
        Case{"red_flag_without_screen_trigger",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(1)->set_tier(
                   medius::v1::RED_FLAG_TIER_ESCALATION);
             },
             "red_flags[0].triggers", "RED_FLAG_TIER_SCREEN trigger"},
        Case{"screen_trigger_needing_two_findings",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(0)->set_tier(
                   medius::v1::RED_FLAG_TIER_SCREEN);
             },
             "red_flags[0].triggers[0].tier", "this one needs 2"},
        Case{"screen_trigger_at_least_two_of_three",
             [](KnowledgeBase& kb) {
               auto* when =
                   kb.mutable_red_flags(0)->mutable_triggers(1)->mutable_when();
               auto* at_least = when->mutable_at_least();
               at_least->set_count(2);
               at_least->add_criteria()->set_present("hot");
               at_least->add_criteria()->set_present("fever");
             },
             "red_flags[0].triggers[1].tier", "this one needs 2"},
        Case{"screen_trigger_below_soon",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(1)->set_urgency(
                   medius::v1::URGENCY_ROUTINE);
             },
             "red_flags[0].triggers[1].urgency", "at least URGENCY_SOON"},
        Case{"reason_given_although_screen_exists",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->set_no_screen_trigger_reason("none");
             },
             "red_flags[0].no_screen_trigger_reason", "remove the reason"},
        Case{"no_screen_reason_without_source",
             [](KnowledgeBase& kb) {
               auto* rule = kb.mutable_red_flags(0);
               rule->mutable_triggers(1)->set_tier(
                   medius::v1::RED_FLAG_TIER_ESCALATION);
               rule->set_no_screen_trigger_reason("combination only");
             },
             "red_flags[0].no_screen_trigger_source", "citation is required"},
        Case{"trigger_without_tier",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(0)->clear_tier();
             },
             "red_flags[0].triggers[0].tier", "required"},
        Case{"routine_referral_tier_not_routine",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(0)->set_tier(
                   medius::v1::RED_FLAG_TIER_ROUTINE_REFERRAL);
             },
             "red_flags[0].triggers[0].urgency",
             "routine-referral trigger has URGENCY_ROUTINE"},
        Case{"urgency_out_of_range",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(0)->set_urgency(
                   static_cast<medius::v1::Urgency>(99));
             },
             "red_flags[0].triggers[0].urgency", "defined values"},
        Case{"trigger_id_missing",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(0)->clear_id();
             },
             "red_flags[0].triggers[0].id", "must be '<red flag code>."},
        Case{"trigger_id_duplicate",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(1)->set_id(
                   "infection.fever_and_hot");
             },
             "red_flags[0].triggers[1].id", "duplicate trigger id"},
        Case{"trigger_id_of_another_flag",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)->mutable_triggers(1)->set_id("dvt.hot");
             },
             "red_flags[0].triggers[1].id", "must start with 'infection.'"},
        Case{"side_criterion_unspecified",
             [](KnowledgeBase& kb) {
               kb.mutable_red_flags(0)
                   ->mutable_triggers(1)
                   ->mutable_when()
                   ->set_side(medius::v1::SIDE_UNSPECIFIED);
             },
             "red_flags[0].triggers[1].when.side", "must name a side"},
        Case{"no_red_flags_at_all",
             [](KnowledgeBase& kb) { kb.clear_red_flags(); }, "red_flags",
             "needs red-flag rules"},
        Case{"no_core_screen",
             [](KnowledgeBase& kb) {
               kb.mutable_settings()->clear_core_screening_findings();
             },
             "settings.core_screening_findings", "at least one question"},
        Case{"no_interim_advice",
             [](KnowledgeBase& kb) {
               kb.mutable_settings()->clear_interim_advice();
             },
             "settings.interim_advice", "required"},
        Case{"deferral_to_unknown_condition",
             [](KnowledgeBase& kb) {
               auto* d = kb.mutable_exercises(0)->mutable_deferral();
               d->add_condition_codes("nerve");
               d->set_reason("r");
               d->mutable_source()->set_citation("c");
             },
             "exercises[0].deferral.condition_codes[0]",
             "unknown condition code 'nerve'"},
        Case{"deferral_without_reason",
             [](KnowledgeBase& kb) {
               auto* d = kb.mutable_exercises(0)->mutable_deferral();
               d->add_condition_codes("tendon");
               d->mutable_source()->set_citation("c");
             },
             "exercises[0].deferral.reason", "required"},
        // The primary-source model (issue 10): a complete, normalised table.
        Case{"primary_missing_row",
             [](KnowledgeBase& kb) {
               kb.mutable_primary_source_model()->mutable_rows()->RemoveLast();
             },
             "primary_source_model.rows",
             "finding 'sex_female' has no row and is not neutral"},
        Case{"primary_row_and_neutral",
             [](KnowledgeBase& kb) {
               kb.mutable_primary_source_model()->add_neutral_findings(
                   "tender");
             },
             "primary_source_model.rows[0].finding_code",
             "either a row or neutral"},
        Case{"primary_cell_missing",
             [](KnowledgeBase& kb) {
               kb.mutable_primary_source_model()
                   ->mutable_rows(0)
                   ->mutable_p_present()
                   ->RemoveLast();
             },
             "primary_source_model.rows[0].p_present",
             "one probability per source"},
        Case{"primary_cell_out_of_range",
             [](KnowledgeBase& kb) {
               kb.mutable_primary_source_model()->mutable_rows(0)->set_p_present(
                   0, 1.0);
             },
             "primary_source_model.rows[0].p_present[0]", "(0, 1)"},
        Case{"primary_prior_not_normalised",
             [](KnowledgeBase& kb) {
               kb.mutable_primary_source_model()->mutable_priors(1)->set_prior(
                   0, 0.7);
             },
             "primary_source_model.priors[1].prior", "must sum to 1"},
        Case{"primary_default_prior_with_when",
             [](KnowledgeBase& kb) {
               *kb.mutable_primary_source_model()
                    ->mutable_priors(1)
                    ->mutable_when() = kb.primary_source_model().priors(0).when();
             },
             "primary_source_model.priors[1].when", "the last prior is the default"},
        Case{"primary_prior_finding_not_neutral",
             [](KnowledgeBase& kb) {
               auto* m = kb.mutable_primary_source_model();
               m->mutable_neutral_findings()->erase(
                   m->mutable_neutral_findings()->begin());  // "lying"
               auto* row = m->add_rows();
               row->set_finding_code("lying");
               row->add_p_present(0.5);
               row->add_p_present(0.5);
               row->mutable_source()->set_citation("x");
             },
             "primary_source_model.rows[4].finding_code",
             "chooses the prior"},
        Case{"primary_band_column_not_normalised",
             [](KnowledgeBase& kb) {
               kb.mutable_primary_source_model()
                   ->mutable_rows(2)
                   ->mutable_bands(0)
                   ->set_p(1, 0.5);
             },
             "primary_source_model.rows[2].bands", "must sum to 1"},
        Case{"primary_bands_not_contiguous",
             [](KnowledgeBase& kb) {
               kb.mutable_primary_source_model()
                   ->mutable_rows(2)
                   ->mutable_bands(1)
                   ->set_min(4);
             },
             "primary_source_model.rows[2].bands[1].min", "contiguous"},
        Case{"primary_unknown_source",
             [](KnowledgeBase& kb) {
               kb.mutable_primary_source_model()->set_sources(1, "nerve");
             },
             "primary_source_model.sources[1]", "unknown condition code"},
        Case{"primary_qualifier_of_non_source",
             [](KnowledgeBase& kb) {
               auto* q = kb.mutable_primary_source_model()->add_qualifiers();
               q->set_condition_code("joint");
               q->set_of_source("joint");
               q->set_prior(0.2);
               q->mutable_prior_source()->set_citation("x");
             },
             "primary_source_model.qualifiers[0].condition_code",
             "not itself a primary source"},
        Case{"condition_outside_primary_model",
             [](KnowledgeBase& kb) {
               auto* c = kb.add_conditions();
               *c = kb.conditions(0);
               c->set_code("nerve");
             },
             "conditions[2].code", "neither a primary source nor a qualifier"},
        Case{"coexistence_with_itself",
             [](KnowledgeBase& kb) {
               auto* c = kb.mutable_primary_source_model()->add_coexistence();
               c->set_primary("joint");
               c->set_secondary("joint");
               c->set_prevalence(0.2);
               c->mutable_source()->set_citation("x");
             },
             "primary_source_model.coexistence[0].secondary",
             "cannot co-exist with itself"},
        Case{"coexistence_prevalence_out_of_range",
             [](KnowledgeBase& kb) {
               auto* c = kb.mutable_primary_source_model()->add_coexistence();
               c->set_primary("tendon");
               c->set_secondary("joint");
               c->set_prevalence(1);
               c->mutable_source()->set_citation("x");
             },
             "primary_source_model.coexistence[0].prevalence", "(0, 1)"},
        Case{"coexistence_uncited",
             [](KnowledgeBase& kb) {
               auto* c = kb.mutable_primary_source_model()->add_coexistence();
               c->set_primary("tendon");
               c->set_secondary("joint");
               c->set_prevalence(0.3);
             },
             "primary_source_model.coexistence[0].source",
             "citation is required"},
        Case{"group_use_by_non_member",
             [](KnowledgeBase& kb) {
               kb.mutable_evidence_groups(0)->add_members("sls");
             },
             "conditions[0].likelihood_ratios[0].group",
             "is not a member of evidence group"},
        Case{"group_member_never_grouped",
             [](KnowledgeBase& kb) {
               auto* g = kb.mutable_evidence_groups(0);
               g->add_members("tender");
               g->add_members("nrs");
             },
             "evidence_groups[0].members[1]", "is never grouped under"},
        Case{"reference_unknown",
             [](KnowledgeBase& kb) {
               kb.mutable_primary_source_model()
                   ->mutable_rows(0)
                   ->mutable_source()
                   ->add_refs()
                   ->set_ref_id("nobody2020");
             },
             "primary_source_model.rows[0].source.refs[0].ref_id",
             "unknown reference 'nobody2020'"},
        Case{"reference_duplicate",
             [](KnowledgeBase& kb) {
               for (int i = 0; i < 2; ++i) {
                 auto* r = kb.add_references();
                 r->set_id("smith2020");
                 r->set_title("T");
                 r->set_design("cohort");
               }
             },
             "references[1].id", "duplicate reference 'smith2020'"},
        Case{"exercise_without_dosage",
             [](KnowledgeBase& kb) { kb.mutable_exercises(0)->clear_dosage(); },
             "exercises[0].dosage", "needs a dosage"},
        Case{"dosage_without_source",
             [](KnowledgeBase& kb) {
               kb.mutable_exercises(0)->clear_dosage_source();
             },
             "exercises[0].dosage_source", "citation is required"},
        Case{"dosage_range_inverted",
             [](KnowledgeBase& kb) {
               kb.mutable_exercises(0)
                   ->mutable_dosage()
                   ->mutable_reps()
                   ->set_min(12);
             },
             "exercises[0].dosage.reps", "must not exceed"},
        Case{"protocol_unknown_exercise",
             [](KnowledgeBase& kb) {
               kb.mutable_protocols(0)
                   ->mutable_phases(0)
                   ->mutable_exercises(0)
                   ->set_exercise_code("plank");
             },
             "protocols[0].phases[0].exercises[0].exercise_code",
             "unknown exercise code 'plank'"},
        Case{"protocol_prescribes_contraindicated",
             [](KnowledgeBase& kb) {
               kb.mutable_protocols(0)
                   ->mutable_phases(0)
                   ->add_exercises()
                   ->set_exercise_code("stretch");
             },
             "protocols[0].phases[0].exercises[1].exercise_code",
             "contraindicated in 'tendon'"},
        Case{"screening_not_a_bool_finding",
             [](KnowledgeBase& kb) {
               kb.mutable_settings()->add_core_screening_findings("count");
             },
             "settings.core_screening_findings[2]", "must be a bool finding"},
        Case{"advice_rule_without_source",
             [](KnowledgeBase& kb) {
               kb.mutable_advice_rules(0)->clear_source();
             },
             "advice_rules[0].source", "citation is required"},
        Case{"targeted_unknown_exercise",
             [](KnowledgeBase& kb) {
               kb.mutable_targeted_exercises(0)->add_exercise_codes("plank");
             },
             "targeted_exercises[0].exercise_codes[2]",
             "unknown exercise code"},
        Case{"start_phase_out_of_range",
             [](KnowledgeBase& kb) {
               kb.mutable_protocols(0)->set_low_irritability_start_phase(5);
             },
             "protocols[0].low_irritability_start_phase", "must index"},
        Case{"protocol_unknown_condition",
             [](KnowledgeBase& kb) {
               kb.mutable_protocols(1)->add_for_conditions("knee");
             },
             "protocols[1].for_conditions[1]",
             "unknown condition code 'knee'"}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

TEST(ValidatorTest, ReportsEveryIssueNotJustTheFirst) {
  KnowledgeBase kb = medius::testing::SmallKb();
  kb.mutable_conditions(0)->set_prior(2);
  kb.mutable_conditions(1)->set_prior(-1);
  kb.mutable_exercises(1)->clear_instructions();
  EXPECT_EQ(Validate(kb).size(), 3u);
}

}  // namespace
}  // namespace medius::kb
