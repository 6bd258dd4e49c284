// JWT verification against keys made here: a good ES384 and RS384 token
// pass; expired, wrong audience, alg none, HMAC, unknown issuer, another
// key's signature, a replayed or missing jti and a too-long lifetime fail.
#include "cds/jwt.h"

#include <memory>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rhonabwy.h"

namespace medius::cds {
namespace {

using ::testing::HasSubstr;

constexpr char kIss[] = "https://ehr.example.org";
constexpr char kAud[] =
    "https://medius.example.org/cds-services/medius-hip-assessment";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

struct KeyPair {
  jwk_t* priv = nullptr;
  jwk_t* pub = nullptr;
  KeyPair(int type, unsigned bits, const char* kid) {
    r_jwk_init(&priv);
    r_jwk_init(&pub);
    EXPECT_EQ(r_jwk_generate_key_pair(priv, pub, type, bits, kid), RHN_OK);
  }
  ~KeyPair() {
    r_jwk_free(priv);
    r_jwk_free(pub);
  }
  std::string PublicJson() const {
    char* s = r_jwk_export_to_json_str(pub, 0);
    std::string out = s;
    r_free(s);
    return out;
  }
};

struct Claims {
  std::string iss = kIss;
  std::string aud = kAud;
  int64_t exp = 1'800'000'000 + 240;
  int64_t iat = 1'800'000'000;
  std::string jti = "jti-1";
};

std::string Sign(const KeyPair& key, jwa_alg alg, const Claims& c) {
  jwt_t* jwt = nullptr;
  r_jwt_init(&jwt);
  r_jwt_set_sign_alg(jwt, alg);
  r_jwt_set_claim_str_value(jwt, "iss", c.iss.c_str());
  r_jwt_set_claim_str_value(jwt, "sub", "client-1");
  r_jwt_set_claim_str_value(jwt, "aud", c.aud.c_str());
  r_jwt_set_claim_int_value(jwt, "exp", c.exp);
  r_jwt_set_claim_int_value(jwt, "iat", c.iat);
  if (!c.jti.empty()) r_jwt_set_claim_str_value(jwt, "jti", c.jti.c_str());
  char* token = r_jwt_serialize_signed(jwt, key.priv, 0);
  std::string out = token != nullptr ? token : "";
  r_free(token);
  r_jwt_free(jwt);
  return out;
}

class JwtTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string issuers = absl::StrCat(
        R"({"issuers": [{"iss": ")", kIss, R"(", "jwks": {"keys": [)",
        ec_.PublicJson(), ",", rsa_.PublicJson(), "]}}]}");
    auto verifier = JwtVerifier::FromJson(issuers, {kAud}, [] { return kNow; });
    ASSERT_TRUE(verifier.ok()) << verifier.status();
    verifier_ = *std::move(verifier);
  }
  absl::Status Check(const std::string& token) {
    return verifier_->Verify(absl::StrCat("Bearer ", token)).status();
  }

  KeyPair ec_{R_KEY_TYPE_EC, 384, "ec-1"};
  KeyPair rsa_{R_KEY_TYPE_RSA, 2048, "rsa-1"};
  std::unique_ptr<JwtVerifier> verifier_;
};

TEST_F(JwtTest, GoodTokensFromTheAllowListedIssuerPass) {
  auto iss = verifier_->Verify(
      absl::StrCat("Bearer ", Sign(ec_, R_JWA_ALG_ES384, {})));
  ASSERT_TRUE(iss.ok()) << iss.status();
  EXPECT_EQ(*iss, kIss);
  Claims c;
  c.jti = "jti-2";
  // The scheme is case-insensitive.
  EXPECT_EQ(verifier_->Authenticate(
                absl::StrCat("bearer ", Sign(rsa_, R_JWA_ALG_RS384, c))),
            kIss);
}

