package report

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
	"github.com/xuri/excelize/v2"
)

// refRenderXLSX is renderXLSX as it was before codingsZip: the Codings
// rows go through excelize's StreamWriter.SetRow. It is kept to check that
// the rows written by hand are the same bytes.
func refRenderXLSX(w io.Writer, d *doc, in Input, sp *codingSpool) error {
	f := excelize.NewFile()
	defer func() { _ = f.Close() }()
	st, err := newXLSXStyles(f)
	if err != nil {
		return err
	}
	used := map[string]bool{}
	first := true
	newSheet := func(name string) (string, error) {
		name = sheetName(name)
		base := name
		for i := 2; used[name]; i++ {
			suffix := " " + strconv.Itoa(i)
			r := []rune(base)
			if len(r)+len(suffix) > 31 {
				r = r[:31-len(suffix)]
			}
			name = string(r) + suffix
		}
		used[name] = true
		if first {
			first = false
			return name, f.SetSheetName("Sheet1", name)
		}
		_, err := f.NewSheet(name)
		return name, err
	}
	for _, s := range d.Sections {
		for _, t := range s.Tables {
			if t.Sheet == "" {
				continue
			}
			name, err := newSheet(t.Sheet)
			if err != nil {
				return err
			}
			if err := writeSheet(f, name, t.Head, t.Rows, st); err != nil {
				return err
			}
		}
	}
	name, err := newSheet(d.W.Codings)
	if err != nil {
		return err
	}
	more := func(part int) (string, error) { return newSheet(fmt.Sprintf("%s %d", d.W.Codings, part)) }
	m := newMatrix(in, buildLabels(in))
	widths := make([]int, len(m.head))
	for i, h := range m.head {
		widths[i] = max(utf8.RuneCountInString(h), 1)
	}
	for i, w := range sp.widths {
		widths[i] = max(widths[i], w)
	}
	row := make([]any, len(m.head))
	start := func(sheet string) (*excelize.StreamWriter, error) {
		sw, err := f.NewStreamWriter(sheet)
		if err != nil {
			return nil, err
		}
		for i, w := range widths {
			if err := sw.SetColWidth(i+1, i+1, float64(min(max(w, 6), 60)+2)); err != nil {
				return nil, err
			}
		}
		if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
			return nil, err
		}
		head := make([]any, len(m.head))
		for i, h := range m.head {
			head[i] = excelize.Cell{StyleID: st.head, Value: h}
		}
		return sw, sw.SetRow("A1", head)
	}
	sw, err := start(name)
	if err != nil {
		return err
	}
	r, part := 0, 1
	err = sp.each(func(u study.Unit, codes []string) error {
		if r == maxSheetRows {
			if err := sw.Flush(); err != nil {
				return err
			}
			part++
			name, err := more(part)
			if err != nil {
				return err
			}
			if sw, err = start(name); err != nil {
				return err
			}
			r = 0
		}
		row = row[:0]
		for _, t := range [4]string{u.ID, u.Respondent, u.Source, firstNonEmpty(u.Question, u.Speaker)} {
			if t == "" {
				row = append(row, nil)
			} else {
				row = append(row, t)
			}
		}
		for _, c := range m.codes {
			if slices.Contains(codes, c) {
				row = append(row, 1)
			} else {
				row = append(row, 0)
			}
		}
		r++
		ref, _ := excelize.CoordinatesToCellName(1, r+1)
		return sw.SetRow(ref, row)
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	f.SetActiveSheet(0)
	f.SetZipWriter(func(w io.Writer) excelize.ZipWriter { return newZipWriter(w, xlsxDeflateLevel) })
	return f.Write(w)
}

// trickyTexts are what IDs, sources, questions and speakers could hold
// that excelize escapes or marks: markup, quotes, spaces, tabs and
// newlines at either end, control characters, invalid UTF-8, "_xHHHH_"
// sequences (escaped as "_x005F_xHHHH_"), characters outside the BMP, and
// text past a cell's 32,767 UTF-16 units, cut inside a surrogate pair.
var trickyTexts = []string{
	"R-7f3a", "Q_open1", "enquete", "interviews", "P-01", "Interviewer", "xx_x", "_x", "a_", "Ab_XyZ",
	"<b>&amp;</b>", `"quoted" 'single'`, " leading", "trailing ", "\ttab", "tab\t", "\nnl", "nl\n", "mid\nline", "cr\r", "\r\ncrlf",
	"ctl\x01\x1f", "del\x7f", "bad\xff\xfeutf8", "\xc3", "héllo wereld", "日本語", "emoji 😀 end", "😀",
	"_x0041_", "a_x0041_b", "_x005F_", "_x005F_x0041_", "_x005f_x004G_", "_x00zz_", "_x123_", "_X0041_", "__x0041__",
	strings.Repeat("a", 32767), strings.Repeat("b", 32768), strings.Repeat("é", 32766) + "😀", strings.Repeat("c", 32766) + "😀x",
	strings.Repeat(" ", 3), "=1+2", "-3", "+cmd", "@SUM(A1)",
}

// trickyUnits are n units with random tricky IDs and names, some without a
// question or speaker, some context turns, with random codes.
func trickyUnits(rng *rand.Rand, n int, codes []string) ([]study.Unit, []study.Coding) {
	pick := func() string {
		if rng.IntN(3) == 0 {
			return trickyTexts[rng.IntN(len(trickyTexts))] + trickyTexts[rng.IntN(len(trickyTexts))]
		}
		return trickyTexts[rng.IntN(len(trickyTexts))]
	}
	var units []study.Unit
	var codings []study.Coding
	for i := range n {
		u := study.Unit{ID: fmt.Sprintf("%s/%d", pick(), i), Respondent: pick(), Source: pick(), Seq: i, Text: "tekst"}
		switch rng.IntN(4) {
		case 0:
			u.Question = pick()
		case 1:
			u.Speaker = pick()
		case 2:
			u.Question, u.Speaker = pick(), pick()
		}
		if rng.IntN(5) == 0 {
			u.Respondent = ""
		}
		u.Context = rng.IntN(8) == 0
		units = append(units, u)
		var cs []string
		for _, c := range codes {
			if rng.IntN(3) == 0 {
				cs = append(cs, c)
			}
		}
		if rng.IntN(6) > 0 {
			codings = append(codings, study.Coding{UnitID: u.ID, Codes: cs})
		}
	}
	return units, codings
}

// xlsxBoth renders in's workbook with renderXLSX and refRenderXLSX; early
// says whether the Codings part is compressed while spooling, and whether
// that part was used is returned.
func xlsxBoth(t *testing.T, in Input, early bool) (got, want []byte, used bool) {
	t.Helper()
	sp, err := spoolCodings(in, t.TempDir(), early, newMatrix(in, buildLabels(in)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	d := buildDoc(in)
	var a, b bytes.Buffer
	if err := renderXLSX(&a, d, in, sp); err != nil {
		t.Fatal(err)
	}
	if err := refRenderXLSX(&b, d, in, sp); err != nil {
		t.Fatal(err)
	}
	return a.Bytes(), b.Bytes(), sp.early != nil && sp.early.used
}

func TestXLSXCodingsRowsAsStreamWriter(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 2))
	var codes []string
	for _, c := range fixtureCodebook().Codes {
		codes = append(codes, c.ID)
	}
	for _, early := range []bool{false, true} {
		for _, lang := range []string{"nl", "en"} {
			t.Run(fmt.Sprintf("fixture %s early %v", lang, early), func(t *testing.T) {
				got, want, used := xlsxBoth(t, fixtureInput(lang), early)
				sameWorkbook(t, got, want, early)
				if used != early {
					t.Errorf("early part used: %v, want %v", used, early)
				}
			})
		}
		for round := range 8 {
			t.Run(fmt.Sprintf("tricky %d early %v", round, early), func(t *testing.T) {
				in := fixtureInput("nl")
				in.Units, in.Codings = trickyUnits(rng, 1+rng.IntN(300), codes)
				got, want, _ := xlsxBoth(t, in, early)
				sameWorkbook(t, got, want, early)
			})
		}
		t.Run(fmt.Sprintf("no units early %v", early), func(t *testing.T) {
			in := fixtureInput("nl")
			in.Units, in.Codings = nil, nil
			got, want, used := xlsxBoth(t, in, early)
			sameWorkbook(t, got, want, early)
			if used != early {
				t.Errorf("early part used: %v, want %v", used, early)
			}
		})
	}
}

// The early part's head (with the column widths) is deflated after the
// last unit, so however wide a later unit is, the early part is used and
// the sheet is the StreamWriter's.
func TestXLSXEarlyCodingsWidths(t *testing.T) {
	long := strings.Repeat("x", 40)
	cases := []struct {
		name string
		edit func(in *Input)
	}{
		{"the first units are the widest", func(in *Input) {
			u := &in.Units[0]
			u.ID, u.Respondent, u.Source, u.Question = u.ID+long, u.Respondent+long, u.Source+long, u.Question+long
		}},
		{"a later unit is wider", func(in *Input) { in.Units[len(in.Units)-1].ID += long }},
		{"a later question is wider", func(in *Input) { in.Units[len(in.Units)-1].Speaker += long }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := fixtureInput("nl")
			c.edit(&in)
			got, want, used := xlsxBoth(t, in, true)
			sameWorkbook(t, got, want, true)
			if !used {
				t.Error("early part not used")
			}
		})
	}
}

