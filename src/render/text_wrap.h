// Word wrapping for the plain-text report: each paragraph at a width, with
// a prefix on its first line and a hanging indent after. A word longer than
// a line (a URL, a digest) is cut, so no line is ever wider than `width`.
// Pure; thread-safe.
//
// Example:
//   std::string out;
//   AppendWrapped("  - ", "    ", long_text, 100, &out);
#ifndef MEDIUS_RENDER_TEXT_WRAP_H_
#define MEDIUS_RENDER_TEXT_WRAP_H_

#include <string>

#include "absl/strings/string_view.h"

namespace medius::render {

// Appends `text` (newlines in it start new paragraphs, each with
// `continuation`) after `first`, wrapped at `width` columns; ends with "\n".
void AppendWrapped(absl::string_view first, absl::string_view continuation,
                   absl::string_view text, size_t width, std::string* out);

}  // namespace medius::render

#endif  // MEDIUS_RENDER_TEXT_WRAP_H_
