package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
	"gopkg.in/yaml.v3"
)

// EnvPrefix is the prefix of environment variables that override config
// keys: VELDSTEM_OUTPUT_DIR overrides output.dir.
const EnvPrefix = "VELDSTEM"

// Error is a configuration problem, located in the config file when the
// file is its origin.
type Error struct {
	File string
	Line int // 0 when the problem has no line (env var, flag, missing key)
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	if e.Key != "" {
		return fmt.Sprintf("%s: %s: %s", loc, e.Key, e.Msg)
	}
	return fmt.Sprintf("%s: %s", loc, e.Msg)
}

// Errors lists every problem found, so a user fixes them in one go.
type Errors []*Error

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// defaults are applied before the file, env and flags. Keys follow the
// mapstructure tags in types.go.
var defaults = map[string]any{
	"study.language":       "nl",
	"output.dir":           "reports",
	"output.formats":       []string{"html", "md", "csv", "xlsx", "qdpx"},
	"output.csv_delimiter": ",",
	"output.csv_bom":       false,
	"store.path":           ".veldstem/state.db",
	"privacy.min_cell":     5,
	"privacy.key_file":     ".veldstem/key",
	"quotes.per_code":      3,
}

// ScalarKeys lists the dotted keys that env vars and flags can override:
// every key of a section except the list of sources, sorted.
func ScalarKeys() []string {
	var keys []string
	t := reflect.TypeOf(Config{})
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("mapstructure")
		if tag == "" || tag == "-" || tag == "sources" {
			continue
		}
		if f.Type.Kind() != reflect.Struct {
			keys = append(keys, tag)
			continue
		}
		for j := 0; j < f.Type.NumField(); j++ {
			keys = append(keys, tag+"."+f.Type.Field(j).Tag.Get("mapstructure"))
		}
	}
	sort.Strings(keys)
	return keys
}

// FlagName is the command-line flag that overrides key: output.dir → output-dir.
func FlagName(key string) string {
	return strings.NewReplacer(".", "-", "_", "-").Replace(key)
}

