package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/study"
)

type qdeProject struct {
	XMLName          xml.Name     `xml:"Project"`
	Xmlns            string       `xml:"xmlns,attr"`
	Name             string       `xml:"name,attr"`
	Origin           string       `xml:"origin,attr"`
	CreatingUserGUID string       `xml:"creatingUserGUID,attr"`
	Users            qdeUsers     `xml:"Users"`
	CodeBook         *qdeCodeBook `xml:"CodeBook,omitempty"`
	Sources          *qdeSources  `xml:"Sources,omitempty"`
	Description      string       `xml:"Description,omitempty"`
}

type qdeUsers struct {
	User []qdeUser `xml:"User"`
}

type qdeUser struct {
	GUID string `xml:"guid,attr"`
	Name string `xml:"name,attr"`
}

type qdeCodeBook struct {
	Codes []*qdeRefCode `xml:"Codes>Code"`
}

type qdeRefCode struct {
	GUID        string        `xml:"guid,attr"`
	Name        string        `xml:"name,attr"`
	IsCodable   bool          `xml:"isCodable,attr"`
	Color       string        `xml:"color,attr,omitempty"`
	Description string        `xml:"Description,omitempty"`
	Codes       []*qdeRefCode `xml:"Code"`
}

type qdeSources struct {
	TextSource []qdeTextSource `xml:"TextSource"`
}

type qdeTextSource struct {
	GUID          string         `xml:"guid,attr"`
	Name          string         `xml:"name,attr"`
	PlainTextPath string         `xml:"plainTextPath,attr"`
	CreatingUser  string         `xml:"creatingUser,attr"`
	Selections    []qdeSelection `xml:"PlainTextSelection"`
}

type qdeSelection struct {
	GUID         string      `xml:"guid,attr"`
	Name         string      `xml:"name,attr"`
	Start        int         `xml:"startPosition,attr"`
	End          int         `xml:"endPosition,attr"`
	CreatingUser string      `xml:"creatingUser,attr"`
	Description  string      `xml:"Description,omitempty"`
	Codings      []qdeCoding `xml:"Coding"`
}

type qdeCoding struct {
	GUID         string     `xml:"guid,attr"`
	CreatingUser string     `xml:"creatingUser,attr"`
	CodeRef      qdeCodeRef `xml:"CodeRef"`
}

type qdeCodeRef struct {
	TargetGUID string `xml:"targetGUID,attr"`
}

// qdpxRefSource is one input file of the reference renderer.
type qdpxRefSource struct {
	key, file string
	units     []int // indexes into Input.Units, in order
}

