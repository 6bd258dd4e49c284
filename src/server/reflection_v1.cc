#include "server/reflection_v1.h"

#include <set>

#include "google/protobuf/descriptor.pb.h"

namespace medius::server {
namespace {

using grpc::reflection::v1::ServerReflectionRequest;
using grpc::reflection::v1::ServerReflectionResponse;

void AddFile(const google::protobuf::FileDescriptor* file,
             std::set<std::string>* seen,
             grpc::reflection::v1::FileDescriptorResponse* out) {
  if (!seen->insert(file->name()).second) return;
  google::protobuf::FileDescriptorProto proto;
  file->CopyTo(&proto);
  // CopyTo leaves out source info; json_name is what clients need to speak
  // the JSON mapping (buf curl, grpcurl).
  file->CopyJsonNameTo(&proto);
  out->add_file_descriptor_proto(proto.SerializeAsString());
  for (int i = 0; i < file->dependency_count(); ++i) {
    AddFile(file->dependency(i), seen, out);
  }
}

void SetError(int code, const std::string& message,
              ServerReflectionResponse* response) {
  response->mutable_error_response()->set_error_code(code);
  response->mutable_error_response()->set_error_message(message);
}

// grpc::StatusCode values, which the protocol carries as plain numbers.
constexpr int kNotFound = 5;
constexpr int kInvalidArgument = 3;

// The file with everything it imports, each once, or NOT_FOUND.
void AnswerFile(const google::protobuf::FileDescriptor* file,
                const std::string& not_found,
                ServerReflectionResponse* response) {
  if (file == nullptr) {
    SetError(kNotFound, not_found, response);
    return;
  }
  std::set<std::string> seen;
  AddFile(file, &seen, response->mutable_file_descriptor_response());
}

// Answers each request on the stream in turn, until the client closes it.
class Reactor final : public grpc::ServerBidiReactor<ServerReflectionRequest,
                                                     ServerReflectionResponse> {
 public:
  explicit Reactor(const std::vector<std::string>& services)
      : services_(services) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status::OK);
      return;
    }
    response_ =
        AnswerReflection(*google::protobuf::DescriptorPool::generated_pool(),
                         services_, request_);
    StartWrite(&response_);
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      Finish(grpc::Status(grpc::StatusCode::UNKNOWN, "write failed"));
      return;
    }
    StartRead(&request_);
  }

  void OnDone() override { delete this; }

 private:
  const std::vector<std::string>& services_;
  ServerReflectionRequest request_;
  ServerReflectionResponse response_;
};

}  // namespace

ServerReflectionResponse AnswerReflection(
    const google::protobuf::DescriptorPool& pool,
    const std::vector<std::string>& services,
    const ServerReflectionRequest& request) {
  ServerReflectionResponse response;
  response.set_valid_host(request.host());
  *response.mutable_original_request() = request;
  switch (request.message_request_case()) {
    case ServerReflectionRequest::kFileByFilename:
      AnswerFile(pool.FindFileByName(request.file_by_filename()),
                 "file not found: " + request.file_by_filename(), &response);
      break;
    case ServerReflectionRequest::kFileContainingSymbol:
      AnswerFile(
          pool.FindFileContainingSymbol(request.file_containing_symbol()),
          "symbol not found: " + request.file_containing_symbol(), &response);
      break;
    case ServerReflectionRequest::kFileContainingExtension: {
      const auto& ask = request.file_containing_extension();
      const auto* type = pool.FindMessageTypeByName(ask.containing_type());
      const auto* extension =
          type == nullptr
              ? nullptr
              : pool.FindExtensionByNumber(type, ask.extension_number());
      AnswerFile(extension == nullptr ? nullptr : extension->file(),
                 "extension not found", &response);
      break;
    }
    case ServerReflectionRequest::kAllExtensionNumbersOfType: {
      const auto* type =
          pool.FindMessageTypeByName(request.all_extension_numbers_of_type());
      if (type == nullptr) {
        SetError(kNotFound,
                 "type not found: " + request.all_extension_numbers_of_type(),
                 &response);
        break;
      }
      std::vector<const google::protobuf::FieldDescriptor*> extensions;
      pool.FindAllExtensions(type, &extensions);
      auto* numbers = response.mutable_all_extension_numbers_response();
      numbers->set_base_type_name(type->full_name());
      for (const auto* e : extensions)
        numbers->add_extension_number(e->number());
      break;
    }
    case ServerReflectionRequest::kListServices:
      for (const std::string& name : services) {
        response.mutable_list_services_response()->add_service()->set_name(
            name);
      }
      break;
    case ServerReflectionRequest::MESSAGE_REQUEST_NOT_SET:
      SetError(kInvalidArgument, "the request asks for nothing", &response);
      break;
  }
  return response;
}

ReflectionV1Service::ReflectionV1Service(std::vector<std::string> services)
    : services_(std::move(services)) {}

grpc::ServerBidiReactor<ServerReflectionRequest, ServerReflectionResponse>*
ReflectionV1Service::ServerReflectionInfo(grpc::CallbackServerContext*) {
  return new Reactor(services_);
}

}  // namespace medius::server
