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

// maxInPushdown is the longest `$in` list pushed down; a longer one is left to FerretDB's own code.
const maxInPushdown = 1000

// filterIn pushes `{field: {$in: [v1, v2, ...]}}` on a top-level field down, as the OR of the equalities
// filterEqual makes, so that PostgreSQL answers it from the same indexes (MongoDB's meaning: a field
// holding an array matches if any element equals any listed value, which each `@>` term gives). On `_id`,
// when every value is a string or an ObjectID, it is one `IN (...)`, which the unique btree serves in one
// scan. Only when every value is of a type filterEqual pushes down itself (string, ObjectID, bool, int32,
// int64 and float64 in the safe double range); otherwise (null, regex, a document, an array), an empty
// or an over-long list, nothing is pushed down. FerretDB's own filter still runs after.
func filterIn(p *metadata.Placeholder, k any, v any, operator string) (string, []any) {
	key, ok := k.(string)
	list, isList := v.(*types.Array)

	if !ok || !isList || operator != "->" || list.Len() == 0 || list.Len() > maxInPushdown {
		return "", nil
	}

	values := make([]any, list.Len())
	onlyIDs := key == "_id"

	for i := range values {
		values[i] = must.NotFail(list.Get(i))
		if !pushedDown(values[i]) {
			return "", nil // before any placeholder is taken
		}

		switch values[i].(type) {
		case string, types.ObjectID:
		default:
			onlyIDs = false
		}
	}

	terms := make([]string, len(values))
	args := make([]any, 0, len(values))

	if onlyIDs {
		for i, v := range values {
			terms[i] = p.Next()
			args = append(args, string(must.NotFail(sjson.MarshalSingleValue(v))))
		}

		return fmt.Sprintf("%s->%s IN (%s)", metadata.DefaultColumn, quoteLiteral(key), strings.Join(terms, ", ")), args
	}

	for i, v := range values {
		term, a := filterEqual(p, key, v, operator)
		terms[i] = term
		args = append(args, a...)
	}

	return "(" + strings.Join(terms, " OR ") + ")", args
}

// pushedDown tells whether filterEqual pushes an equality with v down itself (one placeholder, our SQL).
func pushedDown(v any) bool {
	switch v := v.(type) {
	case string, types.ObjectID, bool, int32:
		return true
	case int64:
		return v <= int64(types.MaxSafeDouble) && v >= -int64(types.MaxSafeDouble)
	case float64:
		return v <= types.MaxSafeDouble && v >= -types.MaxSafeDouble
	default:
		return false
	}
}

// quoteLiteral quotes a field name as an SQL string literal (the connection has
// standard_conforming_strings on, which FerretDB checks at connect).
func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
