"""Organiser accounts from the command line: ``python -m registration.cli create-organiser EMAIL``.

The password is read from the terminal (or from stdin when piped), never from the command line.
"""
import argparse
import getpass
import sys

from wijkkracht import mongo

from . import SERVICE
from .adapters.store import Store, ensure_indexes
from .web.passwords import hash_password

MIN_LENGTH = 10


def read_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != first:
            raise SystemExit("The passwords differ.")
        return first
    return sys.stdin.readline().rstrip("\n")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="registration.cli", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("create-organiser", "set-password"):
        p = sub.add_parser(name)
        p.add_argument("email")
    args = parser.parse_args(argv)
    email = args.email.strip().lower()
    password = read_password()
    if len(password) < MIN_LENGTH:
        print(f"A password needs at least {MIN_LENGTH} characters.", file=sys.stderr)
        return 2
    client = mongo.connect(SERVICE)
    try:
        db = mongo.database(client, SERVICE)
        ensure_indexes(db)
        store = Store(db)
        if args.command == "create-organiser":
            try:
                store.insert_account(email, hash_password(password))
            except mongo.DuplicateKeyError:
                print("An account with this email exists; use set-password.", file=sys.stderr)
                return 1
            print("Organiser account created.")
        else:
            if not store.set_password(email, hash_password(password)):
                print("No such account.", file=sys.stderr)
                return 1
            print("Password changed.")
        return 0
    finally:
        client.close()


if __name__ == "__main__":
    sys.exit(main())
