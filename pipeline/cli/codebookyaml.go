package cli

import (
	"io"

	"github.com/veldstem/veldstem/pipeline/coding"
	"gopkg.in/yaml.v3"
)

// yamlCodebook mirrors the codebook file format, so an imported codebook
// is written back in exactly the form 'codebook check' reads.
type yamlCodebook struct {
	Name        string     `yaml:"name"`
	Version     string     `yaml:"version,omitempty"`
	Language    string     `yaml:"language,omitempty"`
	Description string     `yaml:"description,omitempty"`
	Codes       []yamlCode `yaml:"codes"`
}

type yamlCode struct {
	ID          string              `yaml:"id"`
	Label       map[string]string   `yaml:"label"`
	Description string              `yaml:"description,omitempty"`
	Color       string              `yaml:"color,omitempty"`
	Parent      string              `yaml:"parent,omitempty"`
	Negation    string              `yaml:"negation,omitempty"`
	Terms       map[string][]string `yaml:"terms,omitempty"`
	Exclude     map[string][]string `yaml:"exclude,omitempty"`
	Rules       []string            `yaml:"rules,omitempty"`
}

// writeCodebookYAML writes cb in veldstem's codebook format.
func writeCodebookYAML(cb *coding.Codebook, w io.Writer) error {
	out := yamlCodebook{Name: cb.Name, Version: cb.Version, Language: cb.Language, Description: cb.Description}
	for _, c := range cb.Codes {
		label := map[string]string{}
		if c.Label.NL != "" {
			label["nl"] = c.Label.NL
		}
		if c.Label.EN != "" {
			label["en"] = c.Label.EN
		}
		out.Codes = append(out.Codes, yamlCode{ID: c.ID, Label: label, Description: c.Description, Color: c.Color,
			Parent: c.Parent, Negation: c.Negation, Terms: c.Terms, Exclude: c.Exclude, Rules: c.Rules})
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(out); err != nil {
		return err
	}
	return enc.Close()
}
