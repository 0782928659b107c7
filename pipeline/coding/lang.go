package coding

import (
	"sync"

	"github.com/abadojack/whatlanggo"
)

// Stop words that are frequent in one language and absent from the other.
// Words both languages share (in, is, we, op) are left out.
var (
	nlStop = set("de het een en van ik je dat die niet te met voor zijn er maar om ook als bij nog wel geen naar wat kan dan heb hebben wordt worden door over meer veel uit zo al omdat deze hun wij ze zij mijn onze moet moeten mij ons hij zich was waren werd zou zouden kunnen nu hoe waar wie dus want toch erg heel weinig tijd werk vaak altijd niets iets")
	enStop = set("the a an and of to it that for on with as was are be this have has not but by from or at they you my our too much more no there which would can do does very time work often always nothing something i me he she their them been were will what how where who because so just only many few")
)

// stopLang maps each stop word to its languages (stopNL, stopEN).
var stopLang = func() map[string]byte {
	m := map[string]byte{}
	for w := range nlStop {
		m[w] |= stopNL
	}
	for w := range enStop {
		m[w] |= stopEN
	}
	return m
}()

const (
	stopNL = 1 << iota
	stopEN
)

func set(words string) map[string]bool {
	m := map[string]bool{}
	for _, w := range splitWords(words) {
		m[w] = true
	}
	return m
}

func splitWords(s string) []string {
	d := tokenize(s)
	out := make([]string, len(d.Tokens))
	for i, t := range d.Tokens {
		out[i] = t.Norm
	}
	return out
}

// whitelist restricts whatlanggo to the study's languages: unrestricted,
// it calls short Dutch answers Afrikaans.
var whitelist = whatlanggo.Options{Whitelist: map[whatlanggo.Lang]bool{whatlanggo.Nld: true, whatlanggo.Eng: true}}

// DetectLanguage returns "nl" or "en" for text, or "" when it cannot tell
// (too short, or no clue either way). It counts language-specific stop
// words first, which works on answers of a few words, and asks whatlanggo
// (restricted to Dutch and English) only on a tie.
func DetectLanguage(text string) string {
	// Runs once per unit while a file is read, on the reading goroutine
	// that every other stage waits for; reusing the token buffers took
	// away most of its cost (growing them was half of it at 200k units).
	buf := langBuffers.Get().(*langBuffer)
	d := tokenizeInto(text, buf.toks, buf.starts, buf.norms)
	lang := languageOf(d.Tokens, text)
	clear(d.Tokens) // the pool should not keep this unit's text alive
	buf.toks, buf.starts, buf.norms = d.Tokens[:0], d.sentenceStarts[:0], d.norms[:0]
	langBuffers.Put(buf)
	return lang
}

// languageOf is DetectLanguage for text already tokenized into toks, so a
// Coder that tokenizes a unit anyway tells its language from the same
// tokens (Coder.CodeAllDetecting).
func languageOf(toks []token, text string) string {
	nl, en := 0, 0
	for _, t := range toks {
		// One look-up a word ("was" is in both sets and counts for both).
		f := stopLang[t.Norm]
		if f&stopNL != 0 {
			nl++
		}
		if f&stopEN != 0 {
			en++
		}
	}
	switch {
	case nl > en:
		return "nl"
	case en > nl:
		return "en"
	}
	info := whatlanggo.DetectWithOptions(text, whitelist)
	if info.Confidence < 0.5 {
		return ""
	}
	switch info.Lang {
	case whatlanggo.Nld:
		return "nl"
	case whatlanggo.Eng:
		return "en"
	}
	return ""
}

// langBuffer is DetectLanguage's reusable tokenizer output.
type langBuffer struct {
	toks   []token
	starts []int
	norms  []byte
}

var langBuffers = sync.Pool{New: func() any { return new(langBuffer) }}
