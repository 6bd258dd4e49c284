#include "kb/validator.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kb/primary_model_check.h"
#include "kb/structure_check.h"

namespace medius::kb {
namespace {

using medius::v1::ConditionDefinition;
using medius::v1::Criterion;
using medius::v1::Dosage;
using medius::v1::ExerciseDefinition;
using medius::v1::FindingDefinition;
using medius::v1::KnowledgeBase;
using medius::v1::LikelihoodRatio;
using medius::v1::ProtocolDefinition;
using medius::v1::RedFlagRule;
using medius::v1::Source;

std::string At(const std::string& path, int index) {
  return absl::StrCat(path, "[", index, "]");
}

bool IsCode(const std::string& code) {
  if (code.empty() || !absl::ascii_islower(code[0])) return false;
  for (char c : code) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '_') {
      return false;
    }
  }
  return true;
}

bool IsSemver(const std::string& version) {
  std::vector<std::string> parts = absl::StrSplit(version, '.');
  if (parts.size() != 3) return false;
  for (const std::string& part : parts) {
    int value;
    if (part.empty() || !absl::SimpleAtoi(part, &value) || value < 0) {
      return false;
    }
  }
  return true;
}

bool IsIsoDate(const std::string& date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return false;
  int year, month, day;
  return absl::SimpleAtoi(date.substr(0, 4), &year) &&
         absl::SimpleAtoi(date.substr(5, 2), &month) &&
         absl::SimpleAtoi(date.substr(8, 2), &day) && month >= 1 &&
         month <= 12 && day >= 1 && day <= 31;
}

class Checker {
 public:
  explicit Checker(const KnowledgeBase& kb) : kb_(kb) {}

  std::vector<Issue> Run() {
    CheckStructure(kb_,
                   [this](const std::string& path, const std::string& message) {
                     Report(path, message);
                   });
    IndexReferences();
    CheckVersion();
    CheckSettings();
    IndexAndCheckFindings();
    IndexAndCheckGroups();
    IndexConditions();
    for (int i = 0; i < kb_.conditions_size(); ++i) {
      CheckCondition(kb_.conditions(i), At("conditions", i));
      CheckRefines(kb_.conditions(i), At("conditions", i));
    }
    CheckGroupsUsed();
    // A knowledge base without red flags would send every patient to
    // exercise: it must never load (clinical safety rule 2).
    Require(kb_.red_flags_size() > 0, "red_flags",
            "the knowledge base needs red-flag rules");
    for (int i = 0; i < kb_.red_flags_size(); ++i) {
      CheckRedFlag(kb_.red_flags(i), At("red_flags", i));
    }
    IndexAndCheckExercises();
    for (int i = 0; i < kb_.protocols_size(); ++i) {
      CheckProtocol(kb_.protocols(i), At("protocols", i));
    }
    CheckPersonalisation();
    CheckPrimarySourceModel(
        {kb_,
         [this](const std::string& path, const std::string& message) {
           Report(path, message);
         },
         [this](const Source& source, const std::string& path) {
           CheckSource(source, path);
         },
         [this](const Criterion& criterion, const std::string& path) {
           CheckCriterion(criterion, path);
         }});
    return std::move(issues_);
  }

 private:
  void Report(std::string path, std::string message) {
    issues_.push_back({std::move(path), std::move(message)});
  }

  void Require(bool ok, const std::string& path, const std::string& message) {
    if (!ok) Report(path, message);
  }

  // Clinical safety rule 3: a number is cited, or marked expert opinion
  // with its justification.
  void CheckSource(const Source& source, const std::string& path) {
    if (source.expert_opinion()) {
      Require(!source.note().empty(), path + ".note",
              "expert opinion needs a one-line justification in note");
    } else {
      Require(!source.citation().empty() || source.refs_size() > 0, path,
              "a source citation is required (or expert_opinion: true with a "
              "justification)");
    }
    for (int i = 0; i < source.refs_size(); ++i) {
      Require(
          references_.contains(source.refs(i).ref_id()),
          At(path + ".refs", i) + ".ref_id",
          absl::StrCat("unknown reference '", source.refs(i).ref_id(), "'"));
    }
  }

