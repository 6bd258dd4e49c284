#include "server/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "auth/token_store.h"

namespace medius::server {
namespace {

class Checker {
 public:
  explicit Checker(const ServerFlags& flags) : flags_(flags) {}

  absl::StatusOr<ServerConfig> Run() {
    CheckRange(kMaxRequestBytes, flags_.max_request_bytes);
    CheckRange(kMaxConcurrentStreams, flags_.max_concurrent_streams);
    CheckRange(kMaxMemoryMb, flags_.max_memory_mb);
    CheckRange(kMaxCallsInFlight, flags_.max_calls_in_flight);
    CheckRange(kMaxCallsInFlightPerClient,
               flags_.max_calls_in_flight_per_client);
    CheckRange(kRateLimitPerSecond, flags_.rate_limit_per_second);
    CheckRange(kRateLimitBurst, flags_.rate_limit_burst);
    CheckRange(kDrainSeconds, flags_.drain_seconds);
    CheckRange(kShutdownGraceSeconds, flags_.shutdown_grace_seconds);
    CheckAddresses();
    CheckCdsHooks();
    CheckAudit();
    CheckFiles();
    ReadLogHashKey();
    if (!flags_.log_hash_key_file.empty()) {
      config_.audit_checkpoint_key = config_.log_hash_key;
    } else if (flags_.audit != "off" && flags_.audit_retention_days > 0) {
      Warn(
          "no --log_hash_key_file: retention checkpoints of the audit store "
          "are not signed (the chain after them still verifies)");
    }
    if (!problems_.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("configuration has ", problems_.size(), " problem(s):\n",
                       absl::StrJoin(problems_, "\n")));
    }
    config_.flags = flags_;
    return std::move(config_);
  }

 private:
  void Problem(const std::string& flag, const std::string& why) {
    problems_.push_back(absl::StrCat("--", flag, ": ", why));
  }

  void CheckRange(const FlagRange& range, int value) {
    if (value < range.min || value > range.max) {
      Problem(range.name,
              absl::StrCat(value, " is outside ", range.min, "..", range.max));
    }
  }

  void CheckAddresses() {
    if (flags_.listen.empty()) Problem("listen", "required");
    if (flags_.insecure && !flags_.insecure_allow_remote &&
        !IsLoopbackAddress(flags_.listen)) {
      Problem("insecure",
              absl::StrCat("plaintext on ", flags_.listen,
                           ", which is not a loopback address: anyone on the "
                           "network could read patients' findings; use TLS, "
                           "or add --insecure_allow_remote when a TLS proxy "
                           "in front of it is the only way in"));
    }
    // Port 0 picks a free port each time, so only fixed ports can clash.
    auto clash = [](const std::string& a, const std::string& b) {
      return !a.empty() && a == b && !absl::EndsWith(a, ":0");
    };
    if (clash(flags_.health_listen, flags_.listen)) {
      Problem("health_listen", "must differ from --listen");
    }
    if (clash(flags_.metrics_listen, flags_.listen) ||
        clash(flags_.metrics_listen, flags_.health_listen)) {
      Problem("metrics_listen", "must differ from the gRPC ports");
    }
  }

  // `flag` names a file that must exist; warns when others can change it.
  void CheckFile(const std::string& flag, const std::string& path,
                 bool secret) {
    if (path.empty()) return;
    struct stat info;
    if (stat(path.c_str(), &info) != 0) {
      Problem(flag, absl::StrCat("cannot read ", path));
      return;
    }
    if (!S_ISREG(info.st_mode)) {
      Problem(flag, absl::StrCat(path, " is not a regular file"));
      return;
    }
    if (info.st_mode & S_IWOTH) {
      Warn(absl::StrCat("--", flag, " ", path,
                        " is world-writable: anyone on this host can change "
                        "it (chmod o-w)"));
    }
    if (secret && (info.st_mode & S_IROTH)) {
      Warn(absl::StrCat("--", flag, " ", path,
                        " is world-readable: it holds a secret (chmod o-r)"));
    }
  }

  // The CDS Hooks listener fails closed like the gRPC port: TLS unless
  // --insecure, and only allow-listed EHRs (signed JWTs) unless --insecure.
  void CheckCdsHooks() {
    const bool any_cds_flag = !flags_.cds_issuers_file.empty() ||
                              !flags_.cds_public_url.empty() ||
                              !flags_.cds_allowed_origins.empty();
    if (flags_.cds_listen.empty()) {
      if (any_cds_flag) {
        Warn(
            "--cds_issuers_file, --cds_public_url and --cds_allowed_origins "
            "do nothing without --cds_listen");
      }
      return;
    }
    if (flags_.cds_issuers_file.empty() && !flags_.insecure) {
      Problem("cds_issuers_file",
              "required with --cds_listen: the EHRs allowed to call and their "
              "public keys (a JWKS per issuer); only --insecure runs without");
    }
    if (!flags_.cds_issuers_file.empty()) {
      if (!absl::StartsWith(flags_.cds_public_url, "https://") &&
          !(flags_.insecure &&
            absl::StartsWith(flags_.cds_public_url, "http://"))) {
        Problem("cds_public_url",
                "required with --cds_issuers_file: the https:// URL EHRs call "
                "(before /cds-services), checked as the JWT audience");
      }
    }
    if (flags_.insecure && !flags_.insecure_allow_remote &&
        !IsLoopbackAddress(flags_.cds_listen)) {
      Problem("insecure",
              absl::StrCat("plaintext CDS Hooks on ", flags_.cds_listen,
                           ", which is not a loopback address; use TLS, or "
                           "add --insecure_allow_remote behind a TLS proxy"));
    }
    const size_t colon = flags_.cds_listen.rfind(':');
    if (colon == std::string::npos || colon + 1 == flags_.cds_listen.size()) {
      Problem("cds_listen", "expected host:port, e.g. 0.0.0.0:8443");
    }
    for (const std::string* other :
         {&flags_.listen, &flags_.health_listen, &flags_.metrics_listen}) {
      if (*other == flags_.cds_listen && !absl::EndsWith(*other, ":0")) {
        Problem("cds_listen", "must differ from the other ports");
      }
    }
  }

