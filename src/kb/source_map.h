// SourceMap: where each field of a merged KnowledgeBase was written, so
// validation issues can be reported as file:line:col.
//
// Paths use field names and merged indexes, e.g.
// "conditions[2].likelihood_ratios[0].positive".
//
// Thread-safety: const methods may be called concurrently.
#ifndef MEDIUS_KB_SOURCE_MAP_H_
#define MEDIUS_KB_SOURCE_MAP_H_

#include <string>

#include "absl/container/flat_hash_map.h"

namespace medius::kb {

struct SourceLocation {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown

  // "file:line:col", or just "file" when the line is unknown.
  std::string ToString() const;
};

class SourceMap {
 public:
  void Add(const std::string& path, SourceLocation location);

  // The location of `path`, or of its longest recorded prefix ending at a
  // '.' or '[' boundary; an empty location when none is known.
  SourceLocation Locate(const std::string& path) const;

 private:
  absl::flat_hash_map<std::string, SourceLocation> locations_;
};

}  // namespace medius::kb

#endif  // MEDIUS_KB_SOURCE_MAP_H_
