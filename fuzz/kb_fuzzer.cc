// libFuzzer target: knowledge-base text -> loader (parse, merge, file:line
// map) -> validator, and, when the input passes, the engine built from it
// answering a few requests made from its own catalog.
//
// Input: one or more knowledge-base files separated by form feeds ('\f'),
// so the seed corpus can hold the shipped multi-file knowledge base whole.
// Contract checked: the loader never crashes; every syntax problem names
// its file and line; a knowledge base that loads always makes an engine
// (Engine::Create must not reject what the loader accepted).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/engine.h"
#include "fuzz/fuzz_engine.h"
#include "kb/loader.h"

namespace medius::fuzz {
namespace {

// Requests a clinician could send against `info`: every finding present
// (or at its maximum), then every finding absent (or at its minimum).
std::vector<medius::v1::AssessRequest> CatalogRequests(
    const medius::v1::KnowledgeBaseInfo& info) {
  std::vector<medius::v1::AssessRequest> requests(2);
  requests[0].mutable_patient()->set_age_years(70);
  requests[0].mutable_patient()->set_sex(medius::v1::SEX_FEMALE);
  requests[1].mutable_patient()->set_sex(medius::v1::SEX_MALE);
  for (const auto& f : info.findings()) {
    if (f.patient_context() != medius::v1::PATIENT_CONTEXT_UNSPECIFIED) {
      continue;
    }
    for (int i = 0; i < 2; ++i) {
      medius::v1::Finding* finding = requests[i].add_findings();
      finding->set_code(f.code());
      if (f.value_type() == medius::v1::VALUE_TYPE_NUMBER) {
        finding->set_number(i == 0 ? f.max_value() : f.min_value());
      } else {
        finding->set_present(i == 0);
      }
    }
  }
  return requests;
}

}  // namespace
}  // namespace medius::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using medius::fuzz::Require;
  medius::fuzz::QuietProtobuf();
  std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<medius::kb::SourceFile> files;
  int n = 0;
  for (absl::string_view part : absl::StrSplit(text, '\f')) {
    files.push_back({absl::StrCat("kb", n++, ".textproto"), std::string(part)});
  }
  auto kb = medius::kb::LoadFiles(files);
  if (!kb.ok()) {
    Require(kb.status().code() == absl::StatusCode::kInvalidArgument,
            "a bad knowledge base is INVALID_ARGUMENT");
    // A syntax problem is always reported as file:line:col.
    std::vector<absl::string_view> lines =
        absl::StrSplit(kb.status().message(), '\n');
    if (absl::StrContains(lines[0], "syntax problem")) {
      for (size_t i = 1; i < lines.size(); ++i) {
        Require(absl::StartsWith(lines[i], "kb"),
                "every syntax problem names its file and line");
      }
    }
    return 0;
  }
  auto engine = medius::engine::Engine::Create(*std::move(kb));
  Require(engine.ok(), "a knowledge base that loads makes an engine");
  for (const auto& request : medius::fuzz::CatalogRequests((*engine)->info())) {
    auto response = (*engine)->Assess(request);
    Require(response.ok() == (*engine)->CheckRequest(request).empty(),
            "Assess fails exactly on violations");
  }
  return 0;
}
