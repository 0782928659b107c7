package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// ErrLocked is returned (wrapped in a *LockedError) when another process
// holds the store's lock.
var ErrLocked = errors.New("state store is locked")

// Holder says who holds a store's lock. It is informational: the lock
// itself is the kernel's flock, released when the holder exits or dies, so a
// holder record left behind by a killed process never blocks anyone.
type Holder struct {
	// PID is the holder's process id on Host.
	PID int `json:"pid"`
	// Host is the holder's host name; the store may sit on a shared disk.
	Host string `json:"host"`
	// Since is when the holder took the lock, to the second.
	Since time.Time `json:"since"`
}

// LockedError reports a lock that could not be taken and who holds it.
// errors.Is(err, ErrLocked) is true for it.
type LockedError struct {
	// Path is the lock file.
	Path string
	// Holder is the holder's record; zero when the holder has not written
	// it yet (or it could not be read).
	Holder Holder
	// Waited is how long Lock waited before giving up; zero for wait=false.
	Waited time.Duration
}

func (e *LockedError) Error() string {
	who := "another process"
	if e.Holder.PID != 0 {
		who = fmt.Sprintf("pid %d on %s since %s", e.Holder.PID, e.Holder.Host, e.Holder.Since.Format(time.RFC3339))
	}
	msg := fmt.Sprintf("%s: %v by %s", e.Path, ErrLocked, who)
	if e.Waited > 0 {
		msg += fmt.Sprintf(" (gave up after waiting %s)", e.Waited)
	}
	return msg + "; another veldstem run is using this store, wait for it to finish"
}

// Unwrap makes errors.Is(err, ErrLocked) hold.
func (e *LockedError) Unwrap() error { return ErrLocked }

// FileLock is a held store lock.
type FileLock struct {
	fl   *flock.Flock
	path string
}

// lockRetry is how often a waiting Lock polls; flock has no blocking call
// that honours a timeout.
const lockRetry = 50 * time.Millisecond

// Lock takes the exclusive lock of the store at storePath: a file lock on
// storePath + ".lock" (created 0600, its folder 0700, when missing). With
// wait false it fails at once with a *LockedError naming the holder when the
// lock is held; with wait true it retries until it gets the lock or timeout
// passes (timeout <= 0 waits indefinitely).
//
// The lock is advisory and per open file, so it also excludes other Lock
// calls within the same process.
func Lock(storePath string, wait bool, timeout time.Duration) (*FileLock, error) {
	path := storePath + ".lock"
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	// Read-write so the holder record can be written through the same file.
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR), flock.SetPermissions(0o600))
	var ok bool
	var err error
	start := time.Now()
	if !wait {
		ok, err = fl.TryLock()
	} else {
		ctx := context.Background()
		if timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		ok, err = fl.TryLockContext(ctx, lockRetry)
		if errors.Is(err, context.DeadlineExceeded) {
			err = nil
		}
	}
	if err != nil {
		return nil, fmt.Errorf("store: lock %s: %w", path, err)
	}
	if !ok {
		e := &LockedError{Path: path, Holder: readHolder(path)}
		if wait {
			e.Waited = time.Since(start).Round(time.Millisecond)
		}
		return nil, e
	}
	l := &FileLock{fl: fl, path: path}
	if err := l.writeHolder(); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("store: lock %s: record holder: %w", path, err)
	}
	return l, nil
}

// writeHolder records this process as the holder. It rewrites the file in
// place: replacing it by rename would put the record on a different inode
// from the one that is locked.
func (l *FileLock) writeHolder() error {
	host, err := os.Hostname()
	if err != nil {
		host = "unknown host"
	}
	b, err := json.Marshal(Holder{PID: os.Getpid(), Host: host, Since: time.Now().UTC().Truncate(time.Second)})
	if err != nil {
		return err
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// readHolder reads the holder record; a missing or half-written record
// gives the zero Holder, since it only decorates the error.
func readHolder(path string) Holder {
	var h Holder
	b, err := os.ReadFile(path)
	if err != nil {
		return Holder{}
	}
	if json.Unmarshal(b, &h) != nil {
		return Holder{}
	}
	return h
}

// Unlock releases the lock. The lock file stays: deleting it would let a
// waiter that opened the old file and a newcomer that creates a new one both
// "hold" the lock. Unlocking twice is harmless.
func (l *FileLock) Unlock() error {
	if l == nil || !l.fl.Locked() {
		return nil
	}
	// Clear the record first, so nobody reads us as holder after we let go.
	// Failing to clear it is harmless: the record is informational.
	_ = os.Truncate(l.path, 0)
	if err := l.fl.Unlock(); err != nil {
		return fmt.Errorf("store: unlock %s: %w", l.path, err)
	}
	return nil
}
