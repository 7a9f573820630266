"""No email address reaches the store's logs: PostgreSQL's and FerretDB's, on the local stack.

A unique-index violation is where it would: PostgreSQL by default logs the violating value in the error's
DETAIL and the failing statement after it (deploy/local/postgres.py sets terse errors and no statements).
"""
import uuid

import pytest
from pymongo import ASCENDING, MongoClient
from pymongo.errors import DuplicateKeyError, OperationFailure

from deploy.local import paths
from tests.support import Stack, stack_env, unique_email, wait_until

LOGS = ("postgres", "docstore")


def _logs() -> str:
    return "".join(paths.log_path(name).read_text(errors="replace") for name in LOGS
                   if paths.log_path(name).exists())


def test_no_email_address_in_the_stores_logs(stack: Stack):
    env = stack_env()
    if env.get("DOCSTORE_KIND") != "ferretdb":
        pytest.skip("the store is not the local FerretDB on PostgreSQL, whose logs the runner keeps")
    email = unique_email("logcheck")
    client = MongoClient(env["MONGODB_URI"])
    db = client[f"logs_{uuid.uuid4().hex[:8]}"]
    db.people.create_index([("email", ASCENDING)], unique=True)
    db.people.insert_many([{"_id": "a", "email": email}, {"_id": "b", "email": "other@example.org"}])
    with pytest.raises(DuplicateKeyError):
        db.people.insert_one({"_id": "c", "email": email})
    with pytest.raises(OperationFailure):
        db.people.update_one({"_id": "b"}, {"$set": {"email": email}})
    assert db.people.find_one({"email": email})["_id"] == "a"
    client.drop_database(db.name)
    client.close()

    # The same through the service: a resident signing up twice for one evening.
    meeting = stack.create_meeting()
    stack.sign_up(meeting["id"], email=email)
    stack.sign_up(meeting["id"], email=email.upper())  # answered 200 or 201, as sign_up asserts

    # The violations above are logged (so the log is live and these lines were written) ...
    wait_until(lambda: "duplicate key value violates unique constraint" in _logs() and "people_" in _logs(),
               30, 0.2, "PostgreSQL to log the unique-index violation")
    # ... and name the index, never the value.
    logs = _logs().lower()
    assert email.lower() not in logs
    assert email.split("@")[0].lower() not in logs

    # FerretDB logs a failed query with its SQL arguments (`args.0=` holds the document, email and all) unless
    # the runner's build drops them (deploy/local/ferretdb/main.go): none since the running FerretDB started.
    docstore = paths.log_path("docstore").read_text(errors="replace")
    since_start = docstore[docstore.rfind("ferretdb: listening"):]
    assert "SQLSTATE 23505" in since_start  # the violations above, logged by this FerretDB
    assert "args." not in since_start
