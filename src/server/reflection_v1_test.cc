// AnswerReflection against the generated pool, which holds medius.v1 (the
// test links medius_grpc_proto, as the server does).
#include "server/reflection_v1.h"

#include <set>

#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"
#include "medius/v1/assessment_service.pb.h"

namespace medius::server {
namespace {

using grpc::reflection::v1::ServerReflectionRequest;
using grpc::reflection::v1::ServerReflectionResponse;

ServerReflectionResponse Ask(const ServerReflectionRequest& request) {
  // Touch the generated code so the pool has built this file.
  medius::v1::AssessRequest unused;
  (void)unused;
  return AnswerReflection(
      *google::protobuf::DescriptorPool::generated_pool(),
      {"medius.v1.AssessmentService", "grpc.health.v1.Health"}, request);
}

std::vector<std::string> FileNames(const ServerReflectionResponse& response) {
  std::vector<std::string> names;
  for (const std::string& bytes :
       response.file_descriptor_response().file_descriptor_proto()) {
    google::protobuf::FileDescriptorProto file;
    EXPECT_TRUE(file.ParseFromString(bytes));
    names.push_back(file.name());
  }
  return names;
}

TEST(ReflectionV1, SymbolGivesItsFileFirstThenEachImportOnce) {
  ServerReflectionRequest request;
  request.set_host("medius.example");
  request.set_file_containing_symbol("medius.v1.AssessmentService");
  ServerReflectionResponse response = Ask(request);
  EXPECT_EQ(response.valid_host(), "medius.example");
  EXPECT_EQ(response.original_request().file_containing_symbol(),
            "medius.v1.AssessmentService");
  std::vector<std::string> names = FileNames(response);
  ASSERT_FALSE(names.empty());
  EXPECT_EQ(names.front(), "medius/v1/assessment_service.proto");
  std::set<std::string> unique(names.begin(), names.end());
  EXPECT_EQ(unique.size(), names.size());
  EXPECT_TRUE(unique.count("medius/v1/assessment.proto"));
  EXPECT_TRUE(unique.count("medius/v1/types.proto"));
}

TEST(ReflectionV1, NestedSymbolAndFileName) {
  ServerReflectionRequest request;
  request.set_file_containing_symbol("medius.v1.AssessmentService.Assess");
  EXPECT_EQ(FileNames(Ask(request)).front(),
            "medius/v1/assessment_service.proto");
  request.set_file_by_filename("medius/v1/types.proto");
  EXPECT_EQ(FileNames(Ask(request)).front(), "medius/v1/types.proto");
}

TEST(ReflectionV1, ListsTheServicesItWasGiven) {
  ServerReflectionRequest request;
  request.set_list_services("*");
  ServerReflectionResponse response = Ask(request);
  ASSERT_EQ(response.list_services_response().service_size(), 2);
  EXPECT_EQ(response.list_services_response().service(0).name(),
            "medius.v1.AssessmentService");
}

TEST(ReflectionV1, UnknownNamesAreNotFoundAndAnEmptyRequestIsInvalid) {
  ServerReflectionRequest request;
  request.set_file_containing_symbol("medius.v1.NoSuchThing");
  EXPECT_EQ(Ask(request).error_response().error_code(), 5);
  request.set_file_by_filename("nope.proto");
  EXPECT_EQ(Ask(request).error_response().error_code(), 5);
  request.mutable_file_containing_extension()->set_containing_type(
      "medius.v1.AssessRequest");
  request.mutable_file_containing_extension()->set_extension_number(100);
  EXPECT_EQ(Ask(request).error_response().error_code(), 5);
  request.set_all_extension_numbers_of_type("medius.v1.AssessRequest");
  ServerReflectionResponse numbers = Ask(request);
  EXPECT_FALSE(numbers.has_error_response());
  EXPECT_EQ(numbers.all_extension_numbers_response().base_type_name(),
            "medius.v1.AssessRequest");
  EXPECT_EQ(numbers.all_extension_numbers_response().extension_number_size(),
            0);
  EXPECT_EQ(Ask(ServerReflectionRequest()).error_response().error_code(), 3);
}

}  // namespace
}  // namespace medius::server
