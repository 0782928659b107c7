package coding

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Codebook is a parsed, validated codebook file.
type Codebook struct {
	Name        string
	Version     string
	Language    string // default language of terms and labels: "nl" or "en"
	Description string
	Codes       []Code
	// Path is the file the codebook was read from.
	Path string
	// Hash is the sha256 (hex) of the file's bytes; the store compares it to
	// know which units must be coded again.
	Hash string

	byID map[string]int
}

// Code is one code of a codebook.
type Code struct {
	ID          string
	Parent      string
	Color       string
	Description string
	// Negation is "ignore", "exclude" or "flag" (the default).
	Negation string
	Label    Label
	// Terms and Exclude map a language ("nl", "en") to its terms.
	Terms   map[string][]string
	Exclude map[string][]string
	// AppliesTo limits where the code's terms are looked for.
	AppliesTo Scope
	// Rules are closed-answer conditions such as "Q_werkdruk >= 4".
	Rules []string

	pos *codePos
}

// Label is a code's human name per language.
type Label struct {
	NL, EN string
}

// In returns the label in lang, falling back to the other language.
func (l Label) In(lang string) string {
	if lang == "en" && l.EN != "" || l.NL == "" {
		return l.EN
	}
	return l.NL
}

// Scope limits a code to some questions or speakers. An empty list does not
// limit; a non-empty Questions list limits survey answers only and a
// non-empty Speakers list limits transcript turns only, so one code can
// be scoped in both kinds of source.
type Scope struct {
	// Questions holds column names or substrings of question labels.
	Questions []string
	// Speakers holds transcript speaker labels.
	Speakers []string
}

// Problem is one finding about a codebook file, placed at a line and column.
type Problem struct {
	File         string
	Line, Column int
	Message      string
}

// String formats the problem as "file:line:col: message", the form editors
// and CI logs recognise.
func (p Problem) String() string {
	switch {
	case p.Line > 0 && p.Column > 0:
		return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Column, p.Message)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Message)
	}
	return fmt.Sprintf("%s: %s", p.File, p.Message)
}

// isWarning reports problems that Check shows but that do not stop Load.
func (p Problem) isWarning() bool { return strings.HasPrefix(p.Message, "warning: ") }

// Problems is the error Load and Parse return: every error found, in file order.
type Problems []Problem

// Error lists one problem a line, so a CLI can print it as is.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// codePos remembers where a code's parts are in the YAML file.
type codePos struct {
	node, id, parent, negation, color, terms *yaml.Node
	termNodes                                map[string][]*yaml.Node
	excludeNodes                             map[string][]*yaml.Node
	ruleNodes                                []*yaml.Node
}

// Load reads, parses and validates the codebook at path.
func Load(path string) (*Codebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("codebook: %w", err)
	}
	return Parse(path, data)
}