// renderQDPXReference renders the project with encoding/xml, as this
// package did before project.qde was written by hand; TestQDPXMatchesEncodingXML
// holds the hand-written bytes to its. It builds the selections of each unit
// independently of qdpx_select.go (refDescription), so the comparison checks
// the descriptions and codings too, not only the escaping.
func renderQDPXReference(w io.Writer, in Input) error {
	lang := in.Tables.Language
	user := guid("user")
	p := qdeProject{
		Xmlns: qdeNamespace, Name: firstNonEmpty(in.Tables.Study, "veldstem"), Origin: "veldstem " + in.Manifest.Version,
		CreatingUserGUID: user, Users: qdeUsers{User: []qdeUser{{GUID: user, Name: "veldstem"}}},
	}

	codeGUID := map[string]string{}
	nodes := map[string]*qdeRefCode{}
	for i, c := range in.Codebook.Codes {
		label := firstNonEmpty(c.LabelNL, c.LabelEN, c.ID)
		if lang == "en" {
			label = firstNonEmpty(c.LabelEN, c.LabelNL, c.ID)
		}
		codeGUID[c.ID] = guid("code:" + c.ID)
		nodes[c.ID] = &qdeRefCode{GUID: codeGUID[c.ID], Name: label, IsCodable: true, Color: normColor(c.Color, i),
			Description: strings.TrimSpace("[" + c.ID + "] " + c.Description)}
	}
	var roots []*qdeRefCode
	for _, c := range in.Codebook.Codes {
		if parent, ok := nodes[c.Parent]; ok && c.Parent != c.ID {
			parent.Codes = append(parent.Codes, nodes[c.ID])
		} else {
			roots = append(roots, nodes[c.ID])
		}
	}
	if len(roots) > 0 {
		p.CodeBook = &qdeCodeBook{Codes: roots}
	}

	var sources []*qdpxRefSource
	byKey := map[string]*qdpxRefSource{}
	for i, u := range in.Units {
		key := u.Source + "\x00" + u.File
		s, ok := byKey[key]
		if !ok {
			s = &qdpxRefSource{key: key, file: u.File}
			byKey[key] = s
			sources = append(sources, s)
		}
		s.units = append(s.units, i)
	}
	codings := make(map[string]*study.Coding, len(in.Codings))
	for i := range in.Codings {
		codings[in.Codings[i].UnitID] = &in.Codings[i]
	}

	zw := newZipWriter(w, qdpxDeflateLevel)
	fail := func(err error) error { return fmt.Errorf("report: writing project.qdpx: %w", err) }
	qw, err := zw.CreateHeader(&zip.FileHeader{Name: "project.qde", Method: zip.Deflate, Modified: zipTime})
	if err != nil {
		return fail(err)
	}
	bw := bufio.NewWriterSize(qw, 1<<16)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	attr := func(name, value string) xml.Attr { return xml.Attr{Name: xml.Name{Local: name}, Value: value} }
	project := xml.StartElement{Name: xml.Name{Local: "Project"}, Attr: []xml.Attr{attr("xmlns", p.Xmlns), attr("name", p.Name),
		attr("origin", p.Origin), attr("creatingUserGUID", p.CreatingUserGUID)}}
	if err := enc.EncodeToken(project); err != nil {
		return fail(err)
	}
	if err := enc.EncodeElement(p.Users, xml.StartElement{Name: xml.Name{Local: "Users"}}); err != nil {
		return fail(err)
	}
	if p.CodeBook != nil {
		if err := enc.EncodeElement(p.CodeBook, xml.StartElement{Name: xml.Name{Local: "CodeBook"}}); err != nil {
			return fail(err)
		}
	}
	if len(sources) > 0 {
		if err := enc.EncodeToken(xml.StartElement{Name: xml.Name{Local: "Sources"}}); err != nil {
			return fail(err)
		}
	}
	for _, s := range sources {
		sg := guid("source:" + s.key)
		ts := xml.StartElement{Name: xml.Name{Local: "TextSource"}, Attr: []xml.Attr{attr("guid", sg),
			attr("name", firstNonEmpty(s.file, strings.ReplaceAll(s.key, "\x00", "/"))),
			attr("plainTextPath", "internal://"+sg+".txt"), attr("creatingUser", user)}}
		if err := enc.EncodeToken(ts); err != nil {
			return fail(err)
		}
		runes, written := 0, 0
		for _, ui := range s.units {
			u := in.Units[ui]
			if written > 0 {
				runes += 2 // the blank line between units
			}
			prefix := string(appendUnitPrefix(nil, u))
			written += len(prefix) + len(u.Text)
			runes += utf8.RuneCountInString(prefix)
			unitStart := runes
			runes += utf8.RuneCountInString(u.Text)
			c, ok := codings[u.ID]
			if !ok || u.Context || u.Text == "" {
				continue
			}
			desc, coded := refDescription(in.Codebook, lang, u.Text, c)
			if desc == "" {
				continue
			}
			sel := qdeSelection{GUID: guid("selection:" + u.ID), Name: u.ID, Start: unitStart, End: runes,
				CreatingUser: user, Description: desc}
			for _, id := range coded {
				sel.Codings = append(sel.Codings, qdeCoding{GUID: guid("coding:" + u.ID + "#" + id), CreatingUser: user,
					CodeRef: qdeCodeRef{TargetGUID: codeGUID[id]}})
			}
			if err := enc.EncodeElement(sel, xml.StartElement{Name: xml.Name{Local: "PlainTextSelection"}}); err != nil {
				return fail(err)
			}
		}
		if err := enc.EncodeToken(ts.End()); err != nil {
			return fail(err)
		}
	}
	if len(sources) > 0 {
		if err := enc.EncodeToken(xml.EndElement{Name: xml.Name{Local: "Sources"}}); err != nil {
			return fail(err)
		}
	}
	if err := enc.EncodeToken(project.End()); err != nil {
		return fail(err)
	}
	if err := enc.Flush(); err != nil {
		return fail(err)
	}
	bw.WriteString("\n")
	if err := bw.Flush(); err != nil {
		return fail(err)
	}

	for _, s := range sources {
		sg := guid("source:" + s.key)
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: "sources/" + sg + ".txt", Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return fail(err)
		}
		bw.Reset(fw)
		written := 0
		for _, ui := range s.units {
			u := in.Units[ui]
			if written > 0 {
				bw.WriteString("\n\n")
			}
			prefix := string(appendUnitPrefix(nil, u))
			written += len(prefix) + len(u.Text)
			bw.WriteString(prefix)
			bw.WriteString(u.Text)
		}
		if err := bw.Flush(); err != nil {
			return fail(err)
		}
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	return nil
}

