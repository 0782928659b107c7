package store

import (
	"context"
	"testing"
)

// A FileTx whose context ends fails and stores nothing, though its full
// batches bypass database/sql (batch.execFull): nothing may run outside
// the transaction once database/sql has rolled it back. The store stays
// usable.
func TestFileTxCanceled(t *testing.T) {
	s, _ := openTemp(t)
	sv, codings := nationalFile(600)
	ctx, cancel := context.WithCancel(context.Background())
	ft, err := s.BeginFile(ctx, sv.record())
	if err != nil {
		t.Fatal(err)
	}
	defer ft.Rollback()
	if err := ft.Add(sv.respondents[:300], sv.units[:600]); err != nil {
		t.Fatal(err)
	}
	if err := ft.SaveCodings("cb", codings[:600]); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := ft.Add(sv.respondents[300:], sv.units[600:]); err == nil {
		if _, err := ft.Commit(); err == nil {
			t.Fatal("a canceled FileTx committed")
		}
	}
	ft.Rollback()
	var units, respondents, coded int
	if err := s.db.QueryRow(`SELECT (SELECT count(*) FROM units), (SELECT count(*) FROM respondents), (SELECT count(*) FROM codings)`).
		Scan(&units, &respondents, &coded); err != nil {
		t.Fatal(err)
	}
	if units+respondents+coded != 0 {
		t.Fatalf("a canceled FileTx left %d units, %d respondents, %d codings", units, respondents, coded)
	}
	sv.store(t, s)
	if err := s.db.QueryRow(`SELECT count(*) FROM units`).Scan(&units); err != nil || units != len(sv.units) {
		t.Fatalf("after the canceled FileTx: %d units stored, %v; want %d", units, err, len(sv.units))
	}
}