  void IndexReferences() {
    for (int i = 0; i < kb_.references_size(); ++i) {
      const auto& r = kb_.references(i);
      const std::string path = At("references", i);
      Require(IsCode(r.id()), path + ".id",
              absl::StrCat("id '", r.id(), "' must be lower_snake_case"));
      Require(references_.insert(r.id()).second, path + ".id",
              absl::StrCat("duplicate reference '", r.id(), "'"));
      Require(!r.title().empty() || !r.url().empty(), path + ".title",
              "a reference needs a title or a URL");
      Require(!r.design().empty(), path + ".design", "required");
    }
  }

  // Registers `code` of a section; reports malformed and duplicate codes.
  // Returns false for codes that must not be indexed.
  bool CheckCode(const std::string& code, const std::string& path,
                 absl::flat_hash_map<std::string, int>* index, int position) {
    if (!IsCode(code)) {
      Report(path + ".code",
             absl::StrCat("code '", code, "' must be lower_snake_case"));
      return false;
    }
    if (!index->emplace(code, position).second) {
      Report(path + ".code", absl::StrCat("duplicate code '", code, "'"));
      return false;
    }
    return true;
  }

  void CheckVersion() {
    if (!kb_.has_version()) {
      Report("version", "the knowledge base needs a version");
      return;
    }
    Require(IsSemver(kb_.version().version()), "version.version",
            absl::StrCat("'", kb_.version().version(),
                         "' is not a semantic version MAJOR.MINOR.PATCH"));
    Require(IsIsoDate(kb_.version().date()), "version.date",
            absl::StrCat("'", kb_.version().date(),
                         "' is not an ISO date YYYY-MM-DD"));
  }

  void CheckSettings() {
    if (!kb_.has_settings()) {
      Report("settings", "the knowledge base needs engine settings");
      return;
    }
    const auto& s = kb_.settings();
    Require(
        s.protocol_min_probability() > 0 && s.protocol_min_probability() < 1,
        "settings.protocol_min_probability", "must be in (0, 1)");
    Require(s.contraindication_min_probability() > 0 &&
                s.contraindication_min_probability() < 1,
            "settings.contraindication_min_probability", "must be in (0, 1)");
    Require(s.next_tests_count() > 0, "settings.next_tests_count",
            "must be at least 1");
    Require(s.separation_margin() >= 0 && s.separation_margin() < 1,
            "settings.separation_margin", "must be in [0, 1)");
    Require(s.refinement_min_probability() >= 0 &&
                s.refinement_min_probability() <= 1,
            "settings.refinement_min_probability", "must be in [0, 1]");
    CheckSource(s.source(), "settings.source");
    // Without these the engine cannot hold back loading exercise while
    // serious pathology has not been screened for (clinical safety rule 2).
    Require(s.core_screening_findings_size() > 0,
            "settings.core_screening_findings",
            "the core red-flag screen needs at least one question");
    Require(s.interim_advice_size() > 0, "settings.interim_advice",
            "advice for an incomplete red-flag screen is required");
    if (s.interim_advice_size() > 0) {
      CheckSource(s.interim_source(), "settings.interim_source");
    }
  }

  void IndexAndCheckFindings() {
    absl::flat_hash_set<int> contexts;
    for (int i = 0; i < kb_.findings_size(); ++i) {
      const FindingDefinition& f = kb_.findings(i);
      std::string path = At("findings", i);
      CheckCode(f.code(), path, &findings_, i);
      Require(!f.display_name().empty(), path + ".display_name", "required");
      Require(!f.description().empty(), path + ".description",
              "required: say how to elicit the finding");
      Require(f.section() != medius::v1::FINDING_SECTION_UNSPECIFIED,
              path + ".section", "required");
      if (f.value_type() == medius::v1::VALUE_TYPE_NUMBER) {
        Require(!f.unit().empty(), path + ".unit",
                "number findings need a unit");
        Require(std::isfinite(f.min_value()) && std::isfinite(f.max_value()) &&
                    f.min_value() < f.max_value(),
                path + ".max_value", "valid range needs min_value < max_value");
      } else if (f.value_type() == medius::v1::VALUE_TYPE_BOOL) {
        Require(f.min_value() == 0 && f.max_value() == 0 && f.unit().empty(),
                path, "a bool finding has no unit or range");
      } else {
        Report(path + ".value_type", "required");
      }
      if (f.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
        Require(contexts.insert(f.patient_context()).second,
                path + ".patient_context",
                "another finding already takes this patient context");
        auto want = f.patient_context() == medius::v1::PATIENT_CONTEXT_AGE_YEARS
                        ? medius::v1::VALUE_TYPE_NUMBER
                        : medius::v1::VALUE_TYPE_BOOL;
        Require(f.value_type() == want, path + ".value_type",
                "does not match the patient context it is derived from");
      }
    }
  }

