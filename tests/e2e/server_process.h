// ServerProcess: runs the real medius-server binary for end-to-end tests on
// 127.0.0.1 with port 0, reads back the port it bound, and stops it.
#ifndef MEDIUS_TESTS_E2E_SERVER_PROCESS_H_
#define MEDIUS_TESTS_E2E_SERVER_PROCESS_H_

#include <sys/types.h>

#include <string>
#include <vector>

namespace medius::testing {

class ServerProcess {
 public:
  // Starts the server with `args` added to --listen=127.0.0.1:0 and
  // --port_file. Returns once the port file appears (true) or the process
  // exits or 15 s pass (false). Reads the health, metrics and CDS ports too.
  bool Start(const std::vector<std::string>& args);
  // Sends `signal` and waits for exit; returns the exit status as from
  // waitpid (use WIFEXITED / WEXITSTATUS), or -1 if it did not exit in 15 s.
  int Stop(int signal);
  // Waits for the process to exit by itself; exit status or -1 after 15 s.
  // After a Start that failed because the process exited, its status.
  int WaitForExit();
  ~ServerProcess();

  int port() const { return port_; }
  int health_port() const { return health_port_; }
  int metrics_port() const { return metrics_port_; }
  int cds_port() const { return cds_port_; }
  pid_t pid() const { return pid_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // What the server printed (stdout and stderr), after it has exited.
  std::string Output() const;

 private:
  pid_t pid_ = -1;
  int exit_status_ = -1;
  int port_ = 0;
  int health_port_ = 0;
  int metrics_port_ = 0;
  int cds_port_ = 0;
  std::string dir_;
};

// Runs a command through the shell; returns its exit code and fills
// `output` with what it printed on stdout and stderr.
int RunCommand(const std::string& command, std::string* output);

}  // namespace medius::testing

#endif  // MEDIUS_TESTS_E2E_SERVER_PROCESS_H_
