package store

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestClaimsConflicts pins what Conflicts reports, in its order: an ID
// two or more files of the run claim (the lowest-numbered file holds it,
// whatever the order of the claims; a repeated claim counts once), and an
// ID the store holds for a file that is not leaving. It runs with the
// claims' hashes in memory and spilled in runs of a few, so that a shared
// ID whose claims land in different runs is found too.
func TestClaimsConflicts(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	kept := newSurvey("s", "kept.csv", 3) // stays: its units conflict
	moved := newSurvey("u", "old.csv", 3) // leaving: its units are free
	kept.store(t, s)
	moved.store(t, s)
	for _, spill := range []int{0, 1, 2, 3, 7, 64} {
		t.Run(fmt.Sprint("spill", spill), func(t *testing.T) {
			c, err := s.NewClaims(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.hashes.max = spill
			claimConflicts(t, c, kept, moved)
		})
	}
}

func claimConflicts(t *testing.T, c *Claims, kept, moved *survey) {
	a, _ := c.Leaving(FileKey{"s", "a.csv"})
	b, _ := c.Leaving(FileKey{"s", "b.csv"})
	d, _ := c.Leaving(FileKey{"t", "d.csv"})
	claims := []struct {
		file int
		id   string
	}{
		{a, "x"}, {b, "x"}, {d, "x"}, {a, "x"}, {b, "x"},
		{b, "y"}, {a, "y"}, // a holds y although b claimed it first
		{a, "z"}, {a, "z"}, // one file twice: no conflict
		{d, kept.units[1].ID}, {a, kept.units[0].ID}, {b, kept.units[0].ID},
		{b, moved.units[0].ID},
	}
	// Enough unrelated claims to fill several statements.
	for i := range 1000 {
		claims = append(claims, struct {
			file int
			id   string
		}{i % 3, fmt.Sprintf("s/R-%04x/Q", i*7919%65536)})
	}
	for _, cl := range claims {
		if err := c.Add(cl.file, cl.id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Leaving(FileKey{"u", "old.csv"}); err != nil {
		t.Fatal(err)
	}
	got, err := c.Conflicts()
	if err != nil {
		t.Fatal(err)
	}
	fa, fb, fd := FileKey{"s", "a.csv"}, FileKey{"s", "b.csv"}, FileKey{"t", "d.csv"}
	fk := FileKey{"s", "kept.csv"}
	want := []Conflict{
		{kept.units[0].ID, fa, fb}, {"x", fa, fb}, {"x", fa, fd}, {"y", fa, fb},
		{kept.units[0].ID, fk, fa}, {kept.units[1].ID, fk, fd},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Conflicts:\n got %v\nwant %v", got, want)
	}
}

// TestClaimsHashShared checks that IDs of two files that share a hash (as
// if they collided) are no conflict, and that a run without shared IDs
// still finds the IDs the store holds for another file.
func TestClaimsHashShared(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	kept := newSurvey("s", "kept.csv", 2)
	kept.store(t, s)
	for _, collide := range []bool{false, true} {
		c, err := s.NewClaims(ctx)
		if err != nil {
			t.Fatal(err)
		}
		a, _ := c.Leaving(FileKey{"s", "a.csv"})
		b, _ := c.Leaving(FileKey{"s", "b.csv"})
		for _, cl := range []struct {
			file int
			id   string
		}{{a, "p"}, {b, "q"}, {b, kept.units[1].ID}} {
			if err := c.Add(cl.file, cl.id); err != nil {
				t.Fatal(err)
			}
		}
		if collide {
			c.hashes.buf[1].h = c.hashes.buf[0].h
		}
		got, err := c.Conflicts()
		c.Close()
		want := []Conflict{{kept.units[1].ID, FileKey{"s", "kept.csv"}, FileKey{"s", "b.csv"}}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("collide %v: Conflicts = %v, %v; want %v", collide, got, err, want)
		}
	}
}

// BenchmarkClaims claims the unit IDs of a national survey (random
// pseudonymous IDs) as the run's check pass does, then lists the
// conflicts (none); STORE_BENCH_RESPONDENTS sizes it like
// BenchmarkFileTxNational. It reports CPU per claim for the claims
// (add-cpu-ns/claim) and for the whole (cpu-ns/claim).
func BenchmarkClaims(b *testing.B) {
	ctx := context.Background()
	sv, _ := nationalSurvey(2 * benchRespondentCount(b))
	var add, all time.Duration
	for b.Loop() {
		b.StopTimer()
		s, _ := openTemp(b)
		c0 := cpuTime()
		b.StartTimer()
		c, err := s.NewClaims(ctx)
		if err != nil {
			b.Fatal(err)
		}
		me, err := c.Leaving(FileKey{sv.source, sv.file})
		if err != nil {
			b.Fatal(err)
		}
		for _, u := range sv.units {
			if err := c.Add(me, u.ID); err != nil {
				b.Fatal(err)
			}
		}
		c1 := cpuTime()
		found, err := c.Conflicts()
		if err != nil || len(found) != 0 {
			b.Fatal(found, err)
		}
		c.Close()
		b.StopTimer()
		add += c1 - c0
		all += cpuTime() - c0
		s.Close()
		b.StartTimer()
	}
	n := float64(len(sv.units) * b.N)
	b.ReportMetric(float64(add.Nanoseconds())/n, "add-cpu-ns/claim")
	b.ReportMetric(float64(all.Nanoseconds())/n, "cpu-ns/claim")
}
