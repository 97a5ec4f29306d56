#include "knowledge/knowledge_base.h"

#include <limits>
#include <string>
#include <unordered_map>
#include <utility>

#include "knowledge/normalize.h"

namespace sextant::knowledge {
namespace {

constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE entities(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE);
CREATE TABLE entity_aliases(
  alias_key TEXT NOT NULL,
  entity_id INTEGER NOT NULL REFERENCES entities(id),
  PRIMARY KEY(alias_key, entity_id)) WITHOUT ROWID;
CREATE TABLE relations(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  key TEXT NOT NULL UNIQUE,
  inverse_id INTEGER REFERENCES relations(id),
  functional INTEGER NOT NULL DEFAULT 0);
CREATE TABLE relation_aliases(
  alias_key TEXT NOT NULL,
  relation_id INTEGER NOT NULL REFERENCES relations(id),
  PRIMARY KEY(alias_key, relation_id)) WITHOUT ROWID;
CREATE TABLE triples(
  id INTEGER PRIMARY KEY,
  s INTEGER NOT NULL REFERENCES entities(id),
  r INTEGER NOT NULL REFERENCES relations(id),
  o INTEGER NOT NULL REFERENCES entities(id),
  source TEXT,
  confidence REAL NOT NULL DEFAULT 1.0 CHECK(confidence >= 0 AND confidence <= 1),
  UNIQUE(s, r, o));
CREATE INDEX triples_o ON triples(o);
CREATE INDEX triples_ro ON triples(r, o);
CREATE VIEW triples_text(id, s, r, o) AS
  SELECT t.id, es.name, rel.key, eo.name FROM triples t
  JOIN entities es ON es.id = t.s
  JOIN relations rel ON rel.id = t.r
  JOIN entities eo ON eo.id = t.o;
CREATE VIRTUAL TABLE triples_fts USING fts5(
  s, r, o, content='triples_text', content_rowid='id', tokenize='unicode61 remove_diacritics 2');
)sql";

// One index on (o, r) serves both the object-only and the (relation,
// object) patterns, and costs one index insert a triple less than two.
// Relation-only patterns scan the triples in id order.
constexpr std::string_view kSchemaV2 = R"sql(
DROP INDEX triples_o;
DROP INDEX triples_ro;
CREATE INDEX triples_or ON triples(o, r);
)sql";

constexpr Migration kMigrations[] = {
    {1, "entities, relations, triples, aliases and the FTS5 index", kSchemaV1},
    {2, "one (o, r) index on triples instead of (o) and (r, o)", kSchemaV2},
};

}  // namespace

struct KnowledgeBase::Cache {
  // Names as written and normalized keys, each to an id.
  std::unordered_map<std::string, std::int64_t> entity_by_raw;
  std::unordered_map<std::string, std::int64_t> entity_by_key;
  std::unordered_map<std::int64_t, std::string> entity_name;  // the FTS text
  std::unordered_map<std::string, std::int64_t> relation_by_raw;
  std::unordered_map<std::string, std::int64_t> relation_by_key;
  std::unordered_map<std::int64_t, std::string> relation_key;  // the FTS text
  // After Preload: the maps above hold every entity and relation, and these
  // every alias (an entity alias shared by several entities maps to 0), so a
  // name missing from them is missing from the database.
  bool complete = false;
  std::unordered_map<std::string, std::int64_t> entity_by_alias;
  std::unordered_map<std::string, std::int64_t> relation_by_alias;
};

KnowledgeBase::KnowledgeBase(std::unique_ptr<Database> db, const KnowledgeBaseOptions& options)
    : db_(std::move(db)), options_(options), cache_(std::make_unique<Cache>()) {}

KnowledgeBase::~KnowledgeBase() = default;

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::Init(std::unique_ptr<Database> db,
                                                           const KnowledgeBaseOptions& options) {
  if (options.cache_kib < 0) return InvalidArgumentError("cache_kib must be >= 0");
  SEXTANT_RETURN_IF_ERROR(db->Exec("PRAGMA cache_size=-" + std::to_string(options.cache_kib)));
  SEXTANT_RETURN_IF_ERROR(db->Migrate(kMigrations));
  // Per-term row counts of the FTS5 index, for Search; temp, so that a
  // read-only file serves it too.
  SEXTANT_RETURN_IF_ERROR(
      db->Exec("CREATE VIRTUAL TABLE IF NOT EXISTS temp.triples_vocab "
               "USING fts5vocab(main, 'triples_fts', 'row')"));
  return std::unique_ptr<KnowledgeBase>(new KnowledgeBase(std::move(db), options));
}

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::Open(const std::filesystem::path& path,
                                                           const KnowledgeBaseOptions& options) {
  SEXTANT_ASSIGN_OR_RETURN(auto db, Database::Open(path, options.database));
  return Init(std::move(db), options);
}

