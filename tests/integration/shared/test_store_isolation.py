"""The store keeps single-document updates atomic, as MongoDB does: the outbox, leases and counters rely on it.

FerretDB v1 by itself loses concurrent updates of one document (measured: 1,200 $inc gave 324, 300 jobs were
claimed 717 times); the local runner builds it with locks around update and findAndModify, per document
where the filter names one `_id`, per collection otherwise (deploy/local/ferretdb_patch.py). These tests
fail on an unpatched FerretDB.
"""
import threading
import uuid

from pymongo import MongoClient, ReturnDocument, UpdateOne

from tests.support import stack_env

WRITERS = 4


def in_threads(target, *args):
    threads = [threading.Thread(target=target, args=(i, *args)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def test_concurrent_updates_of_one_document_are_all_kept():
    uri = stack_env()["MONGODB_URI"]
    name = f"isolation_{uuid.uuid4().hex[:8]}"
    MongoClient(uri)[name].counters.insert_one({"_id": "c", "n": 0, "seen": []})

    def bump(i):
        coll = MongoClient(uri)[name].counters
        for k in range(60):
            coll.update_one({"_id": "c"}, {"$inc": {"n": 1}, "$push": {"seen": f"{i}-{k}"}})

    in_threads(bump)
    doc = MongoClient(uri)[name].counters.find_one({"_id": "c"})
    MongoClient(uri).drop_database(name)
    assert doc["n"] == WRITERS * 60
    assert len(doc["seen"]) == WRITERS * 60


def test_find_one_and_update_claims_each_document_once():
    uri = stack_env()["MONGODB_URI"]
    name = f"isolation_{uuid.uuid4().hex[:8]}"
    MongoClient(uri)[name].jobs.insert_many([{"_id": i, "owner": None} for i in range(200)])
    claims = []

    def claim(i):
        coll = MongoClient(uri)[name].jobs
        while doc := coll.find_one_and_update({"owner": None}, {"$set": {"owner": i}},
                                              return_document=ReturnDocument.AFTER):
            claims.append(doc["_id"])

    in_threads(claim)
    MongoClient(uri).drop_database(name)
    assert sorted(claims) == list(range(200))


def test_claims_by_id_take_each_document_once():
    """The senders' pattern: each of several writers tries to own every document by ``{_id, owner: None}``."""
    uri = stack_env()["MONGODB_URI"]
    name = f"isolation_{uuid.uuid4().hex[:8]}"
    MongoClient(uri)[name].jobs.insert_many([{"_id": f"j{i}", "owner": None} for i in range(150)])
    claims = []

    def claim(i):
        coll = MongoClient(uri)[name].jobs
        for k in range(150):
            if coll.find_one_and_update({"_id": f"j{k}", "owner": None}, {"$set": {"owner": i}}):
                claims.append(k)

    in_threads(claim)
    MongoClient(uri).drop_database(name)
    assert sorted(claims) == list(range(150))


def test_writes_by_id_and_by_another_field_at_once_are_all_kept():
    """Writers of single documents (by ``_id``, one at a time and in bulks) beside writers of many documents
    (by another field): every change lands, whichever lock each kind takes."""
    uri = stack_env()["MONGODB_URI"]
    name = f"isolation_{uuid.uuid4().hex[:8]}"
    MongoClient(uri)[name].counters.insert_many([{"_id": f"c{i}", "group": i % 2, "n": 0} for i in range(8)])
    rounds = 40

    def write(i):
        coll = MongoClient(uri)[name].counters
        for k in range(rounds):
            if i == 0:
                coll.update_many({"group": k % 2}, {"$inc": {"n": 1}})  # 4 documents each time
            elif i == 1:
                coll.bulk_write([UpdateOne({"_id": f"c{j}"}, {"$inc": {"n": 1}}) for j in range(8)])
            else:
                coll.update_one({"_id": f"c{(i + k) % 8}"}, {"$inc": {"n": 1}})

    in_threads(write)
    total = sum(d["n"] for d in MongoClient(uri)[name].counters.find())
    MongoClient(uri).drop_database(name)
    assert total == rounds * 4 + rounds * 8 + (WRITERS - 2) * rounds