  void IndexAndCheckGroups() {
    for (int i = 0; i < kb_.evidence_groups_size(); ++i) {
      const auto& g = kb_.evidence_groups(i);
      std::string path = At("evidence_groups", i);
      if (!IsCode(g.id())) {
        Report(path + ".id",
               absl::StrCat("id '", g.id(), "' must be lower_snake_case"));
      } else if (!groups_.emplace(g.id(), i).second) {
        Report(path + ".id", absl::StrCat("duplicate id '", g.id(), "'"));
      }
      Require(!g.display_name().empty(), path + ".display_name", "required");
      switch (g.combination()) {
        case medius::v1::GROUP_COMBINATION_STRONGEST:
          break;
        case medius::v1::GROUP_COMBINATION_DAMPENED:
          Require(g.dampening() > 0 && g.dampening() <= 1, path + ".dampening",
                  "must be in (0, 1]");
          break;
        default:
          Report(path + ".combination", "required");
      }
      CheckSource(g.source(), path + ".source");
    }
  }

  void IndexConditions() {
    for (int i = 0; i < kb_.conditions_size(); ++i) {
      CheckCode(kb_.conditions(i).code(), At("conditions", i), &conditions_, i);
    }
  }

  const FindingDefinition* FindingFor(const std::string& code,
                                      const std::string& path) {
    auto it = findings_.find(code);
    if (it == findings_.end()) {
      Report(path, absl::StrCat("unknown finding code '", code, "'"));
      return nullptr;
    }
    return &kb_.findings(it->second);
  }

  void CheckRatio(double ratio, const std::string& path) {
    Require(std::isfinite(ratio) && ratio > 0, path,
            absl::StrCat("likelihood ratio must be a positive number, not ",
                         ratio));
  }

  void CheckCondition(const ConditionDefinition& c, const std::string& path) {
    Require(!c.display_name().empty(), path + ".display_name", "required");
    Require(c.category() != medius::v1::CONDITION_CATEGORY_UNSPECIFIED,
            path + ".category", "required");
    Require(c.prior() > 0 && c.prior() < 1, path + ".prior",
            absl::StrCat("prior ", c.prior(), " must be in (0, 1)"));
    CheckSource(c.prior_source(), path + ".prior_source");
    Require(c.likelihood_ratios_size() > 0, path + ".likelihood_ratios",
            "a condition needs evidence (at least one likelihood ratio)");
    absl::flat_hash_set<std::string> seen;
    for (int i = 0; i < c.likelihood_ratios_size(); ++i) {
      CheckLikelihoodRatio(c.likelihood_ratios(i),
                           At(path + ".likelihood_ratios", i), &seen);
    }
  }

  // One level only: the broader condition exists, is another one, and
  // refines nothing itself.
  void CheckRefines(const ConditionDefinition& c, const std::string& path) {
    if (c.refines().empty()) return;
    auto it = conditions_.find(c.refines());
    if (it == conditions_.end()) {
      Report(path + ".refines",
             absl::StrCat("unknown condition code '", c.refines(), "'"));
    } else if (c.refines() == c.code()) {
      Report(path + ".refines", "a condition cannot refine itself");
    } else if (!kb_.conditions(it->second).refines().empty()) {
      Report(path + ".refines",
             absl::StrCat("'", c.refines(),
                          "' refines another condition; one level only"));
    }
  }

