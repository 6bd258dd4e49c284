#include "server/config.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::server {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("medius-config-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "kb");
    fs::permissions(dir_ / "kb", fs::perms(0755));
    std::ofstream(dir_ / "kb" / "a.textproto") << "# empty\n";
    fs::permissions(dir_ / "kb" / "a.textproto", fs::perms(0644));
    key_ = Write("key", "0123456789abcdef0123456789abcdef\n", 0600);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text,
                    int mode) {
    std::ofstream(dir_ / name) << text;
    fs::permissions(dir_ / name, fs::perms(mode));
    return (dir_ / name).string();
  }

  // Flags as a production server has them; each test breaks one thing.
  ServerFlags Good() {
    ServerFlags f;
    f.listen = "127.0.0.1:50051";
    f.kb_dir = (dir_ / "kb").string();
    f.insecure = true;
    f.log_hash_key_file = key_;
    f.max_request_bytes = 256 * 1024;
    f.max_concurrent_streams = 100;
    f.max_memory_mb = 1024;
    f.max_calls_in_flight = 512;
    f.max_calls_in_flight_per_client = 64;
    f.rate_limit_burst = 100;
    f.drain_seconds = 5;
    f.shutdown_grace_seconds = 10;
    f.audit = "required";
    f.audit_db = (dir_ / "audit.db").string();
    f.audit_retention_days = 3650;
    return f;
  }

  std::string Problems(const ServerFlags& flags) {
    absl::StatusOr<ServerConfig> config = CheckServerFlags(flags);
    EXPECT_FALSE(config.ok());
    return config.ok() ? "" : std::string(config.status().message());
  }

  fs::path dir_;
  std::string key_;
};

TEST_F(ConfigTest, GoodFlagsPassWithTheKeyFromTheFile) {
  absl::StatusOr<ServerConfig> config = CheckServerFlags(Good());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->log_hash_key, "0123456789abcdef0123456789abcdef");
  EXPECT_THAT(config->warnings, IsEmpty());
}

TEST_F(ConfigTest, TheAuditStoreIsRequiredUnlessTurnedOffLoudly) {
  ServerFlags flags = Good();
  absl::StatusOr<ServerConfig> config = CheckServerFlags(flags);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->audit_checkpoint_key, config->log_hash_key);
  flags.audit_db.clear();
  EXPECT_THAT(Problems(flags), HasSubstr("--audit_db: required unless"));
  flags.audit = "sometimes";
  EXPECT_THAT(Problems(flags), HasSubstr("--audit: 'sometimes'"));
  flags.audit = "off";
  config = CheckServerFlags(flags);
  ASSERT_TRUE(config.ok());
  EXPECT_THAT(config->warnings, ElementsAre(HasSubstr("not recorded")));
  flags = Good();
  flags.audit_retention_days = -1;
  EXPECT_THAT(Problems(flags), HasSubstr("--audit_retention_days: -1"));
  flags = Good();
  flags.log_hash_key_file.clear();
  config = CheckServerFlags(flags);
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->audit_checkpoint_key, "");
  EXPECT_THAT(config->warnings, Contains(HasSubstr("checkpoints")));
}

TEST_F(ConfigTest, MissingUnreadableOrShortHashKeyIsRefused) {
  // Before, each of these silently became an empty HMAC key.
  ServerFlags flags = Good();
  flags.log_hash_key_file = (dir_ / "missing").string();
  EXPECT_THAT(Problems(flags), HasSubstr("--log_hash_key_file: cannot read"));
  flags.log_hash_key_file = Write("short", "abc\n", 0600);
  EXPECT_THAT(Problems(flags), HasSubstr("holds 3 byte(s)"));
  flags.log_hash_key_file = Write("empty", "", 0600);
  EXPECT_THAT(Problems(flags), HasSubstr("holds 0 byte(s)"));
  flags.log_hash_key_file = dir_.string();
  EXPECT_THAT(Problems(flags), HasSubstr("is not a regular file"));
}

TEST_F(ConfigTest, NoHashKeyFileMeansARandomKeyAndAWarning) {
  ServerFlags flags = Good();
  flags.log_hash_key_file.clear();
  absl::StatusOr<ServerConfig> a = CheckServerFlags(flags);
  absl::StatusOr<ServerConfig> b = CheckServerFlags(flags);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_GE(a->log_hash_key.size(), kMinLogHashKeyBytes);
  EXPECT_NE(a->log_hash_key, b->log_hash_key);
  ASSERT_EQ(a->warnings.size(), 2u);
  EXPECT_THAT(a->warnings[0], HasSubstr("random key"));
}

TEST_F(ConfigTest, EveryNumericFlagIsRangeChecked) {
  struct Case {
    int ServerFlags::*field;
    int bad;
    const char* flag;
  };
  for (const Case& c : {
           Case{&ServerFlags::max_concurrent_streams, 0,
                "--max_concurrent_streams: 0 is outside 1..10000"},
           Case{&ServerFlags::max_request_bytes, -1, "--max_request_bytes"},
           Case{&ServerFlags::max_memory_mb, 1, "--max_memory_mb"},
           Case{&ServerFlags::max_calls_in_flight, 0, "--max_calls_in_flight"},
           Case{&ServerFlags::max_calls_in_flight_per_client, 0,
                "--max_calls_in_flight_per_client"},
           Case{&ServerFlags::rate_limit_per_second, -5,
                "--rate_limit_per_second"},
           Case{&ServerFlags::rate_limit_burst, 0, "--rate_limit_burst"},
           Case{&ServerFlags::drain_seconds, -1, "--drain_seconds"},
           Case{&ServerFlags::shutdown_grace_seconds, 100000,
                "--shutdown_grace_seconds"},
       }) {
    ServerFlags flags = Good();
    flags.*c.field = c.bad;
    EXPECT_THAT(Problems(flags), HasSubstr(c.flag));
  }
}

