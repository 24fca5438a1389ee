package emulator

import "ferry/internal/sqlstore"

// snapshot is a saved state: the rows, and the blob keys whose copies
// live under _snapshots/<name>/.
type snapshot struct {
	name  string
	state *sqlstore.State
	keys  []string
}
