// Fault tests: a missing, empty, truncated, corrupted or incomplete
// knowledge base. The real medius-server must refuse to start: exit status
// 2, an error naming the directory or file:line, and the port it was asked
// to listen on never bound (nothing can connect while it runs, no port file
// is written).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::fault {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// A loopback port that was free a moment ago.
int FreePort() {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  close(s);
  return ntohs(addr.sin_port);
}

bool CanConnect(int port) {
  int s = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  close(s);
  return ok;
}

struct Outcome {
  int exit_code = -1;  // -1: killed or did not exit within 20 s
  bool bound = false;  // something accepted a connection on either port
  bool port_file = false;
  std::string output;
};

// Runs medius-server on `kb_dir`, listening on a fixed free port, and
// probes that port until the server exits (or, with `stop_once_bound`,
// sends it SIGTERM as soon as the port answers).
Outcome RunServer(const std::string& kb_dir, bool stop_once_bound = false) {
  fs::path dir = fs::temp_directory_path() /
                 ("medius-kbfault-" + std::to_string(getpid()));
  fs::create_directories(dir);
  const int port = FreePort();
  // The health-only port too: it used to be bound (and answer) before the
  // knowledge base was checked.
  const int health_port = FreePort();
  std::vector<std::string> args = {
      MEDIUS_SERVER_BINARY,
      "--listen=127.0.0.1:" + std::to_string(port),
      "--health_listen=127.0.0.1:" + std::to_string(health_port),
      "--port_file=" + (dir / "port").string(),
      "--kb_dir=" + kb_dir,
      "--insecure",
      "--drain_seconds=0"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::string log = (dir / "log").string();
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    execv(argv[0], argv.data());
    _exit(127);
  }
  Outcome out;
  int status = 0;
  auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  bool stopping = false;
  while (true) {
    out.bound |= CanConnect(port) || CanConnect(health_port);
    if (out.bound && stop_once_bound && !stopping) {
      // The port file is written just after binding: give it a moment.
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      out.port_file = fs::exists(dir / "port");
      kill(pid, SIGTERM);
      stopping = true;
    }
    if (waitpid(pid, &status, WNOHANG) == pid) {
      out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      break;
    }
    if (std::chrono::steady_clock::now() > give_up) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  out.port_file |= fs::exists(dir / "port");
  std::ifstream in(log);
  std::stringstream text;
  text << in.rdbuf();
  out.output = text.str();
  fs::remove_all(dir);
  return out;
}

// A private copy of the shipped knowledge base to break.
class KbFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("medius-kbcopy-" + std::to_string(getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    for (const auto& entry : fs::directory_iterator(MEDIUS_KB_DIR)) {
      if (entry.path().extension() == ".textproto") {
        fs::copy_file(entry.path(), dir_ / entry.path().filename());
      }
    }
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) { return (dir_ / name).string(); }

  std::vector<std::string> Lines(const std::string& name) {
    std::ifstream in(Path(name));
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  void Write(const std::string& name, const std::vector<std::string>& lines) {
    std::ofstream out(Path(name), std::ios::trunc);
    for (const auto& line : lines) out << line << "\n";
  }

  // The server refused to start and never bound its port.
  void ExpectRefused(const Outcome& out) {
    EXPECT_EQ(out.exit_code, 2) << out.output;
    EXPECT_FALSE(out.bound) << "the port was bound";
    EXPECT_FALSE(out.port_file);
    EXPECT_THAT(out.output, Not(HasSubstr("serving")));
  }

  fs::path dir_;
};

TEST_F(KbFaultTest, TheUnbrokenCopyServes) {
  // The control: the copy itself is sound and the probe sees a bound port,
  // so the refusals below are the faults' doing.
  Outcome out = RunServer(dir_.string(), /*stop_once_bound=*/true);
  EXPECT_TRUE(out.bound) << out.output;
  EXPECT_TRUE(out.port_file);
  EXPECT_EQ(out.exit_code, 0) << out.output;
}

TEST_F(KbFaultTest, MissingDirectoryNamesIt) {
  Outcome out = RunServer(Path("no-such-dir"));
  ExpectRefused(out);
  EXPECT_THAT(out.output, HasSubstr("no-such-dir"));
}

TEST_F(KbFaultTest, EmptyDirectoryIsRefused) {
  for (const auto& entry : fs::directory_iterator(dir_)) fs::remove(entry);
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  EXPECT_THAT(out.output, HasSubstr("no *.textproto files"));
}

TEST_F(KbFaultTest, MissingFileReportsTheDanglingReferencesByFileAndLine) {
  fs::remove(Path("findings.textproto"));
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  // Conditions and red flags now refer to findings that do not exist.
  EXPECT_THAT(out.output, HasSubstr("unknown finding code"));
  EXPECT_THAT(out.output, MatchesRegex("(.|\n)*conditions\\.textproto:[0-9]+:"
                                       "[0-9]+: (.|\n)*"));
}

TEST_F(KbFaultTest, SyntaxErrorNamesFileAndLine) {
  std::vector<std::string> lines = Lines("conditions.textproto");
  ASSERT_GT(lines.size(), 60u);
  lines[49] = "  prior: }}} not text format";
  Write("conditions.textproto", lines);
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  EXPECT_THAT(out.output, HasSubstr("conditions.textproto:50:"));
}

TEST_F(KbFaultTest, TruncatedFileNamesFileAndLine) {
  std::vector<std::string> lines = Lines("red_flags.textproto");
  ASSERT_GT(lines.size(), 40u);
  // Cut in the middle of a rule: the last line stays an unclosed message.
  size_t keep = lines.size() / 2;
  while (keep < lines.size() &&
         lines[keep - 1].find('{') == std::string::npos) {
    ++keep;
  }
  lines.resize(keep);
  Write("red_flags.textproto", lines);
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  EXPECT_THAT(out.output, HasSubstr("red_flags.textproto:"));
}

TEST_F(KbFaultTest, BinaryGarbageNamesTheFile) {
  std::mt19937 rng(7);
  std::string garbage(4096, '\0');
  for (char& c : garbage) c = static_cast<char>(rng() & 0xFF);
  std::ofstream(Path("exercises.textproto"), std::ios::binary | std::ios::trunc)
      << garbage;
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  EXPECT_THAT(out.output, HasSubstr("exercises.textproto:1:1:"));
}

TEST_F(KbFaultTest, OutOfRangeNumberNamesFileAndLine) {
  // A semantic fault the parser accepts: a likelihood ratio of zero.
  std::vector<std::string> lines = Lines("conditions.textproto");
  size_t at = 0;
  for (; at < lines.size(); ++at) {
    if (lines[at].find("positive:") != std::string::npos) break;
  }
  ASSERT_LT(at, lines.size());
  lines[at] = "    positive: 0";
  Write("conditions.textproto", lines);
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  EXPECT_THAT(
      out.output,
      HasSubstr("conditions.textproto:" + std::to_string(at + 1) + ":"));
  EXPECT_THAT(out.output, HasSubstr("likelihood ratio must be a positive"));
}

// Issue 11: every shipped file is needed. Removing any one of them must stop
// the server, not quietly serve a base without protocols, a primary-source
// model or personalisation rules (before, three of these started).
TEST_F(KbFaultTest, EveryShippedFileIsRequired) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    names.push_back(entry.path().filename().string());
  }
  ASSERT_GE(names.size(), 10u);
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    std::string text;
    {
      std::ifstream in(Path(name));
      std::stringstream buffer;
      buffer << in.rdbuf();
      text = buffer.str();
    }
    fs::remove(Path(name));
    Outcome out = RunServer(dir_.string());
    ExpectRefused(out);
    std::ofstream(Path(name)) << text;
  }
}

