// The published-code contract (tests/contract/published_codes.txt, embedded
// at build time): codes EMR integrations rely on, which a knowledge base
// may deprecate but never rename, remove or retype.
//
// Example:
//   std::vector<medius::kb::Issue> issues = medius::kb::CheckPublishedCodes(
//       kb, medius::kb::EmbeddedPublishedCodes());
//
// Thread-safety: pure functions.
#ifndef MEDIUS_KB_PUBLISHED_CONTRACT_H_
#define MEDIUS_KB_PUBLISHED_CONTRACT_H_

#include <string_view>
#include <vector>

#include "kb/validator.h"
#include "medius/v1/knowledge_base.pb.h"

namespace medius::kb {

// The contract file's text as it was when this binary was built.
std::string_view EmbeddedPublishedCodes();

// One issue per published code the knowledge base lacks or whose value type
// changed, and per line of `contract` that cannot be read ("kind code
// [bool|number]" lines; '#' comments and blank lines skipped).
std::vector<Issue> CheckPublishedCodes(const medius::v1::KnowledgeBase& kb,
                                       std::string_view contract);

}  // namespace medius::kb

#endif  // MEDIUS_KB_PUBLISHED_CONTRACT_H_
