#include "kb/source_map.h"

#include "gtest/gtest.h"

namespace medius::kb {
namespace {

TEST(SourceMapTest, FallsBackToTheLongestRecordedPrefix) {
  SourceMap map;
  map.Add("conditions[2]", {"c.textproto", 10, 1});
  map.Add("conditions[2].likelihood_ratios[0]", {"c.textproto", 14, 3});
  EXPECT_EQ(map.Locate("conditions[2].likelihood_ratios[0].positive").line, 14);
  EXPECT_EQ(map.Locate("conditions[2].prior").line, 10);
  // "conditions[21]" is not inside "conditions[2]".
  EXPECT_EQ(map.Locate("conditions[21].prior").line, 0);
}

TEST(SourceMapTest, FormatsFileLineColumn) {
  EXPECT_EQ((SourceLocation{"a.textproto", 3, 7}.ToString()),
            "a.textproto:3:7");
  EXPECT_EQ((SourceLocation{"a.textproto", 0, 0}.ToString()), "a.textproto");
}

}  // namespace
}  // namespace medius::kb
