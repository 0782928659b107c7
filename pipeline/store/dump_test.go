package store

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// TestDumpReads dumps every read of a store built by FileTx imports,
// rewrites and saves, and the raw rows with their rowids. Two builds of the
// same store must dump the same bytes (rowids and reads are deterministic).
// With STORE_DUMP naming a file the dump is written there too, so two
// versions of the package can be diffed: a change to how files are stored
// must leave it byte for byte the same.
func TestDumpReads(t *testing.T) {
	var a, b bytes.Buffer
	dumpReads(t, &a)
	dumpReads(t, &b)
	if a.Len() < 1000 || !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Fatalf("two builds of one store read differently (%d and %d bytes)", a.Len(), b.Len())
	}
	if path := os.Getenv("STORE_DUMP"); path != "" {
		if err := os.WriteFile(path, a.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func dumpReads(t *testing.T, out io.Writer) {
	ctx := context.Background()
	w := bufio.NewWriter(out)
	defer w.Flush()
	s, _ := openTemp(t)

	importFile := func(sv *survey, codings []study.Coding, batch int) {
		ft, err := s.BeginFile(ctx, sv.record())
		if err != nil {
			t.Fatal(err)
		}
		defer ft.Rollback()
		for u, r := 0, 0; u < len(sv.units); u += batch {
			ue := min(u+batch, len(sv.units))
			re := min(ue/2, len(sv.respondents))
			if err := ft.Add(sv.respondents[r:re], sv.units[u:ue]); err != nil {
				t.Fatal(err)
			}
			if codings != nil {
				if err := ft.SaveCodings("cb", codings[u:ue]); err != nil {
					t.Fatal(err)
				}
			}
			r = re
		}
		d, err := ft.Commit()
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "diff %s: %+v\n", sv.file, d)
	}
	a, ca := nationalFile(3000)
	importFile(a, ca, 2048)
	b, cb := nationalFile(1000)
	b.source, b.file = "other", "b.csv"
	for i := range b.units {
		b.units[i].Source, b.units[i].File = b.source, b.file
		b.units[i].ID = "other/" + b.units[i].ID
		b.units[i].Context = i%7 == 0
		cb[i].UnitID = b.units[i].ID
	}
	for i := range b.respondents {
		b.respondents[i].Source, b.respondents[i].File = b.source, b.file
		b.respondents[i].Closed = nil
	}
	var bc []study.Coding
	for i, u := range b.units {
		if !u.Context {
			bc = append(bc, cb[i])
		}
	}
	importFile(b, nil, 500)
	if err := s.SaveCodings(ctx, "cb", bc[:len(bc)/2]); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCodings(ctx, "cb2", bc[len(bc)/3:]); err != nil {
		t.Fatal(err)
	}
	// a again: changed, moved, removed and new units and respondents.
	a2, _ := nationalFile(3200)
	for i := range a2.units {
		switch i % 5 {
		case 1:
			a2.units[i].Text += " Gewijzigd."
		case 2:
			a2.units[i].Seq += 7
		}
	}
	a2.units = a2.units[100:]
	a2.respondents = a2.respondents[50:]
	for i := range a2.respondents {
		if i%3 == 0 {
			a2.respondents[i].Attributes["sector"] = "Anders"
		}
	}
	importFile(a2, nil, 2048)
	importFile(b, nil, 700)

	files, err := s.Files(ctx)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(w, "files %+v\n", files)
	dumpEach := func(name string, each func(context.Context, func(study.Unit) error) error) {
		if err := each(ctx, func(u study.Unit) error { fmt.Fprintf(w, "%s %+v\n", name, u); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	dumpEach("unit", s.Units)
	for _, cbh := range []string{"cb", "cb2", "none"} {
		dumpEach("tocode "+cbh, func(ctx context.Context, fn func(study.Unit) error) error { return s.UnitsToCode(ctx, cbh, fn) })
		if err := s.Codings(ctx, cbh, func(c study.Coding) error { fmt.Fprintf(w, "coding %s %+v\n", cbh, c); return nil }); err != nil {
			t.Fatal(err)
		}
		if err := s.UnitsWithCodings(ctx, cbh, func(u study.Unit, c *study.Coding) error {
			fmt.Fprintf(w, "withcodings %s %+v %+v\n", cbh, u, c)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	for _, read := range []struct {
		name string
		each func(context.Context, func(study.Respondent) error) error
	}{{"respondent", s.Respondents}, {"facts", s.RespondentFacts}} {
		if err := read.each(ctx, func(r study.Respondent) error { fmt.Fprintf(w, "%s %+v\n", read.name, r); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{
		`SELECT rowid, * FROM units ORDER BY rowid`,
		`SELECT rowid, * FROM respondents ORDER BY rowid`,
		`SELECT * FROM codings ORDER BY codebook, unit`,
		`SELECT * FROM coding_terms ORDER BY codebook, id`,
		`SELECT * FROM codebooks ORDER BY id`,
		`SELECT * FROM files ORDER BY source, path`,
	} {
		rows, err := s.db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			fmt.Fprintf(w, "raw %q", q)
			for _, v := range vals {
				fmt.Fprintf(w, " %T:%v", v, v)
			}
			fmt.Fprintln(w)
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
}
