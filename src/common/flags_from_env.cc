#include "common/flags_from_env.h"

#include <cstdlib>
#include <iostream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"

namespace medius::common {

void ApplyEnvironmentDefaults(
    const std::vector<std::pair<std::string, std::string>>& flag_to_env) {
  for (const auto& [flag_name, env_name] : flag_to_env) {
    const char* value = std::getenv(env_name.c_str());
    if (value == nullptr) continue;
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(flag_name);
    std::string error;
    if (flag == nullptr || !flag->ParseFrom(value, &error)) {
      std::cerr << "invalid " << env_name << "=" << value << ": " << error
                << "\n";
      std::exit(2);
    }
  }
}

void SetUsage(const char* source_dir, const char* message) {
  absl::FlagsUsageConfig usage;
  std::string dir = source_dir;
  usage.contains_help_flags = [dir](absl::string_view file) {
    return absl::StrContains(file, dir);
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(message);
}

}  // namespace medius::common
