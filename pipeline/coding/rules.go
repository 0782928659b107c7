package coding

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/veldstem/veldstem/pipeline/study"
)

// rule is a parsed closed-answer condition: Column Op Value.
type rule struct {
	Raw     string
	Column  string
	Op      string
	Value   string
	Numeric bool
	Num     float64
}

var ruleSyntax = regexp.MustCompile(`^\s*(.+?)\s*(==|!=|>=|<=|>|<)\s*(.*?)\s*$`)

// parseRule parses "Q_werkdruk >= 4" or `sector == "zorg"`.
func parseRule(s string) (*rule, error) {
	m := ruleSyntax.FindStringSubmatch(s)
	if m == nil {
		return nil, fmt.Errorf("rule %q must be: column op value, with op one of == != >= <= > <, like \"Q_werkdruk >= 4\"", s)
	}
	r := &rule{Raw: strings.TrimSpace(s), Column: unquote(m[1]), Op: m[2], Value: m[3]}
	if r.Column == "" || strings.ContainsAny(r.Column, "<>=!") {
		return nil, fmt.Errorf("rule %q has no column name before %s", s, r.Op)
	}
	switch {
	case r.Value == "":
		return nil, fmt.Errorf("rule %q has no value after %s", s, r.Op)
	case len(r.Value) >= 2 && (r.Value[0] == '"' || r.Value[0] == '\''):
		if r.Value[len(r.Value)-1] != r.Value[0] {
			return nil, fmt.Errorf("rule %q: the quoted value is not closed", s)
		}
		r.Value = r.Value[1 : len(r.Value)-1]
		if r.Op != "==" && r.Op != "!=" {
			return nil, fmt.Errorf("rule %q compares text with %s: text allows only == and !=", s, r.Op)
		}
	default:
		n, ok := number(r.Value)
		if !ok {
			return nil, fmt.Errorf("rule %q: value %s must be a number or a quoted string", s, r.Value)
		}
		r.Numeric, r.Num = true, n
	}
	return r, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'' || s[0] == '`') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}

// number parses survey numbers, including the Dutch decimal comma.
func number(s string) (float64, bool) {
	s = strings.TrimSpace(strings.Replace(s, ",", ".", 1))
	f, err := strconv.ParseFloat(s, 64)
	return f, err == nil
}

// holds reports whether the respondent's closed answer satisfies the rule.
// A missing or non-numeric answer never satisfies a numeric rule: an
// unanswered question is no evidence either way.
func (r *rule) holds(resp *study.Respondent) bool {
	if resp == nil {
		return false
	}
	v, ok := resp.Closed[r.Column]
	if !ok {
		n, ok := resp.Likert[r.Column]
		if !ok {
			return false
		}
		v = strconv.Itoa(n)
	}
	if !r.Numeric {
		eq := strings.EqualFold(strings.TrimSpace(v), r.Value)
		return eq == (r.Op == "==")
	}
	n, ok := number(v)
	if !ok {
		return false
	}
	switch r.Op {
	case "==":
		return n == r.Num
	case "!=":
		return n != r.Num
	case ">=":
		return n >= r.Num
	case "<=":
		return n <= r.Num
	case ">":
		return n > r.Num
	}
	return n < r.Num
}
