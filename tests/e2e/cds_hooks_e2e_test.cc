// CDS Hooks end to end: the real medius-server with TLS and an allow-listed
// EHR issuer, called by clients the project did not write (curl, Node's
// fetch) with JWTs signed here; every FHIR resource it produces checked by
// an independent validator (the npm package `fhir`); and the cards agree
// with gRPC Assess over TLS for the same findings.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cds/hook_body.h"
#include "e2e/server_process.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/grpcpp.h"
#include "gtest/gtest.h"
#include "medius/v1/assessment_service.grpc.pb.h"
#include "nlohmann/json.hpp"
#include "rhonabwy.h"

namespace medius::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kIss[] = "https://ehr.example.org";
constexpr char kAud[] =
    "https://medius.test/cds-services/medius-hip-assessment";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Shell(const std::string& command, int* code = nullptr) {
  std::string output;
  const int rc = RunCommand(command, &output);
  if (code != nullptr) *code = rc;
  return output;
}

// Certificates, the EHR's signing key and the issuers file, made once.
class Fixture {
 public:
  Fixture() {
    char pattern[] = "/tmp/medius-cds-e2e-XXXXXX";
    dir_ = mkdtemp(pattern);
    EXPECT_EQ(std::system(absl::StrCat("bash ", MEDIUS_SOURCE_DIR_PATH,
                                       "/tests/testdata/make_certs.sh ", dir_)
                              .c_str()),
              0);
    r_jwk_init(&priv_);
    r_jwk_init(&pub_);
    EXPECT_EQ(r_jwk_generate_key_pair(priv_, pub_, R_KEY_TYPE_EC, 384, "ehr-1"),
              RHN_OK);
    char* jwk = r_jwk_export_to_json_str(pub_, 0);
    std::ofstream(Path("issuers.json"))
        << R"({"issuers": [{"iss": ")" << kIss << R"(", "jwks": {"keys": [)"
        << jwk << "]}}]}";
    r_free(jwk);
  }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // A fresh JWT for the service, as the EHR signs one per call.
  std::string Jwt(const std::string& aud = kAud) {
    jwt_t* jwt = nullptr;
    r_jwt_init(&jwt);
    r_jwt_set_sign_alg(jwt, R_JWA_ALG_ES384);
    const int64_t now = absl::ToUnixSeconds(absl::Now());
    r_jwt_set_claim_str_value(jwt, "iss", kIss);
    r_jwt_set_claim_str_value(jwt, "sub", "ehr-client");
    r_jwt_set_claim_str_value(jwt, "aud", aud.c_str());
    r_jwt_set_claim_int_value(jwt, "iat", now);
    r_jwt_set_claim_int_value(jwt, "exp", now + 240);
    r_jwt_set_claim_str_value(jwt, "jti", absl::StrCat("jti-", ++jti_).c_str());
    char* token = r_jwt_serialize_signed(jwt, priv_, 0);
    std::string out = token;
    r_free(token);
    r_jwt_free(jwt);
    return out;
  }

 private:
  std::string dir_;
  jwk_t* priv_ = nullptr;
  jwk_t* pub_ = nullptr;
  int jti_ = 0;
};

Fixture& Secrets() {
  static Fixture* fixture = new Fixture();
  return *fixture;
}

medius::v1::AssessRequest Demo() {
  medius::v1::AssessRequest request;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(
                  ReadFile(std::string(MEDIUS_EXAMPLES_DIR) +
                           "/gluteal_tendinopathy.json"),
                  &request)
                  .ok());
  return request;
}

class CdsHooksE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(
        server_.Start({"--kb_dir=" + std::string(MEDIUS_KB_DIR),
                       "--tls_cert_file=" + Secrets().Path("server.crt"),
                       "--tls_key_file=" + Secrets().Path("server.key"),
                       "--cds_listen=127.0.0.1:0",
                       "--cds_issuers_file=" + Secrets().Path("issuers.json"),
                       "--cds_public_url=https://medius.test",
                       "--cds_allowed_origins=https://ehr.example.org"}))
        << server_.Output();
    ASSERT_GT(server_.cds_port(), 0);
    base_ = absl::StrCat("https://127.0.0.1:", server_.cds_port());
  }

  // curl's answer: the HTTP status, the body in `body`.
  int Curl(const std::string& args, std::string* body) {
    const std::string out = Secrets().Path("curl.out");
    std::string status = Shell(absl::StrCat("curl -sS --max-time 10 --cacert ",
                                            Secrets().Path("ca.crt"), " -o ",
                                            out, " -w '%{http_code}' ", args));
    *body = ReadFile(out);
    return std::atoi(status.c_str());
  }

  int PostHook(const json& hook, const std::string& jwt, std::string* body) {
    const std::string file = Secrets().Path("hook.json");
    std::ofstream(file) << hook.dump();
    return Curl(
        absl::StrCat(
            jwt.empty() ? ""
                        : absl::StrCat("-H 'authorization: Bearer ", jwt, "' "),
            "-H 'content-type: application/json' --data @", file, " ", base_,
            "/cds-services/medius-hip-assessment"),
        body);
  }

  ServerProcess server_;
  std::string base_;
};

