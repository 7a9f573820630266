"""The local store answers queries as MongoDB does, from its indexes.

deploy/local/ferretdb_patch.py makes FerretDB's equality filters usable by PostgreSQL indexes (the field
name a literal, `_id` by `=`, other fields by jsonb containment served by GIN indexes). These tests hold the
meaning (an equality on a field holding an array matches an element, numbers match across types, a unique
index still refuses a duplicate) and, on FerretDB, that lookups are index scans, not reads of the table.
"""
import time
import uuid

import pytest
from bson import ObjectId, Regex
from pymongo import ASCENDING, MongoClient
from pymongo.errors import DuplicateKeyError, OperationFailure

from tests.support import stack_env, wait_until


@pytest.fixture
def db():
    client = MongoClient(stack_env()["MONGODB_URI"])
    name = f"store_{uuid.uuid4().hex[:8]}"
    yield client[name]
    client.drop_database(name)
    client.close()


def test_equality_has_mongodb_meaning(db):
    oid = ObjectId()
    db.things.insert_many([
        {"_id": "a", "tags": ["koken", "taal"], "n": 5, "open": True, "email": "a@example.org"},
        {"_id": oid, "tags": "koken", "n": 5.0, "open": False, "email": "b@example.org"},
        {"_id": "c", "tags": ["sport"], "n": 6, "open": True, "where": {"area": "Noord"}},
    ])
    db.things.create_index([("tags", ASCENDING)])
    db.things.create_index([("n", ASCENDING), ("open", ASCENDING)])

    def ids(query):
        return sorted(str(d["_id"]) for d in db.things.find(query))

    assert ids({"_id": "a"}) == ["a"]
    assert ids({"_id": oid}) == [str(oid)]
    assert ids({"_id": str(oid)}) == []                      # a string is not an ObjectId
    assert ids({"tags": "koken"}) == sorted(["a", str(oid)])  # an element of an array, or the value itself
    assert ids({"tags": ["sport"]}) == ["c"]
    assert ids({"n": 5}) == sorted(["a", str(oid)])           # 5 and 5.0 are equal
    assert ids({"n": 5, "open": True}) == ["a"]
    assert ids({"open": False}) == [str(oid)]
    assert ids({"email": "b@example.org"}) == [str(oid)]
    assert ids({"where.area": "Noord"}) == ["c"]
    assert ids({"email": "nobody@example.org"}) == []
    assert ids({"n": {"$eq": 6}}) == ["c"]