  void CheckLikelihoodRatio(const LikelihoodRatio& lr, const std::string& path,
                            absl::flat_hash_set<std::string>* seen) {
    CheckSource(lr.source(), path + ".source");
    if (!lr.group().empty()) {
      if (groups_.contains(lr.group())) {
        used_groups_.insert(lr.group());
      } else {
        Report(path + ".group",
               absl::StrCat("unknown evidence group '", lr.group(), "'"));
      }
    }
    const FindingDefinition* finding =
        FindingFor(lr.finding_code(), path + ".finding_code");
    if (finding == nullptr) return;
    Require(
        seen->insert(lr.finding_code()).second, path + ".finding_code",
        absl::StrCat("finding '", lr.finding_code(),
                     "' already has a likelihood ratio for this condition"));
    if (finding->value_type() == medius::v1::VALUE_TYPE_BOOL) {
      Require(lr.has_positive() || lr.has_negative(), path,
              "a bool finding needs positive and/or negative");
      Require(lr.bands_size() == 0, path + ".bands",
              "bands are for number findings");
      if (lr.has_positive()) CheckRatio(lr.positive(), path + ".positive");
      if (lr.has_negative()) CheckRatio(lr.negative(), path + ".negative");
      return;
    }
    Require(!lr.has_positive() && !lr.has_negative(), path,
            "a number finding uses bands, not positive/negative");
    Require(lr.bands_size() > 0, path + ".bands",
            "a number finding needs at least one band");
    for (int b = 0; b < lr.bands_size(); ++b) {
      const auto& band = lr.bands(b);
      std::string band_path = At(path + ".bands", b);
      CheckRatio(band.ratio(), band_path + ".ratio");
      Require(!band.label().empty(), band_path + ".label", "required");
      if (band.has_source()) CheckSource(band.source(), band_path + ".source");
      double lo = band.has_min() ? band.min() : -INFINITY;
      double hi = band.has_max() ? band.max() : INFINITY;
      Require(lo < hi, band_path, "band needs min < max");
      for (int o = 0; o < b; ++o) {
        const auto& other = lr.bands(o);
        double olo = other.has_min() ? other.min() : -INFINITY;
        double ohi = other.has_max() ? other.max() : INFINITY;
        Require(hi <= olo || lo >= ohi, band_path,
                absl::StrCat("overlaps band ", o));
      }
    }
  }

  void CheckGroupsUsed() {
    for (int i = 0; i < kb_.evidence_groups_size(); ++i) {
      const std::string& id = kb_.evidence_groups(i).id();
      Require(used_groups_.contains(id) || !groups_.contains(id),
              At("evidence_groups", i),
              absl::StrCat("evidence group '", id, "' is never used"));
    }
    CheckGroupMembers();
  }

  // A group that lists its members owns them: every use of the group is for
  // a member, and every member is grouped under it somewhere.
  void CheckGroupMembers() {
    std::set<std::pair<std::string, std::string>> grouped;  // group, finding
    auto use = [&](const std::string& group, const std::string& finding,
                   const std::string& path) {
      if (group.empty()) return;
      grouped.insert({group, finding});
      auto it = groups_.find(group);
      if (it == groups_.end()) return;  // reported as unknown elsewhere
      const auto& members = kb_.evidence_groups(it->second).members();
      Require(
          members.empty() || std::find(members.begin(), members.end(),
                                       finding) != members.end(),
          path + ".group",
          absl::StrCat("'", finding, "' is not a member of evidence group '",
                       group, "'"));
    };
    for (int c = 0; c < kb_.conditions_size(); ++c) {
      const auto& lrs = kb_.conditions(c).likelihood_ratios();
      for (int i = 0; i < lrs.size(); ++i) {
        use(lrs[i].group(), lrs[i].finding_code(),
            At(At("conditions", c) + ".likelihood_ratios", i));
      }
    }
    const auto& rows = kb_.primary_source_model().rows();
    for (int i = 0; i < rows.size(); ++i) {
      use(rows[i].group(), rows[i].finding_code(),
          At("primary_source_model.rows", i));
    }
    for (int i = 0; i < kb_.evidence_groups_size(); ++i) {
      const auto& g = kb_.evidence_groups(i);
      for (int j = 0; j < g.members_size(); ++j) {
        Require(grouped.count({g.id(), g.members(j)}) > 0,
                At(At("evidence_groups", i) + ".members", j),
                absl::StrCat("'", g.members(j), "' is never grouped under '",
                             g.id(), "'"));
      }
    }
  }