// sameWorkbook compares two workbooks: byte for byte, or with parts
// (the early Codings part is deflated in parts, so only its inflated
// bytes match the reference's) by their names and inflated contents.
func sameWorkbook(t *testing.T, got, want []byte, parts bool) {
	t.Helper()
	if !parts {
		if !bytes.Equal(got, want) {
			diffSheets(t, got, want)
		}
		return
	}
	gz, wz := zipEntries(t, got), zipEntries(t, want)
	if len(gz) != len(wz) {
		diffSheets(t, got, want)
		return
	}
	for i := range gz {
		if gz[i].name != wz[i].name || !bytes.Equal(gz[i].body, wz[i].body) {
			diffSheets(t, got, want)
			return
		}
	}
}

// With more units than a sheet holds, the StreamWriter's parts came out in
// map order (excelize writes its streams from a map), so report.xlsx was
// not byte-stable; codingsZip writes them in sheet order. The parts'
// contents are the StreamWriter's, also when they come from the early
// sheets (one compressed stream per Codings sheet).
func TestXLSXCodingsPartsAsStreamWriterInSheetOrder(t *testing.T) {
	old := maxSheetRows
	maxSheetRows = 7
	defer func() { maxSheetRows = old }()
	rng := rand.New(rand.NewPCG(10, 3))
	in := fixtureInput("nl")
	in.Units, in.Codings = trickyUnits(rng, 40, []string{"werkdruk", "samenwerking"})
	got, want, used := xlsxBoth(t, in, true)
	if !used {
		t.Error("early sheets not used for a workbook with several Codings sheets")
	}
	gz, wz := zipEntries(t, got), zipEntries(t, want)
	var names, wantNames []string
	for _, e := range gz {
		names = append(names, e.name)
	}
	for _, e := range wz {
		wantNames = append(wantNames, e.name)
	}
	parts := 0
	for _, n := range names {
		if strings.HasPrefix(n, "xl/worksheets/") {
			parts++
		}
	}
	if parts < 14 {
		t.Fatalf("%d sheets, want the 11 table sheets and at least 5 Codings parts: %v", parts, names)
	}
	slices.Sort(wantNames)
	sortedNames := slices.Sorted(slices.Values(names))
	if !slices.Equal(sortedNames, wantNames) {
		t.Fatalf("parts %v, want %v", names, wantNames)
	}
	wantBody := map[string][]byte{}
	for _, e := range wz {
		wantBody[e.name] = e.body
	}
	for _, e := range gz {
		if !bytes.Equal(e.body, wantBody[e.name]) {
			t.Errorf("%s differs from the StreamWriter's", e.name)
		}
	}
	// The streamed parts (the Codings parts) come first, in sheet order,
	// then the others as excelize orders them.
	rows := 0
	for _, u := range in.Units {
		if !u.Context {
			rows++
		}
	}
	k := (rows + maxSheetRows - 1) / maxSheetRows
	var streamed []int
	for _, n := range names[:k] {
		id, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(n, "xl/worksheets/sheet"), ".xml"))
		if err != nil {
			t.Fatalf("part %s among the first %d, want only Codings sheets", n, k)
		}
		streamed = append(streamed, id)
	}
	if k < 5 || !slices.IsSorted(streamed) {
		t.Errorf("Codings parts in order %v, want sheet order", streamed)
	}
	var again bytes.Buffer
	sp, err := spoolCodings(in, t.TempDir(), true, newMatrix(in, buildLabels(in)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sp.close()
	if err := renderXLSX(&again, buildDoc(in), in, sp); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again.Bytes(), got) {
		t.Error("two renderings of the same input differ")
	}
}

type zipEntry struct {
	name string
	body []byte
}

func zipEntries(t *testing.T, b []byte) []zipEntry {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out []zipEntry
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, zipEntry{f.Name, body})
	}
	return out
}

// diffSheets reports the first differing part of two workbooks.
func diffSheets(t *testing.T, got, want []byte) {
	t.Helper()
	gz, wz := zipEntries(t, got), zipEntries(t, want)
	for i := range min(len(gz), len(wz)) {
		g, w := gz[i], wz[i]
		if g.name != w.name {
			t.Errorf("part %d is %s, want %s", i, g.name, w.name)
			return
		}
		if !bytes.Equal(g.body, w.body) {
			at := 0
			for at < min(len(g.body), len(w.body)) && g.body[at] == w.body[at] {
				at++
			}
			from := max(at-80, 0)
			t.Errorf("%s differs at byte %d:\n got …%q\nwant …%q", g.name, at, g.body[from:min(at+120, len(g.body))], w.body[from:min(at+120, len(w.body))])
			return
		}
	}
	t.Errorf("workbooks differ (%d parts, want %d; %d bytes, want %d)", len(gz), len(wz), len(got), len(want))
}
