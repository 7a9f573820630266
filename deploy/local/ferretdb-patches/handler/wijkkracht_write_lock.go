// Added to FerretDB v1.24.2 by Wijkkracht's local runner (deploy/local/ferretdb_patch.py).

package handler

import (
	"fmt"
	"hash/fnv"
	"sort"
	"sync"

	"github.com/FerretDB/FerretDB/internal/handler/common"
	"github.com/FerretDB/FerretDB/internal/types"
)

// FerretDB v1 applies update and findAndModify as "read the document, change it in Go, write it back" with
// nothing held in between, so two concurrent writers of one document both succeed and one change is lost.
// MongoDB applies each single-document write atomically, and the services rely on that. So writers hold a
// lock, as MongoDB's are held, per document: a write whose filter names one `_id` holds that document's
// stripe (and the collection shared); any other write holds the whole collection, since it may touch any
// document. Writers of different documents go side by side. (Deletes need no lock: an update of a deleted
// row changes nothing.)

const stripes = 256

type collectionLock struct {
	all  sync.RWMutex
	docs [stripes]sync.Mutex
}

var collectionLocks sync.Map // "db.collection" -> *collectionLock

func lockOf(db, collection string) *collectionLock {
	l, _ := collectionLocks.LoadOrStore(db+"."+collection, new(collectionLock))
	return l.(*collectionLock)
}

// singleID is the stripe of the one document a filter names by a scalar `_id`, if it does.
func singleID(filter *types.Document) (int, bool) {
	if filter == nil {
		return 0, false
	}

	id, err := filter.Get("_id")
	if err != nil {
		return 0, false
	}

	switch id.(type) {
	case string, types.ObjectID, int32, int64, float64:
	default:
		return 0, false // an operator ({$in: ...}), a document, an array: possibly many documents
	}

	h := fnv.New32a()
	_, _ = fmt.Fprintf(h, "%T:%v", id, id)

	return int(h.Sum32() % stripes), true
}

// lockWrite locks what writes with these filters need and returns the unlock.
func lockWrite(db, collection string, filters []*types.Document) func() {
	l := lockOf(db, collection)

	held := make([]int, 0, len(filters))
	seen := make(map[int]bool, len(filters))

	for _, f := range filters {
		s, ok := singleID(f)
		if !ok {
			l.all.Lock()
			return l.all.Unlock
		}

		if !seen[s] {
			seen[s] = true
			held = append(held, s)
		}
	}

	sort.Ints(held) // one order for everyone: two bulks over the same documents cannot wait for each other

	l.all.RLock()

	for _, s := range held {
		l.docs[s].Lock()
	}

	return func() {
		for i := len(held) - 1; i >= 0; i-- {
			l.docs[held[i]].Unlock()
		}

		l.all.RUnlock()
	}
}

// lockUpdate holds what an update command's statements need.
func lockUpdate(params *common.UpdateParams) func() {
	filters := make([]*types.Document, len(params.Updates))
	for i, u := range params.Updates {
		filters[i] = u.Filter
	}

	return lockWrite(params.DB, params.Collection, filters)
}

// lockFindAndModify holds what a findAndModify needs.
func lockFindAndModify(params *common.FindAndModifyParams) func() {
	return lockWrite(params.DB, params.Collection, []*types.Document{params.Query})
}
