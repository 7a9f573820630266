"""Per-document isolation for FerretDB v1's writes, patched in at build time.

FerretDB v1 applies update and findAndModify as "query, change in Go, write the document back"
with nothing held in between (internal/handler/msg_update.go: c.Query then common.UpdateDocument), so two
clients updating one document at once both succeed and one change is lost. MongoDB locks per document;
our services rely on that (single-document atomicity is the whole outbox design). One FerretDB process
owns the SQLite files, so a mutex per collection around those commands in that process restores it. No FerretDB source
is committed: the build copies the module from the Go module cache to .local/, adds a line to each of
those handlers, and builds against the copy with a `replace` in a generated go.mod (`go build -modfile`).
"""
from __future__ import annotations

import json
import os
import pathlib
import subprocess

from . import paths

MODULE = "github.com/FerretDB/FerretDB"
VERSION = "v1.24.2"
PATCHED_DIR = paths.LOCAL / "ferretdb-patched"

# file in internal/handler -> the line after which the collection's lock is taken
SERIALISED = {
    "msg_update.go": "func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) "
                     "(int32, int32, *types.Array, error) {",
    "msg_findandmodify.go": "func (h *Handler) findAndModifyDocument(ctx context.Context, "
                            "params *common.FindAndModifyParams) (*findAndModifyResult, error) {",
}

LOCK_FILE = """package handler

import "sync"

// collectionLocks serialises update and findAndModify per collection: FerretDB v1 reads a document,
// changes it and writes it back, and without this two concurrent writers lose one change.
// (Added by Wijkkracht's local runner; deletes need no lock: an update of a deleted row changes nothing.)
var collectionLocks sync.Map

func lockCollection(db, collection string) func() {
	m, _ := collectionLocks.LoadOrStore(db+"."+collection, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}
"""

TAKE_LOCK = "\n\tdefer lockCollection(params.DB, params.Collection)()\n"


def module_dir(cwd, env) -> str:
    out = subprocess.run(["go", "list", "-m", "-json", f"{MODULE}"], capture_output=True, text=True,
                         cwd=cwd, env=env, check=True).stdout
    info = json.loads(out)
    if info.get("Version") != VERSION or not info.get("Dir"):
        raise RuntimeError(f"expected {MODULE} {VERSION} in the module cache, got {info.get('Version')}")
    return info["Dir"]


def prepare(source_dir, env) -> str:
    """Copy FerretDB, patch it, write go.mod/go.sum with a replace; return the go.mod for `-modfile`."""
    import shutil

    subprocess.run(["go", "mod", "download", MODULE], cwd=source_dir, env=env, check=True, capture_output=True)
    original = module_dir(source_dir, env)
    copy = PATCHED_DIR / f"FerretDB@{VERSION}"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(original, copy)
    for root, dirs, files in os.walk(copy):  # the module cache is read-only; so is our copy of it
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o755 if name in dirs else 0o644)
    handler_dir = copy / "internal" / "handler"
    for name, signature in SERIALISED.items():
        path = handler_dir / name
        source = path.read_text(encoding="utf-8")
        if source.count(signature) != 1:
            raise RuntimeError(f"cannot patch {name}: its handler signature changed")
        path.write_text(source.replace(signature, signature + TAKE_LOCK), encoding="utf-8")
    (handler_dir / "wijkkracht_write_lock.go").write_text(LOCK_FILE, encoding="utf-8")
    modfile = PATCHED_DIR / "go.mod"
    gomod = (pathlib.Path(source_dir) / "go.mod").read_text(encoding="utf-8")
    modfile.write_text(gomod + f"\nreplace {MODULE} => {copy}\n", encoding="utf-8")
    shutil.copyfile(pathlib.Path(source_dir) / "go.sum", PATCHED_DIR / "go.sum")
    return str(modfile)
