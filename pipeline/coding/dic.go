package coding

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ImportDic reads a LIWC / quanteda dictionary (.dic): a header of
// "number<TAB>category" lines between two "%" lines, then one entry a line,
// "word<TAB>category numbers". Each category becomes a code whose terms are
// its words; LIWC's trailing * is a prefix glob, as in codebooks. The
// terms' language is detected from the words ("nl" when unsure).
func ImportDic(path string) (*Codebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("coding: %w", err)
	}
	sum := sha256.Sum256(data)
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	const (
		before = iota
		header
		entries
	)
	state := before
	cats := map[string]int{} // number → code index
	cb := &Codebook{Name: strings.TrimSuffix(baseName(path), ".dic"), Path: path, Hash: hex.EncodeToString(sum[:])}
	type entry struct {
		word string
		cats []int
	}
	var words []entry
	var all []string
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		if strings.TrimSpace(text) == "%" {
			if state == entries {
				return nil, fmt.Errorf("%s:%d:1: a third %% line: a .dic has one category header between two %% lines", path, line)
			}
			state++
			continue
		}
		switch state {
		case before:
			return nil, fmt.Errorf("%s:%d:1: expected %% to open the category header, found %q: is this a LIWC/quanteda .dic?", path, line, text)
		case header:
			fields := splitDicLine(text)
			if len(fields) < 2 {
				return nil, fmt.Errorf("%s:%d:1: a category line needs a number and a name, like \"1<TAB>werkdruk\"", path, line)
			}
			if _, err := strconv.Atoi(fields[0]); err != nil {
				return nil, fmt.Errorf("%s:%d:1: category number %q is not a number", path, line, fields[0])
			}
			if _, dup := cats[fields[0]]; dup {
				return nil, fmt.Errorf("%s:%d:1: category number %s is defined twice", path, line, fields[0])
			}
			name := strings.Join(fields[1:], " ")
			used := map[string]bool{}
			for _, c := range cb.Codes {
				used[c.ID] = true
			}
			cats[fields[0]] = len(cb.Codes)
			cb.Codes = append(cb.Codes, Code{ID: uniqueID(slug(name), used), Label: Label{NL: name, EN: name}, Negation: "flag"})
		case entries:
			fields := splitDicLine(text)
			// The word may hold spaces (a phrase); category numbers trail.
			n := len(fields)
			for n > 1 {
				if _, err := strconv.Atoi(fields[n-1]); err != nil {
					break
				}
				n--
			}
			if n == len(fields) {
				return nil, fmt.Errorf("%s:%d:%d: entry %q has no category numbers (LIWC 2007 conditional entries like \"like (02 134)53\" are not supported: list the word under plain numbers)", path, line, len(text), text)
			}
			word := strings.Join(fields[:n], " ")
			if _, err := parseTerm(word, "nl"); err != nil {
				return nil, fmt.Errorf("%s:%d:1: %v", path, line, err)
			}
			e := entry{word: word}
			for _, f := range fields[n:] {
				ci, ok := cats[f]
				if !ok {
					return nil, fmt.Errorf("%s:%d:%d: category %s is not in the header: add it between the %% lines or fix the number", path, line, strings.Index(text, f)+1, f)
				}
				e.cats = append(e.cats, ci)
			}
			words = append(words, e)
			all = append(all, strings.Trim(word, "*"))
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	if state < entries {
		return nil, fmt.Errorf("%s: the category header is not closed by a %% line", path)
	}
	lang := DetectLanguage(strings.Join(all, " "))
	if lang == "" {
		lang = "nl"
	}
	cb.Language = lang
	for _, e := range words {
		for _, ci := range e.cats {
			c := &cb.Codes[ci]
			if c.Terms == nil {
				c.Terms = map[string][]string{}
			}
			c.Terms[lang] = append(c.Terms[lang], e.word)
		}
	}
	return cb, nil
}

// splitDicLine splits on tabs when the line has any (words may hold
// spaces), otherwise on white space.
func splitDicLine(s string) []string {
	if strings.Contains(s, "\t") {
		var out []string
		for _, f := range strings.Split(s, "\t") {
			if f = strings.TrimSpace(f); f != "" {
				out = append(out, f)
			}
		}
		// A tab line may still separate its category numbers by spaces.
		if len(out) > 0 {
			last := strings.Fields(out[len(out)-1])
			out = append(out[:len(out)-1], last...)
		}
		return out
	}
	return strings.Fields(s)
}
