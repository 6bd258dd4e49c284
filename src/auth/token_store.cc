#include "auth/token_store.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace medius::auth {
namespace {

constexpr absl::string_view kBearer = "Bearer ";

std::string Sha256(absl::string_view salt, absl::string_view token) {
  std::string input = absl::StrCat(salt, token);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(input.data()), input.size(),
         digest);
  return std::string(reinterpret_cast<char*>(digest), sizeof digest);
}

std::string RandomBytes(size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()),
                 static_cast<int>(n)) != 1) {
    std::abort();  // no randomness: never hand out a predictable secret
  }
  return bytes;
}

bool IsHex(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isxdigit(c)) return false;
  }
  return !s.empty() && s.size() % 2 == 0;
}

bool IsClientName(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return !s.empty() && s.size() <= 64;
}

bool KnownPermission(absl::string_view p) {
  return p == kPermissionAssess || p == kPermissionAuditRead ||
         p == kPermissionOutcomeWrite;
}

}  // namespace

bool Authenticator::Allows(absl::string_view client,
                           absl::string_view permission) const {
  return permission == kPermissionAssess;
}

absl::StatusOr<TokenStore> TokenStore::Parse(absl::string_view text,
                                             const std::string& path) {
  TokenStore store;
  std::vector<std::string> errors;
  absl::flat_hash_set<std::string> names;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line.substr(0, line.find('#')));
    if (line.empty()) continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    std::string where = absl::StrCat(path, ":", line_number, ": ");
    if ((parts.size() != 3 && parts.size() != 4) || !IsClientName(parts[0]) ||
        !IsHex(parts[1]) || !IsHex(parts[2]) ||
        parts[2].size() != 2 * SHA256_DIGEST_LENGTH) {
      errors.push_back(where +
                       "expected \"client_name salt_hex sha256_hex "
                       "[permissions]\" (see medius token new)");
      continue;
    }
    std::vector<std::string> permissions = {std::string(kPermissionAssess)};
    if (parts.size() == 4) {
      permissions = absl::StrSplit(parts[3], ',', absl::SkipEmpty());
      bool known = !permissions.empty();
      for (const std::string& p : permissions) {
        if (!KnownPermission(p)) {
          errors.push_back(
              absl::StrCat(where, "unknown permission '", p,
                           "' (known: assess, audit:read, outcome:write)"));
          known = false;
        }
      }
      if (!known) continue;
    }
    if (!names.insert(std::string(parts[0])).second) {
      errors.push_back(
          absl::StrCat(where, "duplicate client name '", parts[0], "'"));
      continue;
    }
    store.entries_.push_back(
        {std::string(parts[0]), absl::HexStringToBytes(parts[1]),
         absl::HexStringToBytes(parts[2]), std::move(permissions)});
  }
  if (errors.empty() && store.entries_.empty()) {
    errors.push_back(path + ": no client tokens");
  }
  if (!errors.empty()) {
    return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
  }
  return store;
}

bool TokenStore::Allows(absl::string_view client,
                        absl::string_view permission) const {
  for (const Entry& entry : entries_) {
    if (entry.client != client) continue;
    for (const std::string& p : entry.permissions) {
      if (p == permission) return true;
    }
  }
  return false;
}

absl::StatusOr<TokenStore> TokenStore::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError("cannot read token file " + path);
  std::stringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

std::optional<std::string> TokenStore::Authenticate(
    absl::string_view authorization) const {
  if (!absl::StartsWithIgnoreCase(authorization, kBearer)) return std::nullopt;
  absl::string_view token = authorization.substr(kBearer.size());
  const Entry* match = nullptr;
  for (const Entry& entry : entries_) {  // no early exit: constant time
    std::string digest = Sha256(entry.salt, token);
    if (CRYPTO_memcmp(digest.data(), entry.digest.data(), digest.size()) == 0) {
      match = &entry;
    }
  }
  if (match == nullptr || token.empty()) return std::nullopt;
  return match->client;
}

absl::StatusOr<std::unique_ptr<ReloadableTokens>> ReloadableTokens::Load(
    const std::string& path) {
  absl::StatusOr<TokenStore> store = TokenStore::LoadFile(path);
  if (!store.ok()) return store.status();
  return std::unique_ptr<ReloadableTokens>(new ReloadableTokens(
      path, std::make_shared<const TokenStore>(*std::move(store))));
}

std::shared_ptr<const TokenStore> ReloadableTokens::Current() const {
  absl::MutexLock lock(&mutex_);
  return store_;
}

std::optional<std::string> ReloadableTokens::Authenticate(
    absl::string_view authorization) const {
  // The hashing runs outside the lock, on a snapshot.
  return Current()->Authenticate(authorization);
}

bool ReloadableTokens::Allows(absl::string_view client,
                              absl::string_view permission) const {
  return Current()->Allows(client, permission);
}

absl::StatusOr<size_t> ReloadableTokens::Reload() {
  absl::StatusOr<TokenStore> store = TokenStore::LoadFile(path_);
  if (!store.ok()) return store.status();
  auto fresh = std::make_shared<const TokenStore>(*std::move(store));
  const size_t size = fresh->size();
  absl::MutexLock lock(&mutex_);
  store_ = std::move(fresh);
  return size;
}

std::string NewToken() { return absl::BytesToHexString(RandomBytes(32)); }

std::string TokenFileLine(const std::string& client, const std::string& token,
                          const std::string& permissions) {
  std::string salt = RandomBytes(16);
  return absl::StrCat(client, " ", absl::BytesToHexString(salt), " ",
                      absl::BytesToHexString(Sha256(salt, token)),
                      permissions.empty() ? "" : " ", permissions);
}

}  // namespace medius::auth
