#include "audit/testing/postgres_server.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace medius::audit::testing {
namespace {

bool Executable(const std::string& path) {
  return access(path.c_str(), X_OK) == 0;
}

// A directory holding both initdb and pg_ctl (one version's pair): Debian's
// /usr/lib/postgresql/<version>/bin, newest version first, then $PATH.
bool FindBinaries(std::string* initdb, std::string* pg_ctl) {
  std::vector<std::pair<std::pair<int, int>, std::string>> versions;
  std::error_code ec;
  for (std::filesystem::directory_iterator it("/usr/lib/postgresql", ec), end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::vector<std::string> parts = absl::StrSplit(name, '.');
    int major = 0, minor = 0;
    if (parts.size() > 2 || !absl::SimpleAtoi(parts[0], &major) ||
        (parts.size() == 2 && !absl::SimpleAtoi(parts[1], &minor))) {
      continue;
    }
    versions.push_back({{major, minor}, it->path().string() + "/bin"});
  }
  std::sort(versions.rbegin(), versions.rend());
  std::vector<std::string> dirs;
  for (auto& v : versions) dirs.push_back(std::move(v.second));
  if (const char* path = getenv("PATH"); path != nullptr) {
    for (absl::string_view d : absl::StrSplit(path, ':', absl::SkipEmpty())) {
      dirs.emplace_back(d);
    }
  }
  for (const std::string& d : dirs) {
    if (Executable(d + "/initdb") && Executable(d + "/pg_ctl")) {
      *initdb = d + "/initdb";
      *pg_ctl = d + "/pg_ctl";
      return true;
    }
  }
  return false;
}

// The end of a log, for error messages.
std::string Tail(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  constexpr size_t kMax = 3000;
  if (text.size() > kMax) text = "..." + text.substr(text.size() - kMax);
  return std::string(absl::StripTrailingAsciiWhitespace(text));
}

std::string Describe(int status) {
  if (WIFEXITED(status))
    return absl::StrCat("exit status ", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return absl::StrCat("signal ", WTERMSIG(status));
  return "unknown status";
}

bool WaitFor(pid_t pid, int* status, int seconds) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t done = waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    if (done < 0 && errno != EINTR) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

struct User {
  bool other = false;  // switch to uid/gid in the child
  uid_t uid = 0;
  gid_t gid = 0;
};

// fork + exec, stdin/stdout+stderr from the given descriptors. Everything
// is prepared before the fork: the child of a multi-threaded process may
// only make async-signal-safe calls until it execs. Other descriptors are
// closed so neither the server nor the watchdog inherits, say, a pipe of
// ctest's (which would then wait for the server to exit) or the watchdog's
// pipe (which would then never see end-of-file).
pid_t Spawn(const std::vector<std::string>& argv, int in, int out,
            const std::string& cwd, const User& user) {
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& a : argv) {
    args.push_back(const_cast<char*>(a.c_str()));
  }
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid != 0) return pid;
  if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) _exit(126);
  if (close_range(3, ~0U, 0) != 0) {
    for (int fd = 3; fd < 1024; ++fd) close(fd);
  }
  if (user.other && (setgroups(0, nullptr) != 0 ||
                     setresgid(user.gid, user.gid, user.gid) != 0 ||
                     setresuid(user.uid, user.uid, user.uid) != 0)) {
    _exit(126);
  }
  if (chdir(cwd.c_str()) != 0) _exit(126);
  execv(args[0], args.data());
  _exit(127);
}

absl::Status ExecSql(const std::string& uri, const std::string& sql) {
  PGconn* conn = PQconnectdb(uri.c_str());
  if (conn == nullptr) return absl::ResourceExhaustedError("out of memory");
  absl::Status result;
  if (PQstatus(conn) != CONNECTION_OK) {
    result = absl::UnavailableError(
        absl::StrCat("cannot connect to the test PostgreSQL server: ",
                     absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn))));
  } else {
    PQsetNoticeProcessor(
        conn, [](void*, const char*) {}, nullptr);
    PGresult* r = PQexec(conn, sql.c_str());
    ExecStatusType status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      result = absl::InternalError(absl::StrCat(
          "SQL failed: ",
          absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn)), ": ", sql));
    }
    PQclear(r);
  }
  PQfinish(conn);
  return result;
}

}  // namespace

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start(
    std::string* why_missing) {
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  if (!FindBinaries(&server->initdb_, &server->pg_ctl_)) {
    if (why_missing != nullptr) {
      *why_missing =
          "PostgreSQL server binaries (initdb, pg_ctl) not found in "
          "/usr/lib/postgresql/*/bin or $PATH (Debian: apt-get install "
          "postgresql)";
    }
    return std::unique_ptr<PostgresServer>();
  }
  // On failure the destructor stops whatever started and removes the dir.
  if (absl::Status s = server->Init(); !s.ok()) return s;
  return server;
}

