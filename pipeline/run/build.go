package run

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"sync"
)

var (
	buildOnce sync.Once
	buildHash string
)

// executableHash hashes the running program. Go's build info carries no
// revision under 'go run' or -buildvcs=false, and a version constant is
// bumped by hand, so the binary itself is the only reliable identity of
// the code that produced a store's units and a set of reports.
func executableHash() string {
	buildOnce.Do(func() {
		buildHash = "unknown"
		path, err := os.Executable()
		if err != nil {
			return
		}
		f, err := os.Open(path)
		if err != nil {
			return
		}
		defer f.Close()
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			return
		}
		buildHash = hex.EncodeToString(h.Sum(nil))[:16]
	})
	return buildHash
}
