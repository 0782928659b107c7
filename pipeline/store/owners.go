package store

import (
	"context"
	"fmt"
	"strings"
)

// UnitFiles returns, for those of ids that the store holds, the source and
// file each unit belongs to ("source\x00path"). The orchestrator uses it to
// refuse a file whose units another file already contributed (the same
// respondent exported twice, or two interview sessions mapped to one
// respondent), which would otherwise move units silently between files.
func (s *Store) UnitFiles(ctx context.Context, ids []string) (map[string]string, error) {
	out := map[string]string{}
	const chunk = 500 // well under SQLite's limit on bound parameters
	for start := 0; start < len(ids); start += chunk {
		part := ids[start:min(start+chunk, len(ids))]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		q := `SELECT id, source, file FROM units WHERE id IN (?` + strings.Repeat(",?", len(part)-1) + `)`
		rows, err := s.db.QueryContext(ctx, q, args...)
		if err != nil {
			return nil, fmt.Errorf("store: unit files: %w", err)
		}
		for rows.Next() {
			var id, source, file string
			if err := rows.Scan(&id, &source, &file); err != nil {
				rows.Close()
				return nil, fmt.Errorf("store: unit files: %w", err)
			}
			out[id] = source + "\x00" + file
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("store: unit files: %w", err)
		}
	}
	return out, nil
}
