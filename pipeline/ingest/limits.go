package ingest

import (
	"fmt"
	"os"
)

// readLimitedStat refuses a file larger than limit before it is opened.
func readLimitedStat(path string, limit int64) (os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("file is %d bytes, more than the %d allowed", st.Size(), limit)
	}
	return st, nil
}