// refDescription is the Description of a unit's selection and the codes it
// carries, in codebook order, written plainly (maps, fmt) so that it checks
// qdpx_select.go rather than repeating it. desc is "" when the unit gets no
// selection.
func refDescription(cb Codebook, lang, text string, c *study.Coding) (desc string, coded []string) {
	w := wordsNL
	if lang == "en" {
		w = wordsEN
	}
	label := func(cc CodebookCode) string {
		if lang == "en" {
			return firstNonEmpty(cc.LabelEN, cc.LabelNL, cc.ID)
		}
		return firstNonEmpty(cc.LabelNL, cc.LabelEN, cc.ID)
	}
	type span struct {
		start, end int
		negated    bool
	}
	var lines []string
	seen := map[string]bool{}
	for _, cc := range cb.Codes {
		if seen[cc.ID] {
			continue
		}
		seen[cc.ID] = true
		isCoded := c.Has(cc.ID)
		terms := map[span][]string{}
		words := map[span]string{}
		var spans []span
		for _, m := range c.Matches {
			if m.Code != cc.ID {
				continue
			}
			k := span{-1, -1, m.Negated}
			if a, b := clampRune(text, m.Span.Start), clampRune(text, m.Span.End); a < b {
				k.start = utf8.RuneCountInString(text[:a])
				k.end = k.start + utf8.RuneCountInString(text[a:b])
				words[k] = text[a:b]
			}
			if _, ok := terms[k]; !ok {
				spans = append(spans, k)
			}
			if !slices.Contains(terms[k], m.Term) {
				terms[k] = append(terms[k], m.Term)
			}
		}
		if !isCoded && len(spans) == 0 {
			continue
		}
		if isCoded {
			coded = append(coded, cc.ID)
		}
		sort.SliceStable(spans, func(i, j int) bool {
			a, b := spans[i], spans[j]
			if a.start != b.start {
				return a.start < b.start
			}
			if a.end != b.end {
				return a.end < b.end
			}
			return !a.negated && b.negated
		})
		line := label(cc)
		if !isCoded {
			line += " (" + w.QDANotCoded + ")"
		}
		var entries []string
		counted := false
		for _, k := range spans {
			counted = counted || !k.negated || cc.Negation != "exclude"
			var marks []string
			if k.negated {
				marks = append(marks, w.QDANegated)
				if isCoded && cc.Negation == "exclude" {
					marks = append(marks, w.QDANotCounted)
				}
			}
			if k.start < 0 {
				e := strings.Join(terms[k], ", ")
				if len(marks) > 0 {
					e += " (" + strings.Join(marks, ", ") + ")"
				}
				entries = append(entries, e)
				continue
			}
			word := w.QDATerm
			if len(terms[k]) > 1 {
				word = w.QDATerms
			}
			e := fmt.Sprintf("“%s” (%d–%d, %s %s", truncateRunes(words[k], 60), k.start, k.end, word, strings.Join(terms[k], ", "))
			entries = append(entries, strings.Join(append([]string{e}, marks...), ", ")+")")
		}
		if isCoded && !counted {
			var via []string
			for _, sub := range cb.Codes {
				if sub.Parent == cc.ID && sub.ID != cc.ID && c.Has(sub.ID) {
					via = append(via, label(sub))
				}
			}
			if len(via) > 0 {
				entries = append(entries, w.QDAVia+" "+strings.Join(via, ", "))
			}
		}
		if len(entries) > 0 {
			line += ": " + strings.Join(entries, "; ")
		}
		lines = append(lines, line)
	}
	return strings.Join(lines, "\n"), coded
}

