// medius: the command-line client for clinicians and integrators.
//
//   medius assess [FILE|-]   send an AssessRequest (protobuf JSON mapping)
//                            and print a readable report (--json: JSON)
//   medius catalog           print the knowledge base's codes (--json: JSON)
//   medius health            print the service's health; exit 0 if SERVING
//
// Exit codes: 0 success; 1 the server answered with an error or is not
// serving; 2 bad usage or unreadable input.
#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "cli/report.h"
#include "common/flags_from_env.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "medius/v1/assessment_service.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:50051",
          "Medius server address, host:port. Env: MEDIUS_SERVER.");
ABSL_FLAG(bool, json, false, "Print the response as JSON instead of a report.");
ABSL_FLAG(int, timeout_seconds, 10, "Deadline for the call, in seconds.");

namespace {

constexpr int kOk = 0, kRpcError = 1, kUsage = 2;

std::shared_ptr<grpc::Channel> Channel() {
  return grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                             grpc::InsecureChannelCredentials());
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::seconds(absl::GetFlag(FLAGS_timeout_seconds)));
}

int ReportRpcError(const grpc::Status& status) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  int code = status.error_code();
  std::cerr << "medius: " << (code >= 0 && code <= 16 ? kNames[code] : "ERROR")
            << ": " << status.error_message() << "\n";
  return kRpcError;
}

int PrintJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.preserve_proto_field_names = false;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "medius: cannot print JSON: " << status.ToString() << "\n";
    return kRpcError;
  }
  std::cout << json;
  return kOk;
}

int Assess(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), {});
  } else {
    std::ifstream in(path);
    if (!in) {
      std::cerr << "medius: cannot read " << path << "\n";
      return kUsage;
    }
    text.assign(std::istreambuf_iterator<char>(in), {});
  }
  medius::v1::AssessRequest request;
  auto parsed = google::protobuf::util::JsonStringToMessage(text, &request);
  if (!parsed.ok()) {
    std::cerr << "medius: " << path
              << " is not a valid AssessRequest in JSON: " << parsed.ToString()
              << "\n";
    return kUsage;
  }
  auto stub = medius::v1::AssessmentService::NewStub(Channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  medius::v1::AssessResponse response;
  grpc::Status status = stub->Assess(&context, request, &response);
  if (!status.ok()) return ReportRpcError(status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(response);
  std::cout << medius::cli::FormatAssessment(response);
  return kOk;
}

int Catalog() {
  auto stub = medius::v1::AssessmentService::NewStub(Channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  medius::v1::KnowledgeBaseInfo info;
  grpc::Status status = stub->GetKnowledgeBase(&context, {}, &info);
  if (!status.ok()) return ReportRpcError(status);
  if (absl::GetFlag(FLAGS_json)) return PrintJson(info);
  std::cout << medius::cli::FormatCatalog(info);
  return kOk;
}

int Health() {
  auto stub = grpc::health::v1::Health::NewStub(Channel());
  grpc::ClientContext context;
  SetDeadline(&context);
  grpc::health::v1::HealthCheckRequest request;
  request.set_service("medius.v1.AssessmentService");
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&context, request, &response);
  if (!status.ok()) return ReportRpcError(status);
  std::cout << "medius.v1.AssessmentService: "
            << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(
                   response.status())
            << "\n";
  return response.status() == grpc::health::v1::HealthCheckResponse::SERVING
             ? kOk
             : kRpcError;
}

}  // namespace

int main(int argc, char** argv) {
  medius::common::SetUsage(
      "src/cli/",

      "Medius command-line client.\n"
      "Usage:\n"
      "  medius [--server=HOST:PORT] [--json] assess [FILE|-]\n"
      "  medius [--server=HOST:PORT] [--json] catalog\n"
      "  medius [--server=HOST:PORT] health\n"
      "assess reads an AssessRequest in protobuf JSON (file, or stdin with "
      "-).");
  medius::common::ApplyEnvironmentDefaults({{"server", "MEDIUS_SERVER"}});
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) {
    std::cerr << absl::ProgramUsageMessage() << "\n";
    return kUsage;
  }
  std::string command = args[1];
  if (command == "assess" && args.size() <= 3) {
    return Assess(args.size() == 3 ? args[2] : "-");
  }
  if (command == "catalog" && args.size() == 2) return Catalog();
  if (command == "health" && args.size() == 2) return Health();
  std::cerr << "medius: unknown command\n"
            << absl::ProgramUsageMessage() << "\n";
  return kUsage;
}
