// Added to FerretDB v1.24.2 by Wijkkracht's local runner (deploy/local/ferretdb_patch.py).

package handler

import "sync"

// collectionLocks serialises update and findAndModify per collection: FerretDB v1 reads a document,
// changes it in Go and writes it back with nothing held in between, so without this two concurrent
// writers of one document both succeed and one change is lost. MongoDB applies each single-document
// write atomically, and the services rely on that. (Deletes need no lock: an update of a deleted row
// changes nothing.)
var collectionLocks sync.Map

func lockCollection(db, collection string) func() {
	m, _ := collectionLocks.LoadOrStore(db+"."+collection, new(sync.Mutex))
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}
