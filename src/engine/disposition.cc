#include <string>

#include "absl/strings/str_cat.h"
#include "common/plural.h"
#include "common/urgency_text.h"
#include "engine/assessment_parts.h"

namespace medius::engine {

medius::v1::Disposition BuildDisposition(
    const CompiledKb& kb, const Observations& observations,
    const std::vector<medius::v1::RedFlag>& red_flags,
    const medius::v1::ExerciseProtocol& protocol) {
  medius::v1::Disposition out;
  for (int index : kb.core_screening) {
    if (observations[index].state == Observed::kUnassessed) {
      out.add_missing_screening_findings(kb.finding(index).code());
    }
  }
  out.set_exercise_withheld(protocol.status() ==
                            medius::v1::PROTOCOL_STATUS_WITHHELD);
  if (red_flags.empty()) {
    out.set_statement(
        out.missing_screening_findings().empty()
            ? "No red flag raised by the findings recorded: physiotherapy "
              "management is appropriate."
            : "No red flag raised by the findings recorded, but the red-flag "
              "screen is incomplete: ask the missing screening questions "
              "before concluding.");
    return out;
  }
  // red_flags is sorted most urgent first.
  const medius::v1::RedFlag& top = red_flags.front();
  out.set_urgency(top.urgency());
  out.set_refer_to(top.refer_to());
  std::string statement = absl::StrCat(common::UrgencyText(top.urgency()), " (",
                                       top.display_name(), "): ", top.action());
  if (out.exercise_withheld()) {
    absl::StrAppend(&statement,
                    " Do not start exercise until the referral has been acted "
                    "on.");
  }
  if (red_flags.size() > 1) {
    absl::StrAppend(&statement, " ",
                    common::Counted(red_flags.size() - 1, "further red flag"),
                    " listed.");
  }
  out.set_statement(statement);
  return out;
}

}  // namespace medius::engine
