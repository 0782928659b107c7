package store

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// readCodingsMap returns the current codings under cb by unit ID.
func readCodingsMap(t *testing.T, s *Store, cb string) map[string]study.Coding {
	t.Helper()
	got := map[string]study.Coding{}
	if err := s.Codings(context.Background(), cb, func(c study.Coding) error {
		got[c.UnitID] = c
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return got
}

// Codings saved inside a file transaction commit with the file, are current
// (UnitsToCode skips their units) and equal what Store.SaveCodings stores.
func TestFileTxSaveCodingsCommitsWithTheFile(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	sv := newSurvey("survey", "wave.csv", 300)
	ft, err := s.BeginFile(ctx, sv.record())
	if err != nil {
		t.Fatal(err)
	}
	defer ft.Rollback()
	// Two batches, each coded after it is added, as the run does.
	for _, part := range [][2]int{{0, 150}, {150, 300}} {
		if err := ft.Add(sv.respondents[part[0]:part[1]], sv.units[part[0]:part[1]]); err != nil {
			t.Fatal(err)
		}
		if err := ft.SaveCodings("cb1", codingsFor(sv.units[part[0]:part[1]])); err != nil {
			t.Fatal(err)
		}
	}
	if got := readCodingsMap(t, s, "cb1"); len(got) != 0 {
		t.Fatalf("codings visible before Commit: %d", len(got))
	}
	if _, err := ft.Commit(); err != nil {
		t.Fatal(err)
	}
	got := readCodingsMap(t, s, "cb1")
	want := codingsFor(sv.units)
	if len(got) != len(want) {
		t.Fatalf("got %d codings, want %d", len(got), len(want))
	}
	for _, c := range want {
		if !reflect.DeepEqual(got[c.UnitID], c) {
			t.Fatalf("coding of %s: got %+v, want %+v", c.UnitID, got[c.UnitID], c)
		}
	}
	if left := collectUnits(t, func(ctx context.Context, fn func(study.Unit) error) error {
		return s.UnitsToCode(ctx, "cb1", fn)
	}); len(left) != 0 {
		t.Fatalf("UnitsToCode after fused coding: %d units, want 0", len(left))
	}
}

// A rolled-back file takes its codings with it, and a coding of a unit the
// transaction has not added fails the transaction.
func TestFileTxSaveCodingsRollbackAndUnknownUnit(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	sv := newSurvey("survey", "wave.csv", 10)
	ft, err := s.BeginFile(ctx, sv.record())
	if err != nil {
		t.Fatal(err)
	}
	if err := ft.Add(sv.respondents, sv.units); err != nil {
		t.Fatal(err)
	}
	if err := ft.SaveCodings("cb1", codingsFor(sv.units)); err != nil {
		t.Fatal(err)
	}
	ft.Rollback()
	if got := readCodingsMap(t, s, "cb1"); len(got) != 0 {
		t.Fatalf("codings after Rollback: %d", len(got))
	}

	ft, err = s.BeginFile(ctx, sv.record())
	if err != nil {
		t.Fatal(err)
	}
	defer ft.Rollback()
	if err := ft.Add(sv.respondents[:5], sv.units[:5]); err != nil {
		t.Fatal(err)
	}
	err = ft.SaveCodings("cb1", codingsFor(sv.units[4:6]))
	if err == nil || !strings.Contains(err.Error(), sv.units[5].ID) {
		t.Fatalf("coding of a unit not added: err = %v, want one naming %s", err, sv.units[5].ID)
	}
	if _, err := ft.Commit(); err == nil {
		t.Fatal("Commit after a failed SaveCodings succeeded")
	}
	if n := len(collectUnits(t, s.Units)); n != 0 {
		t.Fatalf("%d units stored after a failed transaction", n)
	}
}

// A file new to the store skips the look-ups and seen-ID tables; its
// repeated IDs are still refused with the same messages, whichever batches
// they are in, and an ID another file holds is still ErrDuplicateID.
func TestFreshFileRefusesRepeatedIDs(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		edit func(sv *survey)
		want string
	}{
		{"unit in a later batch", func(sv *survey) { sv.units[250].ID = sv.units[10].ID }, `unit "survey/r011/Q1" appears twice`},
		{"unit in the last statement", func(sv *survey) { sv.units[299].ID = sv.units[298].ID }, `unit "survey/r299/Q1" appears twice`},
		{"respondent in a later batch", func(sv *survey) {
			sv.respondents[250].ID = sv.respondents[10].ID
			sv.units[250].Respondent = sv.respondents[10].ID
		}, `respondent "r011" appears twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, _ := openTemp(t)
			sv := newSurvey("survey", "wave.csv", 300)
			c.edit(sv)
			ft, err := s.BeginFile(ctx, sv.record())
			if err != nil {
				t.Fatal(err)
			}
			defer ft.Rollback()
			err = ft.Add(sv.respondents[:200], sv.units[:200])
			if err == nil {
				err = ft.Add(sv.respondents[200:], sv.units[200:])
			}
			if err == nil {
				_, err = ft.Commit()
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want %q", err, c.want)
			}
			if n := len(collectUnits(t, s.Units)); n != 0 {
				t.Fatalf("%d units stored after a refused file", n)
			}
		})
	}

	s, _ := openTemp(t)
	newSurvey("survey", "a.csv", 5).store(t, s)
	other := newSurvey("survey", "b.csv", 5)
	if _, err := s.ReplaceFile(ctx, other.record(), other.respondents, other.units); !errors.Is(err, ErrDuplicateID) {
		t.Fatalf("a fresh file with another file's IDs: err = %v, want ErrDuplicateID", err)
	}
}
