#include "common/flags_from_env.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

namespace medius::common {
namespace {

// Process-wide, like absl's own usage configuration.
std::string& SourceDir() {
  static std::string dir;
  return dir;
}
std::map<std::string, std::string>& EnvNames() {
  static std::map<std::string, std::string> names;
  return names;
}

// Greedy word wrap; `indent` starts every line.
void Wrap(const std::string& text, const std::string& indent, size_t width,
          std::string* out) {
  std::string line = indent;
  for (absl::string_view word : absl::StrSplit(text, ' ', absl::SkipEmpty())) {
    if (line.size() > indent.size() && line.size() + 1 + word.size() > width) {
      *out += line + "\n";
      line = indent;
    }
    if (line.size() > indent.size()) line += ' ';
    line.append(word.data(), word.size());
  }
  if (line.size() > indent.size()) *out += line + "\n";
}

std::string ProgramName(const char* argv0) {
  std::string name = argv0 == nullptr ? "medius" : argv0;
  const size_t slash = name.rfind('/');
  return slash == std::string::npos ? name : name.substr(slash + 1);
}

}  // namespace

void ApplyEnvironmentDefaults(
    const std::vector<std::pair<std::string, std::string>>& flag_to_env) {
  for (const auto& [flag_name, env_name] : flag_to_env) {
    EnvNames()[flag_name] = env_name;
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

void SetUsage(const char* source_dir, const std::string& message,
              std::function<std::string()> version) {
  SourceDir() = source_dir;
  absl::FlagsUsageConfig usage;
  std::string dir = source_dir;
  usage.contains_help_flags = [dir](absl::string_view file) {
    return absl::StrContains(file, dir);
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  usage.version_string = [version] { return version() + "\n"; };
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(message);
}

std::string HelpText() {
  // The usage message's lines wrapped at 100 columns, continued 4 deeper.
  std::string out;
  for (absl::string_view line :
       absl::StrSplit(absl::ProgramUsageMessage(), '\n')) {
    const size_t lead = line.find_first_not_of(' ');
    if (lead == absl::string_view::npos) {
      out += "\n";
      continue;
    }
    std::string para;
    Wrap(std::string(line.substr(lead)), std::string(lead + 4, ' '), 100,
         &para);
    out += std::string(lead, ' ') + para.substr(lead + 4);
  }
  out += "\nFlags:\n";
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StrContains(flag->Filename(), SourceDir())) flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](auto* a, auto* b) { return a->Name() < b->Name(); });
  for (const absl::CommandLineFlag* flag : flags) {
    std::string name(flag->Name());
    std::string head = "  --" + name;
    const std::string def = flag->DefaultValue();
    if (!def.empty()) head += " (default " + def + ")";
    auto env = EnvNames().find(name);
    if (env != EnvNames().end()) head += " [" + env->second + "]";
    out += head + "\n";
    Wrap(flag->Help(), "      ", 80, &out);
  }
  out +=
      "  --help, -h, help\n      This text.\n  --version\n"
      "      The program's and the knowledge base's versions.\n";
  return out;
}

void HandleCommandLine(int argc, char** argv) {
  bool help = argc > 1 && std::string(argv[1]) == "help";
  for (int i = 1; i < argc && !help; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;
    help = arg == "--help" || arg == "-h" || arg == "-help" ||
           arg == "--helpfull" || arg == "--helpshort" || arg == "-helpfull";
  }
  if (help) {
    std::cout << HelpText();
    std::exit(0);
  }
  const std::string program = ProgramName(argv[0]);
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") break;
    if (arg.size() < 2 || arg[0] != '-') continue;
    arg.erase(0, arg[1] == '-' ? 2 : 1);
    const size_t eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    // absl's own: --version (absl prints and exits 0 after parsing), the
    // help variants absl would handle, and flag files.
    if (name == "version" || name == "flagfile" || name == "fromenv" ||
        name == "tryfromenv" || name == "undefok" || name == "helpon" ||
        name == "helpmatch" || name == "helppackage" ||
        name == "only_check_args") {
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && eq == std::string::npos &&
        name.rfind("no", 0) == 0) {
      // --noflag, absl's spelling of --flag=false.
      flag = absl::FindCommandLineFlag(name.substr(2));
      if (flag != nullptr && flag->IsOfType<bool>()) continue;
      flag = nullptr;
    }
    if (flag == nullptr) {
      std::cerr << program << ": unknown flag --" << name << " (" << program
                << " --help lists them)\n";
      std::exit(2);
    }
    std::string value;
    if (eq != std::string::npos) {
      value = arg.substr(eq + 1);
    } else if (flag->IsOfType<bool>()) {
      continue;
    } else if (i + 1 < argc) {
      value = argv[++i];  // absl's "--flag value" form
    } else {
      std::cerr << program << ": --" << name << " needs a value\n";
      std::exit(2);
    }
    // ParseCommandLine sets every flag again: parsing here only checks.
    std::string error;
    if (!flag->ParseFrom(value, &error)) {
      std::cerr << program << ": --" << name << "=" << value << ": " << error
                << "\n";
      std::exit(2);
    }
  }
}

}  // namespace medius::common
