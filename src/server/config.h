// Start-up configuration of medius-server, checked as a whole before
// anything binds or loads: every flag's range, the files it names (readable,
// and with a warning when anyone on the host may change them), the log hash
// key, and plaintext refused on a non-loopback address unless explicitly
// allowed. The server exits 2 on any problem this reports.
//
// Example:
//   ServerFlags flags = FlagsFromCommandLine();  // main.cc
//   absl::StatusOr<ServerConfig> config = CheckServerFlags(flags);
//   if (!config.ok()) { std::cerr << config.status().message(); return 2; }
//   for (const std::string& w : config->warnings) Log(w);
//
// Thread-safety: CheckServerFlags reads files; call it once, at start-up.
#ifndef MEDIUS_SERVER_CONFIG_H_
#define MEDIUS_SERVER_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace medius::server {

// Every command-line flag, as given.
struct ServerFlags {
  std::string listen;
  std::string kb_dir;
  bool insecure = false;
  bool insecure_allow_remote = false;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  std::string token_file;
  std::string health_listen;
  std::string metrics_listen;
  std::string log_hash_key_file;
  std::string log_file;
  int max_request_bytes = 0;
  int max_concurrent_streams = 0;
  int max_memory_mb = 0;
  int max_calls_in_flight = 0;
  int max_calls_in_flight_per_client = 0;
  int rate_limit_per_second = 0;
  int rate_limit_burst = 0;
  bool reflection = false;
  std::string port_file;
  int drain_seconds = 0;
  int shutdown_grace_seconds = 0;
  // CDS Hooks (issue 13): its own HTTPS listener, the EHRs allowed to call
  // (issuers and their public keys), the URL they call (the JWT audience),
  // and browser origins allowed by CORS (comma-separated).
  std::string cds_listen;
  std::string cds_issuers_file;
  std::string cds_public_url;
  std::string cds_allowed_origins;
  // The assessment record (issue 14): "required", "best_effort" or "off";
  // the database (a SQLite path or a postgresql:// URI); the writer's queue;
  // days kept before a purge (0: forever).
  std::string audit = "required";
  std::string audit_db;
  int audit_queue_records = 1024;
  int audit_retention_days = 0;
};

struct ServerConfig {
  ServerFlags flags;
  // The HMAC key for encounter hashes in the logs: the key file's contents
  // (trailing whitespace removed), or a random key when no file is given.
  std::string log_hash_key;
  // Signs retention checkpoints: the log hash key when it comes from a file
  // (a random per-process key could never be checked), else "".
  std::string audit_checkpoint_key;
  // Problems that do not stop the server but an operator must see
  // (world-writable files, a random log hash key).
  std::vector<std::string> warnings;
};

// The inclusive limits each numeric flag is checked against.
struct FlagRange {
  const char* name;
  int min;
  int max;
};
inline constexpr FlagRange kMaxRequestBytes{"max_request_bytes", 1024,
                                            64 << 20};
inline constexpr FlagRange kMaxConcurrentStreams{"max_concurrent_streams", 1,
                                                 10000};
inline constexpr FlagRange kMaxCallsInFlight{"max_calls_in_flight", 1, 100000};
inline constexpr FlagRange kMaxCallsInFlightPerClient{
    "max_calls_in_flight_per_client", 1, 100000};
inline constexpr FlagRange kMaxMemoryMb{"max_memory_mb", 64, 1 << 20};
inline constexpr FlagRange kRateLimitPerSecond{"rate_limit_per_second", 0,
                                               1000000};
inline constexpr FlagRange kRateLimitBurst{"rate_limit_burst", 1, 1000000};
inline constexpr FlagRange kDrainSeconds{"drain_seconds", 0, 600};
inline constexpr FlagRange kShutdownGraceSeconds{"shutdown_grace_seconds", 0,
                                                 600};

// A log hash key shorter than this could be brute-forced from the hashes.
inline constexpr FlagRange kAuditQueueRecords{"audit_queue_records", 1,
                                              1000000};
inline constexpr FlagRange kAuditRetentionDays{"audit_retention_days", 0,
                                               36500};

inline constexpr size_t kMinLogHashKeyBytes = 16;

// INVALID_ARGUMENT listing every problem, one per line ("--flag: why").
absl::StatusOr<ServerConfig> CheckServerFlags(const ServerFlags& flags);

// True for "localhost", 127.0.0.0/8, ::1 and unix: addresses.
bool IsLoopbackAddress(const std::string& address);

}  // namespace medius::server

#endif  // MEDIUS_SERVER_CONFIG_H_
