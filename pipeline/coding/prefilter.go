package coding

import (
	"regexp/syntax"
	"strings"
)

// Regex terms run on every unit's text, and most units cannot match them:
// a profile showed ten codebook regexes taking half of all coding time. A
// regex that must start with one of a few literals ("wacht", "op", "met"…)
// only needs to run on text that contains one of them, which
// strings.Contains decides far faster than the regex engine.

// regexPrefixes returns literals, lower-cased, one of which every match of
// expr must contain; nil when no such set can be read off the expression
// (then the regex always runs).
func regexPrefixes(expr string) []string {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil
	}
	return leading(re.Simplify())
}

func leading(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		if len(re.Rune) == 0 {
			return nil
		}
		return []string{strings.ToLower(string(re.Rune))}
	case syntax.OpCapture, syntax.OpPlus:
		return leading(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min < 1 {
			return nil
		}
		return leading(re.Sub[0])
	case syntax.OpAlternate:
		var out []string
		for _, sub := range re.Sub {
			p := leading(sub)
			if p == nil {
				return nil
			}
			out = append(out, p...)
		}
		return out
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			switch sub.Op {
			case syntax.OpWordBoundary, syntax.OpNoWordBoundary, syntax.OpBeginLine, syntax.OpEndLine,
				syntax.OpBeginText, syntax.OpEndText, syntax.OpEmptyMatch:
				continue
			}
			return leading(sub)
		}
	}
	return nil
}

// mayMatch reports whether lower (the unit's lower-cased text) contains one
// of prefixes; with no prefixes it cannot rule a match out.
func mayMatch(lower string, prefixes []string) bool {
	if prefixes == nil {
		return true
	}
	for _, p := range prefixes {
		if strings.Contains(lower, p) {
			return true
		}
	}
	return false
}

// toLowerForPrefilter is the folding the coder applies before mayMatch.
func toLowerForPrefilter(s string) string { return strings.ToLower(s) }