  void CheckCriterion(const Criterion& c, const std::string& path) {
    switch (c.kind_case()) {
      case Criterion::kPresent: {
        const FindingDefinition* f = FindingFor(c.present(), path + ".present");
        Require(f == nullptr || f->value_type() == medius::v1::VALUE_TYPE_BOOL,
                path + ".present",
                absl::StrCat("'", c.present(), "' is not a bool finding"));
        break;
      }
      case Criterion::kAbsent: {
        const FindingDefinition* f = FindingFor(c.absent(), path + ".absent");
        Require(f == nullptr || f->value_type() == medius::v1::VALUE_TYPE_BOOL,
                path + ".absent",
                absl::StrCat("'", c.absent(), "' is not a bool finding"));
        break;
      }
      case Criterion::kNumber: {
        const auto& n = c.number();
        const FindingDefinition* f =
            FindingFor(n.finding_code(), path + ".number.finding_code");
        Require(
            f == nullptr || f->value_type() == medius::v1::VALUE_TYPE_NUMBER,
            path + ".number.finding_code",
            absl::StrCat("'", n.finding_code(), "' is not a number finding"));
        Require(n.has_at_least() || n.has_below(), path + ".number",
                "needs at_least and/or below");
        Require(
            !(n.has_at_least() && n.has_below()) || n.at_least() < n.below(),
            path + ".number", "needs at_least < below");
        break;
      }
      case Criterion::kAge:
        Require(c.age().has_at_least() || c.age().has_below(), path + ".age",
                "needs at_least and/or below");
        Require(!(c.age().has_at_least() && c.age().has_below()) ||
                    c.age().at_least() < c.age().below(),
                path + ".age", "needs at_least < below");
        break;
      case Criterion::kSex:
        Require(c.sex() != medius::v1::SEX_UNSPECIFIED, path + ".sex",
                "must name a sex");
        break;
      case Criterion::kSide:
        Require(c.side() != medius::v1::SIDE_UNSPECIFIED &&
                    medius::v1::Side_IsValid(c.side()),
                path + ".side", "must name a side");
        break;
      case Criterion::kAllOf:
      case Criterion::kAnyOf: {
        const auto& list =
            c.kind_case() == Criterion::kAllOf ? c.all_of() : c.any_of();
        std::string list_path =
            path + (c.kind_case() == Criterion::kAllOf ? ".all_of" : ".any_of");
        Require(list.criteria_size() > 0, list_path, "needs criteria");
        for (int i = 0; i < list.criteria_size(); ++i) {
          CheckCriterion(list.criteria(i), At(list_path + ".criteria", i));
        }
        break;
      }
      case Criterion::kAtLeast: {
        const auto& at_least = c.at_least();
        Require(at_least.count() >= 1 && static_cast<int>(at_least.count()) <=
                                             at_least.criteria_size(),
                path + ".at_least.count",
                "must be between 1 and the number of criteria");
        for (int i = 0; i < at_least.criteria_size(); ++i) {
          CheckCriterion(at_least.criteria(i),
                         At(path + ".at_least.criteria", i));
        }
        break;
      }
      case Criterion::KIND_NOT_SET:
        Report(path, "empty criterion");
        break;
    }
  }