// trickyQDPXInput is the fixture with text XML must escape, invalid UTF-8,
// and a unit whose matches are everything a selection has to describe.
func trickyQDPXInput() Input {
	in := fixtureInput("nl")
	in.Tables.Study = "Studie \"<&'>\"\t\r\n\x01 \xff é"
	in.Codebook.Codes[0].Description = "beschrijving met <tags> & \"quotes\"\nen regels\x00"
	in.Codebook.Codes[1].Color = ""
	units := append([]study.Unit(nil), in.Units...)
	codings := append([]study.Coding(nil), in.Codings...)
	u := units[0]
	u.ID, u.Seq, u.Text = u.ID+"-x", 999, "werkdruk\t'<hoog>' & \"zwaar\"\r\n\x02 \xfe\xff ëé werkdruk"
	units = append(units[:1], append([]study.Unit{u}, units[1:]...)...) // same file: next to its first unit
	codings = append(codings, study.Coding{UnitID: u.ID, Codes: []string{"onbekend", "werkdruk.caseload", in.Codebook.Codes[0].ID},
		Matches: []study.Match{{Code: in.Codebook.Codes[0].ID, Term: "werk<&'\">druk\n", Span: study.Span{Start: 0, End: 8}, Negated: true},
			{Code: in.Codebook.Codes[0].ID, Term: "werkdruk", Span: study.Span{Start: 9, End: 40}},
			{Code: in.Codebook.Codes[0].ID, Term: "*druk", Span: study.Span{Start: 9, End: 40}},
			{Code: in.Codebook.Codes[0].ID, Term: "werkdruk", Span: study.Span{Start: 9, End: 40}},
			{Code: "werkdruk.caseload", Term: "rule: Q <\"5\">", Span: study.Span{Start: 3, End: 3}},
			{Code: "onbekend", Term: "x", Span: study.Span{Start: 0, End: 2}},
			{Code: "samenwerking", Term: "niets", Span: study.Span{Start: 900, End: 990}, Negated: true}}})
	// A unit with codes but no text cannot be selected.
	e := u
	e.ID, e.Seq, e.Text = u.ID+"-leeg", 1000, ""
	units = append(units[:2], append([]study.Unit{e}, units[2:]...)...)
	codings = append(codings, study.Coding{UnitID: e.ID, Codes: []string{"werkdruk"}})
	in.Units, in.Codings = units, codings
	return in
}

