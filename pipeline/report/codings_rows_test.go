package report

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// randomRows returns matrix codes (one twice) and units with codes of
// them and others, their texts what CSV quotes and XML escapes.
func randomRows(rng *rand.Rand, n int) ([]string, []study.Unit, [][]string) {
	var codes []string
	for i := range 1 + rng.IntN(30) {
		codes = append(codes, fmt.Sprintf("code.%d", i))
	}
	codes = append(codes, codes[rng.IntN(len(codes))])
	pieces := []string{"a", "R-1", " ", "\u00a0", "\u2028", `"`, `""`, ",", ";", "\t", "\r", "\n", "\r\n", "=", "+", "-", "@", `\.`, `\`, ".",
		"é", "€", "|", "<", "&", "_x0041_", "\x00", "\xff"}
	str := func() string {
		if rng.IntN(8) == 0 {
			return `\.`
		}
		var b strings.Builder
		for range rng.IntN(5) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	var units []study.Unit
	var unitCodes [][]string
	for range n {
		u := study.Unit{ID: str(), Respondent: str(), Source: str(), Question: str()}
		if rng.IntN(3) == 0 {
			u.Question, u.Speaker = "", str()
		}
		var cs []string
		for range rng.IntN(8) {
			if rng.IntN(5) == 0 {
				cs = append(cs, "other"+strconv.Itoa(rng.IntN(3)))
			} else {
				cs = append(cs, codes[rng.IntN(len(codes))])
			}
		}
		if rng.IntN(10) == 0 {
			cs = nil
		}
		units = append(units, u)
		unitCodes = append(unitCodes, cs)
	}
	return codes, units, unitCodes
}

// codings.csv's rows must be encoding/csv's, for every delimiter.
func TestCSVRowsAsEncodingCSV(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 9))
	for _, comma := range []rune{',', ';', '\t', '|', ' ', 'é', '€', '\\', '.'} {
		for range 20 {
			codes, units, unitCodes := randomRows(rng, 200)
			var want bytes.Buffer
			cw := csv.NewWriter(&want)
			cw.Comma = comma
			cr := newCSVRows(codes, comma)
			var got []byte
			row := make([]string, 4+len(codes))
			for k, u := range units {
				row[0], row[1], row[2], row[3] = safeText(u.ID), safeText(u.Respondent), safeText(u.Source), safeText(firstNonEmpty(u.Question, u.Speaker))
				for i, code := range codes {
					row[4+i] = flag01(slices.Contains(unitCodes[k], code))
				}
				if err := cw.Write(row); err != nil {
					t.Fatal(err)
				}
				got = cr.appendRow(got, u, unitCodes[k])
			}
			cw.Flush()
			if !bytes.Equal(got, want.Bytes()) {
				g, w := strings.Split(string(got), "\n"), strings.Split(want.String(), "\n")
				for i := range min(len(g), len(w)) {
					if g[i] != w[i] {
						t.Fatalf("comma %q, line %d:\n got %q\nwant %q", comma, i, g[i], w[i])
					}
				}
				t.Fatalf("comma %q: got %d lines, want %d", comma, len(g), len(w))
			}
		}
	}
}

// appendRowCellByCell is cellRows.appendRow as it was written cell by
// cell, with a search of the unit's codes for each flag.
func appendRowCellByCell(cr *cellRows, b []byte, r int, u study.Unit, codes []string) []byte {
	rn := strconv.AppendInt(nil, int64(r), 10)
	b = append(b, `<row r="`...)
	b = append(b, rn...)
	b = append(b, `">`...)
	for i, t := range [4]string{u.ID, u.Respondent, u.Source, firstNonEmpty(u.Question, u.Speaker)} {
		if t == "" {
			continue
		}
		b = append(b, `<c r="`...)
		b = append(b, cr.cols[i]...)
		b = append(b, rn...)
		b = append(b, `" t="inlineStr"><is><t`...)
		v, preserve := cr.inlineText(t)
		if preserve {
			b = append(b, ` xml:space="preserve"`...)
		}
		b = append(b, '>')
		b = append(b, v...)
		b = append(b, `</t></is></c>`...)
	}
	for i, code := range cr.codes {
		b = append(b, `<c r="`...)
		b = append(b, cr.cols[4+i]...)
		b = append(b, rn...)
		if slices.Contains(codes, code) {
			b = append(b, `"><v>1</v></c>`...)
		} else {
			b = append(b, `"><v>0</v></c>`...)
		}
	}
	return append(b, `</row>`...)
}

// The Codings sheet's rows, their flag cells copied from the last row's,
// must be the cells written one by one, whatever the row numbers do.
func TestCellRowsAsCellByCell(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 10))
	for range 30 {
		codes, units, unitCodes := randomRows(rng, 300)
		cr, ref := newCellRows(matrix{codes: codes}), newCellRows(matrix{codes: codes})
		r := rng.IntN(120)
		var got, want []byte
		for k, u := range units {
			switch rng.IntN(10) {
			case 0:
				r = rng.IntN(1 << rng.IntN(21))
			case 1:
				r = max(0, r-rng.IntN(20))
			default:
				r++
			}
			got = cr.appendRow(got, r, u, unitCodes[k])
			want = appendRowCellByCell(ref, want, r, u, unitCodes[k])
			if !bytes.Equal(got, want) {
				t.Fatalf("row %d (%d codes, %q):\n got %q\nwant %q", r, len(codes), unitCodes[k], got, want)
			}
			if row := cr.row(r, u, unitCodes[k]); !bytes.HasSuffix(want, row) {
				t.Fatalf("row %d: row() %q", r, row)
			}
		}
	}
}