  void CheckRedFlag(const RedFlagRule& rule, const std::string& path) {
    using medius::v1::RedFlagTier;
    CheckCode(rule.code(), path, &red_flags_, 0);
    Require(!rule.display_name().empty(), path + ".display_name", "required");
    Require(rule.triggers_size() > 0, path + ".triggers",
            "a red flag needs at least one trigger");
    bool has_screen = false, all_routine = rule.triggers_size() > 0;
    for (int i = 0; i < rule.triggers_size(); ++i) {
      const auto& t = rule.triggers(i);
      std::string tpath = At(path + ".triggers", i);
      if (!IsTriggerId(t.id())) {
        Report(tpath + ".id",
               absl::StrCat("id '", t.id(),
                            "' must be '<red flag code>.<lower_snake_case>'"));
      } else if (!trigger_ids_.insert(t.id()).second) {
        Report(tpath + ".id",
               absl::StrCat("duplicate trigger id '", t.id(), "'"));
      } else if (t.id().substr(0, t.id().find('.')) != rule.code()) {
        Report(tpath + ".id",
               absl::StrCat("id '", t.id(), "' must start with '", rule.code(),
                            ".'"));
      }
      if (!t.has_when()) {
        Report(tpath + ".when", "required");
      } else {
        CheckCriterion(t.when(), tpath + ".when");
      }
      Require(t.urgency() != medius::v1::URGENCY_UNSPECIFIED &&
                  medius::v1::Urgency_IsValid(t.urgency()),
              tpath + ".urgency", "required, and one of the defined values");
      Require(t.refer_to() != medius::v1::REFERRAL_DESTINATION_UNSPECIFIED &&
                  medius::v1::ReferralDestination_IsValid(t.refer_to()),
              tpath + ".refer_to", "required, and one of the defined values");
      Require(!t.action().empty(), tpath + ".action", "required");
      Require(!t.rationale().empty(), tpath + ".rationale", "required");
      CheckSource(t.source(), tpath + ".source");
      // The tier rule: the sensitivity design is checked, not just
      // described (see RedFlagRule in knowledge_base.proto).
      switch (t.tier()) {
        case RedFlagTier::RED_FLAG_TIER_SCREEN:
          if (t.has_when() && FindingsNeeded(t.when()) > 1) {
            Report(tpath + ".tier",
                   "a screen trigger must be made true by a single finding "
                   "(with patient context at most); this one needs " +
                       std::to_string(FindingsNeeded(t.when())));
          } else if (t.has_when()) {
            has_screen = true;
          }
          Require(t.urgency() >= medius::v1::URGENCY_SOON, tpath + ".urgency",
                  "a screen trigger raises at least URGENCY_SOON");
          all_routine = false;
          break;
        case RedFlagTier::RED_FLAG_TIER_ESCALATION:
          all_routine = false;
          break;
        case RedFlagTier::RED_FLAG_TIER_ROUTINE_REFERRAL:
          Require(t.urgency() == medius::v1::URGENCY_ROUTINE,
                  tpath + ".urgency",
                  "a routine-referral trigger has URGENCY_ROUTINE");
          break;
        default:
          all_routine = false;
          Report(tpath + ".tier", "required, and one of the defined values");
      }
      Require(t.tier() == RedFlagTier::RED_FLAG_TIER_ROUTINE_REFERRAL ||
                  t.urgency() > medius::v1::URGENCY_ROUTINE,
              tpath + ".urgency",
              "URGENCY_ROUTINE belongs to routine-referral triggers");
    }
    if (has_screen) {
      Require(rule.no_screen_trigger_reason().empty(),
              path + ".no_screen_trigger_reason",
              "the red flag has a screen trigger: remove the reason");
      return;
    }
    if (all_routine) return;
    if (rule.no_screen_trigger_reason().empty()) {
      Report(path + ".triggers",
             "a red flag needs a RED_FLAG_TIER_SCREEN trigger that one "
             "finding can make true, or no_screen_trigger_reason saying why "
             "it cannot have one");
    } else {
      CheckSource(rule.no_screen_trigger_source(),
                  path + ".no_screen_trigger_source");
    }
  }

  // The fewest findings that must be recorded (present, absent or in range)
  // for `c` to be true; patient context (age, sex, side) counts 0.
  static int FindingsNeeded(const Criterion& c) {
    switch (c.kind_case()) {
      case Criterion::kPresent:
      case Criterion::kAbsent:
      case Criterion::kNumber:
        return 1;
      case Criterion::kAllOf: {
        int sum = 0;
        for (const auto& child : c.all_of().criteria()) {
          sum += FindingsNeeded(child);
        }
        return sum;
      }
      case Criterion::kAnyOf: {
        int best = 1 << 20;
        for (const auto& child : c.any_of().criteria()) {
          best = std::min(best, FindingsNeeded(child));
        }
        return c.any_of().criteria_size() == 0 ? 0 : best;
      }
      case Criterion::kAtLeast: {
        std::vector<int> needs;
        for (const auto& child : c.at_least().criteria()) {
          needs.push_back(FindingsNeeded(child));
        }
        std::sort(needs.begin(), needs.end());
        int sum = 0;
        for (size_t i = 0; i < needs.size() && i < c.at_least().count(); ++i) {
          sum += needs[i];
        }
        return sum;
      }
      default:
        return 0;
    }
  }

