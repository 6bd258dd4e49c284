// Environment-variable equivalents for command-line flags: each variable,
// when set, becomes its flag's default, so an explicit flag still wins.
// Lets systemd units and containers configure the server with an
// environment file.
#ifndef MEDIUS_COMMON_FLAGS_FROM_ENV_H_
#define MEDIUS_COMMON_FLAGS_FROM_ENV_H_

#include <string>
#include <utility>
#include <vector>

namespace medius::common {

// Pairs of (flag name, environment variable). Exits with a message when a
// variable's value does not parse for its flag. Call before
// absl::ParseCommandLine.
void ApplyEnvironmentDefaults(
    const std::vector<std::pair<std::string, std::string>>& flag_to_env);

// Sets the program's usage message and makes --help list the flags defined
// in source files whose path contains `source_dir` (absl's default matches
// flags by the program's file name, which ours do not share).
void SetUsage(const char* source_dir, const char* message);

}  // namespace medius::common

#endif  // MEDIUS_COMMON_FLAGS_FROM_ENV_H_
