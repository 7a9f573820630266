"""FerretDB v1.24.2 mended for what the services need, patched in at build time. No FerretDB source is
committed: the build copies the module from the Go module cache to .local/, applies the edits below, adds
our files from deploy/local/ferretdb-patches/, and builds against the copy with a `replace` in a generated
go.mod (`go build -modfile`). Five mends, each with a test in tests/integration/shared/ or store/:

1. Per-document isolation (test_store_isolation.py). v1 applies update and findAndModify as "query,
   change in Go, write the document back" with nothing held in between, so two clients updating one
   document both succeed and one change is lost (4 writers doing 1,200 `$inc` kept 324-860). MongoDB locks
   per document; single-document atomicity is the whole outbox design. Locks around those two handlers
   in the one FerretDB process restore it, per document as MongoDB's are: a write whose filter names one
   `_id` holds that document's stripe (of 256) with the collection shared, any other the whole collection.
   (A mutex per collection did too, but serialised every write: 4 threads updating different documents
   managed 414/s against 405/s for one.)
2. Lookups that use an index (test_store_indexes.py). v1 sends every equality as
   `_jsonb->$1 @> $2`, with the field name as a parameter, so no expression index can match it and every
   find, update and delete read the whole table (a find by `_id` went from 1.9 ms at 1,000 documents to
   16 ms at 20,000). The field name becomes a literal, `_id` is compared with `=` (the unique btree serves
   it) and other fields keep `@>` (MongoDB's meaning for arrays) ...
3. ... served by GIN `jsonb_path_ops` indexes: FerretDB's btree indexes cannot serve `@>`, so an index
   that need not be unique is made GIN instead, and a unique one gets a GIN index beside it. Without
   `fastupdate`: its pending list made a lookup at 100,000 documents cost 4-6 ms instead of 0.1 ms.
4. An update command of many statements (a bulk_write) no longer holds one connection per statement until
   it is done (test_store_queries.py): with more statements than the pool's connections it hung the store.
5. `{field: {$in: [...]}}` on a top-level field is pushed down too (test_store_queries.py): v1 pushes no
   `$in`, so PostgreSQL read and FerretDB decoded the whole collection (a find of 3 initiatives by `_id`
   over 371 documents took 88-254 ms against 1 ms by one `_id`). On `_id` with strings or ObjectIds it
   is one `IN (...)` (the unique btree), otherwise the OR of mend 2's equalities (`@>`: an array matches
   by an element; numbers across int and double), served by mend 3's GIN indexes. Only for the value
   types mend 2 pushes down and lists of 1 to 1,000 values; anything else is left to FerretDB, whose own
   filter still runs after, so the pushdown only narrows to a superset of the matches.
"""
from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess

from . import paths

MODULE = "github.com/FerretDB/FerretDB"
VERSION = "v1.24.2"
PATCHED_DIR = paths.LOCAL / "ferretdb-patched"
OUR_FILES = pathlib.Path(__file__).resolve().parent / "ferretdb-patches"  # mirrors internal/


