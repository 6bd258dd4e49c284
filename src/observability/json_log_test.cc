#include "observability/json_log.h"

#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::observability {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

app::CallRecord Record() {
  app::CallRecord r;
  r.method = "Assess";
  r.transport = "grpc";
  r.code = absl::StatusCode::kOk;
  r.latency_seconds = 0.00125;
  r.client = "emr-a";
  r.assessment_id = "0b8f6c1e-1f2a-4c7d-9e3b-5a6f7c8d9e0f";
  r.knowledge_base_version = "0.1.0";
  r.red_flags = {"infection", "dvt"};
  r.encounter_id = "MRN-0012345/visit-9";
  return r;
}

TEST(JsonRpcLogTest, OneLineWithTheAgreedFields) {
  std::ostringstream out;
  JsonRpcLog log(out, "secret");
  log.OnCall(Record());
  log.Flush();
  std::string line = out.str();
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);
  EXPECT_THAT(line, HasSubstr("\"method\":\"Assess\""));
  EXPECT_THAT(line, HasSubstr("\"transport\":\"grpc\""));
  EXPECT_THAT(line, HasSubstr("\"code\":\"OK\""));
  EXPECT_THAT(line, HasSubstr("\"latency_ms\":1.250"));
  EXPECT_THAT(line, HasSubstr("\"client\":\"emr-a\""));
  EXPECT_THAT(line, HasSubstr("\"assessment_id\":\"0b8f6c1e"));
  EXPECT_THAT(line, HasSubstr("\"knowledge_base_version\":\"0.1.0\""));
  EXPECT_THAT(line, HasSubstr("\"red_flags\":[\"infection\",\"dvt\"]"));
  EXPECT_THAT(line, HasSubstr("\"time\":\"20"));
}

TEST(JsonRpcLogTest, EncounterIdAppearsOnlyAsAKeyedHash) {
  std::ostringstream out;
  JsonRpcLog log(out, "secret");
  std::string line = log.Format(Record());
  EXPECT_THAT(line, Not(HasSubstr("MRN-0012345")));
  EXPECT_THAT(line,
              HasSubstr("\"encounter_hash\":\"" +
                        KeyedHash("secret", "MRN-0012345/visit-9") + "\""));
  EXPECT_EQ(KeyedHash("secret", "x").size(), 16u);
  EXPECT_EQ(KeyedHash("secret", "x"), KeyedHash("secret", "x"));
  EXPECT_NE(KeyedHash("secret", "x"), KeyedHash("other", "x"));
}

TEST(JsonRpcLogTest, TheKeyedHashIsHmacSha256) {
  // RFC 4231, test case 2.
  EXPECT_EQ(KeyedHash("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e");
  const KeyedHasher hasher("Jefe");
  EXPECT_EQ(hasher.Hash("what do ya want for nothing?"), "5bdcc146bf60754e");
  // The prepared key is reused, not consumed.
  EXPECT_EQ(hasher.Hash("what do ya want for nothing?"), "5bdcc146bf60754e");
}

TEST(JsonRpcLogTest, TimesAreUtcWithMilliseconds) {
  EXPECT_EQ(LogTime(absl::FromUnixMillis(1764590400123)),
            "2025-12-01T12:00:00.123Z");
  // Same second from the cache, then the next second.
  EXPECT_EQ(LogTime(absl::FromUnixMillis(1764590400999)),
            "2025-12-01T12:00:00.999Z");
  EXPECT_EQ(LogTime(absl::FromUnixMillis(1764590401000)),
            "2025-12-01T12:00:01.000Z");
  EXPECT_EQ(LogTime(absl::FromUnixMillis(7)), "1970-01-01T00:00:00.007Z");
}

TEST(JsonRpcLogTest, EscapesStrings) {
  EXPECT_EQ(JsonEscape("a\"b\\c\nd\x01"), "a\\\"b\\\\c\\nd\\u0001");
  // Bytes from 0x80 (invalid UTF-8 from a hostile header) stay ASCII.
  EXPECT_EQ(JsonEscape("\xff\x7f"), "\\u00ff\\u007f");
}

TEST(JsonRpcLogTest, EventLinesCannotForgeAnRpcLine) {
  std::ostringstream out;
  JsonRpcLog log(out, "k");
  log.Event("grpc", "error", "bad header\n{\"event\":\"rpc\",\"code\":\"OK\"}",
            "chttp2.cc:12");
  log.Flush();
  const std::string text = out.str();
  ASSERT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find('\n'), text.size() - 1) << text;  // one line
  EXPECT_THAT(text, HasSubstr("\"event\":\"grpc\",\"level\":\"error\""));
  EXPECT_THAT(text, HasSubstr("\\\"event\\\":\\\"rpc\\\""));
  EXPECT_THAT(text, HasSubstr("\"source\":\"chttp2.cc:12\"}"));
}

}  // namespace
}  // namespace medius::observability
