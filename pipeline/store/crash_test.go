package store

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/veldstem/veldstem/pipeline/study"
)

// crashChildEnv names the store a re-executed test binary should open and
// then die in, mid-ReplaceFile.
const crashChildEnv = "STORE_CRASH_CHILD"

// TestMain turns the test binary into the crash test's child when the
// parent sets crashChildEnv, so no test has to skip itself in normal runs.
func TestMain(m *testing.M) {
	if path := os.Getenv(crashChildEnv); path != "" {
		os.Exit(crashChild(path))
	}
	os.Exit(m.Run())
}

// crashChild is the child half of TestCrashMidReplaceFile. It takes the
// lock, starts replacing a.csv with different content, signals readiness
// from inside the open transaction and waits to be killed.
func crashChild(path string) int {
	l, err := Lock(path, false, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer l.Unlock()
	s, err := Open(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	// One connection with a small page cache, so the transaction's pages
	// spill into the WAL before the commit, and the kill lands on a
	// transaction that has touched the disk.
	s.db.SetMaxOpenConns(1)
	if _, err := s.db.Exec(`PRAGMA cache_size = -512`); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	testHookReplaceFile = func() {
		os.WriteFile(path+".ready", nil, 0o600)
		time.Sleep(time.Minute)
		os.Exit(3) // never commit, even if nobody kills us
	}
	changed := newSurvey("e", "a.csv", 20000)
	for i := range changed.units {
		changed.units[i].Text = "herschreven " + changed.units[i].Text
	}
	s.ReplaceFile(context.Background(), changed.record(), changed.respondents, changed.units)
	fmt.Fprintln(os.Stderr, "ReplaceFile returned; the hook should have parked it")
	return 1
}

func TestCrashMidReplaceFile(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	before := newSurvey("e", "a.csv", 200)
	before.store(t, s)
	if err := s.SaveCodings(ctx, "cb", codingsFor(before.units)); err != nil {
		t.Fatal(err)
	}
	s.Close()

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+path)
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(path + ".ready"); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child never reached the open transaction; output:\n%s", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()

	t.Run("the lock of the killed run is free at once", func(t *testing.T) {
		if h := readHolder(path + ".lock"); h.PID != cmd.Process.Pid {
			t.Errorf("lock file names pid %d, want the killed child %d (to show the record was stale)", h.PID, cmd.Process.Pid)
		}
		l, err := Lock(path, false, 0)
		if err != nil {
			t.Fatalf("Lock after the holder was killed = %v", err)
		}
		l.Unlock()
	})
	t.Run("the store reopens with the state before the killed transaction", func(t *testing.T) {
		if fi, err := os.Stat(path + "-wal"); err != nil || fi.Size() < 1<<20 {
			t.Errorf("the killed transaction left no spilled pages in the WAL (%v); the test proves nothing", err)
		}
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		integrity(t, s)
		var units []study.Unit
		s.Units(ctx, func(u study.Unit) error { units = append(units, u); return nil })
		if !slices.EqualFunc(units, before.units, func(a, b study.Unit) bool { return a == b }) {
			t.Errorf("units after crash: %d, want the %d stored before", len(units), len(before.units))
		}
		if got := codedIDs(t, s, "cb"); len(got) != len(before.units) {
			t.Errorf("%d codings after crash, want %d", len(got), len(before.units))
		}
		files, _ := s.Files(ctx)
		if len(files) != 1 || files[0].Units != 200 {
			t.Errorf("Files = %+v", files)
		}
	})
}

type lockedBuffer struct {
	mu  sync.Mutex
	buf []byte
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	return len(p), nil
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}

func TestConcurrentHandles(t *testing.T) {
	ctx := context.Background()
	_, path := openTemp(t)
	handles := make([]*Store, 2)
	for i := range handles {
		s, err := Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		handles[i] = s
	}
	const writers, rounds = 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, writers*rounds*3)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := handles[w%2]
			file := filepath.Join("dir", string(rune('a'+w))+".csv")
			for r := range rounds {
				sv := newSurvey("e", file, 50+r)
				for i := range sv.units {
					sv.units[i].ID = file + sv.units[i].ID
					if i%3 == r%3 {
						sv.units[i].Text += " (bijgewerkt)"
					}
				}
				if _, err := s.ReplaceFile(ctx, sv.record(), nil, sv.units); err != nil {
					errs <- err
					continue
				}
				if err := s.UnitsToCode(ctx, "cb", func(study.Unit) error { return nil }); err != nil {
					errs <- err
				}
				if err := s.SaveCodings(ctx, "cb", codingsFor(sv.units[:25])); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Run("two handles writing at once leave an intact store", func(t *testing.T) {
		integrity(t, handles[0])
		st, err := handles[1].Status(ctx, "cb")
		if err != nil {
			t.Fatal(err)
		}
		if want := writers * (50 + rounds - 1); st.Units != want || st.Files != writers || st.CodedUnits != writers*25 {
			t.Errorf("status = %+v, want %d units in %d files, %d coded", st, want, writers, writers*25)
		}
	})
}
