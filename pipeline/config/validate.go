package config

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Formats lists the report formats output.formats accepts.
var Formats = []string{"html", "md", "csv", "xlsx", "qdpx"}

var surveyFormats = []string{"", "auto", "generic", "qualtrics", "surveymonkey", "limesurvey", "googleforms", "xlsx", "spss"}
var transcriptFormats = []string{"", "auto", "text", "docx", "vtt", "srt", "sbv"}

var sourceName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)

func (c *Config) validate(file string, root *yaml.Node) Errors {
	var errs Errors
	add := func(key, msg string) {
		errs = append(errs, &Error{File: file, Line: lineOf(root, key), Key: key, Msg: msg})
	}
	if strings.TrimSpace(c.Study.Name) == "" {
		add("study.name", "required — name the study, e.g. study: {name: Aanbesteding sociaal werk}")
	}
	if c.Study.Language != "nl" && c.Study.Language != "en" {
		add("study.language", fmt.Sprintf("must be nl or en, got %q", c.Study.Language))
	}
	if c.Codebook == "" {
		add("codebook", "required — path to the codebook YAML, e.g. codes/aanbesteding.yaml")
	} else if _, err := os.Stat(c.Codebook); err != nil {
		add("codebook", fmt.Sprintf("cannot read %s — check the path (relative paths start at the config file's folder)", c.Codebook))
	}
	if len(c.Sources) == 0 {
		add("sources", "required — list at least one source with name, type and path")
	}
	seen := map[string]bool{}
	for i, s := range c.Sources {
		k := fmt.Sprintf("sources[%d]", i)
		switch {
		case s.Name == "":
			add(k+".name", "required — a short name such as survey-2025")
		case !sourceName.MatchString(s.Name) || strings.Contains(s.Name, "/"):
			add(k+".name", fmt.Sprintf("%q may hold only letters, digits, '-', '_' and '.'", s.Name))
		case seen[s.Name]:
			add(k+".name", fmt.Sprintf("duplicate source name %q — names must be unique", s.Name))
		}
		seen[s.Name] = true
		switch s.Type {
		case "survey":
			if !contains(surveyFormats, s.Format) {
				add(k+".format", fmt.Sprintf("unknown survey format %q — use one of %s", s.Format, strings.Join(surveyFormats[1:], ", ")))
			}
			if len(s.TextColumns) == 0 && len(s.Likert) == 0 {
				add(k+".text_columns", "required for a survey — list the open questions to code (names, globs like Q5_*, or label:text)")
			}
		case "transcript":
			if !contains(transcriptFormats, s.Format) {
				add(k+".format", fmt.Sprintf("unknown transcript format %q — use one of %s", s.Format, strings.Join(transcriptFormats[1:], ", ")))
			}
		case "":
			add(k+".type", "required — survey or transcript")
		default:
			add(k+".type", fmt.Sprintf("must be survey or transcript, got %q", s.Type))
		}
		if s.Path == "" {
			add(k+".path", "required — a file or glob such as data/survey/*.csv")
		} else if files, err := filepath.Glob(s.Path); err != nil {
			add(k+".path", fmt.Sprintf("bad glob %q: %v", s.Path, err))
		} else if len(files) == 0 {
			add(k+".path", fmt.Sprintf("no file matches %s — check the path (relative paths start at the config file's folder)", s.Path))
		}
		if s.Participants != "" {
			if _, err := os.Stat(s.Participants); err != nil {
				add(k+".participants", fmt.Sprintf("cannot read %s — check the path", s.Participants))
			}
		}
		for j, l := range s.Likert {
			if len(l.Scale) < 2 {
				add(fmt.Sprintf("%s.likert[%d].scale", k, j), "needs at least two labels, lowest first")
			}
			if len(l.Items) == 0 {
				add(fmt.Sprintf("%s.likert[%d].items", k, j), "needs at least one item: name: column")
			}
		}
		switch s.Delimiter {
		case "", ",", ";", "\t", "tab", "auto":
		default:
			add(k+".delimiter", fmt.Sprintf("must be \",\", \";\" or tab, got %q", s.Delimiter))
		}
	}
	for i, f := range c.Output.Formats {
		if !contains(Formats, f) {
			add("output.formats["+strconv.Itoa(i)+"]", fmt.Sprintf("unknown format %q — use any of %s", f, strings.Join(Formats, ", ")))
		}
	}
	if c.Output.CSVDelimiter != "," && c.Output.CSVDelimiter != ";" {
		add("output.csv_delimiter", fmt.Sprintf("must be \",\" or \";\", got %q", c.Output.CSVDelimiter))
	}
	if c.Privacy.MinCell < 1 {
		add("privacy.min_cell", fmt.Sprintf("must be at least 1, got %d", c.Privacy.MinCell))
	}
	if c.Quotes.PerCode < 0 {
		add("quotes.per_code", fmt.Sprintf("must be 0 or more, got %d", c.Quotes.PerCode))
	}
	for _, p := range []struct{ key, path string }{{"privacy.names_file", c.Privacy.NamesFile}, {"validation.gold", c.Validation.Gold}, {"validation.second", c.Validation.Second}} {
		if p.path == "" {
			continue
		}
		if _, err := os.Stat(p.path); err != nil {
			add(p.key, fmt.Sprintf("cannot read %s — check the path", p.path))
		}
	}
	attrs := c.AttributeNames()
	for i, a := range c.Analysis.Attributes {
		if !contains(attrs, a) {
			add("analysis.attributes["+strconv.Itoa(i)+"]", fmt.Sprintf("%q is not an attribute of any source — known: %s", a, strings.Join(attrs, ", ")))
		}
	}
	return errs
}

// AttributeNames lists the attribute names of all sources, sorted. Transcript
// sources get theirs from the participants sidecar, so they are not known
// here; breakdowns use the survey attributes.
func (c *Config) AttributeNames() []string {
	set := map[string]bool{}
	for _, s := range c.Sources {
		for a := range s.Attributes {
			set[a] = true
		}
	}
	var out []string
	for a := range set {
		out = append(out, a)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// lineOf finds the line of a dotted key such as sources[1].path in the YAML
// tree; it falls back to the nearest ancestor that exists, then 0.
func lineOf(root *yaml.Node, key string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, part := range strings.Split(key, ".") {
		name, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			name = part[:i]
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		if n.Kind != yaml.MappingNode {
			return line
		}
		found := false
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == name {
				line = n.Content[i].Line
				n = n.Content[i+1]
				found = true
				break
			}
		}
		if !found {
			return line
		}
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}