Result<std::unique_ptr<KnowledgeBase>> KnowledgeBase::OpenInMemory(
    const KnowledgeBaseOptions& options) {
  SEXTANT_ASSIGN_OR_RETURN(auto db, Database::OpenInMemory(options.database));
  return Init(std::move(db), options);
}

Result<Transaction> KnowledgeBase::Begin() { return db_->Begin(TransactionMode::kImmediate); }

void KnowledgeBase::ClearCache() {
  cache_ = std::make_unique<Cache>();
  bulk_after_.reset();
}

Status KnowledgeBase::BeginBulk() {
  if (!db_->InTransaction()) return FailedPreconditionError("BeginBulk needs a transaction");
  SEXTANT_ASSIGN_OR_RETURN(auto max_id,
                           db_->QueryOne<std::int64_t>("SELECT coalesce(max(id), 0) FROM triples"));
  bulk_after_ = max_id.value_or(0);
  if (cache_->complete || options_.max_preload_entities <= 0) return Status::Ok();
  SEXTANT_ASSIGN_OR_RETURN(auto entities,
                           db_->QueryOne<std::int64_t>("SELECT count(*) FROM entities"));
  if (entities.value_or(0) > options_.max_preload_entities) return Status::Ok();
  return Preload();
}

Status KnowledgeBase::Preload() {
  auto cache = std::make_unique<Cache>();
  SEXTANT_ASSIGN_OR_RETURN(Statement e, db_->Prepare("SELECT id, name, key FROM entities"));
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool row, e.Step());
    if (!row) break;
    cache->entity_name.emplace(e.ColumnInt(0), e.ColumnText(1));
    cache->entity_by_key.emplace(e.ColumnText(2), e.ColumnInt(0));
  }
  SEXTANT_ASSIGN_OR_RETURN(Statement ea,
                           db_->Prepare("SELECT alias_key, entity_id FROM entity_aliases"));
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool row, ea.Step());
    if (!row) break;
    auto [it, added] = cache->entity_by_alias.emplace(ea.ColumnText(0), ea.ColumnInt(1));
    if (!added && it->second != ea.ColumnInt(1)) it->second = 0;
  }
  SEXTANT_ASSIGN_OR_RETURN(Statement r, db_->Prepare("SELECT id, key FROM relations"));
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool row, r.Step());
    if (!row) break;
    cache->relation_key.emplace(r.ColumnInt(0), r.ColumnText(1));
    cache->relation_by_key.emplace(r.ColumnText(1), r.ColumnInt(0));
  }
  // As RelationId's query: the first alias row wins.
  SEXTANT_ASSIGN_OR_RETURN(Statement ra,
                           db_->Prepare("SELECT alias_key, relation_id FROM relation_aliases"));
  for (;;) {
    SEXTANT_ASSIGN_OR_RETURN(bool row, ra.Step());
    if (!row) break;
    cache->relation_by_alias.emplace(ra.ColumnText(0), ra.ColumnInt(1));
  }
  cache->complete = true;
  cache_ = std::move(cache);
  return Status::Ok();
}

Status KnowledgeBase::EndBulk() {
  if (!bulk_after_) return FailedPreconditionError("EndBulk without BeginBulk");
  const std::int64_t after = *bulk_after_;
  bulk_after_.reset();
  return db_->Execute(
      "INSERT INTO triples_fts(rowid, s, r, o) SELECT id, s, r, o FROM triples_text WHERE id > ?",
      after);
}

Result<std::string> KnowledgeBase::CheckedKey(std::string_view name, bool relation) const {
  const char* what = relation ? "relation" : "entity";
  if (name.size() > options_.max_name_bytes) {
    return InvalidArgumentError(std::string(what) + " name of " + std::to_string(name.size()) +
                                " bytes exceeds the limit of " +
                                std::to_string(options_.max_name_bytes));
  }
  auto key = relation ? NormalizeRelationKey(name) : NormalizeKey(name);
  if (!key.ok()) return key.status().WithContext(what);
  if (key->empty()) {
    return InvalidArgumentError(std::string(what) + " name '" + std::string(name) +
                                "' normalizes to nothing");
  }
  return key;
}