func TestQDPXMatchesEncodingXML(t *testing.T) {
	for name, in := range map[string]Input{"nl": fixtureInput("nl"), "en": fixtureInput("en"), "tricky": trickyQDPXInput(),
		"empty": {Tables: fixtureTables("nl")}, "selections": unitSelectionInput("nl"), "selections en": unitSelectionInput("en")} {
		t.Run(name, func(t *testing.T) {
			var got, want bytes.Buffer
			if err := renderQDPX(&got, in, t.TempDir()); err != nil {
				t.Fatal(err)
			}
			if err := renderQDPXReference(&want, in); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.Bytes(), want.Bytes()) {
				g, w := unzipBytes(t, got.Bytes()), unzipBytes(t, want.Bytes())
				for k := range w {
					if !bytes.Equal(g[k], w[k]) {
						t.Errorf("%s differs:\n got %q\nwant %q", k, g[k], w[k])
					}
				}
				if len(g) != len(w) {
					t.Errorf("entries: got %d, want %d", len(g), len(w))
				}
			}
		})
	}
}

func unzipBytes(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = body
	}
	return out
}

// A description is escaped piece by piece as it is built (appendDesc):
// escaping variable pieces (any bytes) that lie between fixed pieces of
// valid UTF-8 apart must give what escaping the whole gives.
func TestEscapedPiecewise(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 4))
	pieces := []string{"a", "é", "😀", "<", ">", "&", `"`, "'", "\t", "\n", "\r", "\x00", "\x1f", "\x7f", "\xff", "\xc3", "\xe2\x80", "\x80", "\x9c",
		"\xed\xa0\x80", "\uFFFE", "\uFFFD", " ", "“x”"}
	fixed := []string{"“", "” (", "–", ", ", "; ", ": ", " (", ")", "\n", "&#xA;", "term", "ontkend"}
	for range 20000 {
		var whole strings.Builder
		var parts []byte
		for k := range 1 + rng.IntN(6) {
			if k > 0 || rng.IntN(2) == 0 {
				f := fixed[rng.IntN(len(fixed))]
				whole.WriteString(f)
				parts = appendEscaped(parts, f)
			}
			var v strings.Builder
			for range rng.IntN(5) {
				v.WriteString(pieces[rng.IntN(len(pieces))])
			}
			whole.WriteString(v.String())
			parts = appendEscaped(parts, v.String())
			if rng.IntN(2) == 0 {
				f := fixed[rng.IntN(len(fixed))]
				whole.WriteString(f)
				parts = appendEscaped(parts, f)
			}
		}
		if want := appendEscaped(nil, whole.String()); !bytes.Equal(parts, want) {
			t.Fatalf("%q: pieces escaped %q, whole %q", whole.String(), parts, want)
		}
	}
}

