#include "audit/postgres_store.h"

#include <libpq-fe.h>

#include <climits>
#include <cstdint>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace medius::audit {
namespace {

// Versioned migrations, applied in order, each once (schema_migrations):
// the same tables, columns and indexes as sqlite_store.cc's, so the two stay
// interchangeable. Never edit one that has shipped: add the next.
constexpr const char* kMigrations[] = {
    // 1: the chain, its indexes, and retention checkpoints.
    R"sql(
CREATE TABLE audit_records (
  sequence BIGINT PRIMARY KEY,
  previous_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  kind TEXT NOT NULL,
  assessment_id TEXT NOT NULL,
  encounter_id TEXT NOT NULL,
  recorded_at_us BIGINT NOT NULL,
  client TEXT NOT NULL,
  transport TEXT NOT NULL,
  kb_version TEXT NOT NULL,
  kb_digest TEXT NOT NULL,
  request BYTEA NOT NULL,
  response BYTEA NOT NULL,
  request_json TEXT NOT NULL);
CREATE UNIQUE INDEX audit_records_one_assessment
  ON audit_records (assessment_id) WHERE kind = 'assessment';
CREATE INDEX audit_records_by_assessment ON audit_records (assessment_id);
CREATE INDEX audit_records_by_encounter
  ON audit_records (encounter_id, sequence);
CREATE TABLE audit_checkpoints (
  through_sequence BIGINT PRIMARY KEY,
  through_hash TEXT NOT NULL,
  purged_records BIGINT NOT NULL,
  created_at_us BIGINT NOT NULL,
  mac TEXT NOT NULL);
)sql",
};

// pg_advisory_xact_lock keys ("MEDIUS" and a number). Every replica of
// every version must use the same ones, so never change them.
constexpr int64_t kMigrationLock = 0x4d4544495553'0001;
constexpr int64_t kAppendLock = 0x4d4544495553'0002;