Result<std::int64_t> KnowledgeBase::EntityId(std::string_view name) {
  Cache& c = *cache_;
  std::string raw(name);
  if (auto it = c.entity_by_raw.find(raw); it != c.entity_by_raw.end()) return it->second;
  SEXTANT_ASSIGN_OR_RETURN(std::string key, CheckedKey(name, false));
  std::int64_t id = 0;
  if (auto it = c.entity_by_key.find(key); it != c.entity_by_key.end()) {
    id = it->second;
  } else {
    std::optional<std::int64_t> row;
    if (c.complete) {
      auto alias = c.entity_by_alias.find(key);
      if (alias != c.entity_by_alias.end() && alias->second != 0) row = alias->second;
    } else {
      SEXTANT_ASSIGN_OR_RETURN(
          row, db_->QueryOne<std::int64_t>("SELECT id FROM entities WHERE key = ?", key));
    }
    if (!row && !c.complete) {
      // An alias of exactly one entity names that entity.
      SEXTANT_ASSIGN_OR_RETURN(Statement stmt,
                               db_->PrepareCached("SELECT entity_id FROM entity_aliases "
                                                  "WHERE alias_key = ? LIMIT 2"));
      SEXTANT_RETURN_IF_ERROR(stmt.BindAll(key));
      std::vector<std::int64_t> ids;
      for (;;) {
        SEXTANT_ASSIGN_OR_RETURN(bool has_row, stmt.Step());
        if (!has_row) break;
        ids.push_back(stmt.ColumnInt(0));
      }
      if (ids.size() == 1) row = ids[0];
    }
    if (row && c.complete) {
      id = *row;  // its name is loaded
    } else if (row) {
      id = *row;
      SEXTANT_ASSIGN_OR_RETURN(
          auto stored, db_->QueryOne<std::string>("SELECT name FROM entities WHERE id = ?", id));
      c.entity_name[id] = stored.value_or(raw);
    } else {
      SEXTANT_RETURN_IF_ERROR(
          db_->Execute("INSERT INTO entities(name, key) VALUES(?, ?)", name, key));
      id = db_->LastInsertRowId();
      c.entity_name[id] = raw;
    }
    c.entity_by_key.emplace(std::move(key), id);
  }
  c.entity_by_raw.emplace(std::move(raw), id);
  return id;
}

Result<std::int64_t> KnowledgeBase::RelationId(std::string_view name) {
  Cache& c = *cache_;
  std::string raw(name);
  if (auto it = c.relation_by_raw.find(raw); it != c.relation_by_raw.end()) return it->second;
  SEXTANT_ASSIGN_OR_RETURN(std::string key, CheckedKey(name, true));
  std::int64_t id = 0;
  if (auto it = c.relation_by_key.find(key); it != c.relation_by_key.end()) {
    id = it->second;
  } else {
    std::optional<std::int64_t> row;
    if (c.complete) {
      if (auto alias = c.relation_by_alias.find(key); alias != c.relation_by_alias.end()) {
        row = alias->second;
      }
    } else {
      SEXTANT_ASSIGN_OR_RETURN(
          row, db_->QueryOne<std::int64_t>("SELECT id FROM relations WHERE key = ?", key));
      if (!row) {
        SEXTANT_ASSIGN_OR_RETURN(
            row, db_->QueryOne<std::int64_t>("SELECT relation_id FROM relation_aliases "
                                             "WHERE alias_key = ? LIMIT 1",
                                             key));
      }
    }
    if (row && c.complete) {
      id = *row;  // its key is loaded
    } else if (row) {
      id = *row;
      SEXTANT_ASSIGN_OR_RETURN(
          auto stored, db_->QueryOne<std::string>("SELECT key FROM relations WHERE id = ?", id));
      c.relation_key[id] = stored.value_or(key);
    } else {
      SEXTANT_RETURN_IF_ERROR(
          db_->Execute("INSERT INTO relations(name, key) VALUES(?, ?)", name, key));
      id = db_->LastInsertRowId();
      c.relation_key[id] = key;
    }
    c.relation_by_key.emplace(std::move(key), id);
  }
  c.relation_by_raw.emplace(std::move(raw), id);
  return id;
}

Result<bool> KnowledgeBase::AddTriple(const TripleInput& triple) {
  if (!(triple.confidence >= 0.0 && triple.confidence <= 1.0)) {
    return InvalidArgumentError("confidence " + std::to_string(triple.confidence) +
                                " is outside [0, 1]");
  }
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t s, EntityId(triple.s));
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t r, RelationId(triple.r));
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t o, EntityId(triple.o));
  std::optional<std::string_view> source;
  if (!triple.source.empty()) source = triple.source;
  SEXTANT_RETURN_IF_ERROR(
      db_->Execute("INSERT INTO triples(s, r, o, source, confidence) VALUES(?, ?, ?, ?, ?) "
                   "ON CONFLICT DO NOTHING",
                   s, r, o, source, triple.confidence));
  if (db_->Changes() == 0) return false;
  const std::int64_t id = db_->LastInsertRowId();
  if (bulk_after_) return true;  // EndBulk indexes it
  const Cache& c = *cache_;
  SEXTANT_RETURN_IF_ERROR(db_->Execute("INSERT INTO triples_fts(rowid, s, r, o) VALUES(?, ?, ?, ?)",
                                       id, c.entity_name.at(s), c.relation_key.at(r),
                                       c.entity_name.at(o)));
  return true;
}

