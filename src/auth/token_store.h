// TokenStore: per-client bearer tokens checked against a token file that
// holds only salted hashes, so a leaked file does not leak a token.
//
// Token file: one client per line, "client_name salt_hex sha256_hex", where
// sha256_hex = SHA-256(salt || token); '#' starts a comment. Tokens are 32
// random bytes (NewToken), so a fast salted hash is enough: there is nothing
// to brute-force.
//
// Example:
//   absl::StatusOr<TokenStore> store = TokenStore::LoadFile("tokens.txt");
//   std::optional<std::string> client = store->Authenticate("Bearer 3f9a...");
//
// Thread-safety: immutable after loading; Authenticate may be called
// concurrently.
#ifndef MEDIUS_AUTH_TOKEN_STORE_H_
#define MEDIUS_AUTH_TOKEN_STORE_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace medius::auth {

class TokenStore {
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
      absl::string_view authorization) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::string client;
    std::string salt;    // raw bytes
    std::string digest;  // raw SHA-256 bytes
  };
  std::vector<Entry> entries_;
};

// 32 random bytes as 64 hex characters, from the OS's CSPRNG.
std::string NewToken();

// A token-file line for `client` and `token`, with a fresh random salt.
std::string TokenFileLine(const std::string& client, const std::string& token);

}  // namespace medius::auth

#endif  // MEDIUS_AUTH_TOKEN_STORE_H_