def test_in_has_mongodb_meaning(db):
    """`$in` is pushed down to PostgreSQL as the equalities above, OR-ed (ferretdb_patch.py, mend 5): it must
    keep MongoDB's meaning, and what is not pushed down (null, a regex, a list in the list) still works."""
    oid, other = ObjectId(), ObjectId()
    db.things.insert_many([
        {"_id": "a", "tags": ["koken", "taal"], "n": 5, "open": True, "status": "open"},
        {"_id": oid, "tags": "koken", "n": 5.0, "open": False, "status": "open"},
        {"_id": "c", "tags": ["sport"], "n": 6, "open": True, "status": "closed"},
        {"_id": 7, "tags": [], "n": 2**40, "status": "closed"},
        {"_id": "e", "tags": ["x"], "where": {"area": "Noord"}, "n": 7.5, "open": None, "status": "open"},
    ])
    db.things.create_index([("tags", ASCENDING)])
    db.things.create_index([("n", ASCENDING)])

    def ids(query):
        return sorted(str(d["_id"]) for d in db.things.find(query))

    assert ids({"_id": {"$in": ["a", "c", "zz"]}}) == ["a", "c"]
    assert ids({"_id": {"$in": [oid, other]}}) == [str(oid)]
    assert ids({"_id": {"$in": [str(oid)]}}) == []                         # a string is not an ObjectId
    assert ids({"_id": {"$in": ["a", oid, 7]}}) == sorted(["a", str(oid), "7"])
    assert ids({"_id": {"$in": [7.0]}}) == ["7"]
    assert ids({"tags": {"$in": ["taal", "sport"]}}) == ["a", "c"]         # an element of an array
    assert ids({"tags": {"$in": ["koken"]}}) == sorted(["a", str(oid)])    # ... or the value itself
    assert ids({"where": {"$in": [{"area": "Noord"}, "Noord"]}}) == ["e"]  # a document: not pushed down
    assert ids({"tags": {"$in": [["sport"], "taal"]}}) == ["a", "c"]       # a list in the list: nor is that
    assert ids({"n": {"$in": [5]}}) == sorted(["a", str(oid)])             # 5 and 5.0 are equal
    assert ids({"n": {"$in": [6.0, 7.5, 2**40]}}) == ["7", "c", "e"]
    assert ids({"n": {"$in": [2**60, 6]}}) == ["c"]                         # beyond a safe double: not pushed down
    assert ids({"open": {"$in": [False]}}) == [str(oid)]
    assert ids({"open": {"$in": [None]}}) == ["7", "e"]                     # null matches a missing field
    assert ids({"open": {"$in": [None, True]}}) == ["7", "a", "c", "e"]
    assert ids({"status": {"$in": [Regex("^clo")]}}) == ["7", "c"]
    assert ids({"status": {"$in": []}}) == []
    assert ids({"_id": {"$in": [f"x{i}" for i in range(1500)] + ["a"]}}) == ["a"]  # past the cap
    assert ids({"status": {"$in": ["open"]}, "tags": {"$in": ["koken", "sport"]}}) == sorted(["a", str(oid)])
    assert ids({"_id": {"$in": ["a", "c", "e"]}, "open": True, "n": {"$in": [6, 7]}}) == ["c"]
    assert ids({"n": {"$in": [5, 6], "$ne": 6}}) == sorted(["a", str(oid)])
    assert ids({"tags.0": {"$in": ["sport"]}}) == ["c"]                     # a path: not pushed down
    assert ids({"$or": [{"_id": {"$in": ["a"]}}, {"n": {"$in": [6]}}]}) == ["a", "c"]

    assert db.things.count_documents({"status": {"$in": ["open", "nowhere"]}}) == 3
    assert db.things.count_documents({"_id": {"$in": ["a", "c", oid]}, "status": "open"}) == 2
    assert db.things.update_many({"_id": {"$in": ["a", "c", "zz"]}}, {"$set": {"seen": 1}}).modified_count == 2
    assert db.things.update_many({"tags": {"$in": ["koken"]}}, {"$inc": {"seen": 1}}).modified_count == 2
    assert ids({"seen": 2}) == ["a"]
    assert db.things.delete_many({"n": {"$in": [5, 2**40]}}).deleted_count == 3
    assert ids({}) == ["c", "e"]


def test_updates_and_deletes_through_a_path_into_an_array(db):
    db.evenings.insert_one({"_id": "e", "residents": [{"person_id": "p1"}, {"person_id": "p2"}],
                            "venue": {"area": "Noord"}})
    assert db.evenings.count_documents({"_id": "e", "residents.person_id": "p1"}) == 1
    assert db.evenings.update_one({"_id": "e", "residents.person_id": "p1"}, {"$set": {"seen": 1}}).matched_count == 1
    assert db.evenings.update_one({"venue.area": "Noord"}, {"$set": {"seen": 2}}).matched_count == 1
    assert db.evenings.update_one({"_id": "e", "residents.person_id": "p9"}, {"$set": {"seen": 3}}).matched_count == 0
    assert db.evenings.find_one({"_id": "e"})["seen"] == 2
    assert db.evenings.delete_many({"residents.person_id": "p2"}).deleted_count == 1