Status KnowledgeBase::AddEntityAlias(std::string_view entity, std::string_view alias) {
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t id, EntityId(entity));
  SEXTANT_ASSIGN_OR_RETURN(std::string key, CheckedKey(alias, false));
  SEXTANT_RETURN_IF_ERROR(db_->Execute(
      "INSERT INTO entity_aliases(alias_key, entity_id) VALUES(?, ?) ON CONFLICT DO NOTHING", key,
      id));
  cache_->entity_by_raw.emplace(std::string(alias), id);
  if (cache_->complete) {
    auto [it, added] = cache_->entity_by_alias.emplace(std::move(key), id);
    if (!added && it->second != id) it->second = 0;
  }
  return Status::Ok();
}

Status KnowledgeBase::ReindexEntity(std::int64_t entity_id, bool remove) {
  const std::string sql =
      remove ? "INSERT INTO triples_fts(triples_fts, rowid, s, r, o) "
               "SELECT 'delete', id, s, r, o FROM triples_text WHERE id IN "
               "(SELECT id FROM triples WHERE s = ?1 UNION SELECT id FROM triples WHERE o = ?1)"
             : "INSERT INTO triples_fts(rowid, s, r, o) "
               "SELECT id, s, r, o FROM triples_text WHERE id IN "
               "(SELECT id FROM triples WHERE s = ?1 UNION SELECT id FROM triples WHERE o = ?1)";
  // In bulk mode only the triples indexed before it began are in the index.
  SEXTANT_ASSIGN_OR_RETURN(Statement stmt, db_->Prepare(sql + " AND id <= ?2"));
  SEXTANT_RETURN_IF_ERROR(stmt.Bind(1, entity_id));
  SEXTANT_RETURN_IF_ERROR(
      stmt.Bind(2, bulk_after_.value_or(std::numeric_limits<std::int64_t>::max())));
  return stmt.Run();
}

Status KnowledgeBase::SetEntityName(std::string_view entity, std::string_view name) {
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t id, EntityId(entity));
  if (name.empty() || name.size() > options_.max_name_bytes) {
    return InvalidArgumentError("entity display name must have 1.." +
                                std::to_string(options_.max_name_bytes) + " bytes");
  }
  if (cache_->entity_name[id] == name) return Status::Ok();
  SEXTANT_RETURN_IF_ERROR(ReindexEntity(id, /*remove=*/true));
  SEXTANT_RETURN_IF_ERROR(db_->Execute("UPDATE entities SET name = ? WHERE id = ?", name, id));
  SEXTANT_RETURN_IF_ERROR(ReindexEntity(id, /*remove=*/false));
  cache_->entity_name[id] = std::string(name);
  return Status::Ok();
}

Status KnowledgeBase::AddRelationAlias(std::string_view relation, std::string_view alias) {
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t id, RelationId(relation));
  SEXTANT_ASSIGN_OR_RETURN(std::string key, CheckedKey(alias, true));
  SEXTANT_RETURN_IF_ERROR(db_->Execute(
      "INSERT INTO relation_aliases(alias_key, relation_id) VALUES(?, ?) ON CONFLICT DO NOTHING",
      key, id));
  if (cache_->complete) cache_->relation_by_alias.emplace(std::move(key), id);
  return Status::Ok();
}

Status KnowledgeBase::SetRelationInverse(std::string_view relation, std::string_view inverse) {
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t a, RelationId(relation));
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t b, RelationId(inverse));
  SEXTANT_RETURN_IF_ERROR(db_->Execute("UPDATE relations SET inverse_id = ? WHERE id = ?", b, a));
  return db_->Execute("UPDATE relations SET inverse_id = ? WHERE id = ?", a, b);
}

Status KnowledgeBase::SetRelationFunctional(std::string_view relation, bool functional) {
  SEXTANT_ASSIGN_OR_RETURN(std::int64_t id, RelationId(relation));
  return db_->Execute("UPDATE relations SET functional = ? WHERE id = ?", functional, id);
}

}  // namespace sextant::knowledge
