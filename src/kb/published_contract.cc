#include "kb/published_contract.h"

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace medius::kb {
namespace {

constexpr char kWhy[] =
    " (published codes are never renamed or removed: keep the code and set "
    "its deprecation_note; see tests/contract/published_codes.txt)";

}  // namespace

std::vector<Issue> CheckPublishedCodes(const medius::v1::KnowledgeBase& kb,
                                       std::string_view contract) {
  absl::flat_hash_map<std::string, std::string> findings;
  for (const auto& f : kb.findings()) {
    findings[f.code()] =
        f.value_type() == medius::v1::VALUE_TYPE_NUMBER ? "number" : "bool";
  }
  absl::flat_hash_map<std::string, bool> conditions, red_flags;
  for (const auto& c : kb.conditions()) conditions[c.code()] = true;
  for (const auto& r : kb.red_flags()) red_flags[r.code()] = true;

  std::vector<Issue> issues;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(
           absl::string_view(contract.data(), contract.size()), '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> parts =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    const std::string where = absl::StrCat("published_codes.txt:", line_number);
    if (parts.size() < 2) {
      issues.push_back({where, absl::StrCat("cannot read '", line, "'")});
      continue;
    }
    const std::string& kind = parts[0];
    const std::string& code = parts[1];
    if (kind == "finding") {
      auto it = findings.find(code);
      if (it == findings.end()) {
        issues.push_back({"findings", absl::StrCat("published finding '", code,
                                                   "' is not defined", kWhy)});
      } else if (parts.size() < 3 || it->second != parts[2]) {
        issues.push_back(
            {"findings",
             absl::StrCat("published finding '", code, "' is ", it->second,
                          ", the contract says ",
                          parts.size() < 3 ? "nothing" : parts[2], kWhy)});
      }
    } else if (kind == "condition") {
      if (!conditions.contains(code)) {
        issues.push_back(
            {"conditions", absl::StrCat("published condition '", code,
                                        "' is not defined", kWhy)});
      }
    } else if (kind == "red_flag") {
      if (!red_flags.contains(code)) {
        issues.push_back(
            {"red_flags", absl::StrCat("published red flag '", code,
                                       "' is not defined", kWhy)});
      }
    } else {
      issues.push_back(
          {where, absl::StrCat("unknown kind '", kind, "' in '", line, "'")});
    }
  }
  return issues;
}

}  // namespace medius::kb
