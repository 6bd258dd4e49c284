#include "audit/sqlite_store.h"

#include <sqlite3.h>

#include <utility>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"

namespace medius::audit {
namespace {

// Versioned migrations, applied in order, each once (schema_migrations).
// Never edit one that has shipped: add the next.
constexpr const char* kMigrations[] = {
    // 1: the chain, its indexes, and retention checkpoints.
    R"sql(
CREATE TABLE audit_records (
  sequence INTEGER PRIMARY KEY,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  kind TEXT NOT NULL,
  assessment_id TEXT NOT NULL,
  encounter_id TEXT NOT NULL,
  recorded_at_us INTEGER NOT NULL,
  client TEXT NOT NULL,
  transport TEXT NOT NULL,
  kb_version TEXT NOT NULL,
  kb_digest TEXT NOT NULL,
  request BLOB NOT NULL,
  response BLOB NOT NULL,
  request_json TEXT NOT NULL);
CREATE UNIQUE INDEX audit_records_one_assessment
  ON audit_records (assessment_id) WHERE kind = 'assessment';
CREATE INDEX audit_records_by_assessment ON audit_records (assessment_id);
CREATE INDEX audit_records_by_encounter
  ON audit_records (encounter_id, sequence);
CREATE TABLE audit_checkpoints (
  through_sequence INTEGER PRIMARY KEY,
  through_hash TEXT NOT NULL,
  purged_records INTEGER NOT NULL,
  created_at_us INTEGER NOT NULL,
  mac TEXT NOT NULL);
)sql",
};

constexpr char kColumns[] =
    "sequence, previous_hash, hash, kind, assessment_id, encounter_id, "
    "recorded_at_us, client, transport, kb_version, kb_digest, request, "
    "response, request_json";

// One prepared statement, finalized on scope exit.
class Statement {
 public:
  Statement(sqlite3* db, const std::string& sql) {
    rc_ = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  bool ok() const { return rc_ == SQLITE_OK; }
  void Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); }
  void BindText(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_STATIC);
  }
  void BindBlob(int i, const std::string& v) {
    sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()),
                      SQLITE_STATIC);
  }
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }
  void Reset() { sqlite3_reset(stmt_); }
  int64_t Int(int i) const { return sqlite3_column_int64(stmt_, i); }
  bool IsNull(int i) const {
    return sqlite3_column_type(stmt_, i) == SQLITE_NULL;
  }
  std::string Bytes(int i) const {
    const void* p = sqlite3_column_blob(stmt_, i);
    int n = sqlite3_column_bytes(stmt_, i);
    return p == nullptr ? std::string()
                        : std::string(static_cast<const char*>(p), n);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

absl::Status Unavailable(sqlite3* db, absl::string_view what) {
  return absl::UnavailableError(
      absl::StrCat("audit store (sqlite): ", what, ": ", sqlite3_errmsg(db)));
}

AuditRecord ReadRecord(const Statement& s) {
  AuditRecord r;
  r.sequence = s.Int(0);
  r.previous_hash = s.Bytes(1);
  r.hash = s.Bytes(2);
  if (!ParseKind(s.Bytes(3), &r.kind)) r.kind = RecordKind::kAssessment;
  r.assessment_id = s.Bytes(4);
  r.encounter_id = s.Bytes(5);
  r.recorded_at = absl::FromUnixMicros(s.Int(6));
  r.client = s.Bytes(7);
  r.transport = s.Bytes(8);
  r.knowledge_base_version = s.Bytes(9);
  r.knowledge_base_digest = s.Bytes(10);
  r.request = s.Bytes(11);
  r.response = s.Bytes(12);
  r.request_json = s.Bytes(13);
  return r;
}

class SqliteStore final : public AuditStore {
 public:
  explicit SqliteStore(sqlite3* db) : db_(db) {}
  ~SqliteStore() override { sqlite3_close_v2(db_); }

  absl::Status Migrate() {
    // Records are 60-270 KB: large pages mean far fewer overflow pages per
    // record. Only takes effect on a new file, before WAL mode.
    Exec("PRAGMA page_size=65536");
    if (!Exec("PRAGMA journal_mode=WAL") || !Exec("PRAGMA synchronous=FULL") ||
        !Exec("PRAGMA foreign_keys=ON")) {
      return Unavailable(db_, "cannot configure");
    }
    sqlite3_busy_timeout(db_, 10000);
    if (!Exec("BEGIN IMMEDIATE")) return Unavailable(db_, "cannot lock");
    absl::Cleanup rollback = [this] { Exec("ROLLBACK"); };
    if (!Exec("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER "
              "PRIMARY KEY, applied_at_us INTEGER NOT NULL)")) {
      return Unavailable(db_, "cannot create schema_migrations");
    }
    int64_t applied = 0;
    {
      Statement s(db_, "SELECT MAX(version) FROM schema_migrations");
      if (!s.ok() || s.Step() != SQLITE_ROW) {
        return Unavailable(db_, "cannot read schema_migrations");
      }
      applied = s.IsNull(0) ? 0 : s.Int(0);
    }
    constexpr int64_t known = sizeof(kMigrations) / sizeof(kMigrations[0]);
    if (applied > known) {
      return absl::FailedPreconditionError(absl::StrCat(
          "audit store (sqlite): schema version ", applied,
          " is newer than this server knows (", known, "): upgrade Medius"));
    }
    for (int64_t v = applied + 1; v <= known; ++v) {
      if (!Exec(kMigrations[v - 1])) {
        return Unavailable(db_, absl::StrCat("migration ", v));
      }
      Statement s(db_,
                  "INSERT INTO schema_migrations VALUES (?, "
                  "CAST(strftime('%s','now') AS INTEGER) * 1000000)");
      s.Bind(1, v);
      if (!s.ok() || s.Step() != SQLITE_DONE) {
        return Unavailable(db_, "cannot record migration");
      }
    }
    std::move(rollback).Cancel();
    if (!Exec("COMMIT")) return Unavailable(db_, "cannot commit migrations");
    return absl::OkStatus();
  }

  absl::Status Append(std::vector<AuditRecord>& records) override {
    if (records.empty()) return absl::OkStatus();
    if (!Exec("BEGIN IMMEDIATE")) return Unavailable(db_, "cannot lock");
    absl::Cleanup rollback = [this] { Exec("ROLLBACK"); };
    absl::StatusOr<std::pair<int64_t, std::string>> tail = Tail();
    if (!tail.ok()) return tail.status();
    auto [sequence, previous] = *std::move(tail);
    Statement insert(db_,
                     absl::StrCat("INSERT INTO audit_records (", kColumns,
                                  ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)"));
    if (!insert.ok()) return Unavailable(db_, "cannot prepare insert");
    std::vector<AuditRecord> chained = records;
    for (AuditRecord& r : chained) {
      r.sequence = ++sequence;
      r.previous_hash = previous;
      r.hash = ChainHash(r);
      previous = r.hash;
      const std::string kind(KindName(r.kind));
      insert.Bind(1, r.sequence);
      insert.BindText(2, r.previous_hash);
      insert.BindText(3, r.hash);
      insert.BindText(4, kind);
      insert.BindText(5, r.assessment_id);
      insert.BindText(6, r.encounter_id);
      insert.Bind(7, ToMicros(r.recorded_at));
      insert.BindText(8, r.client);
      insert.BindText(9, r.transport);
      insert.BindText(10, r.knowledge_base_version);
      insert.BindText(11, r.knowledge_base_digest);
      insert.BindBlob(12, r.request);
      insert.BindBlob(13, r.response);
      insert.BindText(14, r.request_json);
      if (insert.Step() != SQLITE_DONE) {
        return Unavailable(db_, "cannot insert");
      }
      insert.Reset();
    }
    std::move(rollback).Cancel();
    if (!Exec("COMMIT")) {
      Exec("ROLLBACK");
      return Unavailable(db_, "cannot commit");
    }
    records = std::move(chained);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<AuditRecord>> GetAssessment(
      const std::string& assessment_id) override {
    Statement s(db_, absl::StrCat("SELECT ", kColumns,
                                  " FROM audit_records WHERE assessment_id = "
                                  "? ORDER BY kind = 'assessment' DESC, "
                                  "sequence"));
    s.BindText(1, assessment_id);
    return Collect(s);
  }

  absl::StatusOr<std::vector<AuditRecord>> ListByEncounter(
      const std::string& encounter_id, int64_t after_sequence,
      int limit) override {
    Statement s(db_, absl::StrCat("SELECT ", kColumns,
                                  " FROM audit_records WHERE encounter_id = ? "
                                  "AND kind = 'assessment' AND sequence > ? "
                                  "ORDER BY sequence LIMIT ?"));
    s.BindText(1, encounter_id);
    s.Bind(2, after_sequence);
    s.Bind(3, limit);
    return Collect(s);
  }

  absl::StatusOr<std::vector<AuditRecord>> Scan(int64_t after_sequence,
                                                int limit) override {
    Statement s(db_, absl::StrCat("SELECT ", kColumns,
                                  " FROM audit_records WHERE sequence > ? "
                                  "ORDER BY sequence LIMIT ?"));
    s.Bind(1, after_sequence);
    s.Bind(2, limit);
    return Collect(s);
  }

  absl::StatusOr<std::optional<Checkpoint>> LatestCheckpoint() override {
    Statement s(db_,
                "SELECT through_sequence, through_hash, purged_records, "
                "created_at_us, mac FROM audit_checkpoints ORDER BY "
                "through_sequence DESC LIMIT 1");
    if (!s.ok()) return Unavailable(db_, "cannot read checkpoints");
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<Checkpoint>();
    if (rc != SQLITE_ROW) return Unavailable(db_, "cannot read checkpoints");
    Checkpoint c;
    c.through_sequence = s.Int(0);
    c.through_hash = s.Bytes(1);
    c.purged_records = s.Int(2);
    c.created_at = absl::FromUnixMicros(s.Int(3));
    c.mac = s.Bytes(4);
    return std::optional<Checkpoint>(std::move(c));
  }

  absl::StatusOr<int64_t> Purge(absl::Time cutoff,
                                const std::string& key) override {
    if (!Exec("BEGIN IMMEDIATE")) return Unavailable(db_, "cannot lock");
    absl::Cleanup rollback = [this] { Exec("ROLLBACK"); };
    int64_t first = 0, last = 0, first_kept = 0;
    {
      Statement s(db_,
                  "SELECT MIN(sequence), MAX(sequence), (SELECT MIN(sequence) "
                  "FROM audit_records WHERE recorded_at_us >= ?) FROM "
                  "audit_records");
      s.Bind(1, ToMicros(cutoff));
      if (!s.ok() || s.Step() != SQLITE_ROW) {
        return Unavailable(db_, "cannot scan for purge");
      }
      if (s.IsNull(0)) return 0;  // empty
      first = s.Int(0);
      last = s.Int(1);
      first_kept = s.IsNull(2) ? last + 1 : s.Int(2);
    }
    const int64_t through = first_kept - 1;
    if (through < first) return 0;
    Checkpoint c;
    c.through_sequence = through;
    c.purged_records = through - first + 1;
    c.created_at = absl::FromUnixMicros(ToMicros(absl::Now()));
    {
      Statement s(db_, "SELECT hash FROM audit_records WHERE sequence = ?");
      s.Bind(1, through);
      if (!s.ok() || s.Step() != SQLITE_ROW) {
        return Unavailable(db_, "cannot read the last purged record");
      }
      c.through_hash = s.Bytes(0);
    }
    c.mac = CheckpointMac(c, key);
    {
      Statement s(db_, "DELETE FROM audit_records WHERE sequence <= ?");
      s.Bind(1, through);
      if (!s.ok() || s.Step() != SQLITE_DONE) {
        return Unavailable(db_, "cannot delete");
      }
    }
    {
      Statement s(db_, "INSERT INTO audit_checkpoints VALUES (?,?,?,?,?)");
      s.Bind(1, c.through_sequence);
      s.BindText(2, c.through_hash);
      s.Bind(3, c.purged_records);
      s.Bind(4, ToMicros(c.created_at));
      s.BindText(5, c.mac);
      if (!s.ok() || s.Step() != SQLITE_DONE) {
        return Unavailable(db_, "cannot write the checkpoint");
      }
    }
    std::move(rollback).Cancel();
    if (!Exec("COMMIT")) {
      Exec("ROLLBACK");
      return Unavailable(db_, "cannot commit the purge");
    }
    return c.purged_records;
  }

  std::string backend() const override { return "sqlite"; }

 private:
  bool Exec(const char* sql) {
    return sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
  }

  // The chain's last (sequence, hash): the newest record, else the latest
  // checkpoint, else the genesis.
  absl::StatusOr<std::pair<int64_t, std::string>> Tail() {
    Statement s(db_,
                "SELECT sequence, hash FROM audit_records ORDER BY sequence "
                "DESC LIMIT 1");
    if (!s.ok()) return Unavailable(db_, "cannot read the chain's tail");
    int rc = s.Step();
    if (rc == SQLITE_ROW) return std::make_pair(s.Int(0), s.Bytes(1));
    if (rc != SQLITE_DONE) return Unavailable(db_, "cannot read the tail");
    absl::StatusOr<std::optional<Checkpoint>> c = LatestCheckpoint();
    if (!c.ok()) return c.status();
    if (c->has_value()) {
      return std::make_pair((*c)->through_sequence, (*c)->through_hash);
    }
    return std::make_pair(int64_t{0}, std::string(kGenesisHash));
  }

  absl::StatusOr<std::vector<AuditRecord>> Collect(Statement& s) {
    if (!s.ok()) return Unavailable(db_, "cannot prepare query");
    std::vector<AuditRecord> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadRecord(s));
    if (rc != SQLITE_DONE) return Unavailable(db_, "cannot read");
    return out;
  }

  sqlite3* db_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> OpenSqliteStore(
    const std::string& path) {
  if (path.empty()) {
    return absl::InvalidArgumentError("audit store: empty SQLite path");
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
      nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return absl::UnavailableError(absl::StrCat(
        "audit store (sqlite): cannot open ", path, ": ", message));
  }
  auto store = std::make_unique<SqliteStore>(db);
  if (absl::Status s = store->Migrate(); !s.ok()) return s;
  return std::unique_ptr<AuditStore>(std::move(store));
}

}  // namespace medius::audit
