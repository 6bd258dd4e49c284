#include "observability/line_writer.h"

#include <algorithm>
#include <sstream>
#include <string>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::observability {
namespace {

using ::testing::HasSubstr;

std::string Notice(uint64_t n) { return "dropped " + std::to_string(n); }

TEST(LineWriterTest, WritesEveryLineInOrder) {
  std::ostringstream out;
  {
    LineWriter writer(out, Notice);
    for (int i = 0; i < 1000; ++i) EXPECT_TRUE(writer.Write(std::to_string(i)));
    writer.Flush();
    EXPECT_EQ(writer.dropped(), 0u);
  }
  std::istringstream lines(out.str());
  std::string line;
  int expected = 0;
  while (std::getline(lines, line)) EXPECT_EQ(line, std::to_string(expected++));
  EXPECT_EQ(expected, 1000);
}

TEST(LineWriterTest, TheDestructorWritesWhatIsQueued) {
  std::ostringstream out;
  {
    LineWriter writer(out, Notice);
    writer.Write("last words");
  }
  EXPECT_EQ(out.str(), "last words\n");
}

// A stream whose first write blocks until released: the writer thread is
// stuck, as behind a full pipe.
class BlockingBuf : public std::stringbuf {
 public:
  absl::Notification entered, release;

 protected:
  std::streamsize xsputn(const char* s, std::streamsize n) override {
    if (!entered.HasBeenNotified()) entered.Notify();
    release.WaitForNotification();
    return std::stringbuf::xsputn(s, n);
  }
  int overflow(int c) override {
    if (!entered.HasBeenNotified()) entered.Notify();
    release.WaitForNotification();
    return std::stringbuf::overflow(c);
  }
};

TEST(LineWriterTest, AFullQueueDropsCountsAndSaysSo) {
  BlockingBuf buf;
  std::ostream out(&buf);
  {
    LineWriter writer(out, Notice, /*max_queued=*/4);
    writer.Write("first");  // taken by the thread, which then blocks
    buf.entered.WaitForNotification();
    int accepted = 0;
    for (int i = 0; i < 10; ++i) accepted += writer.Write("line");
    EXPECT_EQ(accepted, 4);
    EXPECT_EQ(writer.dropped(), 6u);
    buf.release.Notify();
    writer.Flush();
  }
  const std::string text = buf.str();
  EXPECT_THAT(text, HasSubstr("first\n"));
  EXPECT_THAT(text, HasSubstr("dropped 6\n"));
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1 + 4 + 1);
}

}  // namespace
}  // namespace medius::observability
