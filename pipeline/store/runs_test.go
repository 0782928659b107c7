package store

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRuns(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 1, 2, 0, 0, 0, time.FixedZone("CET", 3600))

	t.Run("runs come newest first with outcome and summary", func(t *testing.T) {
		s, _ := openTemp(t)
		var ids []int64
		for i := range 3 {
			id, err := s.BeginRun(ctx, t0.Add(time.Duration(i)*24*time.Hour), "cfg", "cb")
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
			if err := s.FinishRun(ctx, id, t0.Add(time.Duration(i)*24*time.Hour+time.Minute), StatusOK, map[string]int{"units": i}); err != nil {
				t.Fatal(err)
			}
		}
		runs, err := s.Runs(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(runs) != 2 || runs[0].ID != ids[2] || runs[1].ID != ids[1] {
			t.Fatalf("Runs(2) = %+v, want ids %d, %d", runs, ids[2], ids[1])
		}
		r := runs[0]
		if r.Started != "2026-03-03T01:00:00Z" || r.Finished != "2026-03-03T01:01:00Z" || r.Status != StatusOK ||
			r.ConfigHash != "cfg" || r.CodebookHash != "cb" || string(r.Summary) != `{"units":2}` {
			t.Errorf("newest run = %+v", r)
		}
		if all, _ := s.Runs(ctx, 0); len(all) != 3 {
			t.Errorf("Runs(0) returned %d runs, want all 3", len(all))
		}
	})
	t.Run("a run can only be finished once", func(t *testing.T) {
		s, _ := openTemp(t)
		id, _ := s.BeginRun(ctx, t0, "cfg", "cb")
		if err := s.FinishRun(ctx, id, t0, StatusOK, nil); err != nil {
			t.Fatal(err)
		}
		if err := s.FinishRun(ctx, id, t0, StatusFailed, nil); err == nil {
			t.Error("finishing twice succeeded")
		}
		runs, _ := s.Runs(ctx, 1)
		if runs[0].Status != StatusOK {
			t.Errorf("status = %q after second finish, want ok kept", runs[0].Status)
		}
	})
	t.Run("an unknown status is refused", func(t *testing.T) {
		s, _ := openTemp(t)
		id, _ := s.BeginRun(ctx, t0, "cfg", "cb")
		if err := s.FinishRun(ctx, id, t0, "done", nil); err == nil || !strings.Contains(err.Error(), `"done"`) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a run that died while running is marked failed by the next run", func(t *testing.T) {
		s, _ := openTemp(t)
		dead, _ := s.BeginRun(ctx, t0, "cfg", "cb")
		next, _ := s.BeginRun(ctx, t0.Add(time.Hour), "cfg", "cb")
		runs, _ := s.Runs(ctx, 0)
		if runs[0].ID != next || runs[0].Status != StatusRunning || runs[0].Summary != nil {
			t.Errorf("new run = %+v", runs[0])
		}
		if runs[1].ID != dead || runs[1].Status != StatusFailed || !strings.Contains(string(runs[1].Summary), "interrupted") {
			t.Errorf("dead run = %+v", runs[1])
		}
	})
	t.Run("files record the run they were first and last seen in", func(t *testing.T) {
		s, _ := openTemp(t)
		r1, _ := s.BeginRun(ctx, t0, "cfg", "cb")
		newSurvey("e", "a.csv", 1).store(t, s)
		r2, _ := s.BeginRun(ctx, t0, "cfg", "cb")
		newSurvey("e", "a.csv", 2).store(t, s)
		var first, last int64
		s.db.QueryRow(`SELECT first_seen_run, last_seen_run FROM files`).Scan(&first, &last)
		if first != r1 || last != r2 {
			t.Errorf("first/last seen = %d/%d, want %d/%d", first, last, r1, r2)
		}
	})
}

func TestStatus(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	a := newSurvey("enquete", "a.csv", 3)
	b := newSurvey("enquete", "b.csv", 2)
	for i := range b.units {
		b.units[i].ID += "b"
		b.respondents[i].ID += "b"
	}
	iv := newSurvey("interviews", "i1.vtt", 4)
	iv.units[0].Context = true
	for _, sv := range []*survey{iv, b, a} {
		sv.store(t, s)
	}
	s.SaveCodings(ctx, "cb", codingsFor(a.units))
	s.SaveCodings(ctx, "old", codingsFor(iv.units))
	id, _ := s.BeginRun(ctx, time.Unix(0, 0), "cfg", "cb")

	st, err := s.Status(ctx, "cb")
	if err != nil {
		t.Fatal(err)
	}
	want := []SourceStatus{{"enquete", 2, 5, 5}, {"interviews", 1, 4, 4}}
	if !slices.Equal(st.Sources, want) {
		t.Errorf("Sources = %+v, want %+v", st.Sources, want)
	}
	if st.Files != 3 || st.Respondents != 9 || st.Units != 9 || st.ContextUnits != 1 || st.CodedUnits != 3 {
		t.Errorf("totals = %+v, want 3 files, 9 respondents, 9 units, 1 context, 3 coded", st)
	}
	if len(st.LastRuns) != 1 || st.LastRuns[0].ID != id {
		t.Errorf("LastRuns = %+v", st.LastRuns)
	}
}
