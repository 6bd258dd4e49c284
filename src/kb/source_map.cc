#include "kb/source_map.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace medius::kb {

std::string SourceLocation::ToString() const {
  if (line <= 0) return file;
  return absl::StrCat(file, ":", line, ":", column);
}

void SourceMap::Add(const std::string& path, SourceLocation location) {
  locations_[path] = std::move(location);
}

SourceLocation SourceMap::Locate(const std::string& path) const {
  std::string prefix = path;
  while (true) {
    auto it = locations_.find(prefix);
    if (it != locations_.end()) return it->second;
    // Drop the last path component: ".name" or "[index]".
    size_t cut = prefix.find_last_of(".[");
    if (cut == std::string::npos || cut == 0) return {};
    prefix.resize(cut);
  }
}

}  // namespace medius::kb