constexpr char kMigrationsTable[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY "
    "KEY, applied_at_us BIGINT NOT NULL)";

constexpr char kColumns[] =
    "sequence, previous_hash, hash, kind, assessment_id, encounter_id, "
    "recorded_at_us, client, transport, kb_version, kb_digest, request, "
    "response, request_json";

// Parameters go in binary format, and results come back in it: bytes as
// they are (no escaping: every byte value round-trips), and a NUL inside a
// text is refused by the server instead of cutting it short unseen (text
// format ends a value at its NUL: the record would no longer match its hash).
// Types are left to the server to infer from the columns.
struct Params {
  Params& Int(int64_t v) {
    std::string b(8, '\0');
    for (int i = 0; i < 8; ++i)
      b[i] = static_cast<char>(uint64_t(v) >> (56 - 8 * i));
    return Str(std::move(b));
  }
  Params& Str(std::string v) {
    values.push_back(std::move(v));
    return *this;
  }
  std::vector<std::string> values;
};

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Result = std::unique_ptr<PGresult, ResultDeleter>;

int64_t Int(const PGresult* r, int row, int col) {
  if (PQgetlength(r, row, col) != 8) return 0;
  const auto* p =
      reinterpret_cast<const unsigned char*>(PQgetvalue(r, row, col));
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | p[i];
  return static_cast<int64_t>(v);
}

std::string Bytes(const PGresult* r, int row, int col) {
  return std::string(PQgetvalue(r, row, col), PQgetlength(r, row, col));
}

AuditRecord ReadRecord(const PGresult* res, int row) {
  AuditRecord r;
  r.sequence = Int(res, row, 0);
  r.previous_hash = Bytes(res, row, 1);
  r.hash = Bytes(res, row, 2);
  if (!ParseKind(Bytes(res, row, 3), &r.kind)) r.kind = RecordKind::kAssessment;
  r.assessment_id = Bytes(res, row, 4);
  r.encounter_id = Bytes(res, row, 5);
  r.recorded_at = absl::FromUnixMicros(Int(res, row, 6));
  r.client = Bytes(res, row, 7);
  r.transport = Bytes(res, row, 8);
  r.knowledge_base_version = Bytes(res, row, 9);
  r.knowledge_base_digest = Bytes(res, row, 10);
  r.request = Bytes(res, row, 11);
  r.response = Bytes(res, row, 12);
  r.request_json = Bytes(res, row, 13);
  return r;
}

// A negative limit is none, as in SQLite (PostgreSQL refuses it).
int64_t Limit(int limit) { return limit < 0 ? INT64_MAX : limit; }

class PostgresStore final : public AuditStore {
 public:
  explicit PostgresStore(PGconn* conn) : conn_(conn) {
    // "relation already exists, skipping" and the like are not for stderr.
    PQsetNoticeProcessor(
        conn_, [](void*, const char*) {}, nullptr);
  }
  ~PostgresStore() override { PQfinish(conn_); }

  // After every (re)connection: session settings do not survive a reset.
  absl::Status Configure() {
    // A replica stuck inside an append must not hang every other one: like
    // SQLite's busy timeout, give up on the lock after 10 s (UNAVAILABLE),
    // unless the URI or the role already chose a lock_timeout.
    return Exec("cannot configure the session",
                "SELECT set_config('lock_timeout', '10s', false) WHERE "
                "current_setting('lock_timeout') = '0'");
  }

  absl::Status Migrate() {
    if (absl::Status s = Begin(); !s.ok()) return s;
    absl::Cleanup rollback = [this] { Rollback(); };
    absl::Status s = Exec(
        "cannot lock",
        absl::StrCat("SELECT pg_advisory_xact_lock(", kMigrationLock, ")"));
    if (s.ok()) s = Exec("cannot create schema_migrations", kMigrationsTable);
    if (!s.ok()) return s;
    absl::StatusOr<Result> max =
        Query("cannot read schema_migrations",
              "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
    if (!max.ok()) return max.status();
    const int64_t applied = Int(max->get(), 0, 0);
    constexpr int64_t known = sizeof(kMigrations) / sizeof(kMigrations[0]);
    if (applied > known) {
      return absl::FailedPreconditionError(absl::StrCat(
          "audit store (postgresql): schema version ", applied,
          " is newer than this server knows (", known, "): upgrade Medius"));
    }
    for (int64_t v = applied + 1; v <= known; ++v) {
      // Several statements: the simple protocol (PQexec).
      s = Check(PQexec(conn_, kMigrations[v - 1]), "migration").status();
      if (!s.ok()) return s;
      s = Exec("cannot record migration",
               "INSERT INTO schema_migrations VALUES ($1, "
               "(extract(epoch FROM now()) * 1000000)::BIGINT)",
               Params().Int(v));
      if (!s.ok()) return s;
    }
    std::move(rollback).Cancel();
    return Commit("cannot commit migrations");
  }

  absl::Status Append(std::vector<AuditRecord>& records) override {
    if (records.empty()) return absl::OkStatus();
    if (absl::Status s = BeginLocked(); !s.ok()) return s;
    absl::Cleanup rollback = [this] { Rollback(); };
    absl::StatusOr<std::pair<int64_t, std::string>> tail = Tail();
    if (!tail.ok()) return tail.status();
    auto [sequence, previous] = *std::move(tail);
    const std::string insert = absl::StrCat(
        "INSERT INTO audit_records (", kColumns,
        ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)");
    std::vector<AuditRecord> chained = records;
    for (AuditRecord& r : chained) {
      r.sequence = ++sequence;
      r.previous_hash = previous;
      r.hash = ChainHash(r);
      previous = r.hash;
      const std::string kind(KindName(r.kind));
      Params p;
      p.Int(r.sequence).Str(r.previous_hash).Str(r.hash).Str(kind);
      p.Str(r.assessment_id).Str(r.encounter_id).Int(ToMicros(r.recorded_at));
      p.Str(r.client).Str(r.transport).Str(r.knowledge_base_version);
      p.Str(r.knowledge_base_digest).Str(r.request).Str(r.response);
      p.Str(r.request_json);
      if (absl::Status s = Exec("cannot insert", insert, p); !s.ok()) return s;
    }
    std::move(rollback).Cancel();
    if (absl::Status s = Commit("cannot commit"); !s.ok()) return s;
    records = std::move(chained);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<AuditRecord>> GetAssessment(
      const std::string& id) override {
    return Retrying([&] {
      return Collect(
          "assessment_id = $1 ORDER BY kind = 'assessment' DESC, sequence",
          Params().Str(id));
    });
  }

  absl::StatusOr<std::vector<AuditRecord>> ListByEncounter(
      const std::string& encounter_id, int64_t after, int limit) override {
    return Retrying([&] {
      return Collect(
          "encounter_id = $1 AND kind = 'assessment' AND "
          "sequence > $2 ORDER BY sequence LIMIT $3",
          Params().Str(encounter_id).Int(after).Int(Limit(limit)));
    });
  }

  absl::StatusOr<std::vector<AuditRecord>> Scan(int64_t after,
                                                int limit) override {
    return Retrying([&] {
      return Collect("sequence > $1 ORDER BY sequence LIMIT $2",
                     Params().Int(after).Int(Limit(limit)));
    });
  }

  absl::StatusOr<std::optional<Checkpoint>> LatestCheckpoint() override {
    return Retrying([this] { return ReadCheckpoint(); });
  }

  absl::StatusOr<int64_t> Purge(absl::Time cutoff,
                                const std::string& key) override {
    if (absl::Status s = BeginLocked(); !s.ok()) return s;
    absl::Cleanup rollback = [this] { Rollback(); };
    absl::StatusOr<Result> range =
        Query("cannot scan for purge",
              "SELECT MIN(sequence), MAX(sequence), (SELECT MIN(sequence) FROM "
              "audit_records WHERE recorded_at_us >= $1) FROM audit_records",
              Params().Int(ToMicros(cutoff)));
    if (!range.ok()) return range.status();
    const PGresult* r = range->get();
    if (PQgetisnull(r, 0, 0)) return 0;  // empty
    const int64_t first = Int(r, 0, 0), last = Int(r, 0, 1);
    const int64_t first_kept = PQgetisnull(r, 0, 2) ? last + 1 : Int(r, 0, 2);
    const int64_t through = first_kept - 1;
    if (through < first) return 0;
    Checkpoint c;
    c.through_sequence = through;
    c.purged_records = through - first + 1;
    c.created_at = absl::FromUnixMicros(ToMicros(absl::Now()));
    absl::StatusOr<Result> hash =
        Query("cannot read the last purged record",
              "SELECT hash FROM audit_records WHERE sequence = $1",
              Params().Int(through));
    if (!hash.ok()) return hash.status();
    if (PQntuples(hash->get()) != 1) {
      return Unavailable("cannot read the last purged record");
    }
    c.through_hash = Bytes(hash->get(), 0, 0);
    c.mac = CheckpointMac(c, key);
    Params row;
    row.Int(through).Str(c.through_hash).Int(c.purged_records);
    row.Int(ToMicros(c.created_at)).Str(c.mac);
    absl::Status s =
        Exec("cannot delete", "DELETE FROM audit_records WHERE sequence <= $1",
             Params().Int(through));
    if (s.ok()) {
      s = Exec("cannot write the checkpoint",
               "INSERT INTO audit_checkpoints VALUES ($1,$2,$3,$4,$5)", row);
    }
    if (!s.ok()) return s;
    std::move(rollback).Cancel();
    s = Commit("cannot commit the purge");
    if (!s.ok()) return s;
    return c.purged_records;
  }

  std::string backend() const override { return "postgresql"; }

 private:
  absl::Status Unavailable(absl::string_view what,
                           const PGresult* result = nullptr) const {
    const char* detail = PQresultErrorMessage(result);  // "" for nullptr
    if (*detail == '\0') detail = PQerrorMessage(conn_);
    return absl::UnavailableError(absl::StrCat(
        "audit store (postgresql): ", what, ": ",
        *detail == '\0' ? "rolled back"
                        : absl::StripTrailingAsciiWhitespace(detail)));
  }

  // The result, or UNAVAILABLE with the server's message.
  absl::StatusOr<Result> Check(PGresult* raw, absl::string_view what) {
    Result r(raw);
    ExecStatusType status = PQresultStatus(r.get());
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      return Unavailable(what, r.get());
    }
    return r;
  }

  // One statement, results in binary format.
  absl::StatusOr<Result> Query(absl::string_view what, const std::string& sql,
                               const Params& p = Params()) {
    std::vector<const char*> values;
    std::vector<int> lengths, formats(p.values.size(), 1);
    for (const std::string& v : p.values) {
      if (v.size() > INT_MAX) return Unavailable(what);  // PostgreSQL: 1 GB
      values.push_back(v.data());
      lengths.push_back(static_cast<int>(v.size()));
    }
    return Check(
        PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()),
                     nullptr, values.data(), lengths.data(), formats.data(),
                     /*resultFormat=*/1),
        what);
  }
  absl::Status Exec(absl::string_view what, const std::string& sql,
                    const Params& p = Params()) {
    return Query(what, sql, p).status();
  }

  // Resets a connection libpq found broken (the server restarted or went
  // away) so one failure does not disable the store for good.
  absl::Status Reconnect() {
    if (PQstatus(conn_) == CONNECTION_OK) return absl::OkStatus();
    PQreset(conn_);
    if (PQstatus(conn_) != CONNECTION_OK) return Unavailable("cannot connect");
    return Configure();
  }

  // READ COMMITTED whatever the server's default: each statement then sees
  // what was committed before it started, so the tail read after the lock
  // sees the previous appender's records (a REPEATABLE READ snapshot would
  // be taken by the lock statement, before the wait, and fork the chain).
  absl::Status Begin() {
    if (absl::Status s = Reconnect(); !s.ok()) return s;
    // An earlier failed ROLLBACK must not leave us inside its transaction.
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) Rollback();
    constexpr char kBegin[] = "BEGIN ISOLATION LEVEL READ COMMITTED";
    absl::Status s = Exec("cannot begin", kBegin);
    // A restart goes unnoticed until a statement fails; nothing was done
    // yet, so reconnecting and beginning again is safe.
    if (!s.ok() && PQstatus(conn_) != CONNECTION_OK && Reconnect().ok()) {
      s = Exec("cannot begin", kBegin);
    }
    return s;
  }

  // A transaction holding the append lock: one appender (or purger) at a
  // time across every process sharing the database, until COMMIT/ROLLBACK.
  absl::Status BeginLocked() {
    if (absl::Status s = Begin(); !s.ok()) return s;
    absl::Status s =
        Exec("cannot lock",
             absl::StrCat("SELECT pg_advisory_xact_lock(", kAppendLock, ")"));
    if (!s.ok()) Rollback();
    return s;
  }

  // COMMIT in a failed transaction "succeeds" as a ROLLBACK: check the tag.
  absl::Status Commit(absl::string_view what) {
    Result r(PQexec(conn_, "COMMIT"));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK ||
        absl::string_view(PQcmdStatus(r.get())) != "COMMIT") {
      absl::Status s = Unavailable(what, r.get());
      Rollback();
      return s;
    }
    return absl::OkStatus();
  }

  void Rollback() { Result r(PQexec(conn_, "ROLLBACK")); }

  // A read outside any transaction, retried once on a fresh connection when
  // it was the one to find the old connection broken (reads are
  // idempotent; statements inside a transaction are never retried).
  template <typename F>
  auto Retrying(F read) -> decltype(read()) {
    if (absl::Status s = Reconnect(); !s.ok()) return s;
    auto result = read();
    if (!result.ok() && PQstatus(conn_) != CONNECTION_OK && Reconnect().ok()) {
      result = read();
    }
    return result;
  }

  absl::StatusOr<std::optional<Checkpoint>> ReadCheckpoint() {
    absl::StatusOr<Result> r =
        Query("cannot read checkpoints",
              "SELECT through_sequence, through_hash, purged_records, "
              "created_at_us, mac FROM audit_checkpoints ORDER BY "
              "through_sequence DESC LIMIT 1");
    if (!r.ok()) return r.status();
    if (PQntuples(r->get()) == 0) return std::optional<Checkpoint>();
    Checkpoint c;
    c.through_sequence = Int(r->get(), 0, 0);
    c.through_hash = Bytes(r->get(), 0, 1);
    c.purged_records = Int(r->get(), 0, 2);
    c.created_at = absl::FromUnixMicros(Int(r->get(), 0, 3));
    c.mac = Bytes(r->get(), 0, 4);
    return std::optional<Checkpoint>(std::move(c));
  }

  // The chain's last (sequence, hash): the newest record, else the latest
  // checkpoint, else the genesis.
  absl::StatusOr<std::pair<int64_t, std::string>> Tail() {
    absl::StatusOr<Result> r =
        Query("cannot read the chain's tail",
              "SELECT sequence, hash FROM audit_records ORDER BY sequence "
              "DESC LIMIT 1");
    if (!r.ok()) return r.status();
    if (PQntuples(r->get()) == 1) {
      return std::make_pair(Int(r->get(), 0, 0), Bytes(r->get(), 0, 1));
    }
    absl::StatusOr<std::optional<Checkpoint>> c = ReadCheckpoint();
    if (!c.ok()) return c.status();
    if (c->has_value()) {
      return std::make_pair((*c)->through_sequence, (*c)->through_hash);
    }
    return std::make_pair(int64_t{0}, std::string(kGenesisHash));
  }

  // The records WHERE `where`.
  absl::StatusOr<std::vector<AuditRecord>> Collect(absl::string_view where,
                                                   const Params& p) {
    absl::StatusOr<Result> r = Query(
        "cannot read",
        absl::StrCat("SELECT ", kColumns, " FROM audit_records WHERE ", where),
        p);
    if (!r.ok()) return r.status();
    std::vector<AuditRecord> out;
    const int rows = PQntuples(r->get());
    out.reserve(rows);
    for (int i = 0; i < rows; ++i) out.push_back(ReadRecord(r->get(), i));
    return out;
  }

  PGconn* conn_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<AuditStore>> OpenPostgresStore(
    const std::string& uri) {
  if (uri.empty()) {
    return absl::InvalidArgumentError("audit store: empty PostgreSQL URI");
  }
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(uri.c_str(), &error);
  if (parsed == nullptr) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    return absl::InvalidArgumentError(
        absl::StrCat("audit store (postgresql): bad connection URI: ",
                     absl::StripTrailingAsciiWhitespace(message)));
  }
  PQconninfoFree(parsed);
  // libpq waits forever for an unreachable host by default. The URI comes
  // last, so its own connect_timeout, if any, wins.
  const char* const keywords[] = {
      "connect_timeout", "fallback_application_name", "dbname", nullptr};
  const char* const values[] = {"10", "medius", uri.c_str(), nullptr};
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) {
    return absl::UnavailableError("audit store (postgresql): out of memory");
  }
  auto store = std::make_unique<PostgresStore>(conn);
  if (PQstatus(conn) != CONNECTION_OK) {
    return absl::UnavailableError(
        absl::StrCat("audit store (postgresql): cannot connect: ",
                     absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn))));
  }
  if (absl::Status s = store->Configure(); !s.ok()) return s;
  if (absl::Status s = store->Migrate(); !s.ok()) return s;
  return std::unique_ptr<AuditStore>(std::move(store));
}

}  // namespace medius::audit
