// DemoRequest: examples/gluteal_tendinopathy.json as an AssessRequest, the
// request end-to-end and fault tests send (MEDIUS_EXAMPLES_DIR is set by
// tests/CMakeLists.txt).
//
// Example: stub->Assess(&context, DemoRequest(), &response);
//
// Thread-safety: reads a file; safe to call from several threads.
#ifndef MEDIUS_TESTS_E2E_DEMO_REQUEST_H_
#define MEDIUS_TESTS_E2E_DEMO_REQUEST_H_

#include <fstream>
#include <sstream>
#include <string>

#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "medius/v1/assessment.pb.h"

namespace medius::testing {

inline medius::v1::AssessRequest DemoRequest() {
  std::ifstream in(std::string(MEDIUS_EXAMPLES_DIR) +
                   "/gluteal_tendinopathy.json");
  std::stringstream text;
  text << in.rdbuf();
  medius::v1::AssessRequest request;
  EXPECT_TRUE(
      google::protobuf::util::JsonStringToMessage(text.str(), &request).ok());
  return request;
}

}  // namespace medius::testing

#endif  // MEDIUS_TESTS_E2E_DEMO_REQUEST_H_
