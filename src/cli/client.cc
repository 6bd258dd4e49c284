#include "cli/client.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>

#include "absl/flags/flag.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/support/error_details.h"
#include "observability/status_names.h"

namespace medius::cli {

std::string ReadFileOrDie(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "medius: cannot read " << path << "\n";
    std::exit(kUsage);
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::shared_ptr<grpc::Channel> Channel() {
  const bool tls = absl::GetFlag(FLAGS_tls) ||
                   !absl::GetFlag(FLAGS_tls_ca_file).empty() ||
                   !absl::GetFlag(FLAGS_tls_cert_file).empty();
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (tls) {
    grpc::SslCredentialsOptions ssl;
    if (!absl::GetFlag(FLAGS_tls_ca_file).empty()) {
      ssl.pem_root_certs = ReadFileOrDie(absl::GetFlag(FLAGS_tls_ca_file));
    }
    if (!absl::GetFlag(FLAGS_tls_cert_file).empty()) {
      ssl.pem_cert_chain = ReadFileOrDie(absl::GetFlag(FLAGS_tls_cert_file));
      ssl.pem_private_key = ReadFileOrDie(absl::GetFlag(FLAGS_tls_key_file));
    }
    credentials = grpc::SslCredentials(ssl);
  }
  return grpc::CreateChannel(absl::GetFlag(FLAGS_server), credentials);
}

void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::seconds(absl::GetFlag(FLAGS_timeout_seconds)));
  if (!absl::GetFlag(FLAGS_token).empty()) {
    context->AddMetadata("authorization",
                         "Bearer " + absl::GetFlag(FLAGS_token));
  }
}

int ReportRpcError(const grpc::Status& status) {
  std::cerr << "medius: "
            << medius::observability::StatusCodeName(status.error_code())
            << ": " << status.error_message() << "\n";
  // Field-by-field problems, when the server sent google.rpc.BadRequest.
  google::rpc::Status details;
  if (!status.error_details().empty() &&
      grpc::ExtractErrorDetails(status, &details).ok()) {
    for (const auto& any : details.details()) {
      google::rpc::BadRequest bad_request;
      if (!any.UnpackTo(&bad_request)) continue;
      for (const auto& v : bad_request.field_violations()) {
        std::cerr << "  " << v.field() << ": " << v.description() << "\n";
      }
    }
  }
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

}  // namespace medius::cli
