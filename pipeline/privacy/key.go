package privacy

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
)

// keySize is the number of random bytes in a study key: as long as the
// HMAC-SHA256 output, so the key is never the weak part.
const keySize = 32

// loadKey reads the study key from path, creating it when missing. The
// warnings it returns concern a key file others may read.
func loadKey(path string) (key []byte, warnings []string, err error) {
	if path == "" {
		return nil, nil, errors.New("privacy: no key file configured; set privacy.key_file to a path outside the repository (it is created on the first run)")
	}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKey(path); err != nil {
			return nil, nil, err
		}
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("privacy: cannot read key file %s: %w; check that it exists and that this user may read it", path, err)
	}
	key, err = hex.DecodeString(strings.TrimSpace(string(data)))
	if err != nil || len(key) != keySize {
		return nil, nil, fmt.Errorf("privacy: key file %s does not hold %d hex digits; restore it from a backup, or delete it to start a new key (every pseudonym of the study will change)", path, 2*keySize)
	}
	if runtime.GOOS != "windows" {
		if fi, err := os.Stat(path); err == nil && fi.Mode().Perm()&0o077 != 0 {
			warnings = append(warnings, fmt.Sprintf("key file %s has mode %04o, so others may read the study secret; run: chmod 600 %s", path, fi.Mode().Perm(), path))
		}
	}
	return key, warnings, nil
}

// createKey writes a new random key to path without ever replacing a key
// another run created meanwhile: the key is written to a temporary file and
// hard-linked into place, which fails if path exists.
func createKey(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("privacy: cannot create folder %s for key file %s: %w", dir, path, err)
	}
	key := make([]byte, keySize)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("privacy: no randomness for a new key: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".veldstem-key-*")
	if err != nil {
		return fmt.Errorf("privacy: cannot create key file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		tmp.Close()
		return fmt.Errorf("privacy: cannot restrict key file %s: %w", path, err)
	}
	if _, err := tmp.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		tmp.Close()
		return fmt.Errorf("privacy: cannot write key file %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("privacy: cannot write key file %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("privacy: cannot write key file %s: %w", path, err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("privacy: cannot create key file %s: %w", path, err)
	}
	return nil
}
