// safety_eval: runs the published serious-pathology case set
// (tests/safety_cases/, see safety_case.proto) against a knowledge base and
// reports, per case, the red flags raised and whether a loading programme
// was recommended. With --check it exits 1 when any case is given a
// recommended protocol, or fewer than --min_right_family cases raise a red
// flag of the right family (the figure recorded in docs/SAFETY.md: a
// regression guard, not a tuning target), or the set has under 25 cases.
//
// Usage:
//   safety_eval --kb_dir=knowledge --cases_dir=tests/safety_cases
//               [--markdown=out.md] [--check --min_right_family=N]
//               [--benign_dir=tests/validation/dev ...]
// --benign_dir (repeatable) also counts false alarms on benign
// presentations (validation_case.proto files); it never fails the run.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clinical/safety_case.pb.h"
#include "clinical/validation_case.pb.h"
#include "engine/engine.h"
#include "google/protobuf/text_format.h"
#include "kb/loader.h"

namespace {

using medius::testing::SafetyCase;

struct Outcome {
  std::string file;
  SafetyCase c;
  std::vector<std::string> fired;  // "code (URGENCY)"
  bool any_flag = false;
  bool right_family = false;
  bool recommended = false;
  std::string protocol_status;
  std::string error;
  bool passed() const { return error.empty() && right_family && !recommended; }
  bool safe() const { return error.empty() && !recommended; }
};

std::string Flag(const std::string& arg, const std::string& name) {
  const std::string prefix = "--" + name + "=";
  return absl::StartsWith(arg, prefix) ? arg.substr(prefix.size()) : "";
}

std::string UrgencyShort(medius::v1::Urgency u) {
  std::string name = medius::v1::Urgency_Name(u);
  return absl::StartsWith(name, "URGENCY_") ? name.substr(8) : name;
}

void Score(const medius::engine::Engine& engine, Outcome* outcome);

Outcome Run(const medius::engine::Engine& engine, const std::string& file) {
  Outcome out;
  out.file = std::filesystem::path(file).filename().string();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &out.c)) {
    out.error = "does not parse";
    return out;
  }
  if (out.c.source().empty() || out.c.acceptable_red_flags().empty()) {
    out.error = "no source or no acceptable_red_flags";
    return out;
  }
  Score(engine, &out);
  return out;
}

// A benign validation case (validation_case.proto), for the false-alarm
// count: no red flag is the right answer.
Outcome RunBenign(const medius::engine::Engine& engine,
                  const std::string& file) {
  Outcome out;
  out.file = std::filesystem::path(file).filename().string();
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  medius::testing::ValidationCase c;
  if (!google::protobuf::TextFormat::ParseFromString(text.str(), &c)) {
    out.error = "does not parse";
    return out;
  }
  *out.c.mutable_request() = c.request();
  Score(engine, &out);
  return out;
}

void Score(const medius::engine::Engine& engine, Outcome* outcome) {
  Outcome& out = *outcome;
  auto response = engine.Assess(out.c.request());
  if (!response.ok()) {
    out.error = std::string(response.status().message());
    return;
  }
  for (const auto& flag : response->red_flags()) {
    if (flag.urgency() <= medius::v1::URGENCY_ROUTINE) continue;
    out.any_flag = true;
    out.fired.push_back(
        absl::StrCat(flag.code(), " (", UrgencyShort(flag.urgency()), ")"));
    const auto& ok = out.c.acceptable_red_flags();
    if (std::find(ok.begin(), ok.end(), flag.code()) != ok.end()) {
      out.right_family = true;
    }
  }
  out.recommended =
      response->protocol().status() == medius::v1::PROTOCOL_STATUS_RECOMMENDED;
  std::string status =
      medius::v1::ProtocolStatus_Name(response->protocol().status());
  out.protocol_status =
      absl::StartsWith(status, "PROTOCOL_STATUS_") ? status.substr(16) : status;
}

std::string Markdown(const std::string& kb_version,
                     const std::vector<Outcome>& outcomes) {
  int any = 0, right = 0, recommended = 0, passed = 0;
  std::string rows;
  for (const Outcome& o : outcomes) {
    any += o.any_flag;
    right += o.right_family;
    recommended += o.recommended;
    passed += o.passed();
    absl::StrAppend(&rows, "| ", o.file, " | ",
                    absl::StrJoin(o.c.acceptable_red_flags(), ", "), " | ",
                    o.fired.empty() ? "none" : absl::StrJoin(o.fired, ", "),
                    " | ",
                    o.error.empty() ? o.protocol_status : "error: " + o.error,
                    " | ", o.passed() ? "pass" : "**FAIL**", " |\n");
  }
  const size_t n = outcomes.size();
  return absl::StrCat(
      "Knowledge base ", kb_version, ", ", n,
      " cases: a red flag (above "
      "routine) in ",
      any, ", of the right family in ", right,
      "; a recommended loading protocol in ", recommended, ". ", passed, " of ",
      n, " pass.\n\n",
      "| case | right family | red flags raised | protocol | result |\n"
      "|---|---|---|---|---|\n",
      rows);
}

