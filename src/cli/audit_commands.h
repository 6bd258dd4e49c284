// The `medius` commands of the assessment record:
//   medius show ASSESSMENT_ID         a stored assessment as answered, with
//                                     its provenance and outcomes (server;
//                                     needs audit:read; --json: all of it)
//   medius list ENCOUNTER_ID          an encounter's assessments (server)
//   medius outcome ASSESSMENT_ID FILE record an outcome (medius.v1.Outcome
//                                     in JSON; server; needs outcome:write)
//   medius audit verify               check the hash chain of --audit_db
//                                     (local; exit 3 when tampered with)
//   medius report outcomes            the outcome report of --audit_db
//                                     (local; --svg=FILE: calibration plot)
//
// Example: RunRecordCommand({"show", id}, &handled) from main.
//
// Thread-safety: for the CLI's one thread.
#ifndef MEDIUS_CLI_AUDIT_COMMANDS_H_
#define MEDIUS_CLI_AUDIT_COMMANDS_H_

#include <string>
#include <vector>

namespace medius::cli {

// Runs the command when it is one of the above (*handled = true) and
// returns its exit code.
int RunRecordCommand(const std::vector<std::string>& args, bool* handled);

// Usage lines for the program's help.
extern const char kRecordUsage[];

}  // namespace medius::cli

#endif  // MEDIUS_CLI_AUDIT_COMMANDS_H_
