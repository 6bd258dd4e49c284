// PostgresServer: a private, throwaway PostgreSQL server for tests, so the
// PostgreSQL audit store is tested against the real thing and not a mock:
// initdb into a fresh directory under /tmp, started with pg_ctl listening
// only on a Unix socket in that directory (no TCP port, so parallel test
// binaries never collide), trust authentication, superuser and database
// "medius". The directory and the server go when the object does, and, via
// a watchdog process, also when the test binary crashes or is killed.
//
// initdb and postgres refuse to run as root: as root (a fresh CI machine,
// a container) they run as the user "nobody", owner of the directory.
//
// Example:
//   std::string why;
//   absl::StatusOr<std::unique_ptr<PostgresServer>> pg =
//       PostgresServer::Start(&why);
//   if (pg.ok() && *pg == nullptr && !PostgresRequired()) GTEST_SKIP() << why;
//   ASSERT_TRUE(pg.ok() && *pg != nullptr) << pg.status() << why;
//   auto store = OpenPostgresStore((*pg)->uri());
//
// For a fresh database between tests sharing one server:
//   Exec("DROP SCHEMA public CASCADE; CREATE SCHEMA public").
//
// Thread-safety: one thread at a time per server object.
#ifndef MEDIUS_AUDIT_TESTING_POSTGRES_SERVER_H_
#define MEDIUS_AUDIT_TESTING_POSTGRES_SERVER_H_

#include <sys/types.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace medius::audit::testing {

class PostgresServer {
 public:
  // A running server; a null pointer (and OK) with *why_missing set when the
  // PostgreSQL server binaries (initdb, pg_ctl) are not installed, looked
  // for in /usr/lib/postgresql/<version>/bin, newest first, then in $PATH.
  // An error when they are but the server does not start (30 s at most).
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start(
      std::string* why_missing);

  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;
  ~PostgresServer();  // pg_ctl stop -m immediate, then removes the directory

  // A libpq URI for database medius as user medius, e.g.
  // "postgresql:///medius?host=/tmp/medius-pg-x1y2z3&port=54321&user=medius".
  std::string uri() const;
  std::string socket_dir() const { return dir_; }

  // pg_ctl stop -m fast: connected clients are cut off (a store then sees
  // UNAVAILABLE) until StartServer starts it again on the same data.
  absl::Status StopServer();
  absl::Status StartServer();

  // Runs SQL (several statements allowed) on database medius, e.g. to
  // tamper with stored rows.
  absl::Status Exec(const std::string& sql);

 private:
  PostgresServer() = default;

  absl::Status Init();
  // Runs argv (as the server's user), its output into a log file; an error
  // with that output when it fails or outlives `seconds`.
  absl::Status Run(const std::vector<std::string>& argv, int seconds);
  void StartWatchdog();
  std::string Uri(const std::string& database) const;

  std::string initdb_, pg_ctl_;
  std::string dir_;       // the socket directory, parent of the data
  std::string data_dir_;  // dir_/data
  int port_ = 0;
  bool as_other_user_ = false;  // running as root: drop to nobody
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool started_ = false;
  pid_t owner_ = getpid();  // a forked child (a death test) must not stop it
  int watchdog_fd_ = -1;    // write end: closing it wakes the watchdog
  pid_t watchdog_pid_ = -1;
};

// True when MEDIUS_REQUIRE_POSTGRES=1: PostgreSQL tests then fail instead of
// skipping when the server binaries are missing (CI installs them).
bool PostgresRequired();

}  // namespace medius::audit::testing

#endif  // MEDIUS_AUDIT_TESTING_POSTGRES_SERVER_H_