TEST_F(KbFaultTest, MissingSectionIsNamed) {
  fs::remove(Path("protocols.textproto"));
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  EXPECT_THAT(out.output, HasSubstr("required section 'protocols'"));
}

TEST_F(KbFaultTest, DanglingSymlinkIsRefused) {
  fs::remove(Path("red_flags.textproto"));
  fs::create_symlink(dir_ / "nowhere", dir_ / "red_flags.textproto");
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  EXPECT_THAT(out.output, HasSubstr("red_flags.textproto"));
}

TEST_F(KbFaultTest, UndefinedEnumValueNamesFileAndLine) {
  // proto3 text format accepts any number for an enum: `urgency: 99` used
  // to load and be served with a blank label.
  std::vector<std::string> lines = Lines("red_flags.textproto");
  size_t at = 0;
  for (; at < lines.size(); ++at) {
    if (lines[at].find("urgency: URGENCY_") != std::string::npos) break;
  }
  ASSERT_LT(at, lines.size());
  lines[at] = "    urgency: 99";
  Write("red_flags.textproto", lines);
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  EXPECT_THAT(out.output,
              HasSubstr("red_flags.textproto:" + std::to_string(at + 1) + ":"));
  EXPECT_THAT(out.output, HasSubstr("99 is not a defined value"));
}

TEST_F(KbFaultTest, RenamedPublishedCodeIsRefused) {
  // Renamed consistently everywhere, so the base is otherwise sound: only
  // the published-code contract compiled into the server catches it.
  for (const auto& entry : fs::directory_iterator(dir_)) {
    std::vector<std::string> lines = Lines(entry.path().filename().string());
    for (std::string& line : lines) {
      for (size_t at;
           (at = line.find("\"saddle_anaesthesia\"")) != std::string::npos;) {
        line.replace(at, 20, "\"saddle_numbness\"");
      }
    }
    Write(entry.path().filename().string(), lines);
  }
  Outcome out = RunServer(dir_.string());
  ExpectRefused(out);
  EXPECT_THAT(out.output,
              HasSubstr("published finding 'saddle_anaesthesia' is not "
                        "defined"));
}

}  // namespace
}  // namespace medius::fault
