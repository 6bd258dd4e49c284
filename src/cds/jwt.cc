#include "cds/jwt.h"

#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "rhonabwy.h"

namespace medius::cds {
namespace {

// CDS Hooks 2.0: exp "SHOULD be no more than 5 minutes in the future".
constexpr int64_t kMaxLifetimeSeconds = 5 * 60;
constexpr int64_t kClockSkewSeconds = 60;
// Remembered (iss, jti) pairs; they expire within kMaxLifetimeSeconds plus
// the skew, so this bounds memory at a sustained rate far above any EHR's.
constexpr size_t kMaxRemembered = 1 << 20;

struct JwtFree {
  void operator()(jwt_t* jwt) const { r_jwt_free(jwt); }
};
struct JwkFree {
  void operator()(jwk_t* jwk) const { r_jwk_free(jwk); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
using JwkPtr = std::unique_ptr<jwk_t, JwkFree>;

absl::Status Refused(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("bearer JWT refused: ", why));
}

bool Asymmetric(jwa_alg alg) {
  switch (alg) {
    case R_JWA_ALG_RS256:
    case R_JWA_ALG_RS384:
    case R_JWA_ALG_RS512:
    case R_JWA_ALG_PS256:
    case R_JWA_ALG_PS384:
    case R_JWA_ALG_PS512:
    case R_JWA_ALG_ES256:
    case R_JWA_ALG_ES384:
    case R_JWA_ALG_ES512:
      return true;
    default:
      return false;
  }
}

}  // namespace

struct JwtVerifier::Issuer {
  std::string iss;
  jwks_t* jwks = nullptr;
  ~Issuer() {
    if (jwks != nullptr) r_jwks_free(jwks);
  }
};

JwtVerifier::JwtVerifier(std::vector<std::string> audiences,
                         std::function<absl::Time()> now)
    : audiences_(std::move(audiences)), now_(std::move(now)) {}

JwtVerifier::~JwtVerifier() = default;

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::FromJson(
    const std::string& issuers_json, std::vector<std::string> audiences,
    std::function<absl::Time()> now) {
  nlohmann::json doc =
      nlohmann::json::parse(issuers_json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("issuers") ||
      !doc["issuers"].is_array() || doc["issuers"].empty()) {
    return absl::InvalidArgumentError(
        "issuers: expected {\"issuers\": [{\"iss\": ..., \"jwks\": "
        "{\"keys\": [...]}}]} with at least one issuer");
  }
  if (audiences.empty()) {
    return absl::InvalidArgumentError(
        "no audience: the service's URL is needed");
  }
  std::unique_ptr<JwtVerifier> verifier(
      new JwtVerifier(std::move(audiences), std::move(now)));
  for (size_t i = 0; i < doc["issuers"].size(); ++i) {
    const nlohmann::json& entry = doc["issuers"][i];
    const std::string at = absl::StrCat("issuers[", i, "]");
    if (!entry.is_object() || !entry.contains("iss") ||
        !entry["iss"].is_string() || entry["iss"].get<std::string>().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".iss: required"));
    }
    auto issuer = std::make_unique<Issuer>();
    issuer->iss = entry["iss"].get<std::string>();
    if (!entry.contains("jwks") || !entry["jwks"].is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".jwks: required (the issuer's public keys)"));
    }
    if (r_jwks_init(&issuer->jwks) != RHN_OK ||
        r_jwks_import_from_json_str(issuer->jwks,
                                    entry["jwks"].dump().c_str()) != RHN_OK ||
        r_jwks_size(issuer->jwks) == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".jwks: not a JWK set with usable keys"));
    }
    for (size_t k = 0; k < r_jwks_size(issuer->jwks); ++k) {
      JwkPtr key(r_jwks_get_at(issuer->jwks, k));
      unsigned int bits = 0;
      const int type = r_jwk_key_type(key.get(), &bits, 0);
      if ((type & R_KEY_TYPE_PUBLIC) == 0 ||
          (type & (R_KEY_TYPE_PRIVATE | R_KEY_TYPE_SYMMETRIC)) != 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            at, ".jwks.keys[", k,
            "]: only public RSA or EC keys (a private or symmetric key "
            "does not belong here)"));
      }
    }
    verifier->issuers_.push_back(std::move(issuer));
  }
  return verifier;
}

absl::StatusOr<std::unique_ptr<JwtVerifier>> JwtVerifier::FromFile(
    const std::string& path, std::vector<std::string> audiences) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  absl::StatusOr<std::unique_ptr<JwtVerifier>> verifier =
      FromJson(text.str(), std::move(audiences));
  if (!verifier.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": ", verifier.status().message()));
  }
  return verifier;
}

