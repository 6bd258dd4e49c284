#include "auth/token_store.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace medius::auth {
namespace {

using ::testing::HasSubstr;

TEST(TokenStoreTest, AcceptsTheRightTokenAndNamesTheClient) {
  std::string alpha = NewToken(), beta = NewToken();
  auto store = TokenStore::Parse(
      absl::StrCat("# clients\n", TokenFileLine("emr-alpha", alpha), "\n\n",
                   TokenFileLine("emr-beta", beta), "  # second\n"),
      "tokens.txt");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->Authenticate("Bearer " + alpha), "emr-alpha");
  EXPECT_EQ(store->Authenticate("Bearer " + beta), "emr-beta");
}

TEST(TokenStoreTest, PermissionsAreGrantedPerClientAndDefaultToAssessOnly) {
  std::string a = NewToken(), b = NewToken();
  auto store = TokenStore::Parse(
      absl::StrCat(TokenFileLine("emr", a), "\n",
                   TokenFileLine("auditor", b, "audit:read,outcome:write")),
      "t");
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_TRUE(store->Allows("emr", kPermissionAssess));
  EXPECT_FALSE(store->Allows("emr", kPermissionAuditRead));
  EXPECT_FALSE(store->Allows("emr", kPermissionOutcomeWrite));
  EXPECT_FALSE(store->Allows("auditor", kPermissionAssess));
  EXPECT_TRUE(store->Allows("auditor", kPermissionAuditRead));
  EXPECT_TRUE(store->Allows("auditor", kPermissionOutcomeWrite));
  EXPECT_FALSE(store->Allows("nobody", kPermissionAssess));

  auto bad = TokenStore::Parse(TokenFileLine("x", a, "assess,root"), "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("t:1: unknown permission"));
}

TEST(TokenStoreTest, RejectsWrongMissingOrMalformedCredentials) {
  std::string token = NewToken();
  auto store = TokenStore::Parse(TokenFileLine("emr", token), "t");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->Authenticate("Bearer " + NewToken()), std::nullopt);
  EXPECT_EQ(store->Authenticate(""), std::nullopt);
  EXPECT_EQ(store->Authenticate("Bearer "), std::nullopt);
  EXPECT_EQ(store->Authenticate(token), std::nullopt);  // no scheme
  EXPECT_EQ(store->Authenticate("Basic " + token), std::nullopt);
  EXPECT_EQ(store->Authenticate("Bearer " + token + "x"), std::nullopt);
}

TEST(TokenStoreTest, TheSchemeIsCaseInsensitive) {
  // RFC 9110 section 11.1: authentication schemes are case-insensitive.
  std::string token = NewToken();
  auto store = TokenStore::Parse(TokenFileLine("emr", token), "t");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->Authenticate("bearer " + token), "emr");
  EXPECT_EQ(store->Authenticate("BEARER " + token), "emr");
}

TEST(ReloadableTokensTest, ReloadAddsAndRevokesAndKeepsTokensOnABadFile) {
  const std::string path =
      ::testing::TempDir() + "/medius-reload-tokens-" + NewToken().substr(0, 8);
  std::string old_token = NewToken(), new_token = NewToken();
  std::ofstream(path) << TokenFileLine("old", old_token) << "\n";
  auto tokens = ReloadableTokens::Load(path);
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  EXPECT_EQ((*tokens)->Authenticate("Bearer " + old_token), "old");
  EXPECT_EQ((*tokens)->Authenticate("Bearer " + new_token), std::nullopt);

  std::ofstream(path, std::ios::trunc)
      << TokenFileLine("new", new_token) << "\n";
  auto reloaded = (*tokens)->Reload();
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(*reloaded, 1u);
  EXPECT_EQ((*tokens)->Authenticate("Bearer " + old_token), std::nullopt);
  EXPECT_EQ((*tokens)->Authenticate("Bearer " + new_token), "new");

  std::ofstream(path, std::ios::trunc) << "not a token line\n";
  EXPECT_FALSE((*tokens)->Reload().ok());
  EXPECT_EQ((*tokens)->Authenticate("Bearer " + new_token), "new");
  std::remove(path.c_str());
}

TEST(TokenStoreTest, FileHoldsNoTokenOnlyASaltedHash) {
  std::string token = NewToken();
  std::string line = TokenFileLine("emr", token);
  EXPECT_EQ(line.find(token), std::string::npos);
  // Two lines for the same token differ: the salt is random.
  EXPECT_NE(line, TokenFileLine("emr", token));
  EXPECT_EQ(token.size(), 64u);
  EXPECT_NE(NewToken(), NewToken());
}

TEST(TokenStoreTest, MalformedFileNamesPathAndLine) {
  auto store = TokenStore::Parse(
      absl::StrCat(TokenFileLine("emr", NewToken()), "\nemr zz 00\n",
                   TokenFileLine("emr", NewToken()), "\n"),
      "tokens.txt");
  ASSERT_FALSE(store.ok());
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("tokens.txt:2: expected"));
  EXPECT_THAT(std::string(store.status().message()),
              HasSubstr("tokens.txt:3: duplicate client name 'emr'"));
  EXPECT_FALSE(TokenStore::Parse("# nothing\n", "t").ok());
  EXPECT_EQ(TokenStore::LoadFile("/nonexistent/tokens").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace medius::auth
