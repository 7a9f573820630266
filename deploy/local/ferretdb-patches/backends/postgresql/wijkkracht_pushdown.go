// Added to FerretDB v1.24.2 by Wijkkracht's local runner (deploy/local/ferretdb_patch.py).

package postgresql

import (
	"fmt"
	"strings"

	"github.com/FerretDB/FerretDB/internal/backends/postgresql/metadata"
	"github.com/FerretDB/FerretDB/internal/handler/sjson"
	"github.com/FerretDB/FerretDB/internal/types"
	"github.com/FerretDB/FerretDB/internal/util/must"
)

// filterEqual replaces FerretDB's own (renamed filterEqualFerretDB) for equality on a top-level field,
// so that PostgreSQL can answer it from an index:
//
//   - FerretDB sends the field name as a parameter (`_jsonb->$1 @> $2`), which no expression index on
//     `_jsonb->'field'` can match in a prepared statement; here it is a quoted literal instead;
//   - `_id` can never hold an array, so its equality is `=`, which the unique btree index on
//     `(_jsonb->'_id')` serves;
//   - any other field may hold an array, where MongoDB's `{field: v}` also matches an element, which is
//     what jsonb's `@>` means; the GIN `jsonb_path_ops` indexes made by wijkkracht_indexes.go serve it.
//
// A dotted path (`a.b`) is not pushed down at all: FerretDB sends it as `_jsonb #> '{a,b}' @> v`, which
// misses `{a: [{b: v}]}`, so an update or delete through an array of sub-documents matched nothing (find
// and count strip such keys themselves). FerretDB's own filter, applied after, gives MongoDB's meaning.
// Values out of the safe double range are left to FerretDB's own code.
func filterEqual(p *metadata.Placeholder, k any, v any, operator string) (string, []any) {
	key, ok := k.(string)
	if !ok || operator != "->" {
		return "", nil
	}

	field := metadata.DefaultColumn + "->" + quoteLiteral(key)

	var arg any

	switch v := v.(type) {
	case string, types.ObjectID:
		arg = string(must.NotFail(sjson.MarshalSingleValue(v)))
		if key == "_id" {
			return fmt.Sprintf("%s = %s", field, p.Next()), []any{arg}
		}
	case bool, int32:
		arg = v
	case int64:
		if v > int64(types.MaxSafeDouble) || v < -int64(types.MaxSafeDouble) {
			return filterEqualFerretDB(p, k, v, operator)
		}
		arg = v
	case float64:
		if v > types.MaxSafeDouble || v < -types.MaxSafeDouble {
			return filterEqualFerretDB(p, k, v, operator)
		}
		arg = v
	default:
		return filterEqualFerretDB(p, k, v, operator)
	}

	return fmt.Sprintf("%s @> %s", field, p.Next()), []any{arg}
}

// quoteLiteral quotes a field name as an SQL string literal (the connection has
// standard_conforming_strings on, which FerretDB checks at connect).
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
