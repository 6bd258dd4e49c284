// Command-line conventions shared by medius-server and medius:
// environment-variable equivalents for flags (each variable, when set,
// becomes its flag's default, so an explicit flag still wins: systemd
// units and containers configure the server with an environment file),
// and help and version requests that exit 0 with the text on stdout.
//
// Not thread-safe: call from main() before any other thread starts.
//
// Example:
//   medius::common::SetUsage("src/cli/", kUsage, [] { return "medius 0.1.0";
//   }); medius::common::ApplyEnvironmentDefaults({{"server",
//   "MEDIUS_SERVER"}}); medius::common::HandleHelp(argc, argv);       // exits
//   on --help, -h, help std::vector<char*> args = absl::ParseCommandLine(argc,
//   argv);  // --version
#ifndef MEDIUS_COMMON_FLAGS_FROM_ENV_H_
#define MEDIUS_COMMON_FLAGS_FROM_ENV_H_

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace medius::common {

// Pairs of (flag name, environment variable). Exits 2 with a message when a
// variable's value does not parse for its flag. Call before
// absl::ParseCommandLine. The help text names each flag's variable.
void ApplyEnvironmentDefaults(
    const std::vector<std::pair<std::string, std::string>>& flag_to_env);

// Sets the program's usage message; the help lists the flags defined in
// source files whose path contains `source_dir` (absl's default matches
// flags by the program's file name, which ours do not share). `version` is
// what --version prints (absl calls it after parsing, so it may read the
// parsed flags); absl then exits 0.
void SetUsage(const char* source_dir, const std::string& message,
              std::function<std::string()> version);

// The help: the usage message, then each of the program's flags with its
// default, environment variable and description, wrapped at 80 columns.
std::string HelpText();

// The documented exit codes for what absl would handle with exit 1 (which
// ours reserve for a server error). Call just before
// absl::ParseCommandLine:
// - help: --help, -h, -help, --helpfull, --helpshort (before a "--"), or
//   "help" as the first argument, prints HelpText() to stdout, exits 0;
// - an unknown flag, or a value that does not parse, prints one line to
//   stderr naming it and exits 2 (bad usage).
void HandleCommandLine(int argc, char** argv);

}  // namespace medius::common

#endif  // MEDIUS_COMMON_FLAGS_FROM_ENV_H_
