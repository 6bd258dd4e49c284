// Text the engine puts in responses: how a knowledge-base Source is shown
// (the citation, or "Expert opinion: <justification>" with the supporting
// citation, if any, so a clinician can always tell a published figure from a
// judgement), and probabilities as percentages.
#ifndef MEDIUS_ENGINE_SOURCE_TEXT_H_
#define MEDIUS_ENGINE_SOURCE_TEXT_H_

#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "medius/v1/knowledge_base.pb.h"

namespace medius::engine {

inline std::string SourceText(const medius::v1::Source& source) {
  if (!source.expert_opinion()) return source.citation();
  if (source.citation().empty()) {
    return absl::StrCat("Expert opinion: ", source.note());
  }
  return absl::StrCat("Expert opinion: ", source.note(), " (",
                      source.citation(), ")");
}

// A probability as a whole percentage, e.g. 0.934 -> "93%".
inline std::string Percent(double p) {
  return absl::StrCat(static_cast<int>(std::lround(p * 100)), "%");
}

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_SOURCE_TEXT_H_