// EnvName is the environment variable that overrides key: output.dir → VELDSTEM_OUTPUT_DIR.
func EnvName(key string) string {
	return EnvPrefix + "_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// AddFlags registers one flag per scalar key on fs, so every key can be set
// from the command line. Flags left unset do not override the file.
func AddFlags(fs *pflag.FlagSet) {
	t := reflect.TypeOf(Config{})
	for _, key := range ScalarKeys() {
		ft := fieldType(t, strings.Split(key, "."))
		usage := "override config key " + key + " (env " + EnvName(key) + ")"
		switch ft.Kind() {
		case reflect.Int:
			fs.Int(FlagName(key), 0, usage)
		case reflect.Bool:
			fs.Bool(FlagName(key), false, usage)
		case reflect.Slice:
			fs.StringSlice(FlagName(key), nil, usage)
		default:
			fs.String(FlagName(key), "", usage)
		}
	}
}

func fieldType(t reflect.Type, path []string) reflect.Type {
	for _, name := range path {
		for i := 0; i < t.NumField(); i++ {
			if t.Field(i).Tag.Get("mapstructure") == name {
				t = t.Field(i).Type
				break
			}
		}
	}
	return t
}

// Load reads the config file at path, applies VELDSTEM_* environment
// variables and the flags in fs that were set (fs may be nil), decodes
// strictly and checks the result. Relative paths are made absolute against
// the config file's folder.
func Load(path string, fs *pflag.FlagSet) (*Config, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	raw, err := os.ReadFile(abs)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &Error{File: path, Msg: "config file not found — pass --config PATH or run from the study's folder"}
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	var root yaml.Node
	if err := yaml.Unmarshal(raw, &root); err != nil {
		return nil, &Error{File: path, Msg: "not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	// viper lower-cases keys and its strict decoding reports no line
	// numbers, so the file's keys and scalar types are checked first
	// against the struct, on the YAML nodes that still know their lines.
	if errs := checkNode(path, &root, reflect.TypeOf(Config{}), ""); len(errs) > 0 {
		return nil, errs
	}

	v := viper.New()
	v.SetConfigType("yaml")
	for k, val := range defaults {
		v.SetDefault(k, val)
	}
	if err := v.ReadConfig(strings.NewReader(string(raw))); err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	v.SetEnvPrefix(EnvPrefix)
	v.SetEnvKeyReplacer(strings.NewReplacer(".", "_"))
	for _, key := range ScalarKeys() {
		if err := v.BindEnv(key); err != nil {
			return nil, &Error{File: path, Key: key, Msg: err.Error()}
		}
		if fs != nil {
			if f := fs.Lookup(FlagName(key)); f != nil && f.Changed {
				if err := v.BindPFlag(key, f); err != nil {
					return nil, &Error{File: path, Key: key, Msg: err.Error()}
				}
			}
		}
	}
	if err := checkEnv(); err != nil {
		return nil, err
	}

	var cfg Config
	if err := v.UnmarshalExact(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.TagName = "mapstructure"
	}); err != nil {
		return nil, &Error{File: path, Msg: "cannot decode: " + err.Error() + " — check the value's type against README's config reference"}
	}
	cfg.File = abs
	cfg.Dir = filepath.Dir(abs)
	cfg.resolve()
	if errs := cfg.validate(path, &root); len(errs) > 0 {
		return nil, errs
	}
	return &cfg, nil
}

// checkEnv refuses VELDSTEM_* variables that name no key, since a typo there
// would otherwise be silently ignored.
func checkEnv() error {
	known := map[string]bool{}
	for _, k := range ScalarKeys() {
		known[EnvName(k)] = true
	}
	var errs Errors
	for _, kv := range os.Environ() {
		name, val, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, EnvPrefix+"_") && !known[name] && val != "" {
			errs = append(errs, &Error{File: "environment", Key: name, Msg: "unknown variable — it overrides no config key (see README, Configuration)"})
		}
	}
	sort.Slice(errs, func(i, j int) bool { return errs[i].Key < errs[j].Key })
	if len(errs) > 0 {
		return errs
	}
	return nil
}

// checkNode compares a YAML node with the Go type it decodes into and
// reports unknown keys and scalars of the wrong type, with their lines.
func checkNode(file string, n *yaml.Node, t reflect.Type, key string) Errors {
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return Errors{{File: file, Msg: "config file is empty — see README for a minimal config"}}
		}
		return checkNode(file, n.Content[0], t, key)
	}
	if n.Kind == yaml.AliasNode {
		return checkNode(file, n.Alias, t, key)
	}
	if n.Tag == "!!null" {
		return nil
	}
	var errs Errors
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return Errors{{File: file, Line: n.Line, Key: keyOr(key), Msg: "expected a mapping of keys"}}
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := 0; i < t.NumField(); i++ {
			tag := t.Field(i).Tag.Get("mapstructure")
			if tag != "" && tag != "-" {
				fields[tag] = t.Field(i).Type
				names = append(names, tag)
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			full := join(key, k.Value)
			ft, ok := fields[k.Value]
			if !ok {
				msg := fmt.Sprintf("unknown key %q", k.Value)
				if s := suggest(k.Value, names); s != "" {
					msg += fmt.Sprintf(" — did you mean %q?", s)
				} else {
					msg += " — known keys here: " + strings.Join(names, ", ")
				}
				errs = append(errs, &Error{File: file, Line: k.Line, Key: full, Msg: msg})
				continue
			}
			errs = append(errs, checkNode(file, val, ft, full)...)
		}
	case reflect.Slice:
		if n.Kind == yaml.ScalarNode && t.Elem().Kind() == reflect.String {
			return nil // a single string where a list is expected is accepted as a one-item list
		}
		if n.Kind != yaml.SequenceNode {
			return Errors{{File: file, Line: n.Line, Key: key, Msg: "expected a list"}}
		}
		for i, c := range n.Content {
			errs = append(errs, checkNode(file, c, t.Elem(), fmt.Sprintf("%s[%d]", key, i))...)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return Errors{{File: file, Line: n.Line, Key: key, Msg: "expected a mapping of name: value"}}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			errs = append(errs, checkNode(file, n.Content[i+1], t.Elem(), join(key, n.Content[i].Value))...)
		}
	case reflect.Int:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
			errs = append(errs, &Error{File: file, Line: n.Line, Key: key, Msg: fmt.Sprintf("expected a whole number, got %q", n.Value)})
		}
	case reflect.Bool:
		if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
			errs = append(errs, &Error{File: file, Line: n.Line, Key: key, Msg: fmt.Sprintf("expected true or false, got %q", n.Value)})
		}
	case reflect.String:
		if n.Kind != yaml.ScalarNode {
			errs = append(errs, &Error{File: file, Line: n.Line, Key: key, Msg: "expected a single value, not a list or mapping"})
		}
	}
	return errs
}

func keyOr(k string) string {
	if k == "" {
		return "(top level)"
	}
	return k
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// suggest returns the known name closest to s when it is a plausible typo.
func suggest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(strings.ToLower(s), n); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// resolve makes every path absolute against the config file's folder.
func (c *Config) resolve() {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(c.Dir, p)
	}
	c.Codebook = abs(c.Codebook)
	c.Output.Dir = abs(c.Output.Dir)
	c.Store.Path = abs(c.Store.Path)
	c.Privacy.KeyFile = abs(c.Privacy.KeyFile)
	c.Privacy.NamesFile = abs(c.Privacy.NamesFile)
	c.Validation.Gold = abs(c.Validation.Gold)
	c.Validation.Second = abs(c.Validation.Second)
	for i := range c.Sources {
		c.Sources[i].Path = abs(c.Sources[i].Path)
		c.Sources[i].Participants = abs(c.Sources[i].Participants)
	}
}

// Rel returns p relative to the config's folder when it lies inside it,
// so reports and the store never carry machine-specific absolute paths.
func (c *Config) Rel(p string) string {
	if r, err := filepath.Rel(c.Dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return filepath.ToSlash(p)
}