TEST_F(CdsHooksE2eTest, CurlGetsCardsThatAgreeWithGrpcAndValidateAsFhir) {
  std::string discovery;
  ASSERT_EQ(Curl(base_ + "/cds-services", &discovery), 200) << discovery;
  EXPECT_EQ(json::parse(discovery)["services"][0]["id"],
            "medius-hip-assessment");
  medius::v1::AssessRequest request = Demo();
  json hook = cds::HookBody(&request, 2026);
  std::string body;
  ASSERT_EQ(PostHook(hook, Secrets().Jwt(), &body), 200) << body;
  json cards = json::parse(body)["cards"];
  // gRPC over TLS, the same findings.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = ReadFile(Secrets().Path("ca.crt"));
  auto stub = medius::v1::AssessmentService::NewStub(
      grpc::CreateChannel(server_.address(), grpc::SslCredentials(ssl)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  medius::v1::AssessResponse grpc_answer;
  ASSERT_TRUE(stub->Assess(&context, request, &grpc_answer).ok());
  json resources = json::array();
  const json* risk = nullptr;
  for (const json& card : cards) {
    if (!card.contains("suggestions")) continue;
    for (const json& action : card["suggestions"][0]["actions"]) {
      resources.push_back(action["resource"]);
      if (action["resource"]["resourceType"] == "RiskAssessment") {
        risk = &action["resource"];
      }
    }
  }
  ASSERT_NE(risk, nullptr);
  ASSERT_EQ((*risk)["prediction"].size(),
            static_cast<size_t>(grpc_answer.differential_size()));
  for (int i = 0; i < grpc_answer.differential_size(); ++i) {
    EXPECT_EQ((*risk)["prediction"][i]["outcome"]["coding"][0]["code"],
              grpc_answer.differential(i).condition_code());
    EXPECT_NEAR((*risk)["prediction"][i]["probabilityDecimal"].get<double>(),
                grpc_answer.differential(i).probability(), 5e-5);
  }
  EXPECT_THAT((*risk)["method"]["text"].get<std::string>(),
              HasSubstr(grpc_answer.knowledge_base_digest()));
  // The form too, then every resource through an independent validator,
  // and the discovery document and the cards against the CDS Hooks 2.0
  // tables (tests/js/cds_hooks_schema.json, with ajv).
  std::string form;
  ASSERT_EQ(Curl(base_ + "/fhir/Questionnaire/medius-hip-assessment", &form),
            200);
  resources.push_back(json::parse(form));
  const std::string js = std::string(MEDIUS_SOURCE_DIR_PATH) + "/tests/js";
  if (std::system(absl::StrCat("test -d ", js, "/node_modules/fhir -a -d ", js,
                               "/node_modules/ajv")
                      .c_str()) != 0) {
    if (std::getenv("MEDIUS_REQUIRE_JS_TESTS") != nullptr) {
      FAIL()
          << "tests/js/node_modules is missing: run `npm ci --prefix tests/js`";
    }
    GTEST_SKIP() << "validation skipped: `npm ci --prefix tests/js` first";
  }
  std::ofstream(Secrets().Path("resources.json")) << resources.dump();
  int code = 0;
  std::string report = Shell(absl::StrCat("node ", js, "/validate_fhir.js ",
                                          Secrets().Path("resources.json")),
                             &code);
  EXPECT_EQ(code, 0) << report;
  EXPECT_THAT(report, HasSubstr(absl::StrCat(resources.size(),
                                             " resource(s), 0 error(s)")));
  std::ofstream(Secrets().Path("discovery.json")) << discovery;
  std::ofstream(Secrets().Path("cards.json")) << body;
  report = Shell(
      absl::StrCat("node ", js, "/validate_cds.js discovery ",
                   Secrets().Path("discovery.json"), " && node ", js,
                   "/validate_cds.js response ", Secrets().Path("cards.json")),
      &code);
  EXPECT_EQ(code, 0) << report;
  EXPECT_THAT(report, HasSubstr("discovery valid"));
  EXPECT_THAT(report, HasSubstr("response valid"));
}

TEST_F(CdsHooksE2eTest, NoJwtAReplayedOneOrAnotherAudienceIs401) {
  medius::v1::AssessRequest request = Demo();
  json hook = cds::HookBody(&request, 2026);
  std::string body;
  EXPECT_EQ(PostHook(hook, "", &body), 401) << body;
  const std::string jwt = Secrets().Jwt();
  EXPECT_EQ(PostHook(hook, jwt, &body), 200) << body;
  EXPECT_EQ(PostHook(hook, jwt, &body), 401) << "replayed: " << body;
  EXPECT_EQ(
      PostHook(hook, Secrets().Jwt("https://elsewhere.test/cds-services/x"),
               &body),
      401)
      << body;
  // Plain HTTP to the TLS port gets no answer.
  std::string plain;
  EXPECT_NE(Curl(absl::StrCat("http://127.0.0.1:", server_.cds_port(),
                              "/cds-services"),
                 &plain),
            200);
}

TEST_F(CdsHooksE2eTest, NodeFetchFromABrowserOriginGetsCardsAndCors) {
  if (std::system("command -v node >/dev/null 2>&1") != 0) {
    if (std::getenv("MEDIUS_REQUIRE_JS_TESTS") != nullptr) FAIL() << "no node";
    GTEST_SKIP() << "node is not installed";
  }
  medius::v1::AssessRequest request = Demo();
  std::ofstream(Secrets().Path("node_hook.json"))
      << cds::HookBody(&request, 2026).dump();
  const std::string script = absl::StrCat(
      "const fs = require('fs');"
      "fetch('",
      base_,
      "/cds-services/medius-hip-assessment', {method: 'POST',"
      " headers: {'content-type': 'application/json', origin: "
      "'https://ehr.example.org',"
      " authorization: 'Bearer ",
      Secrets().Jwt(),
      "'},"
      " body: fs.readFileSync('",
      Secrets().Path("node_hook.json"),
      "')})"
      ".then(async r => { const j = await r.json();"
      " console.log(r.status, j.cards.length, j.cards[j.cards.length - "
      "1].indicator,"
      " r.headers.get('access-control-allow-origin')); })"
      ".catch(e => { console.log('error', e.message, e.cause); "
      "process.exit(1); });");
  std::ofstream(Secrets().Path("fetch.js")) << script;
  int code = 0;
  std::string out =
      Shell(absl::StrCat("NODE_EXTRA_CA_CERTS=", Secrets().Path("ca.crt"),
                         " node --no-warnings ", Secrets().Path("fetch.js")),
            &code);
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, ::testing::StartsWith("200 ")) << out;
  EXPECT_THAT(out, HasSubstr("https://ehr.example.org")) << out;
}

// `medius assess --fhir` and `--cards` show an integrator the mapping
// without an EMR: the Bundle validates, and the cards are the service's.
TEST_F(CdsHooksE2eTest, TheCliPrintsTheFhirBundleAndTheCards) {
  const std::string cli = absl::StrCat(
      MEDIUS_CLI_BINARY, " --tls_ca_file=", Secrets().Path("ca.crt"),
      " --server=", server_.address(), " ");
  const std::string demo =
      std::string(MEDIUS_EXAMPLES_DIR) + "/gluteal_tendinopathy.json";
  int code = 0;
  std::string out =
      Shell(cli + "--fhir assess " + demo + " 2>/dev/null", &code);
  ASSERT_EQ(code, 0) << out;
  json bundle = json::parse(out);
  EXPECT_EQ(bundle["resourceType"], "Bundle");
  std::vector<std::string> types;
  json resources = json::array({bundle});
  for (const json& e : bundle["entry"]) {
    types.push_back(e["resource"]["resourceType"]);
    resources.push_back(e["resource"]);
  }
  EXPECT_THAT(types, ::testing::Contains("RiskAssessment"));
  EXPECT_THAT(types, ::testing::Contains("CarePlan"));
  out = Shell(cli + "--cards assess " + demo + " 2>/dev/null", &code);
  ASSERT_EQ(code, 0) << out;
  json cards = json::parse(out)["cards"];
  ASSERT_FALSE(cards.empty());
  EXPECT_THAT(cards[0]["summary"].get<std::string>(),
              HasSubstr("Gluteal tendinopathy"));
  EXPECT_EQ(Shell(cli + "--fhir --cards assess " + demo, &code).empty(), false);
  EXPECT_EQ(code, 2);
  const std::string js = std::string(MEDIUS_SOURCE_DIR_PATH) + "/tests/js";
  if (std::system(absl::StrCat("test -d ", js, "/node_modules/fhir").c_str()) !=
      0) {
    if (std::getenv("MEDIUS_REQUIRE_JS_TESTS") != nullptr) {
      FAIL() << "tests/js/node_modules is missing";
    }
    GTEST_SKIP() << "validation skipped: `npm ci --prefix tests/js` first";
  }
  std::ofstream(Secrets().Path("bundle.json")) << resources.dump();
  std::string report = Shell(absl::StrCat("node ", js, "/validate_fhir.js ",
                                          Secrets().Path("bundle.json")),
                             &code);
  EXPECT_EQ(code, 0) << report;
}

TEST(CdsHooksStartupTest, WithoutIssuersOrTlsItRefusesToStart) {
  ServerProcess server;
  EXPECT_FALSE(server.Start({"--kb_dir=" + std::string(MEDIUS_KB_DIR),
                             "--tls_cert_file=" + Secrets().Path("server.crt"),
                             "--tls_key_file=" + Secrets().Path("server.key"),
                             "--cds_listen=127.0.0.1:0"}));
  EXPECT_EQ(WEXITSTATUS(server.WaitForExit()), 2);
  EXPECT_THAT(server.Output(), HasSubstr("--cds_issuers_file: required"));
}

}  // namespace
}  // namespace medius::testing