  static bool IsTriggerId(const std::string& id) {
    const size_t dot = id.find('.');
    return dot != std::string::npos && IsCode(id.substr(0, dot)) &&
           IsCode(id.substr(dot + 1));
  }

  void CheckDosage(const Dosage& d, const std::string& path) {
    auto range_ok = [](const medius::v1::Range& r) {
      return r.min() <= r.max();
    };
    Require(range_ok(d.sets()), path + ".sets", "min must not exceed max");
    Require(range_ok(d.reps()), path + ".reps", "min must not exceed max");
    Require(range_ok(d.hold_seconds()), path + ".hold_seconds",
            "min must not exceed max");
    Require(
        d.sets().max() > 0 || d.reps().max() > 0 || d.hold_seconds().max() > 0,
        path, "a dosage needs sets, reps or a hold time");
    Require(!d.frequency().empty(), path + ".frequency", "required");
  }

  void CheckConditionRef(const std::string& code, const std::string& path) {
    Require(conditions_.contains(code), path,
            absl::StrCat("unknown condition code '", code, "'"));
  }

  void IndexAndCheckExercises() {
    for (int i = 0; i < kb_.exercises_size(); ++i) {
      const ExerciseDefinition& e = kb_.exercises(i);
      std::string path = At("exercises", i);
      CheckCode(e.code(), path, &exercises_, i);
      Require(!e.display_name().empty(), path + ".display_name", "required");
      Require(!e.instructions().empty(), path + ".instructions", "required");
      if (!e.has_dosage()) {
        Report(path + ".dosage", "an exercise needs a dosage");
      } else {
        CheckDosage(e.dosage(), path + ".dosage");
        CheckSource(e.dosage_source(), path + ".dosage_source");
      }
      for (int s = 0; s < e.suits_size(); ++s) {
        CheckConditionRef(e.suits(s), At(path + ".suits", s));
      }
      for (int c = 0; c < e.contraindications_size(); ++c) {
        const auto& ci = e.contraindications(c);
        std::string cpath = At(path + ".contraindications", c);
        CheckConditionRef(ci.condition_code(), cpath + ".condition_code");
        Require(!ci.reason().empty(), cpath + ".reason", "required");
        CheckSource(ci.source(), cpath + ".source");
      }
      if (e.has_deferral()) {
        const auto& d = e.deferral();
        const std::string dpath = path + ".deferral";
        Require(d.condition_codes_size() > 0, dpath + ".condition_codes",
                "a deferral names at least one condition");
        for (int c = 0; c < d.condition_codes_size(); ++c) {
          CheckConditionRef(d.condition_codes(c),
                            At(dpath + ".condition_codes", c));
        }
        Require(!d.reason().empty(), dpath + ".reason", "required");
        CheckSource(d.source(), dpath + ".source");
      }
    }
  }

  void CheckProtocol(const ProtocolDefinition& p, const std::string& path) {
    CheckCode(p.code(), path, &protocols_, 0);
    Require(!p.display_name().empty(), path + ".display_name", "required");
    Require(p.for_conditions_size() > 0, path + ".for_conditions",
            "a protocol must name the conditions it treats");
    for (int i = 0; i < p.for_conditions_size(); ++i) {
      CheckConditionRef(p.for_conditions(i), At(path + ".for_conditions", i));
    }
    Require(p.phases_size() > 0, path + ".phases", "a protocol needs phases");
    Require(
        static_cast<int>(p.low_irritability_start_phase()) < p.phases_size() ||
            p.phases_size() == 0,
        path + ".low_irritability_start_phase",
        "must index one of the protocol's phases");
    CheckSource(p.source(), path + ".source");
    for (int ph = 0; ph < p.phases_size(); ++ph) {
      const auto& phase = p.phases(ph);
      std::string phase_path = At(path + ".phases", ph);
      Require(!phase.name().empty(), phase_path + ".name", "required");
      for (int x = 0; x < phase.exercises_size(); ++x) {
        const auto& pe = phase.exercises(x);
        std::string xpath = At(phase_path + ".exercises", x);
        auto it = exercises_.find(pe.exercise_code());
        if (it == exercises_.end()) {
          Report(
              xpath + ".exercise_code",
              absl::StrCat("unknown exercise code '", pe.exercise_code(), "'"));
          continue;
        }
        if (pe.has_dosage()) {
          CheckDosage(pe.dosage(), xpath + ".dosage");
          CheckSource(pe.dosage_source(), xpath + ".dosage_source");
        }
        // A protocol must never prescribe what its own condition forbids.
        for (const auto& ci : kb_.exercises(it->second).contraindications()) {
          for (const std::string& cond : p.for_conditions()) {
            Require(ci.condition_code() != cond, xpath + ".exercise_code",
                    absl::StrCat("'", pe.exercise_code(),
                                 "' is contraindicated in '", cond,
                                 "', which this protocol treats"));
          }
        }
      }
    }
  }