def test_unique_index_refuses_a_duplicate_and_can_be_dropped(db):
    db.signups.create_index([("meeting", ASCENDING), ("email", ASCENDING)], unique=True, name="one_per_meeting")
    db.signups.insert_one({"_id": "1", "meeting": "m", "email": "x@example.org"})
    with pytest.raises(DuplicateKeyError):
        db.signups.insert_one({"_id": "2", "meeting": "m", "email": "x@example.org"})
    db.signups.insert_one({"_id": "3", "meeting": "other", "email": "x@example.org"})
    assert [d["_id"] for d in db.signups.find({"meeting": "m", "email": "x@example.org"})] == ["1"]
    db.signups.drop_index("one_per_meeting")
    db.signups.insert_one({"_id": "4", "meeting": "m", "email": "x@example.org"})
    assert db.signups.count_documents({"meeting": "m"}) == 2


# --- on FerretDB: index scans, read from PostgreSQL's own statistics --------------------------------

def _postgres():
    env = stack_env()
    if env.get("DOCSTORE_KIND") != "ferretdb":
        pytest.skip("the store is not the local FerretDB: its query plans are MongoDB's own")
    import psycopg

    return psycopg.connect(env["POSTGRES_URL"], autocommit=True)


def _scans(pg, table: str) -> tuple[int, int]:
    """(sequential scans, index scans) of a table, as PostgreSQL has counted them so far."""
    row = pg.execute("SELECT seq_scan, coalesce(idx_scan, 0) FROM pg_stat_user_tables WHERE relid = %s::regclass",
                     (table,)).fetchone()
    return row[0], row[1]


def _settled_scans(pg, table: str) -> tuple[int, int]:
    """Backends report their statistics within a second or so of going idle: wait until they stop moving."""
    last = _scans(pg, table)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        time.sleep(1.5)
        now = _scans(pg, table)
        if now == last:
            return now
        last = now
    raise AssertionError(f"the statistics of {table} did not settle")


def test_lookups_and_updates_are_index_scans(db):
    from deploy.local.postgres import ferretdb_table

    pg = _postgres()
    people = db.people
    people.create_index([("email", ASCENDING)])
    people.create_index([("meeting_id", ASCENDING), ("status", ASCENDING)])
    people.create_index([("code", ASCENDING)], unique=True)
    people.insert_many([{"_id": f"p{i}", "email": f"p{i}@example.org", "meeting_id": f"m{i % 50}",
                         "status": "confirmed" if i % 3 else "waitlisted", "code": f"C{i:05d}"}
                        for i in range(3000)])
    table = ferretdb_table(pg, db.name, "people")
    pg.execute(f"ANALYZE {table}")  # as autovacuum will have, on a store in use
    seq_before, idx_before = _settled_scans(pg, table)

    for n in range(8):  # each statement more than five times: PostgreSQL's generic plans come in there
        assert people.find_one({"_id": f"p{1234 + n}"})["email"] == f"p{1234 + n}@example.org"
        assert people.find_one({"email": f"p{2345 + n}@example.org"})["_id"] == f"p{2345 + n}"
        assert people.count_documents({"meeting_id": f"m{7 + n}", "status": "confirmed"}) == 40
        assert people.find_one({"code": f"C{42 + n:05d}"})["_id"] == f"p{42 + n}"
        assert people.update_one({"_id": f"p{40 + n}"}, {"$set": {"status": "cancelled"}}).modified_count == 1
        assert people.find_one_and_update({"email": f"p{1040 + n}@example.org"},
                                          {"$set": {"status": "cancelled"}})["_id"] == f"p{1040 + n}"
        assert people.delete_one({"code": f"C{2040 + n:05d}"}).deleted_count == 1
    lookups = 7 * 8

    wait_until(lambda: _scans(pg, table)[1] >= idx_before + lookups, 30, 0.5, "the index scans to be counted")
    seq_after, _ = _settled_scans(pg, table)
    pg.close()
    assert seq_after == seq_before, f"{seq_after - seq_before} of {lookups} lookups read the whole table"


