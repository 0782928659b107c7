package coding

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/uuid"
)

// qdcNamespace is the REFI-QDA codebook namespace (QDA-XML codebook 1.0).
const qdcNamespace = "urn:QDA-XML:codebook:1.0"

// metaPrefix starts the last line of an exported code's description. It
// carries what REFI-QDA has no place for (id, both labels, terms, rules),
// so that export then import gives back the same codebook.
const metaPrefix = "veldstem-code: "

type qdcMeta struct {
	ID        string              `json:"id"`
	Label     map[string]string   `json:"label,omitempty"`
	Terms     map[string][]string `json:"terms,omitempty"`
	Exclude   map[string][]string `json:"exclude,omitempty"`
	Negation  string              `json:"negation,omitempty"`
	Questions []string            `json:"questions,omitempty"`
	Speakers  []string            `json:"speakers,omitempty"`
	Rules     []string            `json:"rules,omitempty"`
}

type qdcBook struct {
	XMLName xml.Name  `xml:"urn:QDA-XML:codebook:1.0 CodeBook"`
	Origin  string    `xml:"origin,attr,omitempty"`
	Codes   []qdcCode `xml:"Codes>Code"`
}

type qdcCode struct {
	GUID        string    `xml:"guid,attr"`
	Name        string    `xml:"name,attr"`
	IsCodable   bool      `xml:"isCodable,attr"`
	Color       string    `xml:"color,attr,omitempty"`
	Description string    `xml:"Description,omitempty"`
	Codes       []qdcCode `xml:"Code"`
}

// codeGUID derives a stable GUID from the codebook and code id, so that
// re-exporting a codebook gives QDA software the same codes.
func codeGUID(cb *Codebook, id string) string {
	return strings.ToUpper(uuid.NewSHA1(uuid.NameSpaceURL, []byte("veldstem:"+cb.Name+"/"+id)).String())
}

// ExportQDC writes cb as a REFI-QDA codebook (.qdc) for ATLAS.ti, NVivo,
// MAXQDA and QualCoder, nesting codes under their parents. Names are the
// labels in the codebook's language.
func ExportQDC(cb *Codebook, w io.Writer) error {
	children := cb.children()
	var build func(parent string, depth int) []qdcCode
	build = func(parent string, depth int) []qdcCode {
		var out []qdcCode
		if depth > len(cb.Codes) {
			return nil // a parent cycle; Check reports it
		}
		for _, i := range children[parent] {
			c := cb.Codes[i]
			meta := qdcMeta{ID: c.ID, Terms: c.Terms, Exclude: c.Exclude, Negation: c.Negation,
				Questions: c.AppliesTo.Questions, Speakers: c.AppliesTo.Speakers, Rules: c.Rules}
			meta.Label = map[string]string{}
			if c.Label.NL != "" {
				meta.Label["nl"] = c.Label.NL
			}
			if c.Label.EN != "" {
				meta.Label["en"] = c.Label.EN
			}
			js, err := json.Marshal(meta)
			if err != nil {
				continue
			}
			desc := metaPrefix + string(js)
			if c.Description != "" {
				desc = c.Description + "\n\n" + desc
			}
			name := c.Label.In(cb.Language)
			if name == "" {
				name = c.ID
			}
			out = append(out, qdcCode{GUID: codeGUID(cb, c.ID), Name: name, IsCodable: true,
				Color: c.Color, Description: desc, Codes: build(c.ID, depth+1)})
		}
		return out
	}
	book := qdcBook{Origin: "veldstem", Codes: build("", 0)}
	if len(book.Codes) == 0 {
		return fmt.Errorf("coding: codebook %s has no codes to export", cb.Path)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(book); err != nil {
		return fmt.Errorf("coding: export %s: %w", cb.Path, err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

// ImportQDC reads a REFI-QDA codebook (.qdc). Codes nested in codes become
// children; code groups (Sets) are not hierarchy and are left out. Codes
// exported by veldstem come back with their ids, labels and terms; others
// get an id made from their name and no terms.
func ImportQDC(path string) (*Codebook, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("coding: %w", err)
	}
	dec := xml.NewDecoder(strings.NewReader(string(data)))
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, qdcError(path, data, dec, err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "CodeBook" || se.Name.Space != qdcNamespace {
				line, col := dec.InputPos()
				return nil, fmt.Errorf("%s:%d:%d: root element is {%s}%s, expected CodeBook in namespace %s: this is not a REFI-QDA 1.0 codebook; export it again as a .qdc from your QDA software", path, line, col, se.Name.Space, se.Name.Local, qdcNamespace)
			}
			break
		}
	}
	var book qdcBook
	dec = xml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&book); err != nil {
		return nil, qdcError(path, data, dec, err)
	}
	sum := sha256.Sum256(data)
	cb := &Codebook{Name: strings.TrimSuffix(baseName(path), ".qdc"), Language: "nl", Path: path, Hash: hex.EncodeToString(sum[:])}
	used := map[string]bool{}
	var walk func(cs []qdcCode, parent string)
	walk = func(cs []qdcCode, parent string) {
		for _, q := range cs {
			c := Code{Parent: parent, Color: q.Color, Negation: "flag", Label: Label{NL: q.Name}}
			desc := strings.TrimSpace(q.Description)
			if i := strings.LastIndex(desc, metaPrefix); i >= 0 {
				var meta qdcMeta
				if json.Unmarshal([]byte(desc[i+len(metaPrefix):]), &meta) == nil && idPattern.MatchString(meta.ID) {
					c.ID = meta.ID
					c.Label = Label{NL: meta.Label["nl"], EN: meta.Label["en"]}
					c.Terms, c.Exclude, c.Rules = meta.Terms, meta.Exclude, meta.Rules
					c.AppliesTo = Scope{Questions: meta.Questions, Speakers: meta.Speakers}
					if meta.Negation != "" {
						c.Negation = meta.Negation
					}
					desc = strings.TrimSpace(desc[:i])
				}
			}
			c.Description = desc
			if c.ID == "" || used[c.ID] {
				c.ID = uniqueID(slug(q.Name), used)
			}
			used[c.ID] = true
			cb.Codes = append(cb.Codes, c)
			walk(q.Codes, c.ID)
		}
	}
	walk(book.Codes, "")
	if len(cb.Codes) == 0 {
		return nil, fmt.Errorf("%s: the codebook has no codes", path)
	}
	return cb, nil
}

func qdcError(path string, data []byte, dec *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("%s:%d: invalid XML (%s): the file is damaged or cut off; export the codebook again", path, se.Line, se.Msg)
	}
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: no XML element found: is this a .qdc codebook?", path)
	}
	line, col := dec.InputPos()
	return fmt.Errorf("%s:%d:%d: %v", path, line, col, err)
}

func baseName(path string) string {
	if i := strings.LastIndexAny(path, `/\`); i >= 0 {
		return path[i+1:]
	}
	return path
}

// slug turns a human name into a code id: "Werk-druk (hoog)" → "werk_druk_hoog".
func slug(name string) string {
	var b strings.Builder
	under := false
	for _, r := range fold(name) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') {
			if under && b.Len() > 0 {
				b.WriteByte('_')
			}
			under = false
			b.WriteRune(r)
		} else {
			under = true
		}
	}
	s := b.String()
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		s = "c_" + s
	}
	return strings.TrimSuffix(s, "_")
}

func uniqueID(base string, used map[string]bool) string {
	if !used[base] {
		return base
	}
	for i := 2; ; i++ {
		id := fmt.Sprintf("%s_%d", base, i)
		if !used[id] {
			return id
		}
	}
}
