// How a knowledge-base Source is shown in a response: the citation, or
// "Expert opinion: <justification>" (with the supporting citation, if any),
// so a clinician can always tell a published figure from a judgement.
#ifndef MEDIUS_ENGINE_SOURCE_TEXT_H_
#define MEDIUS_ENGINE_SOURCE_TEXT_H_

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

}  // namespace medius::engine

#endif  // MEDIUS_ENGINE_SOURCE_TEXT_H_