absl::Status PostgresServer::Init() {
  if (geteuid() == 0) {
    struct passwd pw;
    struct passwd* found = nullptr;
    char buffer[4096];
    if (getpwnam_r("nobody", &pw, buffer, sizeof buffer, &found) != 0 ||
        found == nullptr) {
      return absl::FailedPreconditionError(
          "running as root, and PostgreSQL refuses to: no user \"nobody\" to "
          "run it as");
    }
    as_other_user_ = true;
    uid_ = pw.pw_uid;
    gid_ = pw.pw_gid;
  }
  // /tmp, not $TMPDIR: a socket path has to fit in 107 bytes, and as root
  // the directory must be reachable by nobody.
  char pattern[] = "/tmp/medius-pg-XXXXXX";
  if (mkdtemp(pattern) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
  }
  dir_ = pattern;
  data_dir_ = dir_ + "/data";
  if (as_other_user_ && chown(dir_.c_str(), uid_, gid_) != 0) {
    return absl::InternalError(
        absl::StrCat("chown ", dir_, ": ", std::strerror(errno)));
  }
  // Only names the socket (no TCP): collisions are harmless, but distinct
  // numbers make a stray server easy to tell apart.
  port_ = 20000 + static_cast<int>(std::random_device()() % 40000);
  StartWatchdog();
  if (absl::Status s = Run({initdb_, "-D", data_dir_, "-A", "trust", "-U",
                            "medius", "-E", "UTF8", "--locale=C", "--no-sync"},
                           120);
      !s.ok()) {
    return s;
  }
  {
    // Appended: the last setting of a name wins.
    std::ofstream conf(data_dir_ + "/postgresql.conf", std::ios::app);
    conf << "\n# medius test server: Unix socket only\n"
         << "listen_addresses = ''\n"
         << "unix_socket_directories = '" << dir_ << "'\n"
         << "port = " << port_ << "\n";
    if (!conf.flush()) {
      return absl::InternalError("cannot write postgresql.conf");
    }
  }
  if (absl::Status s = StartServer(); !s.ok()) return s;
  return ExecSql(Uri("postgres"), "CREATE DATABASE medius");
}

// A shell that waits for this process to go (end-of-file on its stdin: the
// kernel closes our end however we die), then stops the server and removes
// the directory, so a crashed or killed test leaves nothing running.
void PostgresServer::StartWatchdog() {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return;
  int null = open("/dev/null", O_WRONLY | O_CLOEXEC);
  pid_t pid = -1;
  if (null >= 0) {
    pid = Spawn({"/bin/sh", "-c",
                 "trap '' HUP INT TERM QUIT; read x; \"$0\" stop -D \"$1\" -m "
                 "immediate -w -t 30; rm -rf \"$2\"",
                 pg_ctl_, data_dir_, dir_},
                fds[0], null, "/", {as_other_user_, uid_, gid_});
    close(null);
  }
  close(fds[0]);
  if (pid < 0) {
    close(fds[1]);
    return;
  }
  watchdog_fd_ = fds[1];
  watchdog_pid_ = pid;
}

absl::Status PostgresServer::Run(const std::vector<std::string>& argv,
                                 int seconds) {
  const std::string log = dir_ + "/command.log";
  int out = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  pid_t pid = -1;
  if (out >= 0 && in >= 0) {
    pid = Spawn(argv, in, out, dir_, {as_other_user_, uid_, gid_});
  }
  const int error = errno;
  if (out >= 0) close(out);
  if (in >= 0) close(in);
  const std::string command =
      absl::StrCat(argv[0], argv.size() > 1 ? " " + argv[1] : "");
  if (pid < 0) {
    return absl::InternalError(
        absl::StrCat("cannot run ", command, ": ", std::strerror(error)));
  }
  int status = 0;
  if (!WaitFor(pid, &status, seconds)) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return absl::DeadlineExceededError(
        absl::StrCat(command, " took over ", seconds, " s: ", Tail(log)));
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return absl::InternalError(
        absl::StrCat(command, " failed (", Describe(status), "): ", Tail(log)));
  }
  return absl::OkStatus();
}

absl::Status PostgresServer::StartServer() {
  started_ = true;  // even on failure it may be running: stop it at the end
  const std::string log = dir_ + "/server.log";
  absl::Status s = Run(
      {pg_ctl_, "start", "-D", data_dir_, "-l", log, "-w", "-t", "30", "-s"},
      45);
  if (!s.ok()) {
    return absl::Status(
        s.code(), absl::StrCat(s.message(), "\nserver log:\n", Tail(log)));
  }
  return absl::OkStatus();
}

absl::Status PostgresServer::StopServer() {
  absl::Status s = Run(
      {pg_ctl_, "stop", "-D", data_dir_, "-m", "fast", "-w", "-t", "30", "-s"},
      45);
  if (s.ok()) started_ = false;
  return s;
}

absl::Status PostgresServer::Exec(const std::string& sql) {
  return ExecSql(uri(), sql);
}

std::string PostgresServer::uri() const { return Uri("medius"); }

std::string PostgresServer::Uri(const std::string& database) const {
  return absl::StrCat("postgresql:///", database, "?host=", dir_,
                      "&port=", port_, "&user=medius");
}

PostgresServer::~PostgresServer() {
  if (getpid() != owner_) return;
  // The watchdog first, so its cleanup never races ours.
  if (watchdog_pid_ > 0) {
    kill(watchdog_pid_, SIGKILL);
    int status;
    waitpid(watchdog_pid_, &status, 0);
  }
  if (watchdog_fd_ >= 0) close(watchdog_fd_);
  if (started_) {
    Run({pg_ctl_, "stop", "-D", data_dir_, "-m", "immediate", "-w", "-t", "30",
         "-s"},
        45)
        .IgnoreError();
  }
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

bool PostgresRequired() {
  const char* value = getenv("MEDIUS_REQUIRE_POSTGRES");
  return value != nullptr && std::string(value) == "1";
}

}  // namespace medius::audit::testing