// A generated corpus with text XML must escape and invalid UTF-8 in the
// texts, terms and labels, spans anywhere (inside runes too), many hits per
// unit and long matches, and enough selections that project.qde is handed
// to the compressor in many chunks, renders as the reference does.
func TestQDPXMatchesEncodingXMLGenerated(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 7))
	pieces := []string{"werkdruk", " ", " de ", "é", "😀", "<", ">", "&", `"`, "'", "\t", "\n", "\r\n", "\x01", "\xff", "\xc3",
		"\xe2\x80", "\uFFFE", "“x”", "caseload ", "een lange zin over de werkdruk in het team "}
	str := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	var cb Codebook
	for i := range 12 {
		c := CodebookCode{ID: fmt.Sprintf("c%d", i), LabelNL: "Code " + str(rng.IntN(3)), LabelEN: str(1), Negation: []string{"", "exclude"}[i%2]}
		if i%3 != 0 {
			c.Parent = fmt.Sprintf("c%d", i-i%3)
		}
		cb.Codes = append(cb.Codes, c)
	}
	in := Input{Tables: &analysis.Tables{Study: "s", Language: "nl"}, Codebook: cb}
	for k := range 3000 {
		text := str(rng.IntN(40))
		resp := fmt.Sprintf("R-%d", k/2)
		u := study.Unit{ID: "enquete/" + resp + "/Q" + strconv.Itoa(k%2), Source: "enquete", File: fmt.Sprintf("f%d.csv", k/1000),
			Respondent: resp, Question: "Q" + strconv.Itoa(k%2), Seq: k, Text: text}
		if k%50 == 7 {
			u.Question, u.Speaker, u.Context = "", "Interviewer", k%100 == 7
		}
		in.Units = append(in.Units, u)
		c := study.Coding{UnitID: u.ID}
		for range rng.IntN([]int{3, 8, 40}[rng.IntN(3)]) {
			a := rng.IntN(len(text) + 3)
			m := study.Match{Code: fmt.Sprintf("c%d", rng.IntN(13)), Term: str(rng.IntN(3)), Span: study.Span{Start: a, End: a + rng.IntN(200)}, Negated: rng.IntN(4) == 0}
			if rng.IntN(6) == 0 {
				m.Span = study.Span{}
			}
			c.Matches = append(c.Matches, m)
		}
		slices.SortStableFunc(c.Matches, func(a, b study.Match) int { return a.Span.Start - b.Span.Start })
		for _, m := range c.Matches {
			if (!m.Negated || rng.IntN(3) == 0) && !slices.Contains(c.Codes, m.Code) {
				c.Codes = append(c.Codes, m.Code)
			}
		}
		if rng.IntN(5) > 0 {
			in.Codings = append(in.Codings, c)
		}
	}
	for _, lang := range []string{"nl", "en"} {
		in.Tables.Language = lang
		var got, want bytes.Buffer
		if err := renderQDPX(&got, in, t.TempDir()); err != nil {
			t.Fatal(err)
		}
		if err := renderQDPXReference(&want, in); err != nil {
			t.Fatal(err)
		}
		g, w := unzipBytes(t, got.Bytes()), unzipBytes(t, want.Bytes())
		if len(g["project.qde"]) < 4*asyncChunk {
			t.Fatalf("project.qde has %d bytes, not many chunks", len(g["project.qde"]))
		}
		for k := range w {
			if !bytes.Equal(g[k], w[k]) {
				i := 0
				for i < min(len(g[k]), len(w[k])) && g[k][i] == w[k][i] {
					i++
				}
				t.Fatalf("%s %s differs at %d:\n got %q\nwant %q", lang, k, i, g[k][max(0, i-200):min(len(g[k]), i+200)], w[k][max(0, i-200):min(len(w[k]), i+200)])
			}
		}
		if len(g) != len(w) {
			t.Errorf("entries: got %d, want %d", len(g), len(w))
		}
	}
}

// runeCount must count as utf8.RuneCountInString does, invalid bytes
// included: the selections' offsets come from it.
func TestRuneCountAsUTF8(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 5))
	pieces := []string{"a", "abcdefgh", "é", "😀", "\x80", "\xff", "\xc3", "\xed\xa0\x80", "\xe2\x80", " werkdruk ", "“x”"}
	for range 5000 {
		var b strings.Builder
		for range rng.IntN(16) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		s := b.String()
		if got, want := runeCount(s), utf8.RuneCountInString(s); got != want {
			t.Fatalf("%q: runeCount %d, utf8 %d", s, got, want)
		}
	}
}

// sortHits must order as a stable sort by compareHits, short or long.
func TestSortHitsStable(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 6))
	for range 2000 {
		hits := make([]qdaHit, rng.IntN(40))
		for i := range hits {
			hits[i] = qdaHit{code: rng.Int32N(4), start: rng.Int32N(5), end: rng.Int32N(5), negated: rng.IntN(2) == 0, m: int32(i)}
		}
		want := slices.Clone(hits)
		slices.SortStableFunc(want, compareHits)
		sortHits(hits)
		if !slices.Equal(hits, want) {
			t.Fatalf("sortHits %v, want %v", hits, want)
		}
	}
}
