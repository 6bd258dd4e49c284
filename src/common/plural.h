// Counted nouns for generated text: "1 finding", "3 findings", never
// "1 finding(s)". Pure; thread-safe.
//
// Example: absl::StrCat("Only ", Counted(n, "finding"), " assessed")
#ifndef MEDIUS_COMMON_PLURAL_H_
#define MEDIUS_COMMON_PLURAL_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace medius::common {

// `plural` defaults to `singular` + "s", which covers every noun we count.
inline std::string Counted(long long n, absl::string_view singular,
                           absl::string_view plural = {}) {
  if (n == 1) return absl::StrCat(n, " ", singular);
  if (plural.empty()) return absl::StrCat(n, " ", singular, "s");
  return absl::StrCat(n, " ", plural);
}

}  // namespace medius::common

#endif  // MEDIUS_COMMON_PLURAL_H_