# (file under internal/, text that must occur exactly once, what replaces it)
EDITS = [
    ("handler/msg_update.go",
     "func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) "
     "(int32, int32, *types.Array, error) {",
     "func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) "
     "(int32, int32, *types.Array, error) {\n\tdefer lockUpdate(params)()\n"),
    ("handler/msg_findandmodify.go",
     "func (h *Handler) findAndModifyDocument(ctx context.Context, "
     "params *common.FindAndModifyParams) (*findAndModifyResult, error) {",
     "func (h *Handler) findAndModifyDocument(ctx context.Context, "
     "params *common.FindAndModifyParams) (*findAndModifyResult, error) {\n\tdefer lockFindAndModify(params)()\n"),
    # An update command's statements each hold their query's connection until the whole command returns (a
    # defer in the loop): a bulk of more statements than the pool has connections waits for itself, and with
    # it every client (matching's 500 encounter updates against a pool of 400 hung the store for good).
    # Each statement's query is closed as soon as that statement is done.
    ("handler/msg_update.go",
     "\t\tcloser := iterator.NewMultiCloser()\n\t\tdefer closer.Close()\n",
     "\t\tcloser := iterator.NewMultiCloser()\n"),
    ("handler/msg_update.go",
     "\t\tresult, err := common.UpdateDocument(ctx, c, \"update\", iter, &u)\n",
     "\t\tresult, err := common.UpdateDocument(ctx, c, \"update\", iter, &u)\n\t\tcloser.Close()\n"),
    # `$in` on a top-level field is pushed down by ours (filterIn in wijkkracht_pushdown.go); v1 pushes none
    ("backends/postgresql/query.go",
     "\t\t\t\tdefault:\n\t\t\t\t\t// $gt and $lt\n",
     "\t\t\t\tcase \"$in\":\n"
     "\t\t\t\t\tif f, a := filterIn(p, key, v, keyOperator); f != \"\" {\n"
     "\t\t\t\t\t\tfilters = append(filters, f)\n"
     "\t\t\t\t\t\targs = append(args, a...)\n"
     "\t\t\t\t\t}\n\n"
     "\t\t\t\tdefault:\n\t\t\t\t\t// $gt and $lt\n"),
    # ours (wijkkracht_pushdown.go) takes the name and falls back to FerretDB's
    ("backends/postgresql/query.go",
     "func filterEqual(p *metadata.Placeholder, k any, v any, operator string) (filter string, args []any) {",
     "func filterEqualFerretDB(p *metadata.Placeholder, k any, v any, operator string) (filter string, args []any) {"),
    ("backends/postgresql/metadata/registry.go",
     '\t\tq += "INDEX %s ON %s (%s)"',
     '\t\tq += "INDEX %s ON %s " + indexMethod(index) + "(%s)" + indexOptions(index)'),
    ("backends/postgresql/metadata/registry.go",
     '\t\t\tcolumns[i] = fmt.Sprintf("((%s->%s))", DefaultColumn, strings.Join(transformedParts, " -> "))\n'
     '\t\t\tif key.Descending {\n\t\t\t\tcolumns[i] += " DESC"\n\t\t\t}',
     '\t\t\tcolumns[i] = indexColumn(index, fmt.Sprintf("((%s->%s))", DefaultColumn, '
     'strings.Join(transformedParts, " -> ")), key.Descending)'),
    ("backends/postgresql/metadata/registry.go",
     "\t\tif _, err = p.Exec(ctx, q); err != nil {\n"
     "\t\t\t_ = r.indexesDrop(ctx, p, dbName, collectionName, created)\n"
     "\t\t\treturn lazyerrors.Error(err)\n\t\t}\n",
     "\t\tif _, err = p.Exec(ctx, q); err != nil {\n"
     "\t\t\t_ = r.indexesDrop(ctx, p, dbName, collectionName, created)\n"
     "\t\t\treturn lazyerrors.Error(err)\n\t\t}\n\n"
     "\t\tif err = createContainmentIndex(ctx, p, dbName, c.TableName, index); err != nil {\n"
     '\t\t\t_, _ = p.Exec(ctx, fmt.Sprintf("DROP INDEX %s", pgx.Identifier{dbName, index.PgIndex}.Sanitize()))\n'
     "\t\t\t_ = r.indexesDrop(ctx, p, dbName, collectionName, created)\n"
     "\t\t\treturn lazyerrors.Error(err)\n\t\t}\n"),
    ("backends/postgresql/metadata/registry.go",
     '\t\tq := fmt.Sprintf("DROP INDEX %s", pgx.Identifier{dbName, c.Indexes[i].PgIndex}.Sanitize())',
     "\t\tif err := dropContainmentIndex(ctx, p, dbName, c.Indexes[i]); err != nil {\n"
     "\t\t\treturn lazyerrors.Error(err)\n\t\t}\n\n"
     '\t\tq := fmt.Sprintf("DROP INDEX %s", pgx.Identifier{dbName, c.Indexes[i].PgIndex}.Sanitize())'),
]


def inputs() -> list[pathlib.Path]:
    """Everything the patched build depends on besides the module itself (for the build stamp)."""
    return [pathlib.Path(__file__), *sorted(OUR_FILES.rglob("*.go"))]


def module_dir(cwd, env) -> str:
    out = subprocess.run(["go", "list", "-m", "-json", f"{MODULE}"], capture_output=True, text=True,
                         cwd=cwd, env=env, check=True).stdout
    info = json.loads(out)
    if info.get("Version") != VERSION or not info.get("Dir"):
        raise RuntimeError(f"expected {MODULE} {VERSION} in the module cache, got {info.get('Version')}")
    return info["Dir"]


def apply(internal: pathlib.Path) -> None:
    """Apply EDITS to a writable copy's internal/ and add our files."""
    for name, old, new in EDITS:
        path = internal / name
        source = path.read_text(encoding="utf-8")
        if source.count(old) != 1:
            raise RuntimeError(f"cannot patch {name}: the code it changes is not there once "
                               f"(FerretDB is not {VERSION}?): {old.splitlines()[0].strip()!r}")
        path.write_text(source.replace(old, new), encoding="utf-8")
    for ours in OUR_FILES.rglob("*.go"):
        shutil.copyfile(ours, internal / ours.relative_to(OUR_FILES))


def prepare(source_dir, env) -> str:
    """Copy FerretDB, patch it, write go.mod/go.sum with a replace; return the go.mod for `-modfile`."""
    subprocess.run(["go", "mod", "download", MODULE], cwd=source_dir, env=env, check=True, capture_output=True)
    original = module_dir(source_dir, env)
    copy = PATCHED_DIR / f"FerretDB@{VERSION}"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(original, copy)
    for root, dirs, files in os.walk(copy):  # the module cache is read-only; so is our copy of it
        for name in dirs + files:
            os.chmod(os.path.join(root, name), 0o755 if name in dirs else 0o644)
    apply(copy / "internal")
    modfile = PATCHED_DIR / "go.mod"
    gomod = (pathlib.Path(source_dir) / "go.mod").read_text(encoding="utf-8")
    modfile.write_text(gomod + f"\nreplace {MODULE} => {copy}\n", encoding="utf-8")
    shutil.copyfile(pathlib.Path(source_dir) / "go.sum", PATCHED_DIR / "go.sum")
    return str(modfile)
