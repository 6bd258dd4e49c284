// What every `medius` command that talks to a server shares: the channel
// (TLS and mutual TLS from the --tls_* flags), the deadline and bearer
// token, and how an error or an answer is printed.
//
// Example:
//   auto stub = medius::v1::AssessmentService::NewStub(Channel());
//   grpc::ClientContext context;
//   SetDeadline(&context);
//   grpc::Status s = stub->GetKnowledgeBase(&context, {}, &info);
//   if (!s.ok()) return ReportRpcError(s);
//
// Thread-safety: reads flags; for the CLI's one thread.
#ifndef MEDIUS_CLI_CLIENT_H_
#define MEDIUS_CLI_CLIENT_H_

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "google/protobuf/message.h"
#include "grpcpp/grpcpp.h"

ABSL_DECLARE_FLAG(std::string, server);
ABSL_DECLARE_FLAG(bool, json);
ABSL_DECLARE_FLAG(int, timeout_seconds);
ABSL_DECLARE_FLAG(std::string, token);
ABSL_DECLARE_FLAG(bool, tls);
ABSL_DECLARE_FLAG(std::string, tls_ca_file);
ABSL_DECLARE_FLAG(std::string, tls_cert_file);
ABSL_DECLARE_FLAG(std::string, tls_key_file);

namespace medius::cli {

// Exit codes (README): 0 success; 1 the server answered with an error or is
// not serving; 2 bad usage or unreadable input; 3 `audit verify` found the
// record tampered with.
inline constexpr int kOk = 0, kRpcError = 1, kUsage = 2, kTampered = 3;

std::string ReadFileOrDie(const std::string& path);
std::shared_ptr<grpc::Channel> Channel();
void SetDeadline(grpc::ClientContext* context);
// The status and any google.rpc.BadRequest field violations, to stderr.
int ReportRpcError(const grpc::Status& status);
int PrintJson(const google::protobuf::Message& message);

}  // namespace medius::cli

#endif  // MEDIUS_CLI_CLIENT_H_
