package report

import (
	"archive/zip"
	"bytes"
	"crypto/sha1"
	"encoding/xml"
	"fmt"
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
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", s[0:4], s[4:6], s[6:8], s[8:10], s[10:16]))
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

// sourceText is one input file rebuilt as a plain-text source: its units
// joined by blank lines, each turn prefixed with its speaker and each
// survey answer with respondent and question, so a reader can orient.
type sourceText struct {
	key, file string
	text      strings.Builder
	runes     int
	units     []placedUnit
}

type placedUnit struct {
	unit      study.Unit
	byteStart int // where the unit's Text starts in the source, in bytes
	runeStart int // the same in code points, which REFI offsets count
}

func (s *sourceText) add(u study.Unit) {
	if s.text.Len() > 0 {
		s.write("\n\n")
	}
	switch {
	case u.Speaker != "":
		s.write(u.Speaker + ": ")
	case u.Question != "":
		s.write("[" + u.Respondent + " · " + u.Question + "] ")
	}
	s.units = append(s.units, placedUnit{unit: u, byteStart: s.text.Len(), runeStart: s.runes})
	s.write(u.Text)
}

func (s *sourceText) write(x string) {
	s.text.WriteString(x)
	s.runes += utf8.RuneCountInString(x)
}

func renderQDPX(in Input) ([]byte, error) {
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

	var sources []*sourceText
	byKey := map[string]*sourceText{}
	for _, u := range in.Units {
		key := u.Source + "\x00" + u.File
		s, ok := byKey[key]
		if !ok {
			s = &sourceText{key: key, file: u.File}
			byKey[key] = s
			sources = append(sources, s)
		}
		s.add(u)
	}
	codings := map[string]study.Coding{}
	for _, c := range in.Codings {
		codings[c.UnitID] = c
	}

	var files []namedFile
	if len(sources) > 0 {
		p.Sources = &qdeSources{}
	}
	for _, s := range sources {
		sg := guid("source:" + s.key)
		ts := qdeTextSource{GUID: sg, Name: firstNonEmpty(s.file, strings.ReplaceAll(s.key, "\x00", "/")),
			PlainTextPath: "internal://" + sg + ".txt", CreatingUser: user}
		text := s.text.String()
		for _, pu := range s.units {
			c, ok := codings[pu.unit.ID]
			if !ok || pu.unit.Context {
				continue
			}
			for mi, m := range c.Matches {
				target, known := codeGUID[m.Code]
				if !known || !c.Has(m.Code) {
					continue
				}
				ut := pu.unit.Text
				a, b := clampRune(ut, m.Span.Start), clampRune(ut, m.Span.End)
				if a >= b {
					continue
				}
				start := pu.runeStart + utf8.RuneCountInString(ut[:a])
				end := start + utf8.RuneCountInString(ut[a:b])
				id := fmt.Sprintf("%s#%d", pu.unit.ID, mi)
				sel := qdeSelection{GUID: guid("selection:" + id), Name: truncateRunes(text[pu.byteStart+a:pu.byteStart+b], 60),
					Start: start, End: end, CreatingUser: user,
					Codings: []qdeCoding{{GUID: guid("coding:" + id), CreatingUser: user, CodeRef: qdeCodeRef{TargetGUID: target}}}}
				if m.Negated {
					sel.Description = "negated: " + m.Term
				}
				ts.Selections = append(ts.Selections, sel)
			}
		}
		p.Sources.TextSource = append(p.Sources.TextSource, ts)
		files = append(files, namedFile{"sources/" + sg + ".txt", []byte(text)})
	}

	var qde bytes.Buffer
	qde.WriteString(xml.Header)
	enc := xml.NewEncoder(&qde)
	enc.Indent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("report: encoding project.qde: %w", err)
	}
	qde.WriteString("\n")

	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, f := range append([]namedFile{{"project.qde", qde.Bytes()}}, files...) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: zipTime})
		if err != nil {
			return nil, fmt.Errorf("report: writing project.qdpx: %w", err)
		}
		if _, err := w.Write(f.body); err != nil {
			return nil, fmt.Errorf("report: writing project.qdpx: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("report: writing project.qdpx: %w", err)
	}
	return zbuf.Bytes(), nil
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
