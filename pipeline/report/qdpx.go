package report

import (
	"archive/zip"
	"bufio"
	"crypto/sha1"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
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
	var g guider
	return g.guid("", name)
}

// guider makes GUIDs with a reusable buffer: a national survey's project
// needs one per coded unit and one per code applied (millions). buf keeps
// the namespace and the last prefix (base bytes), which the next GUID of
// that prefix need not copy again.
type guider struct {
	buf    []byte
	prefix string
	base   int
}

// guid is the package's guid of prefix and parts, concatenated.
func (g *guider) guid(prefix string, parts ...string) string {
	var out [36]byte
	return string(g.put(&out, prefix, parts...))
}

// put writes the guid of prefix and parts into out and returns it; a
// selection's and each of its codings' GUIDs go straight into the XML.
func (g *guider) put(out *[36]byte, prefix string, parts ...string) []byte {
	return g.append(out[:0], prefix, parts...)
}

// append appends the guid of prefix and parts to dst; a selection is built
// whole in one buffer before it is written.
func (g *guider) append(dst []byte, prefix string, parts ...string) []byte {
	if g.base == 0 || prefix != g.prefix {
		g.buf = append(append(append(g.buf[:0], guidNamespace[:]...), "veldstem:"...), prefix...)
		g.prefix, g.base = prefix, len(g.buf)
	}
	g.buf = g.buf[:g.base]
	for _, p := range parts {
		g.buf = append(g.buf, p...)
	}
	s := sha1.Sum(g.buf)
	s[6] = (s[6] & 0x0f) | 0x50
	s[8] = (s[8] & 0x3f) | 0x80
	dst = slices.Grow(dst, 36)
	out := (*[36]byte)(dst[len(dst) : len(dst)+36])
	out[8], out[13], out[18], out[23] = '-', '-', '-', '-'
	// Unrolled with constant places, so nothing is bounds-checked: the
	// loop it replaced cost a GUID more than its hashing besides the blocks.
	hex := func(j int, b byte) { out[j], out[j+1] = hexDigits[b>>4], hexDigits[b&0x0f] }
	hex(0, s[0])
	hex(2, s[1])
	hex(4, s[2])
	hex(6, s[3])
	hex(9, s[4])
	hex(11, s[5])
	hex(14, s[6])
	hex(16, s[7])
	hex(19, s[8])
	hex(21, s[9])
	hex(24, s[10])
	hex(26, s[11])
	hex(28, s[12])
	hex(30, s[13])
	hex(32, s[14])
	hex(34, s[15])
	return dst[:len(dst)+36]
}

const hexDigits = "0123456789ABCDEF"

// appendUnitPrefix appends what precedes a unit's text in its source text:
// each turn starts with its speaker and each survey answer with respondent
// and question, so a reader can orient.
func appendUnitPrefix(b []byte, u study.Unit) []byte {
	switch {
	case u.Speaker != "":
		b = append(append(b, u.Speaker...), ": "...)
	case u.Question != "":
		b = append(append(append(append(append(b, '['), u.Respondent...), " · "...), u.Question...), "] "...)
	}
	return b
}

// isSourceKey reports whether key is source + "\x00" + file, without
// building that string for every unit.
func isSourceKey(key, source, file string) bool {
	return len(key) == len(source)+1+len(file) && key[:len(source)] == source && key[len(source)] == 0 && key[len(source)+1:] == file
}

// qdeCode is one node of the project's code tree.
type qdeCode struct {
	guid, name, color, description string
	children                       []*qdeCode
}

// renderQDPX streams the project into w. A national survey's project holds
// hundreds of thousands of coded units and ~100 MB of source text, so
// nothing is built whole in memory: the units are read once from
// in.EachUnit; project.qde is written straight into its zip entry, and the
// source texts (one per input file: its units joined by blank lines), which
// follow it in the zip, are spooled to a temporary file in tmpDir ("" for
// the system's) on the way and copied into their entries at the end.
// Offsets are counted in code points as the texts are laid out.
//
// Each unit with a code (or a match; see qdpx_select.go) is one
// PlainTextSelection over its text (not its speaker or respondent prefix),
// named by its unit ID so a reviewer can find it in codings.csv and the
// gold file, with one Coding per code it carries in codebook order and a
// Description of the matches behind them.
//
// project.qde is written by hand rather than with encoding/xml, whose
// reflection was most of the export's time; the bytes are the ones
// encoding/xml's Encoder with a two-space indent wrote (qdpx_ref_test.go
// keeps that renderer and compares).
func renderQDPX(w io.Writer, in Input, tmpDir string) error {
	_, err := renderQDPXParts(w, in, tmpDir, nil)
	return err
}

