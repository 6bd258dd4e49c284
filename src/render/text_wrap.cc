#include "render/text_wrap.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_split.h"

namespace medius::render {
namespace {

// Columns of UTF-8 text: code points, not bytes (names carry "°", "–").
size_t Columns(absl::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The longest prefix of `word` that fits in `room` columns, cut at a code
// point boundary.
size_t FitBytes(absl::string_view word, size_t room) {
  size_t cols = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    if ((static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) {
      if (cols == room) return i;
      ++cols;
    }
  }
  return word.size();
}

}  // namespace

void AppendWrapped(absl::string_view first, absl::string_view continuation,
                   absl::string_view text, size_t width, std::string* out) {
  std::string line(first);
  size_t cols = Columns(first);
  const size_t indent = Columns(continuation);
  bool empty = true;  // no word on this line yet
  auto flush = [&] {
    while (!line.empty() && line.back() == ' ') line.pop_back();
    *out += line;
    *out += '\n';
    line.assign(continuation.data(), continuation.size());
    cols = indent;
    empty = true;
  };
  bool first_paragraph = true;
  for (absl::string_view paragraph : absl::StrSplit(text, '\n')) {
    if (!first_paragraph) flush();
    first_paragraph = false;
    for (absl::string_view word :
         absl::StrSplit(paragraph, ' ', absl::SkipEmpty())) {
      size_t w = Columns(word);
      if (!empty && cols + 1 + w > width) flush();
      if (!empty) {
        line += ' ';
        ++cols;
      }
      // A word wider than a whole line is cut into line-sized pieces.
      while (cols + w > width && width > cols) {
        size_t bytes = FitBytes(word, width - cols);
        line.append(word.data(), bytes);
        word.remove_prefix(bytes);
        w = Columns(word);
        empty = false;
        flush();
      }
      line.append(word.data(), word.size());
      cols += w;
      empty = false;
    }
  }
  flush();
}

}  // namespace medius::render
