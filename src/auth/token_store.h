// TokenStore: per-client bearer tokens checked against a token file that
// holds only salted hashes, so a leaked file does not leak a token.
//
// Token file: one client per line, "client_name salt_hex sha256_hex
// [permissions]", where sha256_hex = SHA-256(salt || token) and permissions
// is a comma-separated list of "assess" (Assess, GetKnowledgeBase),
// "audit:read" (GetAssessment, ListAssessments) and "outcome:write"
// (RecordOutcome); without the field a client may only assess, as before
// permissions existed. '#' starts a comment. Tokens are 32
// random bytes (NewToken), so a fast salted hash is enough: there is nothing
// to brute-force.
//
// Example:
//   absl::StatusOr<TokenStore> store = TokenStore::LoadFile("tokens.txt");
//   std::optional<std::string> client = store->Authenticate("Bearer 3f9a...");
//
// Thread-safety: TokenStore is immutable after loading; Authenticate may be
// called concurrently. ReloadableTokens: see below.
#ifndef MEDIUS_AUTH_TOKEN_STORE_H_
#define MEDIUS_AUTH_TOKEN_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"

namespace medius::auth {

// Who is calling, from an "authorization" metadata value.
class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // The client name, or nullopt when the credential is missing or wrong.
  virtual std::optional<std::string> Authenticate(
      absl::string_view authorization) const = 0;
  // Whether an authenticated client holds `permission` (kPermission*). By
  // default a client may only assess.
  virtual bool Allows(absl::string_view client,
                      absl::string_view permission) const;
};

inline constexpr absl::string_view kPermissionAssess = "assess";
inline constexpr absl::string_view kPermissionAuditRead = "audit:read";
inline constexpr absl::string_view kPermissionOutcomeWrite = "outcome:write";

class TokenStore final : public Authenticator {
 public:
  // INVALID_ARGUMENT naming path:line for a malformed line or a duplicate
  // client name; an empty store is INVALID_ARGUMENT too (nobody could call).
  static absl::StatusOr<TokenStore> Parse(absl::string_view text,
                                          const std::string& path);
  static absl::StatusOr<TokenStore> LoadFile(const std::string& path);

  // The client name for an "authorization" metadata value of the form
  // "Bearer <token>", or nullopt. Every entry is checked, with a
  // constant-time comparison, so timing does not reveal which part was
  // wrong.
  std::optional<std::string> Authenticate(
      absl::string_view authorization) const override;
  bool Allows(absl::string_view client,
              absl::string_view permission) const override;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string client;
    std::string salt;    // raw bytes
    std::string digest;  // raw SHA-256 bytes
    std::vector<std::string> permissions;
  };
  std::vector<Entry> entries_;
};

// A token file that can be re-read while the server runs (SIGHUP), so a
// client can be added or revoked without a restart. A file that no longer
// loads leaves the tokens as they were.
//
// Thread-safety: Authenticate and Reload may be called concurrently; a
// call sees the old or the new tokens, never a mix.
class ReloadableTokens final : public Authenticator {
 public:
  static absl::StatusOr<std::unique_ptr<ReloadableTokens>> Load(
      const std::string& path);

  std::optional<std::string> Authenticate(
      absl::string_view authorization) const override;
  bool Allows(absl::string_view client,
              absl::string_view permission) const override;

  // Re-reads the file; on error the current tokens stay in force. Returns
  // the number of clients now accepted.
  absl::StatusOr<size_t> Reload();

 private:
  explicit ReloadableTokens(std::string path,
                            std::shared_ptr<const TokenStore> store)
      : path_(std::move(path)), store_(std::move(store)) {}
  std::shared_ptr<const TokenStore> Current() const;

  const std::string path_;
  mutable absl::Mutex mutex_;
  std::shared_ptr<const TokenStore> store_ ABSL_GUARDED_BY(mutex_);
};

// 32 random bytes as 64 hex characters, from the OS's CSPRNG.
std::string NewToken();

// A token-file line for `client` and `token`, with a fresh random salt and
// `permissions` (comma-separated; "" writes none: assess only).
std::string TokenFileLine(const std::string& client, const std::string& token,
                          const std::string& permissions = "");

}  // namespace medius::auth

#endif  // MEDIUS_AUTH_TOKEN_STORE_H_
