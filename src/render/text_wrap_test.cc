#include "render/text_wrap.h"

#include "gtest/gtest.h"

namespace medius::render {
namespace {

std::string Wrap(absl::string_view first, absl::string_view hang,
                 absl::string_view text, size_t width) {
  std::string out;
  AppendWrapped(first, hang, text, width, &out);
  return out;
}

TEST(TextWrap, WrapsAtWordsUnderAHangingIndent) {
  EXPECT_EQ(Wrap("- ", "  ", "one two three four", 10),
            "- one two\n  three\n  four\n");
}

TEST(TextWrap, ShortTextIsOneLine) {
  EXPECT_EQ(Wrap("Why: ", "     ", "fine", 100), "Why: fine\n");
}

TEST(TextWrap, NewlinesStartParagraphsAndSpacesCollapse) {
  EXPECT_EQ(Wrap("", "  ", "a  b\nc", 100), "a b\n  c\n");
}

TEST(TextWrap, ALongWordIsCutNeverOverflowing) {
  EXPECT_EQ(Wrap("> ", "  ", "abcdefghijkl", 6), "> abcd\n  efgh\n  ijkl\n");
}

// Columns count code points: "°" is two bytes but one column.
TEST(TextWrap, CountsCodePointsNotBytes) {
  EXPECT_EQ(Wrap("", "", "90° 90°", 7), "90° 90°\n");
  EXPECT_EQ(Wrap("", "", "90° 90° x", 7), "90° 90°\nx\n");
}

}  // namespace
}  // namespace medius::render