// renderQDPXParts is renderQDPX laid out in parts (segments.go): project.qde
// is deflated as its head, one part per input file (its TextSource) and
// its tail, and each file's source text is an entry of its own. The parts
// of in.Parts that prev holds are copied from it rather than rendered. It
// returns where the parts of in.Parts lie in what it wrote (Path, SHA256
// and Bytes left for the caller).
func renderQDPXParts(w io.Writer, in Input, tmpDir string, prev *reuse) (*SegmentFile, error) {
	lang := in.Tables.Language
	// One guider a prefix, so that each keeps its prefix (guider).
	var g, gSel, gCoding guider
	user := guid("user")

	codeGUID := map[string]string{}
	nodes := map[string]*qdeCode{}
	for i, c := range in.Codebook.Codes {
		label := firstNonEmpty(c.LabelNL, c.LabelEN, c.ID)
		if lang == "en" {
			label = firstNonEmpty(c.LabelEN, c.LabelNL, c.ID)
		}
		codeGUID[c.ID] = guid("code:" + c.ID)
		nodes[c.ID] = &qdeCode{guid: codeGUID[c.ID], name: label, color: normColor(c.Color, i),
			description: strings.TrimSpace("[" + c.ID + "] " + c.Description)}
	}
	var roots []*qdeCode
	for _, c := range in.Codebook.Codes {
		if parent, ok := nodes[c.Parent]; ok && c.Parent != c.ID {
			parent.children = append(parent.children, nodes[c.ID])
		} else {
			roots = append(roots, nodes[c.ID])
		}
	}
	sel := newUnitSelector(in.Codebook, codeGUID, lang)
	// Every coding carries the same creatingUser and one of a few
	// targetGUIDs: escaped once, not per coding.
	userAttr := escapedAttr("creatingUser", user)
	// What follows a coding's GUID is the same for every coding of a code.
	codingTail := make([]string, len(sel.codes))
	for i, c := range sel.codes {
		codingTail[i] = `"` + userAttr + ">\n          <CodeRef" + escapedAttr("targetGUID", c.guid) + "></CodeRef>\n        </Coding>"
	}

	fail := func(err error) (*SegmentFile, error) {
		return nil, fmt.Errorf("report: writing project.qdpx: %w", err)
	}
	// Every entry is deflated here (deflate.go: the fastest level, as the
	// project is ~2.4× its text and higher levels spent more time than
	// everything else in the export together) and written raw, so that
	// parts can be copied and their offsets known.
	fileW := &countingWriter{w: w}
	zw := zip.NewWriter(fileW)
	// dataAt is where the entry just created starts its data in the file.
	dataAt := func() (int64, error) {
		err := zw.Flush()
		return fileW.n, err
	}
	qfh, qw, err := createRaw(zw, "project.qde", true)
	if err != nil {
		return fail(err)
	}
	qdeAt, err := dataAt()
	if err != nil {
		return fail(err)
	}
	sd, err := newSegDeflater(qw, qdpxDeflateLevel)
	if err != nil {
		return fail(err)
	}
	// project.qde is compressed in a goroutine of its own while the XML is
	// written: deflate is half the export's time.
	aw := newAsyncWriter(sd)
	defer aw.Close()
	x := newXMLWriter(aw)
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.raw(`<Project xmlns="` + qdeNamespace + `"`)
	x.attr("name", firstNonEmpty(in.Tables.Study, "veldstem"))
	x.attr("origin", "veldstem "+in.Manifest.Version)
	x.attr("creatingUserGUID", user)
	x.raw(">\n  <Users>\n    <User")
	x.attr("guid", user)
	x.attr("name", "veldstem")
	x.raw("></User>\n  </Users>")
	if len(roots) > 0 {
		x.raw("\n  <CodeBook>\n    <Codes>")
		for _, c := range roots {
			x.code(c, 3)
		}
		x.raw("\n    </Codes>\n  </CodeBook>")
	}
	// endPart closes the open part of project.qde once its bytes are all
	// with the compressor.
	endPart := func(final bool) (Segment, error) {
		if err := x.flush(); err != nil {
			return Segment{}, err
		}
		if err := aw.Wait(); err != nil {
			return Segment{}, err
		}
		return sd.end(final)
	}

	spool, err := os.CreateTemp(tmpDir, ".project.qdpx.sources.tmp-*")
	if err != nil {
		return fail(err)
	}
	defer func() {
		_ = spool.Close()
		_ = os.Remove(spool.Name())
	}()
	sw := bufio.NewWriterSize(spool, 1<<20)
	// A source text is spooled (bytes long) and deflated after project.qde,
	// or copied from prev (copied set).
	type sourceText struct {
		name   string
		bytes  int64
		copied *Segment
		rec    int // index in out.Parts, or -1
	}
	var texts []sourceText
	out := &SegmentFile{Format: segmentFormat}

	// Sources: one per (source, file), in unit order; in.Parts (when given)
	// lists them, and each part prev holds is copied where it falls.
	var (
		open        bool // a rendered source's TextSource is open
		file        string
		seen        = map[string]bool{}
		nSources    int
		selections  int
		runes, writ int
		sg          string
		prefix      []byte
	)
	// startSources writes what precedes the first TextSource and closes
	// the head part.
	startSources := func() error {
		if nSources > 0 {
			return nil
		}
		x.raw("\n  <Sources>")
		_, err := endPart(false)
		return err
	}
	walk := newPartWalk(in.Parts)
	walk.lookup = func(i int) (PartSegment, bool) {
		p, ok := prev.part(in.Parts[i].Key)
		return p, ok && p.Text != nil
	}
	walk.copy = func(i int, p PartSegment) error {
		if err := startSources(); err != nil {
			return err
		}
		nSources++
		at := sd.out.n
		if err := sd.copyPart(prev, p.Body); err != nil {
			return err
		}
		out.Parts = append(out.Parts, PartSegment{Key: p.Key, Body: Segment{Off: qdeAt + at, Len: p.Body.Len, CRC: p.Body.CRC, Raw: p.Body.Raw}})
		out.Copied++
		sk := in.Parts[i].Source + "\x00" + in.Parts[i].File
		seen[sk] = true
		text := *p.Text
		texts = append(texts, sourceText{name: "sources/" + g.guid("source:", sk) + ".txt", copied: &text, rec: len(out.Parts) - 1})
		return nil
	}
	// end closes the rendered source that is open, recording it when it
	// is one of in.Parts.
	walk.end = func() error {
		if !open {
			return nil
		}
		open = false
		x.endTextSource(selections)
		s, err := endPart(false)
		if err != nil {
			return err
		}
		if t := &texts[len(texts)-1]; t.rec >= 0 {
			out.Parts[t.rec].Body = Segment{Off: qdeAt + s.Off, Len: s.Len, CRC: s.CRC, Raw: s.Raw}
		}
		return nil
	}
	walk.open = func(i int) error {
		key := walk.key
		if seen[key] {
			return errUnitOrder
		}
		rec := -1
		if i >= 0 && in.Parts[i].Key != "" {
			out.Parts = append(out.Parts, PartSegment{Key: in.Parts[i].Key})
			rec = len(out.Parts) - 1
		}
		if err := startSources(); err != nil {
			return err
		}
		seen[key] = true
		nSources++
		open = true
		selections, runes, writ = 0, 0, 0
		sg = g.guid("source:", key)
		texts = append(texts, sourceText{name: "sources/" + sg + ".txt", rec: rec})
		x.raw("\n    <TextSource")
		x.attr("guid", sg)
		x.attr("name", firstNonEmpty(file, strings.ReplaceAll(key, "\x00", "/")))
		x.attr("plainTextPath", "internal://"+sg+".txt")
		x.attr("creatingUser", user)
		x.raw(">")
		return x.err
	}
	err = in.eachUnit(func(u study.Unit, c *study.Coding) error {
		file = u.File
		if _, skip, err := walk.unit(u.Source, u.File); err != nil || skip {
			return err
		}
		if writ > 0 {
			runes += 2 // the blank line between units
			sw.WriteString("\n\n")
			texts[len(texts)-1].bytes += 2
		}
		prefix = appendUnitPrefix(prefix[:0], u)
		writ += len(prefix) + len(u.Text)
		sw.Write(prefix)
		sw.WriteString(u.Text)
		texts[len(texts)-1].bytes += int64(len(prefix) + len(u.Text))
		runes += runeCount(string(prefix))
		unitStart := runes
		if c == nil || u.Context || u.Text == "" {
			// A selection needs at least one character, and context turns
			// are never coded.
			runes += runeCount(u.Text)
			return nil
		}
		coded := sel.build(u.Text, c)
		runes += sel.runes
		if !coded {
			return nil
		}
		selections++
		// The selection is appended straight to the chunk the compressor
		// is handed next: a bufio write per attribute and escaped run cost
		// more than the bytes themselves, and copying it into a bufio
		// buffer and from there into the chunk cost a tenth of the
		// rendering.
		xb := append(x.b, "\n      <PlainTextSelection guid=\""...)
		xb = gSel.append(xb, "selection:", u.ID)
		xb = append(xb, `" name="`...)
		xb = appendEscaped(xb, u.ID)
		xb = append(xb, `" startPosition="`...)
		xb = strconv.AppendInt(xb, int64(unitStart), 10)
		xb = append(xb, `" endPosition="`...)
		xb = strconv.AppendInt(xb, int64(runes), 10)
		xb = append(xb, '"')
		xb = append(xb, userAttr...)
		xb = append(xb, ">\n        <Description>"...)
		xb = sel.appendDesc(xb)
		xb = append(xb, "</Description>"...)
		for _, ci := range sel.coded {
			xb = append(xb, "\n        <Coding guid=\""...)
			xb = gCoding.append(xb, "coding:", u.ID, "#", sel.codes[ci].id)
			xb = append(xb, codingTail[ci]...)
		}
		x.b = append(xb, "\n      </PlainTextSelection>"...)
		x.spill()
		return x.err
	})
	if err == nil {
		err = walk.finish()
	}
	if err != nil {
		return fail(err)
	}
	if nSources > 0 {
		x.raw("\n  </Sources>")
	}
	x.raw("\n</Project>\n")
	if _, err := endPart(true); err != nil {
		return fail(err)
	}
	if err := aw.Close(); err != nil {
		return fail(err)
	}
	finishRaw(qfh, sd.crc, sd.out.n, sd.raw)

	// The source texts, in the same order.
	if err := sw.Flush(); err != nil {
		return fail(err)
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return fail(err)
	}
	sr := bufio.NewReaderSize(spool, 1<<20)
	for _, t := range texts {
		fh, fw, err := createRaw(zw, t.name, true)
		if err != nil {
			return fail(err)
		}
		at, err := dataAt()
		if err != nil {
			return fail(err)
		}
		var s Segment
		if t.copied != nil {
			s = *t.copied
			err = prev.copy(fw, s)
		} else {
			s, err = deflatePart(fw, io.LimitReader(sr, t.bytes), qdpxDeflateLevel, true)
		}
		if err != nil {
			return fail(err)
		}
		finishRaw(fh, s.CRC, s.Len, s.Raw)
		if t.rec >= 0 {
			s.Off = at
			out.Parts[t.rec].Text = &s
		}
	}
	if err := zw.Close(); err != nil {
		return fail(err)
	}
	return out, nil
}