  void CheckAudit() {
    CheckRange(kAuditQueueRecords, flags_.audit_queue_records);
    CheckRange(kAuditRetentionDays, flags_.audit_retention_days);
    if (flags_.audit != "required" && flags_.audit != "best_effort" &&
        flags_.audit != "off") {
      Problem("audit", absl::StrCat("'", flags_.audit,
                                    "': expected required, best_effort or "
                                    "off"));
      return;
    }
    if (flags_.audit == "off") {
      Warn(
          "--audit=off: assessments are not recorded; no answer can be "
          "retrieved or audited later");
      return;
    }
    if (flags_.audit_db.empty()) {
      Problem("audit_db",
              "required unless --audit=off: a SQLite file or a "
              "postgresql:// URI");
    }
    if (flags_.audit == "best_effort") {
      Warn(
          "--audit=best_effort: an answer goes out even when its record "
          "cannot be stored (drops are counted and logged)");
    }
  }

  void CheckFiles() {
    CheckFile("tls_cert_file", flags_.tls_cert_file, false);
    CheckFile("tls_key_file", flags_.tls_key_file, true);
    CheckFile("tls_client_ca_file", flags_.tls_client_ca_file, false);
    CheckFile("token_file", flags_.token_file, false);
    CheckFile("log_hash_key_file", flags_.log_hash_key_file, true);
    CheckFile("cds_issuers_file", flags_.cds_issuers_file, false);
    // The knowledge base decides where patients are referred: a directory
    // or file anyone may write is a way to change clinical answers.
    std::error_code error;
    auto mode = std::filesystem::status(flags_.kb_dir, error).permissions();
    if (!error && (mode & std::filesystem::perms::others_write) !=
                      std::filesystem::perms::none) {
      Warn(absl::StrCat("--kb_dir ", flags_.kb_dir,
                        " is world-writable: anyone on this host can change "
                        "the knowledge base (chmod o-w)"));
    }
    for (const auto& entry :
         std::filesystem::directory_iterator(flags_.kb_dir, error)) {
      if (entry.path().extension() != ".textproto") continue;
      std::error_code file_error;
      auto file_mode = entry.status(file_error).permissions();
      if (!file_error && (file_mode & std::filesystem::perms::others_write) !=
                             std::filesystem::perms::none) {
        Warn(absl::StrCat("knowledge-base file ", entry.path().string(),
                          " is world-writable (chmod o-w)"));
      }
    }
  }

  void ReadLogHashKey() {
    if (flags_.log_hash_key_file.empty()) {
      config_.log_hash_key = auth::NewToken();
      Warn(
          "no --log_hash_key_file: encounter hashes in the logs use a random "
          "key and cannot be correlated across restarts");
      return;
    }
    std::ifstream in(flags_.log_hash_key_file, std::ios::binary);
    if (!in) return;  // CheckFile has reported it
    std::stringstream key;
    key << in.rdbuf();
    std::string text(absl::StripTrailingAsciiWhitespace(key.str()));
    if (text.size() < kMinLogHashKeyBytes) {
      Problem(
          "log_hash_key_file",
          absl::StrCat(flags_.log_hash_key_file, " holds ", text.size(),
                       " byte(s); the key needs at least ", kMinLogHashKeyBytes,
                       " (make one: head -c 32 /dev/urandom | base64 > "
                       "FILE)"));
      return;
    }
    config_.log_hash_key = std::move(text);
  }

  void Warn(std::string warning) { config_.warnings.push_back(warning); }

  const ServerFlags& flags_;
  ServerConfig config_;
  std::vector<std::string> problems_;
};

}  // namespace

bool IsLoopbackAddress(const std::string& address) {
  if (absl::StartsWith(address, "unix:")) return true;
  std::string host = address;
  if (absl::StartsWith(host, "[")) {
    host = host.substr(1, host.find(']') == std::string::npos
                              ? std::string::npos
                              : host.find(']') - 1);
  } else if (size_t colon = host.rfind(':'); colon != std::string::npos) {
    host = host.substr(0, colon);
  }
  host = absl::AsciiStrToLower(host);
  if (host == "localhost") return true;
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  in_addr v4;
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 &&
         (ntohl(v4.s_addr) >> 24) == 127;
}

absl::StatusOr<ServerConfig> CheckServerFlags(const ServerFlags& flags) {
  return Checker(flags).Run();
}

}  // namespace medius::server
