// JwtVerifier: who is calling the CDS Hooks service, from the bearer JWT
// the EHR signs for each call (CDS Hooks 2.0, "Trusting CDS Clients"):
//   - an asymmetric signature only (RS256/384/512, PS256/384/512,
//     ES256/384/512); "none" and HMAC are refused, and keys the token
//     carries itself (jwk, jku, x5c, x5u headers) are never used;
//   - `iss` from an allow-list, verified against that issuer's JWKS (a
//     local file: nothing is downloaded at run time), by `kid` when given;
//   - `aud` one of the service's own endpoint URLs;
//   - `exp` in the future and at most five minutes (plus a minute's clock
//     skew) away, `iat` not in the future beyond that skew;
//   - `jti` present and not seen before from that issuer (replays are
//     refused until the token would have expired anyway).
// The client name is the issuer. Authenticate says nothing about which
// check failed (Verify does, for tests and the operator's log).
//
// Example:
//   auto verifier = JwtVerifier::FromFile("issuers.json",
//       {"https://medius.example.org/cds-services/medius-hip-assessment"});
//   std::optional<std::string> ehr =
//       (*verifier)->Authenticate("Bearer eyJhbGciOiJFUzM4NCIs...");
//
// Issuers file: {"issuers": [{"iss": "https://ehr.example.org",
//                             "jwks": {"keys": [ ...public JWKs... ]}}]}
//
// Thread-safety: Authenticate and Verify may be called concurrently (the
// replay cache is locked).
#ifndef MEDIUS_CDS_JWT_H_
#define MEDIUS_CDS_JWT_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "auth/token_store.h"

namespace medius::cds {

class JwtVerifier final : public auth::Authenticator {
 public:
  // INVALID_ARGUMENT naming the problem for an issuers document that is
  // not JSON, an issuer without keys, a symmetric or private key.
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> FromJson(
      const std::string& issuers_json, std::vector<std::string> audiences,
      std::function<absl::Time()> now = absl::Now);
  static absl::StatusOr<std::unique_ptr<JwtVerifier>> FromFile(
      const std::string& path, std::vector<std::string> audiences);
  ~JwtVerifier() override;

  std::optional<std::string> Authenticate(
      absl::string_view authorization) const override;
  // A trusted EHR may assess and send CDS Hooks feedback (outcome:write);
  // reading the audit store is for token clients only.
  bool Allows(absl::string_view client,
              absl::string_view permission) const override {
    return permission == auth::kPermissionAssess ||
           permission == auth::kPermissionOutcomeWrite;
  }
  // The issuer, or UNAUTHENTICATED saying which check failed.
  absl::StatusOr<std::string> Verify(absl::string_view authorization) const;

  size_t issuers() const { return issuers_.size(); }

 private:
  struct Issuer;
  JwtVerifier(std::vector<std::string> audiences,
              std::function<absl::Time()> now);
  // False when (iss, jti) was seen and has not expired; records it.
  bool FirstUse(const std::string& iss, const std::string& jti,
                int64_t exp) const;

  std::vector<std::unique_ptr<Issuer>> issuers_;
  std::vector<std::string> audiences_;
  std::function<absl::Time()> now_;
  mutable absl::Mutex mutex_;
  // "iss\0jti" -> exp (seconds since the epoch).
  mutable absl::flat_hash_map<std::string, int64_t> seen_
      ABSL_GUARDED_BY(mutex_);
};

}  // namespace medius::cds

#endif  // MEDIUS_CDS_JWT_H_
