// The engine the fuzz targets share: built once per process from the
// shipped knowledge base (MEDIUS_KB_DIR, default the source tree's), as the
// server builds it at start-up.
#ifndef MEDIUS_FUZZ_FUZZ_ENGINE_H_
#define MEDIUS_FUZZ_FUZZ_ENGINE_H_

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "google/protobuf/stubs/logging.h"
#include "kb/loader.h"

namespace medius::fuzz {

// Silences libprotobuf's own log (e.g. one line per string field with
// invalid UTF-8): at fuzzing speed it is megabytes a second of noise that
// slows the run. Parse failures still show as failed parses.
inline void QuietProtobuf() {
  static const bool once = [] {
    google::protobuf::SetLogHandler(nullptr);
    return true;
  }();
  (void)once;
}

inline const engine::Engine& ShippedEngine() {
  static const engine::Engine* const engine = [] {
    const char* dir = std::getenv("MEDIUS_KB_DIR");
    std::string kb_dir =
        dir != nullptr ? dir : std::string(MEDIUS_SOURCE_DIR) + "/knowledge";
    auto kb = kb::LoadKnowledgeBase(kb_dir);
    if (!kb.ok()) {
      std::fprintf(stderr, "fuzz: %s\n", kb.status().ToString().c_str());
      std::abort();
    }
    auto created = engine::Engine::Create(*std::move(kb));
    if (!created.ok()) {
      std::fprintf(stderr, "fuzz: %s\n", created.status().ToString().c_str());
      std::abort();
    }
    return created->release();
  }();
  return *engine;
}

// Aborts (a finding for libFuzzer) with `what` when `ok` is false.
inline void Require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz: invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace medius::fuzz

#endif  // MEDIUS_FUZZ_FUZZ_ENGINE_H_