std::vector<std::string> Files(const std::string& dir) {
  std::vector<std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".textproto") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  std::string kb_dir, cases_dir, markdown;
  bool check = false;
  int min_right_family = -1;
  std::vector<std::string> benign_dirs;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--check") {
      check = true;
    } else if (!Flag(arg, "kb_dir").empty()) {
      kb_dir = Flag(arg, "kb_dir");
    } else if (!Flag(arg, "cases_dir").empty()) {
      cases_dir = Flag(arg, "cases_dir");
    } else if (!Flag(arg, "markdown").empty()) {
      markdown = Flag(arg, "markdown");
    } else if (!Flag(arg, "benign_dir").empty()) {
      benign_dirs.push_back(Flag(arg, "benign_dir"));
    } else if (!Flag(arg, "min_right_family").empty()) {
      min_right_family = std::atoi(Flag(arg, "min_right_family").c_str());
    } else {
      std::cerr << "safety_eval: unknown argument " << arg << "\n";
      return 2;
    }
  }
  if (kb_dir.empty() || cases_dir.empty()) {
    std::cerr << "usage: safety_eval --kb_dir=DIR --cases_dir=DIR "
                 "[--markdown=FILE] [--check]\n";
    return 2;
  }
  auto kb = medius::kb::LoadKnowledgeBase(kb_dir);
  if (!kb.ok()) {
    std::cerr << kb.status() << "\n";
    return 2;
  }
  const std::string version = kb->version().version();
  auto engine = medius::engine::Engine::Create(*std::move(kb));
  if (!engine.ok()) {
    std::cerr << engine.status() << "\n";
    return 2;
  }
  std::vector<std::string> files = Files(cases_dir);
  // False alarms on benign presentations (reported, never a pass/fail).
  int benign = 0, alarms = 0, benign_recommended = 0;
  for (const std::string& dir : benign_dirs) {
    for (const std::string& file : Files(dir)) {
      Outcome o = RunBenign(**engine, file);
      ++benign;
      alarms += o.any_flag;
      benign_recommended += o.recommended;
      if (o.any_flag || !o.error.empty()) {
        std::cout << "benign " << o.file << ": "
                  << (o.error.empty() ? absl::StrJoin(o.fired, ", ") : o.error)
                  << "; protocol " << o.protocol_status << "\n";
      }
    }
  }
  if (benign > 0) {
    std::cout << "safety_eval: benign cases " << benign
              << ", a red flag (above routine) in " << alarms
              << ", a recommended protocol in " << benign_recommended << "\n";
  }
  std::vector<Outcome> outcomes;
  int passed = 0, unsafe = 0;
  for (const std::string& file : files) {
    outcomes.push_back(Run(**engine, file));
    const Outcome& o = outcomes.back();
    passed += o.passed();
    unsafe += !o.safe();
    std::cout << (o.passed() ? "pass " : "FAIL ") << o.file << ": "
              << (o.fired.empty() ? "no red flag"
                                  : absl::StrJoin(o.fired, ", "))
              << "; protocol " << o.protocol_status
              << (o.error.empty() ? "" : "; error: " + o.error) << "\n";
  }
  if (!markdown.empty()) {
    std::ofstream(markdown) << Markdown(version, outcomes);
  }
  const int n = static_cast<int>(outcomes.size());
  std::cout << "safety_eval: " << passed << " passed, " << n - passed
            << " failed (right family and no loading programme); " << unsafe
            << " given a loading programme or in error\n";
  if (!check) return 0;
  bool ok = true;
  if (n < 25) {
    std::cout << "safety_eval: only " << n << " cases (< 25)\n";
    ok = false;
  }
  if (unsafe > 0) {
    std::cout << "safety_eval: a case of serious pathology was given a "
                 "loading programme (or failed)\n";
    ok = false;
  }
  if (passed < min_right_family) {
    std::cout << "safety_eval: " << passed
              << " cases raised the right family, below the recorded "
              << min_right_family << " (docs/SAFETY.md)\n";
    ok = false;
  }
  return ok ? 0 : 1;
}