const asyncChunk = 256 << 10

// asyncWriter hands its writes to a goroutine that writes them to w, so
// producing bytes and compressing them use two cores. The bytes w sees are
// the same, in the same order.
type asyncWriter struct {
	full   chan asyncMsg
	free   chan []byte
	done   chan struct{}
	err    error                 // set by the goroutine before done closes
	failed atomic.Pointer[error] // a.err, for Write
	closed bool
}

// asyncMsg is a chunk to write, or (ack set) a request to say when every
// chunk before it has been written.
type asyncMsg struct {
	b   []byte
	ack chan struct{}
}

func newAsyncWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{full: make(chan asyncMsg, 4), free: make(chan []byte, 4), done: make(chan struct{})}
	for range 4 {
		// Room past asyncChunk for what an xmlWriter appends after its
		// chunk is full, before it hands the chunk on.
		a.free <- make([]byte, 0, asyncChunk+asyncChunk/4)
	}
	go func() {
		defer close(a.done)
		for m := range a.full {
			if m.ack != nil {
				close(m.ack)
				continue
			}
			if a.err == nil {
				if _, a.err = w.Write(m.b); a.err != nil {
					err := a.err
					a.failed.Store(&err)
				}
			}
			a.free <- m.b[:0]
		}
	}()
	return a
}

