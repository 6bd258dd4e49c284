#include "e2e/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace medius::testing {
namespace {

bool WaitFor(pid_t pid, int* status, std::chrono::seconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    pid_t done = waitpid(pid, status, WNOHANG);
    if (done == pid) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace

bool ServerProcess::Start(const std::vector<std::string>& args) {
  char pattern[] = "/tmp/medius-e2e-XXXXXX";
  dir_ = mkdtemp(pattern);
  std::string port_file = dir_ + "/port";
  std::vector<std::string> argv_strings = {
      MEDIUS_SERVER_BINARY, "--listen=127.0.0.1:0", "--port_file=" + port_file,
      // Tests stop servers often; a test about draining sets it again (the
      // last occurrence of a flag wins).
      "--drain_seconds=0",
      // Each server its own assessment record (a test about the record
      // passes its own --audit_db, which wins).
      "--audit_db=" + dir_ + "/audit.db"};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  // Everything the child needs is prepared before fork: between fork and
  // exec a multi-threaded process may only make async-signal-safe calls.
  std::vector<char*> argv;
  for (auto& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);
  std::string log_path = dir_ + "/log";
  pid_ = fork();
  if (pid_ == 0) {
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(log, 1);
    dup2(log, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(port_file);
    if (in >> port_ && port_ > 0) {
      std::string key;
      int value;
      while (in >> key >> value) {
        if (key == "health_port") health_port_ = value;
        if (key == "metrics_port") metrics_port_ = value;
        if (key == "cds_port") cds_port_ = value;
      }
      return true;
    }
    int status;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      exit_status_ = status;
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

int ServerProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  return WaitForExit();
}

int ServerProcess::WaitForExit() {
  if (pid_ <= 0) return exit_status_;
  int status = 0;
  if (!WaitFor(pid_, &status, std::chrono::seconds(15))) return -1;
  pid_ = -1;
  return status;
}

std::string ServerProcess::Output() const {
  std::ifstream in(dir_ + "/log");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  if (!dir_.empty()) std::system(("rm -rf " + dir_).c_str());
}

int RunCommand(const std::string& command, std::string* output) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  char buffer[4096];
  size_t n;
  output->clear();
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0)
    output->append(buffer, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace medius::testing
