package report

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

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

// renderQDPXReference is the encoding/xml renderer this package used before
// project.qde was written by hand; it the project into w. A national survey's project holds
// hundreds of thousands of coded selections and ~100 MB of source text, so
// nothing is built whole in memory: project.qde is encoded selection by
// selection, and each source text is written straight into its zip entry.
// Offsets are counted in code points as the texts are laid out, the same
// way in both passes.
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

	zw := zip.NewWriter(w)
	// Fastest deflate level: the project is ~2.4× its text, and level 6
	// spent more time in compress/flate than everything else in the export
	// (see BENCHMARKS.md). Output stays deterministic.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
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
			prefix := unitPrefix(u)
			written += len(prefix) + len(u.Text)
			runes += utf8.RuneCountInString(prefix)
			unitStart := runes
			runes += utf8.RuneCountInString(u.Text)
			c, ok := codings[u.ID]
			if !ok || u.Context {
				continue
			}
			for mi, m := range c.Matches {
				target, known := codeGUID[m.Code]
				if !known || !c.Has(m.Code) {
					continue
				}
				ut := u.Text
				a, b := clampRune(ut, m.Span.Start), clampRune(ut, m.Span.End)
				if a >= b {
					continue
				}
				start := unitStart + utf8.RuneCountInString(ut[:a])
				end := start + utf8.RuneCountInString(ut[a:b])
				id := u.ID + "#" + strconv.Itoa(mi)
				sel := qdeSelection{GUID: guid("selection:" + id), Name: truncateRunes(ut[a:b], 60),
					Start: start, End: end, CreatingUser: user,
					Codings: []qdeCoding{{GUID: guid("coding:" + id), CreatingUser: user, CodeRef: qdeCodeRef{TargetGUID: target}}}}
				if m.Negated {
					sel.Description = "negated: " + m.Term
				}
				if err := enc.EncodeElement(sel, xml.StartElement{Name: xml.Name{Local: "PlainTextSelection"}}); err != nil {
					return fail(err)
				}
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
			prefix := unitPrefix(u)
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

func TestQDPXMatchesEncodingXML(t *testing.T) {
	tricky := func() Input {
		in := fixtureInput("nl")
		in.Tables.Study = "Studie \"<&'>\"\t\r\n\x01 \xff é"
		in.Codebook.Codes[0].Description = "beschrijving met <tags> & \"quotes\"\nen regels\x00"
		in.Codebook.Codes[1].Color = ""
		units := append([]study.Unit(nil), in.Units...)
		codings := append([]study.Coding(nil), in.Codings...)
		u := units[0]
		u.ID, u.Seq, u.Text = u.ID+"-x", 999, "werkdruk\t'<hoog>' & \"zwaar\"\r\n\x02 \xfe\xff ëé werkdruk"
		units = append(units[:1], append([]study.Unit{u}, units[1:]...)...) // same file: next to its first unit
		codings = append(codings, study.Coding{UnitID: u.ID, Codes: []string{in.Codebook.Codes[0].ID},
			Matches: []study.Match{{Code: in.Codebook.Codes[0].ID, Term: "werk<&'\">druk\n", Span: study.Span{Start: 0, End: 8}, Negated: true},
				{Code: in.Codebook.Codes[0].ID, Term: "werkdruk", Span: study.Span{Start: 9, End: 40}}}})
		in.Units, in.Codings = units, codings
		return in
	}
	for name, in := range map[string]Input{"nl": fixtureInput("nl"), "en": fixtureInput("en"), "tricky": tricky(),
		"empty": {Tables: fixtureTables("nl")}} {
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
