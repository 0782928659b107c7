package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	storePath := func(t *testing.T) string { return filepath.Join(t.TempDir(), ".veldstem", "state.db") }

	t.Run("a second lock without waiting fails naming the holder's pid", func(t *testing.T) {
		path := storePath(t)
		first, err := Lock(path, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer first.Unlock()
		_, err = Lock(path, false, 0)
		var le *LockedError
		if !errors.Is(err, ErrLocked) || !errors.As(err, &le) {
			t.Fatalf("second Lock = %v, want a LockedError", err)
		}
		if le.Holder.PID != os.Getpid() || le.Holder.Since.IsZero() {
			t.Errorf("holder = %+v, want this pid and a start time", le.Holder)
		}
		if !strings.Contains(err.Error(), fmt.Sprintf("pid %d on ", os.Getpid())) {
			t.Errorf("message %q does not name the pid", err)
		}
	})
	t.Run("a waiting lock gets it once the holder unlocks", func(t *testing.T) {
		path := storePath(t)
		first, err := Lock(path, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		released := make(chan time.Time, 1)
		go func() {
			time.Sleep(200 * time.Millisecond)
			released <- time.Now()
			first.Unlock()
		}()
		second, err := Lock(path, true, 10*time.Second)
		if err != nil {
			t.Fatalf("waiting Lock = %v", err)
		}
		defer second.Unlock()
		if at := <-released; time.Now().Before(at) {
			t.Error("second lock was granted before the first was released")
		}
	})
	t.Run("a waiting lock gives up after the timeout and says how long it waited", func(t *testing.T) {
		path := storePath(t)
		first, err := Lock(path, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer first.Unlock()
		_, err = Lock(path, true, 150*time.Millisecond)
		var le *LockedError
		if !errors.As(err, &le) || le.Waited < 150*time.Millisecond {
			t.Fatalf("Lock = %v, want a LockedError after >= 150ms", err)
		}
		if !strings.Contains(err.Error(), "gave up after waiting") {
			t.Errorf("message %q does not say it waited", err)
		}
	})
	t.Run("a lock file left by a dead process does not block", func(t *testing.T) {
		path := storePath(t)
		os.MkdirAll(filepath.Dir(path), 0o700)
		stale := `{"pid":999999,"host":"elders","since":"2020-01-01T00:00:00Z"}`
		if err := os.WriteFile(path+".lock", []byte(stale), 0o600); err != nil {
			t.Fatal(err)
		}
		l, err := Lock(path, false, 0)
		if err != nil {
			t.Fatalf("Lock over a stale file = %v", err)
		}
		defer l.Unlock()
		if h := readHolder(path + ".lock"); h.PID != os.Getpid() {
			t.Errorf("holder record = %+v, want it rewritten with this pid", h)
		}
	})
	t.Run("unlocking clears the holder record and can be repeated", func(t *testing.T) {
		path := storePath(t)
		l, err := Lock(path, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := l.Unlock(); err != nil {
			t.Fatal(err)
		}
		if err := l.Unlock(); err != nil {
			t.Errorf("second Unlock = %v", err)
		}
		if h := readHolder(path + ".lock"); h != (Holder{}) {
			t.Errorf("holder after unlock = %+v, want none", h)
		}
		again, err := Lock(path, false, 0)
		if err != nil {
			t.Fatalf("Lock after Unlock = %v", err)
		}
		again.Unlock()
	})
}