TEST_F(JwtTest, ExpiredWrongAudienceAndTooLongLivedTokensFail) {
  Claims expired;
  expired.exp = 1'800'000'000 - 120;
  EXPECT_THAT(Check(Sign(ec_, R_JWA_ALG_ES384, expired)).message(),
              HasSubstr("expired"));
  Claims elsewhere;
  elsewhere.aud = "https://other.example.org/cds-services/x";
  EXPECT_THAT(Check(Sign(ec_, R_JWA_ALG_ES384, elsewhere)).message(),
              HasSubstr("audience"));
  Claims long_lived;
  long_lived.exp = 1'800'000'000 + 3600;
  EXPECT_THAT(Check(Sign(ec_, R_JWA_ALG_ES384, long_lived)).message(),
              HasSubstr("five minutes"));
}

TEST_F(JwtTest, AlgNoneAndHmacAreRefused) {
  const std::string header =
      absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})");
  const std::string payload = absl::WebSafeBase64Escape(
      absl::StrCat(R"({"iss":")", kIss, R"(","aud":")", kAud,
                   R"(","exp":1800000240,"jti":"n1"})"));
  EXPECT_EQ(Check(absl::StrCat(header, ".", payload, ".")).code(),
            absl::StatusCode::kUnauthenticated);
  // HS256 signed with a shared secret, even one equal to a public key's
  // text (the classic algorithm-confusion attack).
  jwk_t* secret = nullptr;
  r_jwk_init(&secret);
  const std::string pem = ec_.PublicJson();
  ASSERT_EQ(r_jwk_import_from_symmetric_key(
                secret, reinterpret_cast<const unsigned char*>(pem.data()),
                pem.size()),
            RHN_OK);
  KeyPair holder{R_KEY_TYPE_EC, 256, "unused"};
  jwk_t* saved = holder.priv;
  holder.priv = secret;
  absl::Status hmac = Check(Sign(holder, R_JWA_ALG_HS256, {}));
  holder.priv = saved;
  r_jwk_free(secret);
  EXPECT_EQ(hmac.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_THAT(hmac.message(), HasSubstr("asymmetric"));
}

TEST_F(JwtTest, UnknownIssuerAndAnotherKeysSignatureFail) {
  Claims stranger;
  stranger.iss = "https://attacker.example.net";
  EXPECT_THAT(Check(Sign(ec_, R_JWA_ALG_ES384, stranger)).message(),
              HasSubstr("not allow-listed"));
  KeyPair other{R_KEY_TYPE_EC, 384, "ec-1"};  // same kid, another key
  EXPECT_THAT(Check(Sign(other, R_JWA_ALG_ES384, {})).message(),
              HasSubstr("signature"));
}

TEST_F(JwtTest, AReplayedOrMissingJtiFails) {
  const std::string token = Sign(ec_, R_JWA_ALG_ES384, {});
  EXPECT_TRUE(Check(token).ok());
  EXPECT_THAT(Check(token).message(), HasSubstr("used before"));
  Claims no_jti;
  no_jti.jti.clear();
  EXPECT_THAT(Check(Sign(ec_, R_JWA_ALG_ES384, no_jti)).message(),
              HasSubstr("no jti"));
  EXPECT_FALSE(verifier_->Authenticate("").has_value());
  EXPECT_FALSE(verifier_->Authenticate("Basic abc").has_value());
}

TEST(JwtConfigTest, PrivateOrSymmetricKeysAndEmptyListsAreRefused) {
  EXPECT_FALSE(JwtVerifier::FromJson("{}", {kAud}).ok());
  EXPECT_FALSE(JwtVerifier::FromJson(R"({"issuers": []})", {kAud}).ok());
  KeyPair pair{R_KEY_TYPE_EC, 256, "k"};
  char* priv = r_jwk_export_to_json_str(pair.priv, 0);
  auto verifier = JwtVerifier::FromJson(
      absl::StrCat(R"({"issuers": [{"iss": "x", "jwks": {"keys": [)", priv,
                   "]}}]}"),
      {kAud});
  r_free(priv);
  ASSERT_FALSE(verifier.ok());
  EXPECT_THAT(verifier.status().message(), HasSubstr("only public"));
}

}  // namespace
}  // namespace medius::cds
