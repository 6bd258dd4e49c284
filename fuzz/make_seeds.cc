// make_seeds: writes the fuzzers' seed corpora from the project's own
// material, and a dictionary of the knowledge-base schema's words.
//
//   make_seeds REQUEST_DIR KB_DIR DICT_FILE
//
// REQUEST_DIR gets one binary AssessRequest per clinical case
// (tests/cases/*.textproto), per example (examples/*.json) and the
// benchmark requests of 5/30/60 findings. KB_DIR gets each shipped
// knowledge-base file, the whole knowledge base as one input (files
// separated by form feeds, as kb_fuzzer splits them) and the small test
// knowledge base. DICT_FILE lists every field and enum value name.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/bench_requests.h"
#include "clinical/clinical_case.pb.h"
#include "engine/engine.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "kb/loader.h"
#include "testing/test_kb.h"

namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void Write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::vector<fs::path> Files(const fs::path& dir, const std::string& ext) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().extension() == ext) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

void CollectWords(const google::protobuf::Descriptor* d,
                  std::set<std::string>* words,
                  std::set<const google::protobuf::Descriptor*>* seen) {
  if (!seen->insert(d).second) return;
  for (int i = 0; i < d->field_count(); ++i) {
    const auto* field = d->field(i);
    words->insert(field->name());
    if (field->enum_type() != nullptr) {
      for (int v = 0; v < field->enum_type()->value_count(); ++v) {
        words->insert(field->enum_type()->value(v)->name());
      }
    }
    if (field->message_type() != nullptr) {
      CollectWords(field->message_type(), words, seen);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: make_seeds REQUEST_DIR KB_DIR DICT_FILE\n";
    return 2;
  }
  const fs::path source = MEDIUS_SOURCE_DIR;
  const fs::path requests = argv[1], kb_seeds = argv[2];
  fs::create_directories(requests);
  fs::create_directories(kb_seeds);

  int count = 0;
  for (const fs::path& path : Files(source / "tests/cases", ".textproto")) {
    medius::testing::ClinicalCase c;
    if (!google::protobuf::TextFormat::ParseFromString(Read(path), &c)) {
      std::cerr << "make_seeds: skipping " << path << "\n";
      continue;
    }
    Write(requests / ("case_" + path.stem().string()),
          c.request().SerializeAsString());
    ++count;
  }
  auto kb = medius::kb::LoadKnowledgeBase((source / "knowledge").string());
  if (!kb.ok()) {
    std::cerr << kb.status() << "\n";
    return 1;
  }
  auto engine = medius::engine::Engine::Create(*kb);
  if (!engine.ok()) {
    std::cerr << engine.status() << "\n";
    return 1;
  }
  for (const fs::path& path : Files(source / "examples", ".json")) {
    auto request = medius::bench::ReadJsonRequest(path.string());
    if (!request.ok()) continue;
    Write(requests / ("example_" + path.stem().string()),
          request->SerializeAsString());
    ++count;
    for (int size : {5, 30, 60}) {
      Write(requests / absl::StrCat("sized_", size, "_", path.stem().string()),
            medius::bench::SizedRequest(*request, (*engine)->info(), size)
                .SerializeAsString());
      ++count;
    }
  }

  std::string whole;
  for (const fs::path& path : Files(source / "knowledge", ".textproto")) {
    std::string text = Read(path);
    Write(kb_seeds / ("file_" + path.stem().string()), text);
    whole += (whole.empty() ? "" : "\f") + text;
    ++count;
  }
  Write(kb_seeds / "whole_knowledge_base", whole);
  Write(kb_seeds / "small_test_kb",
        absl::StrCat("# proto-file: medius/v1/knowledge_base.proto\n"
                     "# proto-message: medius.v1.KnowledgeBase\n",
                     medius::testing::kSmallKbText));
  count += 2;

  std::set<std::string> words;
  std::set<const google::protobuf::Descriptor*> seen;
  CollectWords(medius::v1::KnowledgeBase::descriptor(), &words, &seen);
  std::ofstream dict(argv[3], std::ios::trunc);
  for (const std::string& word : words) dict << '"' << word << "\"\n";
  for (const char* token : {"{", "}", ":", "\\\"",
                            "# proto-file: "
                            "medius/v1/knowledge_base.proto\\x0a",
                            "# proto-"
                            "message: medius.v1.KnowledgeBase\\x0a",
                            "\\x0c"}) {
    dict << '"' << token << "\"\n";
  }
  std::cout << "make_seeds: " << count << " seeds, " << words.size()
            << " dictionary words\n";
  return 0;
}