// Parse parses and validates codebook YAML read from path. The error, if
// any, is a Problems value listing each error as "file:line:col: message".
func Parse(path string, data []byte) (*Codebook, error) {
	cb, probs := parse(path, data)
	var errs Problems
	for _, p := range probs {
		if !p.isWarning() {
			errs = append(errs, p)
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return cb, nil
}

// Check reads the codebook at path and reports every problem: YAML errors,
// duplicate ids, unknown parents, cycles, invalid regexes, bad term syntax,
// leaf codes without terms, bad rules, and (as warnings) terms of one code
// that another code's terms also match. The error is only for an unreadable
// file.
func Check(path string) ([]Problem, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("codebook: %w", err)
	}
	_, probs := parse(path, data)
	return probs, nil
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

type parser struct {
	file  string
	probs []Problem
}

func (p *parser) at(n *yaml.Node, format string, args ...any) {
	pr := Problem{File: p.file, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.probs = append(p.probs, pr)
}

func parse(path string, data []byte) (*Codebook, []Problem) {
	sum := sha256.Sum256(data)
	cb := &Codebook{Path: path, Hash: hex.EncodeToString(sum[:])}
	p := &parser{file: path}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		pr := Problem{File: path, Message: strings.TrimPrefix(err.Error(), "yaml: ") + " (fix the YAML syntax)"}
		if m := yamlLine.FindStringSubmatch(err.Error()); m != nil {
			pr.Line, _ = strconv.Atoi(m[1])
			pr.Message = strings.TrimPrefix(strings.TrimPrefix(err.Error(), "yaml: "), m[0]+": ") + " (fix the YAML syntax)"
		}
		return nil, []Problem{pr}
	}
	if root.Kind != yaml.DocumentNode || len(root.Content) == 0 {
		p.at(nil, "the file is empty: a codebook needs name, language and codes")
		return nil, p.probs
	}
	doc := root.Content[0]
	if doc.Kind != yaml.MappingNode {
		p.at(doc, "a codebook must be a mapping with name, language and codes")
		return nil, p.probs
	}
	var codesNode *yaml.Node
	forPairs(doc, func(k, v *yaml.Node) {
		switch k.Value {
		case "name":
			cb.Name = p.scalar(v)
		case "version":
			cb.Version = p.scalar(v)
		case "language":
			cb.Language = p.scalar(v)
		case "description":
			cb.Description = strings.TrimSpace(p.scalar(v))
		case "codes":
			codesNode = v
		default:
			p.at(k, "unknown key %q: a codebook has name, version, language, description and codes", k.Value)
		}
	})
	if cb.Name == "" {
		p.at(doc, "the codebook has no name: add name: <short name>")
	}
	switch cb.Language {
	case "":
		cb.Language = "nl"
	case "nl", "en":
	default:
		p.at(findKey(doc, "language"), "language %q is not supported: use nl or en", cb.Language)
	}
	if codesNode == nil || codesNode.Kind != yaml.SequenceNode || len(codesNode.Content) == 0 {
		p.at(orNode(codesNode, doc), "the codebook has no codes: add codes: with a list of codes")
		return cb, p.probs
	}
	for _, cn := range codesNode.Content {
		cb.Codes = append(cb.Codes, p.code(cn, cb.Language))
	}
	p.validate(cb)
	sort.SliceStable(p.probs, func(i, j int) bool {
		if p.probs[i].Line != p.probs[j].Line {
			return p.probs[i].Line < p.probs[j].Line
		}
		return p.probs[i].Column < p.probs[j].Column
	})
	return cb, p.probs
}

func orNode(a, b *yaml.Node) *yaml.Node {
	if a != nil {
		return a
	}
	return b
}

func forPairs(m *yaml.Node, f func(k, v *yaml.Node)) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		f(m.Content[i], m.Content[i+1])
	}
}

func findKey(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return m
}

func (p *parser) scalar(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		p.at(n, "expected a single value here, not a list or mapping")
		return ""
	}
	return n.Value
}

// list accepts a sequence of scalars or one scalar.
func (p *parser) list(n *yaml.Node) ([]string, []*yaml.Node) {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil, nil
		}
		return []string{n.Value}, []*yaml.Node{n}
	case yaml.SequenceNode:
		var out []string
		var nodes []*yaml.Node
		for _, c := range n.Content {
			if s := p.scalar(c); c.Kind == yaml.ScalarNode {
				out = append(out, s)
				nodes = append(nodes, c)
			}
		}
		return out, nodes
	}
	p.at(n, "expected a list of values")
	return nil, nil
}

// langLists reads `{nl: [...], en: [...]}`; a bare list means the
// codebook's language.
func (p *parser) langLists(n *yaml.Node, def string) (map[string][]string, map[string][]*yaml.Node) {
	out := map[string][]string{}
	nodes := map[string][]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		out[def], nodes[def] = p.list(n)
		return out, nodes
	}
	forPairs(n, func(k, v *yaml.Node) {
		if k.Value != "nl" && k.Value != "en" {
			p.at(k, "warning: language %q is never used: units are coded as nl or en", k.Value)
		}
		out[k.Value], nodes[k.Value] = p.list(v)
	})
	return out, nodes
}