TEST_F(ConfigTest, AllProblemsAreListedAtOnce) {
  ServerFlags flags = Good();
  flags.max_concurrent_streams = 0;
  flags.drain_seconds = -1;
  flags.token_file = (dir_ / "no-tokens").string();
  EXPECT_THAT(Problems(flags), HasSubstr("configuration has 3 problem(s)"));
}

TEST_F(ConfigTest, PlaintextOnANetworkAddressNeedsAnExplicitFlag) {
  ServerFlags flags = Good();
  flags.listen = "0.0.0.0:50051";
  EXPECT_THAT(Problems(flags), HasSubstr("--insecure: plaintext on 0.0.0.0"));
  flags.insecure_allow_remote = true;
  EXPECT_TRUE(CheckServerFlags(flags).ok());
  flags.insecure = false;  // TLS: any address
  flags.insecure_allow_remote = false;
  EXPECT_TRUE(CheckServerFlags(flags).ok());
}

TEST_F(ConfigTest, LoopbackAddresses) {
  EXPECT_TRUE(IsLoopbackAddress("127.0.0.1:1"));
  EXPECT_TRUE(IsLoopbackAddress("127.1.2.3:0"));
  EXPECT_TRUE(IsLoopbackAddress("localhost:50051"));
  EXPECT_TRUE(IsLoopbackAddress("[::1]:50051"));
  EXPECT_TRUE(IsLoopbackAddress("unix:/run/medius.sock"));
  EXPECT_FALSE(IsLoopbackAddress("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackAddress("[::]:50051"));
  EXPECT_FALSE(IsLoopbackAddress("10.0.0.5:50051"));
  EXPECT_FALSE(IsLoopbackAddress("127.example.org:50051"));
}

TEST_F(ConfigTest, WorldWritableFilesAreWarnedAbout) {
  ServerFlags flags = Good();
  flags.token_file = Write("tokens", "x a b\n", 0666);
  fs::permissions(dir_ / "kb", fs::perms(0777));
  fs::permissions(dir_ / "kb" / "a.textproto", fs::perms(0666));
  fs::permissions(key_, fs::perms(0644));
  absl::StatusOr<ServerConfig> config = CheckServerFlags(flags);
  ASSERT_TRUE(config.ok()) << config.status();
  std::string all;
  for (const std::string& w : config->warnings) all += w + "\n";
  EXPECT_THAT(all, HasSubstr("--token_file " + flags.token_file +
                             " is world-writable"));
  EXPECT_THAT(all,
              HasSubstr("--kb_dir " + flags.kb_dir + " is world-writable"));
  EXPECT_THAT(all, HasSubstr("a.textproto is world-writable"));
  EXPECT_THAT(all,
              HasSubstr("--log_hash_key_file " + key_ + " is world-readable"));
}

TEST_F(ConfigTest, HealthAndMetricsAddressesMustDiffer) {
  ServerFlags flags = Good();
  flags.health_listen = flags.listen;
  EXPECT_THAT(Problems(flags), HasSubstr("--health_listen: must differ"));
  // Port 0 is a fresh free port each time: never a clash.
  flags.listen = flags.health_listen = flags.metrics_listen = "127.0.0.1:0";
  EXPECT_TRUE(CheckServerFlags(flags).ok());
}

// The CDS Hooks listener fails closed like the gRPC port.
TEST_F(ConfigTest, CdsHooksNeedsIssuersAndTheirAudienceUnlessInsecure) {
  ServerFlags flags = Good();
  flags.insecure = false;
  flags.tls_cert_file = Write("cert", "x", 0644);
  flags.tls_key_file = Write("tls_key", "x", 0600);
  flags.cds_listen = "0.0.0.0:8443";
  EXPECT_THAT(Problems(flags), HasSubstr("--cds_issuers_file: required"));
  flags.cds_issuers_file = Write("issuers.json", "{}", 0644);
  EXPECT_THAT(Problems(flags), HasSubstr("--cds_public_url: required"));
  flags.cds_public_url = "http://medius.example.org";  // not https
  EXPECT_THAT(Problems(flags), HasSubstr("--cds_public_url"));
  flags.cds_public_url = "https://medius.example.org";
  EXPECT_TRUE(CheckServerFlags(flags).ok()) << Problems(flags);
  flags.cds_listen = flags.listen;
  EXPECT_THAT(Problems(flags), HasSubstr("--cds_listen: must differ"));
  flags.cds_listen = "8443";
  EXPECT_THAT(Problems(flags), HasSubstr("--cds_listen: expected host:port"));
}

TEST_F(ConfigTest, PlaintextCdsHooksOnlyOnLoopback) {
  ServerFlags flags = Good();  // --insecure
  flags.cds_listen = "127.0.0.1:8080";
  EXPECT_TRUE(CheckServerFlags(flags).ok()) << Problems(flags);
  flags.cds_listen = "0.0.0.0:8080";
  EXPECT_THAT(Problems(flags),
              HasSubstr("plaintext CDS Hooks on 0.0.0.0:8080"));
  flags.cds_listen.clear();
  flags.cds_public_url = "https://x";
  auto config = CheckServerFlags(flags);
  ASSERT_TRUE(config.ok());
  EXPECT_THAT(absl::StrJoin(config->warnings, "\n"),
              HasSubstr("do nothing without --cds_listen"));
}

}  // namespace
}  // namespace medius::server