// take returns an empty buffer of a's; the caller appends to it and hands
// it back with swap. Holding one, the caller leaves a one fewer for swap
// to return.
func (a *asyncWriter) take() []byte { return <-a.free }

// swap hands b (from take or swap), when not empty, to be written and
// returns an empty buffer in its place, or b emptied with w's first error.
func (a *asyncWriter) swap(b []byte) ([]byte, error) {
	if err := a.failed.Load(); err != nil {
		return b[:0], *err
	}
	if len(b) == 0 {
		return b, nil
	}
	a.full <- asyncMsg{b: b}
	return <-a.free, nil
}

// Wait returns when everything written so far has been written to w, with
// w's first error; w may then be used directly until the next Write.
func (a *asyncWriter) Wait() error {
	if !a.closed {
		ack := make(chan struct{})
		a.full <- asyncMsg{ack: ack}
		<-ack
	}
	if err := a.failed.Load(); err != nil {
		return *err
	}
	return nil
}

// Close waits until everything written has been written to w and returns
// w's first error; it may be called more than once.
func (a *asyncWriter) Close() error {
	if !a.closed {
		a.closed = true
		close(a.full)
	}
	<-a.done
	return a.err
}

// xmlWriter writes XML by hand into b, which it hands to sink (when not
// nil) whenever b holds asyncChunk bytes; the first error sticks. A caller
// may append to b itself and then call spill.
type xmlWriter struct {
	b    []byte
	sink *asyncWriter
	err  error
}