def test_in_lookups_are_index_scans(db):
    """`$in` on `_id` (the unique btree, one `IN (...)`) and on indexed fields, arrays among them (GIN, an OR of
    containments): PostgreSQL answers from the indexes, in find, count, update_many and delete_many."""
    from deploy.local.postgres import ferretdb_table

    pg = _postgres()
    people = db.people
    people.create_index([("email", ASCENDING)])
    people.create_index([("roles", ASCENDING)])
    people.insert_many([{"_id": f"p{i}", "email": f"p{i}@example.org", "roles": [f"r{i % 500}", f"s{i % 700}"],
                         "n": i} for i in range(3000)])
    table = ferretdb_table(pg, db.name, "people")
    pg.execute(f"ANALYZE {table}")
    seq_before, idx_before = _settled_scans(pg, table)

    for n in range(8):  # each statement more than five times: PostgreSQL's generic plans come in there
        ids = [f"p{100 + 10 * n + k}" for k in range(10)]
        assert sorted(d["n"] for d in people.find({"_id": {"$in": ids}}, {"n": 1})) == [100 + 10 * n + k
                                                                                       for k in range(10)]
        assert len(list(people.find({"_id": {"$in": ids[:3] + ["nobody"]}}))) == 3
        assert people.count_documents({"email": {"$in": [f"p{2000 + n}@example.org", f"p{2500 + n}@example.org"]}}) == 2
        assert people.count_documents({"roles": {"$in": [f"r{n}", f"s{n}"]}}) == 10
        assert people.update_many({"_id": {"$in": ids[3:6]}}, {"$inc": {"n": 10_000}}).modified_count == 3
        assert people.delete_many({"email": {"$in": [f"p{1000 + n}@example.org", f"p{1100 + n}@example.org"]}},
                                  ).deleted_count == 2
    lookups = 6 * 8

    wait_until(lambda: _scans(pg, table)[1] >= idx_before + lookups, 30, 0.5, "the index scans to be counted")
    seq_after, _ = _settled_scans(pg, table)
    pg.close()
    assert seq_after == seq_before, f"{seq_after - seq_before} of {lookups} $in lookups read the whole table"


def test_an_update_that_breaks_a_unique_index_is_refused(db):
    db.codes.create_index([("code", ASCENDING)], unique=True)
    db.codes.insert_many([{"_id": "a", "code": "X"}, {"_id": "b", "code": "Y"}])
    with pytest.raises(OperationFailure):  # MongoDB: DuplicateKeyError (a subclass); FerretDB: InternalError
        db.codes.update_one({"_id": "b"}, {"$set": {"code": "X"}})
    assert db.codes.find_one({"_id": "b"})["code"] == "Y"


def test_a_bulk_of_more_updates_than_the_store_has_connections_completes():
    """One update command of 1,000 statements (a bulk_write, as matching records an evening's encounters):
    FerretDB held each statement's connection until the command returned, so more statements than its pool
    (400) waited for themselves and the store stopped answering everyone. The runner's build closes each
    statement's query when that statement is done (deploy/local/ferretdb_patch.py)."""
    from pymongo import UpdateOne

    client = MongoClient(stack_env()["MONGODB_URI"], socketTimeoutMS=120_000)
    db = client[f"store_{uuid.uuid4().hex[:8]}"]
    try:
        db.people.insert_many([{"_id": f"p{i}", "met": []} for i in range(1000)])
        result = db.people.bulk_write([UpdateOne({"_id": f"p{i}"}, {"$addToSet": {"met": f"p{(i + 1) % 1000}"}})
                                       for i in range(1000)], ordered=False)
        assert result.modified_count == 1000
        assert db.people.find_one({"_id": "p999"})["met"] == ["p0"]
        assert client.admin.command("ping")["ok"] == 1.0  # and the store still answers
    finally:
        client.drop_database(db.name)
        client.close()