  // Screening questions, irritability criteria, advice and targeted
  // exercise rules.
  void CheckPersonalisation() {
    const auto& settings = kb_.settings();
    for (int i = 0; i < settings.core_screening_findings_size(); ++i) {
      std::string path = At("settings.core_screening_findings", i);
      const FindingDefinition* f =
          FindingFor(settings.core_screening_findings(i), path);
      Require(f == nullptr || f->value_type() == medius::v1::VALUE_TYPE_BOOL,
              path, "a screening question must be a bool finding");
    }
    if (settings.has_high_irritability()) {
      CheckCriterion(settings.high_irritability(),
                     "settings.high_irritability");
    }
    if (settings.has_low_irritability()) {
      CheckCriterion(settings.low_irritability(), "settings.low_irritability");
    }
    absl::flat_hash_map<std::string, int> ids;
    for (int i = 0; i < kb_.advice_rules_size(); ++i) {
      const auto& rule = kb_.advice_rules(i);
      std::string path = At("advice_rules", i);
      CheckRuleId(rule.id(), path, &ids);
      if (!rule.has_when()) {
        Report(path + ".when", "required");
      } else {
        CheckCriterion(rule.when(), path + ".when");
      }
      for (int c = 0; c < rule.for_conditions_size(); ++c) {
        CheckConditionRef(rule.for_conditions(c),
                          At(path + ".for_conditions", c));
      }
      Require(!rule.advice().empty(), path + ".advice", "required");
      CheckSource(rule.source(), path + ".source");
    }
    ids.clear();
    for (int i = 0; i < kb_.targeted_exercises_size(); ++i) {
      const auto& rule = kb_.targeted_exercises(i);
      std::string path = At("targeted_exercises", i);
      CheckRuleId(rule.id(), path, &ids);
      if (!rule.has_when()) {
        Report(path + ".when", "required");
      } else {
        CheckCriterion(rule.when(), path + ".when");
      }
      Require(rule.exercise_codes_size() > 0, path + ".exercise_codes",
              "name at least one exercise");
      for (int e = 0; e < rule.exercise_codes_size(); ++e) {
        Require(exercises_.contains(rule.exercise_codes(e)),
                At(path + ".exercise_codes", e),
                absl::StrCat("unknown exercise code '", rule.exercise_codes(e),
                             "'"));
      }
      Require(!rule.reason().empty(), path + ".reason", "required");
      CheckSource(rule.source(), path + ".source");
    }
  }

  void CheckRuleId(const std::string& id, const std::string& path,
                   absl::flat_hash_map<std::string, int>* ids) {
    if (!IsCode(id)) {
      Report(path + ".id",
             absl::StrCat("id '", id, "' must be lower_snake_case"));
    } else if (!ids->emplace(id, 0).second) {
      Report(path + ".id", absl::StrCat("duplicate id '", id, "'"));
    }
  }

  const KnowledgeBase& kb_;
  std::vector<Issue> issues_;
  absl::flat_hash_map<std::string, int> findings_, conditions_, groups_,
      red_flags_, exercises_, protocols_;
  absl::flat_hash_set<std::string> used_groups_, trigger_ids_, references_;
};

}  // namespace

std::vector<Issue> Validate(const KnowledgeBase& kb) {
  return Checker(kb).Run();
}

}  // namespace medius::kb