std::optional<std::string> JwtVerifier::Authenticate(
    absl::string_view authorization) const {
  absl::StatusOr<std::string> iss = Verify(authorization);
  if (!iss.ok()) return std::nullopt;
  return *std::move(iss);
}

bool JwtVerifier::FirstUse(const std::string& iss, const std::string& jti,
                           int64_t exp) const {
  const int64_t now = absl::ToUnixSeconds(now_());
  std::string key = absl::StrCat(iss, std::string(1, '\0'), jti);
  absl::MutexLock lock(&mutex_);
  if (seen_.size() >= kMaxRemembered) {
    absl::erase_if(seen_, [&](const auto& entry) {
      return entry.second + kClockSkewSeconds < now;
    });
    // Still full: refuse rather than forget, so a replay cannot slip in.
    if (seen_.size() >= kMaxRemembered) return false;
  }
  auto [it, fresh] = seen_.emplace(std::move(key), exp);
  if (fresh) return true;
  if (it->second + kClockSkewSeconds < now) {  // expired: a new token
    it->second = exp;
    return true;
  }
  return false;
}

absl::StatusOr<std::string> JwtVerifier::Verify(
    absl::string_view authorization) const {
  // RFC 7235: the scheme is case-insensitive.
  absl::string_view token = absl::StripAsciiWhitespace(authorization);
  if (token.size() < 7 ||
      !absl::EqualsIgnoreCase(token.substr(0, 7), "bearer ")) {
    return Refused("no bearer token");
  }
  token = absl::StripAsciiWhitespace(token.substr(7));
  jwt_t* raw = nullptr;
  if (r_jwt_init(&raw) != RHN_OK) return Refused("out of memory");
  JwtPtr jwt(raw);
  const std::string text(token);
  // R_PARSE_NONE: no unsigned tokens, no keys taken from the token.
  if (r_jwt_advanced_parse(jwt.get(), text.c_str(), R_PARSE_NONE, 0) !=
          RHN_OK ||
      r_jwt_get_type(jwt.get()) != R_JWT_TYPE_SIGN) {
    return Refused("not a signed JWT");
  }
  if (!Asymmetric(r_jwt_get_sign_alg(jwt.get()))) {
    return Refused("the algorithm is not an asymmetric one (RS, PS or ES)");
  }
  const char* iss_claim = r_jwt_get_claim_str_value(jwt.get(), "iss");
  const std::string iss = iss_claim != nullptr ? iss_claim : "";
  const Issuer* issuer = nullptr;
  for (const auto& candidate : issuers_) {
    if (candidate->iss == iss) issuer = candidate.get();
  }
  if (issuer == nullptr) return Refused("the issuer is not allow-listed");
  bool verified = false;
  const char* kid = r_jwt_get_header_str_value(jwt.get(), "kid");
  if (kid != nullptr) {
    JwkPtr key(r_jwks_get_by_kid(issuer->jwks, kid));
    verified = key != nullptr &&
               r_jwt_verify_signature(jwt.get(), key.get(), 0) == RHN_OK;
  } else {
    for (size_t k = 0; !verified && k < r_jwks_size(issuer->jwks); ++k) {
      JwkPtr key(r_jwks_get_at(issuer->jwks, k));
      verified = r_jwt_verify_signature(jwt.get(), key.get(), 0) == RHN_OK;
    }
  }
  if (!verified) return Refused("the signature does not verify");
  bool audience = false;
  for (const std::string& aud : audiences_) {
    audience = audience ||
               r_jwt_validate_claims(jwt.get(), R_JWT_CLAIM_AUD, aud.c_str(),
                                     R_JWT_CLAIM_NOP) == RHN_OK;
  }
  if (!audience) return Refused("the audience is not this service");
  const int64_t now = absl::ToUnixSeconds(now_());
  const int64_t exp = r_jwt_get_claim_int_value(jwt.get(), "exp");
  if (exp <= 0) return Refused("no exp");
  if (exp + kClockSkewSeconds <= now) return Refused("expired");
  if (exp > now + kMaxLifetimeSeconds + kClockSkewSeconds) {
    return Refused("exp is more than five minutes away");
  }
  const int64_t iat = r_jwt_get_claim_int_value(jwt.get(), "iat");
  if (iat > now + kClockSkewSeconds) return Refused("issued in the future");
  const char* jti = r_jwt_get_claim_str_value(jwt.get(), "jti");
  if (jti == nullptr || jti[0] == '\0') return Refused("no jti");
  if (!FirstUse(iss, jti, exp)) return Refused("the jti was used before");
  return iss;
}

}  // namespace medius::cds