func (p *parser) code(n *yaml.Node, lang string) Code {
	c := Code{pos: &codePos{node: n}}
	if n.Kind != yaml.MappingNode {
		p.at(n, "a code must be a mapping with at least id and terms")
		return c
	}
	forPairs(n, func(k, v *yaml.Node) {
		switch k.Value {
		case "id":
			c.ID, c.pos.id = p.scalar(v), v
		case "label":
			if v.Kind == yaml.MappingNode {
				forPairs(v, func(lk, lv *yaml.Node) {
					switch lk.Value {
					case "nl":
						c.Label.NL = p.scalar(lv)
					case "en":
						c.Label.EN = p.scalar(lv)
					default:
						p.at(lk, "unknown label language %q: use nl and en", lk.Value)
					}
				})
			} else if lang == "en" {
				c.Label.EN = p.scalar(v)
			} else {
				c.Label.NL = p.scalar(v)
			}
		case "description":
			c.Description = strings.TrimSpace(p.scalar(v))
		case "color":
			c.Color, c.pos.color = p.scalar(v), v
		case "parent":
			c.Parent, c.pos.parent = p.scalar(v), v
		case "negation":
			c.Negation, c.pos.negation = p.scalar(v), v
		case "terms":
			c.pos.terms = v
			c.Terms, c.pos.termNodes = p.langLists(v, lang)
		case "exclude":
			c.Exclude, c.pos.excludeNodes = p.langLists(v, lang)
		case "applies_to":
			if v.Kind != yaml.MappingNode {
				if !(v.Kind == yaml.ScalarNode && v.Tag == "!!null") {
					p.at(v, "applies_to must be a mapping with questions and/or speakers")
				}
				return
			}
			forPairs(v, func(sk, sv *yaml.Node) {
				switch sk.Value {
				case "questions":
					c.AppliesTo.Questions, _ = p.list(sv)
				case "speakers":
					c.AppliesTo.Speakers, _ = p.list(sv)
				default:
					p.at(sk, "unknown key %q in applies_to: use questions or speakers", sk.Value)
				}
			})
		case "rules":
			c.Rules, c.pos.ruleNodes = p.list(v)
		default:
			p.at(k, "unknown key %q in code: a code has id, label, description, color, parent, negation, terms, exclude, applies_to and rules", k.Value)
		}
	})
	if c.Negation == "" {
		c.Negation = "flag"
	}
	return c
}

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
var colorPattern = regexp.MustCompile(`^#([0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})$`)

func (p *parser) validate(cb *Codebook) {
	cb.byID = map[string]int{}
	hasChild := map[string]bool{}
	for i, c := range cb.Codes {
		idNode := orNode(c.pos.id, c.pos.node)
		switch {
		case c.ID == "":
			p.at(c.pos.node, "code without id: add id: <lower_case_id>")
		case !idPattern.MatchString(c.ID):
			p.at(idNode, "code id %q must be lower case letters, digits and _, starting with a letter", c.ID)
		}
		if j, dup := cb.byID[c.ID]; dup && c.ID != "" {
			p.at(idNode, "duplicate code id %q (first defined on line %d): give each code its own id", c.ID, cb.Codes[j].pos.node.Line)
		} else if c.ID != "" {
			cb.byID[c.ID] = i
		}
		if c.Parent != "" {
			hasChild[c.Parent] = true
		}
		switch c.Negation {
		case "ignore", "exclude", "flag":
		default:
			p.at(c.pos.negation, "negation %q must be ignore, exclude or flag", c.Negation)
		}
		if c.Color != "" && !colorPattern.MatchString(c.Color) {
			p.at(c.pos.color, "color %q must be #rrggbb or #rgb", c.Color)
		}
		for _, lang := range sortedKeys(c.Terms) {
			for j, t := range c.Terms[lang] {
				if _, err := parseTerm(t, lang); err != nil {
					p.at(c.pos.termNodes[lang][j], "code %s: %v", c.ID, err)
				}
			}
		}
		for _, lang := range sortedKeys(c.Exclude) {
			for j, t := range c.Exclude[lang] {
				if _, err := parseTerm(t, lang); err != nil {
					p.at(c.pos.excludeNodes[lang][j], "code %s exclude: %v", c.ID, err)
				}
			}
		}
		for j, r := range c.Rules {
			if _, err := parseRule(r); err != nil {
				p.at(c.pos.ruleNodes[j], "code %s: %v", c.ID, err)
			}
		}
	}
	for _, c := range cb.Codes {
		if c.Parent == "" {
			continue
		}
		if _, ok := cb.byID[c.Parent]; !ok {
			p.at(orNode(c.pos.parent, c.pos.node), "code %s has unknown parent %q: define that code or fix the id", c.ID, c.Parent)
			continue
		}
		if cyc := cb.cycle(c.ID); cyc != nil {
			p.at(orNode(c.pos.parent, c.pos.node), "code %s is its own ancestor (%s): break the parent cycle", c.ID, strings.Join(cyc, " → "))
		}
	}
	for _, c := range cb.Codes {
		if hasChild[c.ID] || len(c.Rules) > 0 {
			continue
		}
		n := 0
		for _, ts := range c.Terms {
			n += len(ts)
		}
		if n == 0 {
			p.at(orNode(c.pos.terms, c.pos.node), "code %s has no terms and no rules, so it can never apply: add terms (only parent codes may be empty)", c.ID)
		}
	}
	p.shadowing(cb)
}

