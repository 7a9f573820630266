"""MongoDB helpers: one client per process (made after fork), indexes at start, duplicate-key detection.

The services rely on atomic single-document writes, unique indexes, findAndModify and queries served by the
indexes created here; not on multi-document transactions, change streams, TTL indexes or $lookup.
"""
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError, PyMongoError

from . import config

__all__ = ["connect", "database", "ensure_indexes", "DuplicateKeyError", "PyMongoError", "is_reachable"]


def connect(service: str) -> MongoClient:
    """A new client. Call in each process after gunicorn forks; never at import time."""
    return MongoClient(
        config.mongodb_uri(service),
        appname=service,
        serverSelectionTimeoutMS=config.int_setting("MONGODB_TIMEOUT_MS", service, 5000),
        tz_aware=True,
    )


def database(client: MongoClient, service: str) -> Database:
    return client[config.database_name(service)]


def ensure_indexes(db: Database, spec: dict[str, list[tuple[list, dict]]]):
    """Create indexes at start: ``{"collection": [([("field", 1)], {"unique": True}), ...]}``."""
    for collection, indexes in spec.items():
        for keys, options in indexes:
            db[collection].create_index(keys, **options)


def is_reachable(client: MongoClient) -> bool:
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
