#include "common/flags_from_env.h"

#include <cstdlib>
#include <iostream>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"

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

}  // namespace medius::common