// cycle returns the parent chain from id back to id, or nil.
func (cb *Codebook) cycle(id string) []string {
	chain := []string{id}
	seen := map[string]bool{id: true}
	cur := id
	for {
		i, ok := cb.byID[cur]
		if !ok || cb.Codes[i].Parent == "" {
			return nil
		}
		cur = cb.Codes[i].Parent
		chain = append(chain, cur)
		if cur == id {
			return chain
		}
		if seen[cur] {
			return nil // a cycle above id, reported for the codes in it
		}
		seen[cur] = true
	}
}

// Ancestors returns the parent, grandparent, ... of the code id, nearest
// first. It stops at an unknown parent or a cycle.
func (cb *Codebook) Ancestors(id string) []string {
	idx := cb.index()
	var out []string
	seen := map[string]bool{id: true}
	cur := id
	for {
		i, ok := idx[cur]
		if !ok {
			return out
		}
		par := cb.Codes[i].Parent
		if par == "" || seen[par] {
			return out
		}
		if _, ok := idx[par]; !ok {
			return out
		}
		seen[par] = true
		out = append(out, par)
		cur = par
	}
}

// index returns the code positions by id, building it for codebooks made
// in code rather than parsed.
// children maps a parent code ID to the indices of its child codes, in
// codebook order; codes without a (known) parent are under "".
func (cb *Codebook) children() map[string][]int {
	children := map[string][]int{}
	idx := cb.index()
	for i, c := range cb.Codes {
		p := c.Parent
		if _, ok := idx[p]; !ok {
			p = ""
		}
		children[p] = append(children[p], i)
	}
	return children
}

func (cb *Codebook) index() map[string]int {
	if cb.byID != nil && len(cb.byID) == len(cb.Codes) {
		return cb.byID
	}
	m := make(map[string]int, len(cb.Codes))
	for i, c := range cb.Codes {
		if _, dup := m[c.ID]; !dup {
			m[c.ID] = i
		}
	}
	return m
}

// Code returns the code with the given id.
func (cb *Codebook) Code(id string) (Code, bool) {
	i, ok := cb.index()[id]
	if !ok {
		return Code{}, false
	}
	return cb.Codes[i], true
}

// shadowing warns when a one-word term of one code is also matched by a
// term of another, unrelated code: every hit then codes both, which is
// rarely what the methodologist meant.
func (p *parser) shadowing(cb *Codebook) {
	type single struct {
		code, lang, raw string
		e               elem
		node            *yaml.Node
	}
	var singles []single
	for _, c := range cb.Codes {
		for _, lang := range sortedKeys(c.Terms) {
			for j, t := range c.Terms[lang] {
				pt, err := parseTerm(t, lang)
				if err != nil || pt.Re != nil || pt.Near > 0 || len(pt.Phrase) != 1 {
					continue
				}
				singles = append(singles, single{c.ID, lang, t, pt.Phrase[0], c.pos.termNodes[lang][j]})
			}
		}
	}
	// Ancestor sets and witness stems are computed once: the pair loop
	// below is quadratic in the number of terms.
	anc := map[string]map[string]bool{}
	for _, c := range cb.Codes {
		m := map[string]bool{c.ID: true}
		for _, a := range cb.Ancestors(c.ID) {
			m[a] = true
		}
		anc[c.ID] = m
	}
	related := func(a, b string) bool { return anc[a][b] || anc[b][a] }
	stems := make([]string, len(singles))
	for i, a := range singles {
		stems[i] = stem(a.e.Word, a.lang)
	}
	for i, a := range singles {
		for j, b := range singles {
			if a.lang != b.lang || related(a.code, b.code) {
				continue
			}
			if shadows(b.e, a.e, stems[i]) && !(shadows(a.e, b.e, stems[j]) && a.node.Line < b.node.Line) {
				p.at(a.node, "warning: term %q of code %s is also matched by term %q of code %s (line %d)", a.raw, a.code, b.raw, b.code, b.node.Line)
			}
		}
	}
}

// shadows reports whether every word that a matches is also matched by b,
// judged on a representative word of a (whose stem is st).
func shadows(b, a elem, st string) bool {
	var w string
	switch a.Kind {
	case exactWord, prefixWord:
		w = a.Word
	case stemWord:
		if b.Kind == stemWord {
			return a.Word == b.Word
		}
		w = a.Word
	case tailWord:
		if b.Kind != tailWord {
			return false
		}
		return strings.HasSuffix(a.Word, b.Word)
	default:
		return false
	}
	if a.Kind == prefixWord && b.Kind != prefixWord {
		return false
	}
	return matchWord(b, w, st)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