// newXMLWriter is an xmlWriter that writes to a; nothing else writes to a
// while it is used.
func newXMLWriter(a *asyncWriter) *xmlWriter { return &xmlWriter{b: a.take(), sink: a} }

func (x *xmlWriter) raw(s string) {
	x.b = append(x.b, s...)
	x.spill()
}

// spill hands b to the sink once it holds a chunk.
func (x *xmlWriter) spill() {
	if len(x.b) >= asyncChunk && x.sink != nil {
		x.send()
	}
}

func (x *xmlWriter) send() {
	var err error
	x.b, err = x.sink.swap(x.b)
	if x.err == nil {
		x.err = err
	}
}

// attr writes ` name="value"`.
func (x *xmlWriter) attr(name, value string) {
	x.raw(" ")
	x.raw(name)
	x.raw(`="`)
	x.text(value)
	x.raw(`"`)
}

// escapedAttr is what attr writes for name and value.
func escapedAttr(name, value string) string {
	var x xmlWriter
	x.attr(name, value)
	return string(x.b)
}

// text writes s escaped as appendEscaped escapes it.
func (x *xmlWriter) text(s string) {
	x.b = appendEscaped(x.b, s)
	x.spill()
}

// appendEscaped appends s escaped exactly as encoding/xml escapes attribute
// values and character data: quotes, apostrophes, &, <, >, tab, newline
// and carriage return as character references, and anything outside XML's
// character range (and invalid UTF-8) as U+FFFD.
func appendEscaped(b []byte, s string) []byte {
	last := 0
	for i := 0; i < len(s); {
		if xmlPlain[s[i]] {
			i++
			continue
		}
		r, width := utf8.DecodeRuneInString(s[i:])
		i += width
		esc, ok := xmlEscape(r, width)
		if !ok {
			continue
		}
		b = append(b, s[last:i-width]...)
		b = append(b, esc...)
		last = i
	}
	return append(b, s[last:]...)
}

// xmlEscape is what appendEscaped writes for the rune r, decoded from
// width bytes, or false when r is written as it is.
func xmlEscape(r rune, width int) (string, bool) {
	switch r {
	case '"':
		return "&#34;", true
	case '\'':
		return "&#39;", true
	case '&':
		return "&amp;", true
	case '<':
		return "&lt;", true
	case '>':
		return "&gt;", true
	case '\t':
		return "&#x9;", true
	case '\n':
		return "&#xA;", true
	case '\r':
		return "&#xD;", true
	}
	if inXMLRange(r) && (r != utf8.RuneError || width != 1) {
		return "", false
	}
	return "\uFFFD", true
}

// xmlPlain marks the bytes text writes as they are: printable ASCII but
// quotes, ampersand and angle brackets.
var xmlPlain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = !strings.ContainsRune(`"'&<>`, rune(c))
	}
	return t
}()

func inXMLRange(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

// code writes a code and its sub-codes at the given depth (two spaces per
// level).
func (x *xmlWriter) code(c *qdeCode, depth int) {
	ind := "\n" + strings.Repeat("  ", depth)
	x.raw(ind + "<Code")
	x.attr("guid", c.guid)
	x.attr("name", c.name)
	x.raw(` isCodable="true"`)
	if c.color != "" {
		x.attr("color", c.color)
	}
	x.raw(">")
	if c.description == "" && len(c.children) == 0 {
		x.raw("</Code>")
		return
	}
	if c.description != "" {
		x.raw(ind + "  <Description>")
		x.text(c.description)
		x.raw("</Description>")
	}
	for _, ch := range c.children {
		x.code(ch, depth+1)
	}
	x.raw(ind + "</Code>")
}

// endTextSource closes a TextSource, on its own line when it has content.
func (x *xmlWriter) endTextSource(selections int) {
	if selections > 0 {
		x.raw("\n    ")
	}
	x.raw("</TextSource>")
}

// flush hands what b holds to the sink.
func (x *xmlWriter) flush() error {
	if x.sink != nil {
		x.send()
	}
	return x.err
}

func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n-1]) + "…"
}
