package coding

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
)

// elemKind says how one word of a term matches a token.
type elemKind int

const (
	exactWord  elemKind = iota // werkdruk
	stemWord                   // ~aanbesteden
	prefixWord                 // productienorm*
	tailWord                   // *druk: a compound ending, never the bare word
	gapWord                    // … or ...: 0-3 words
)

// elem is one word of a phrase, already folded (and stemmed for stemWord).
type elem struct {
	Kind elemKind
	Word string
	// Alt marks a stem in the other language than the unit's: a term that
	// a code borrows from the codebook's language keeps its own stemmer.
	Alt bool
	// v is an exact word's number in its matcher's vocab (set by
	// indexVocab): matchForms compares it with the form's instead of
	// comparing strings.
	v int32
}

// pattern is a parsed term. A regex term has Re set; a NEAR term has Near
// set and both sides in Phrase and Other; every other term is a Phrase.
type pattern struct {
	Raw    string
	Lang   string
	Phrase []elem
	Other  []elem // the right side of NEAR
	Near   int    // > 0 for "a NEAR/n b"
	Re     *regexp.Regexp
	// starts lets the matcher try a regex only where a match can start.
	starts *regexStarts
	hasAlt bool
}

// termError is a term that cannot be parsed; its message names the term
// and says how to write it instead.
type termError struct {
	Msg string
}

func (e *termError) Error() string { return e.Msg }

// parseTerm parses one codebook term in language lang ("nl" or "en").
func parseTerm(raw, lang string) (*pattern, error) {
	t := strings.TrimSpace(raw)
	p := &pattern{Raw: raw, Lang: lang}
	if t == "" {
		return nil, &termError{"empty term: remove it or write a word"}
	}
	if strings.HasPrefix(t, "/") {
		if len(t) < 3 || !strings.HasSuffix(t, "/") {
			return nil, &termError{fmt.Sprintf("regex term %q must start and end with /, like /\\d+ uur/", raw)}
		}
		re, err := regexp.Compile("(?i)" + t[1:len(t)-1])
		if err != nil {
			return nil, &termError{fmt.Sprintf("invalid regex %q: %v", raw, err)}
		}
		if re.MatchString("") {
			return nil, &termError{fmt.Sprintf("regex %q matches empty text: it would code every unit", raw)}
		}
		p.Re = re
		p.starts = newRegexStarts(t[1 : len(t)-1])
		return p, nil
	}
	fields := strings.Fields(t)
	nearAt := -1
	for i, f := range fields {
		if strings.HasPrefix(f, "NEAR/") {
			if nearAt >= 0 {
				return nil, &termError{fmt.Sprintf("term %q has more than one NEAR: split it into two terms", raw)}
			}
			n, err := strconv.Atoi(f[len("NEAR/"):])
			if err != nil || n < 1 || n > 50 {
				return nil, &termError{fmt.Sprintf("term %q: NEAR needs a distance from 1 to 50, like NEAR/5", raw)}
			}
			nearAt, p.Near = i, n
		}
	}
	var err error
	if nearAt >= 0 {
		if nearAt == 0 || nearAt == len(fields)-1 {
			return nil, &termError{fmt.Sprintf("term %q: NEAR needs words on both sides, like \"declarabel NEAR/5 norm\"", raw)}
		}
		if p.Phrase, err = parsePhrase(raw, fields[:nearAt], lang); err != nil {
			return nil, err
		}
		if p.Other, err = parsePhrase(raw, fields[nearAt+1:], lang); err != nil {
			return nil, err
		}
		return p, nil
	}
	if p.Phrase, err = parsePhrase(raw, fields, lang); err != nil {
		return nil, err
	}
	return p, nil
}

func parsePhrase(raw string, fields []string, lang string) ([]elem, error) {
	var out []elem
	for _, f := range fields {
		if f == "…" || f == "..." {
			if len(out) == 0 || out[len(out)-1].Kind == gapWord {
				return nil, &termError{fmt.Sprintf("term %q: a gap (… or ...) must stand between two words", raw)}
			}
			out = append(out, elem{Kind: gapWord})
			continue
		}
		e, err := parseWord(raw, f, lang)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if len(out) > 0 && out[len(out)-1].Kind == gapWord {
		return nil, &termError{fmt.Sprintf("term %q: a gap (… or ...) must stand between two words", raw)}
	}
	return out, nil
}

func parseWord(raw, f, lang string) (elem, error) {
	e := elem{Kind: exactWord}
	switch {
	case strings.HasPrefix(f, "~"):
		e.Kind, f = stemWord, f[1:]
	case strings.HasPrefix(f, "*"):
		e.Kind, f = tailWord, f[1:]
	case strings.HasSuffix(f, "*"):
		e.Kind, f = prefixWord, f[:len(f)-1]
	}
	w := fold(f)
	if w == "" {
		return e, &termError{fmt.Sprintf("term %q: %q has no letters; write a word after ~ or around *", raw, f)}
	}
	for _, r := range w {
		if r == '-' || r == '\'' {
			continue
		}
		if !isWordRune(r) {
			return e, &termError{fmt.Sprintf("term %q: %q may only contain letters, digits, - and '; * belongs at the start or end, ~ at the start (use a /regex/ for anything else)", raw, f)}
		}
	}
	if w[0] == '-' || w[len(w)-1] == '-' {
		return e, &termError{fmt.Sprintf("term %q: %q starts or ends with a hyphen", raw, f)}
	}
	if e.Kind == tailWord && utf8.RuneCountInString(w) < 2 || e.Kind == prefixWord && utf8.RuneCountInString(w) < 2 {
		return e, &termError{fmt.Sprintf("term %q: %q is too short for a wildcard; it would match almost every word", raw, f)}
	}
	if e.Kind == stemWord {
		w = stem(w, lang)
	}
	e.Word = w
	return e, nil
}

// stem returns the Snowball stem of a folded word in lang; English for
// "en", Dutch otherwise.
func stem(w, lang string) string {
	cache := &stemCache[0]
	if lang == "en" {
		cache = &stemCache[1]
	}
	if st, ok := cache.Load(w); ok {
		return st.(string)
	}
	st := snowball(w, lang)
	// Words repeat (a survey's vocabulary is small next to its length), so
	// remembering stems spares most Snowball runs: stemming was 40% of
	// coding time. The cap keeps memory bounded on odd input.
	if stemCacheSize.Add(1) <= maxStemCache {
		cache.Store(w, st)
	}
	return st
}

// stemCache maps a word to its Dutch [0] and English [1] stem.
var (
	stemCache     [2]sync.Map
	stemCacheSize atomic.Int64
)

const maxStemCache = 1 << 20

func snowball(w, lang string) string {
	env := snowballstem.NewEnv(w)
	if lang == "en" {
		english.Stem(env)
	} else {
		dutch.Stem(env)
	}
	return env.Current()
}
