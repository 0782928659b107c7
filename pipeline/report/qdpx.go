package report

import (
	"archive/zip"
	"bufio"
	"compress/flate"
	"crypto/sha1"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/veldstem/veldstem/pipeline/study"
)

// REFI-QDA (QDA-XML 1.0) project export, for opening the coded corpus in
// ATLAS.ti, MAXQDA, NVivo or QualCoder.

const qdeNamespace = "urn:QDA-XML:project:1.0"

// zipTime is the fixed timestamp of every zip entry, so project.qdpx is
// byte-identical between runs over the same input.
var zipTime = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)

// guidNamespace is the UUIDv5 namespace for every GUID in the project;
// deriving GUIDs from stable IDs lets a QDA tool recognise the same code or
// source when a later run's project is imported again.
var guidNamespace = [16]byte{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}

// guid returns an RFC 4122 version 5 UUID of name.
func guid(name string) string {
	h := sha1.New()
	h.Write(guidNamespace[:])
	h.Write([]byte("veldstem:" + name))
	s := h.Sum(nil)
	s[6] = (s[6] & 0x0f) | 0x50
	s[8] = (s[8] & 0x3f) | 0x80
	// Hand-formatted: a national survey's project needs two GUIDs per coded
	// selection (over a million), and fmt made this a tenth of the export.
	const hexDigits = "0123456789ABCDEF"
	var out [36]byte
	j := 0
	for i, b := range s[:16] {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j], out[j+1] = hexDigits[b>>4], hexDigits[b&0x0f]
		j += 2
	}
	return string(out[:])
}

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
	Codes []*qdeCode `xml:"Codes>Code"`
}

type qdeCode struct {
	GUID        string     `xml:"guid,attr"`
	Name        string     `xml:"name,attr"`
	IsCodable   bool       `xml:"isCodable,attr"`
	Color       string     `xml:"color,attr,omitempty"`
	Description string     `xml:"Description,omitempty"`
	Codes       []*qdeCode `xml:"Code"`
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

// qdpxSource is one input file rebuilt as a plain-text source: its units
// joined by blank lines, each turn prefixed with its speaker and each
// survey answer with respondent and question, so a reader can orient.
type qdpxSource struct {
	key, file string
	units     []int // indexes into Input.Units, in order
}

// unitPrefix is what precedes a unit's text in its source text.
func unitPrefix(u study.Unit) string {
	switch {
	case u.Speaker != "":
		return u.Speaker + ": "
	case u.Question != "":
		return "[" + u.Respondent + " · " + u.Question + "] "
	}
	return ""
}

// renderQDPX streams the project into w. A national survey's project holds
// hundreds of thousands of coded selections and ~100 MB of source text, so
// nothing is built whole in memory: project.qde is encoded selection by
// selection, and each source text is written straight into its zip entry.
// Offsets are counted in code points as the texts are laid out, the same
// way in both passes.
func renderQDPX(w io.Writer, in Input) error {
	lang := in.Tables.Language
	user := guid("user")
	p := qdeProject{
		Xmlns: qdeNamespace, Name: firstNonEmpty(in.Tables.Study, "veldstem"), Origin: "veldstem " + in.Manifest.Version,
		CreatingUserGUID: user, Users: qdeUsers{User: []qdeUser{{GUID: user, Name: "veldstem"}}},
	}

	codeGUID := map[string]string{}
	nodes := map[string]*qdeCode{}
	for i, c := range in.Codebook.Codes {
		label := firstNonEmpty(c.LabelNL, c.LabelEN, c.ID)
		if lang == "en" {
			label = firstNonEmpty(c.LabelEN, c.LabelNL, c.ID)
		}
		codeGUID[c.ID] = guid("code:" + c.ID)
		nodes[c.ID] = &qdeCode{GUID: codeGUID[c.ID], Name: label, IsCodable: true, Color: normColor(c.Color, i),
			Description: strings.TrimSpace("[" + c.ID + "] " + c.Description)}
	}
	var roots []*qdeCode
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

	var sources []*qdpxSource
	byKey := map[string]*qdpxSource{}
	for i, u := range in.Units {
		key := u.Source + "\x00" + u.File
		s, ok := byKey[key]
		if !ok {
			s = &qdpxSource{key: key, file: u.File}
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

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
