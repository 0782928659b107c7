package cli

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/veldstem/veldstem/pipeline/analysis"
	"github.com/veldstem/veldstem/pipeline/coding"
	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/ingest"
	"github.com/veldstem/veldstem/pipeline/privacy"
	"github.com/veldstem/veldstem/pipeline/run"
	"github.com/veldstem/veldstem/pipeline/study"
)

func codebookHash(cfg *config.Config) (string, error) {
	cb, err := coding.Load(cfg.Codebook)
	if err != nil {
		return "", err
	}
	return cb.Hash, nil
}

func writeJSON(e *env, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func (e *env) inspectCommand() *cobra.Command {
	var asJSON bool
	var sourceName string
	cmd := &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Show how veldstem reads a file: format, encoding, columns or speakers, first units",
		Long: `inspect shows how each FILE is read: detected format, encoding, delimiter,
header rows, respondents and units, the columns with their labels (or the
speakers with their turn counts), and the first three units. Use it to write
a source's config. With --source it reads the file as that source of the
config does; otherwise it detects everything. --json output is stable.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			src := config.Source{}
			if sourceName != "" {
				cfg, err := e.loadConfig(cmd)
				if err != nil {
					return err
				}
				found := false
				for _, s := range cfg.Sources {
					if s.Name == sourceName {
						src, found = s, true
					}
				}
				if !found {
					return usageError{fmt.Errorf("no source named %q in %s", sourceName, cfg.File)}
				}
			}
			var all []*ingest.Inspection
			var failed []string
			for _, path := range args {
				in, err := ingest.Inspect(path, src)
				if err != nil {
					failed = append(failed, err.Error())
					continue
				}
				all = append(all, in)
			}
			if asJSON {
				if err := writeJSON(e, all); err != nil {
					return err
				}
			} else {
				for _, in := range all {
					printInspection(e, in)
				}
			}
			if len(failed) > 0 {
				return fmt.Errorf("%d file(s) could not be read:\n%s", len(failed), strings.Join(failed, "\n"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON (a list, one object per file)")
	cmd.Flags().StringVar(&sourceName, "source", "", "read the files as this source of the config")
	return cmd
}

func printInspection(e *env, in *ingest.Inspection) {
	w := e.stdout
	fmt.Fprintf(w, "%s\n  format %s, encoding %s", in.Path, in.Format, in.Encoding)
	if in.Delimiter != "" {
		fmt.Fprintf(w, ", delimiter %q", in.Delimiter)
	}
	if in.HeaderRows > 0 {
		fmt.Fprintf(w, ", %d header row(s)", in.HeaderRows)
	}
	fmt.Fprintf(w, "\n  %d respondents, %d units\n", in.Respondents, in.Units)
	if len(in.Columns) > 0 {
		fmt.Fprintln(w, "  columns:")
		for _, c := range in.Columns {
			fmt.Fprintf(w, "    %-24s %-10s %s\n", c.Name, c.Role, c.Label)
		}
	}
	if len(in.Speakers) > 0 {
		fmt.Fprintln(w, "  speakers:")
		for _, s := range in.Speakers {
			role := ""
			if s.Interviewer {
				role = " (interviewer)"
			}
			fmt.Fprintf(w, "    %-24s %d turns%s\n", s.Speaker, s.Turns, role)
		}
	}
	if len(in.First) > 0 {
		fmt.Fprintln(w, "  first units:")
		for _, u := range in.First {
			where := u.Question
			if where == "" {
				where = u.Speaker
			}
			fmt.Fprintf(w, "    [%s %s] %s\n", u.Position, where, oneLine(u.Text, 100))
		}
	}
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func (e *env) codebookCommand() *cobra.Command {
	cb := &cobra.Command{Use: "codebook", Short: "Check, export and import codebooks"}
	var corpus bool
	check := &cobra.Command{
		Use:   "check [FILE]",
		Short: "Check a codebook (default: the config's) and list every problem as file:line:column",
		Long: `check reports duplicate ids, unknown parents, cycles, invalid regexes, codes
without terms and terms that shadow each other across codes, each with its
position. With --corpus it also lists terms that never match the units in the
store (run 'veldstem run' first).`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := e.codebookPath(cmd, args)
			if err != nil {
				return err
			}
			problems, err := coding.Check(path)
			if err != nil {
				return err
			}
			for _, p := range problems {
				fmt.Fprintln(e.stdout, p.String())
			}
			if corpus {
				book, err := coding.Load(path)
				if err != nil {
					return err
				}
				units, err := storedUnits(cmd, e)
				if err != nil {
					return err
				}
				unused := coding.UnusedTerms(book, units)
				for _, u := range unused {
					fmt.Fprintf(e.stdout, "%s:%d:%d: term %q (%s) of code %s never matches the %d stored units\n", path, u.Line, u.Column, u.Term, u.Lang, u.Code, len(units))
				}
			}
			if len(problems) > 0 {
				return fmt.Errorf("%s: %d problem(s)", path, len(problems))
			}
			fmt.Fprintf(e.stdout, "%s: ok\n", path)
			return nil
		},
	}
	check.Flags().BoolVar(&corpus, "corpus", false, "also list terms that never match the study's stored units")

	var format, out string
	export := &cobra.Command{
		Use:   "export [FILE]",
		Short: "Export a codebook as REFI-QDA (.qdc) or Markdown",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			path, err := e.codebookPath(cmd, args)
			if err != nil {
				return err
			}
			book, err := coding.Load(path)
			if err != nil {
				return err
			}
			w := e.stdout
			if out != "" {
				f, err := os.Create(out)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			switch format {
			case "qdc":
				return coding.ExportQDC(book, w)
			case "md":
				lang := book.Language
				if lang == "" {
					lang = "nl"
				}
				return coding.ExportMarkdown(book, lang, w)
			default:
				return usageError{fmt.Errorf("unknown --format %q: use qdc or md", format)}
			}
		},
	}
	export.Flags().StringVar(&format, "format", "qdc", "qdc (REFI-QDA codebook) or md (Markdown)")
	export.Flags().StringVarP(&out, "output", "o", "", "write to this file instead of stdout")

	imp := &cobra.Command{
		Use:   "import FILE.qdc|FILE.dic",
		Short: "Convert a REFI-QDA codebook or a LIWC/quanteda dictionary to veldstem YAML (stdout)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var book *coding.Codebook
			var err error
			switch strings.ToLower(filepath.Ext(args[0])) {
			case ".qdc":
				book, err = coding.ImportQDC(args[0])
			case ".dic":
				book, err = coding.ImportDic(args[0])
			default:
				return usageError{fmt.Errorf("%s: unknown codebook type — give a .qdc or .dic file", args[0])}
			}
			if err != nil {
				return err
			}
			return writeCodebookYAML(book, e.stdout)
		},
	}
	cb.AddCommand(check, export, imp)
	return cb
}

// codebookPath is the codebook a command works on: its argument, or the
// config's codebook.
func (e *env) codebookPath(cmd *cobra.Command, args []string) (string, error) {
	if len(args) == 1 {
		return args[0], nil
	}
	cfg, err := e.loadConfig(cmd)
	if err != nil {
		return "", err
	}
	return cfg.Codebook, nil
}

func storedUnits(cmd *cobra.Command, e *env) ([]study.Unit, error) {
	_, st, err := e.openStore(cmd)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var units []study.Unit
	err = st.Units(cmd.Context(), func(u study.Unit) error {
		if !u.Context {
			units = append(units, u)
		}
		return nil
	})
	return units, err
}

// codeResult is the stable JSON shape of 'veldstem code --json'.
type codeResult struct {
	Codes   []string    `json:"codes"`
	Matches []codeMatch `json:"matches"`
}

type codeMatch struct {
	Code    string `json:"code"`
	Term    string `json:"term"`
	Start   int    `json:"start"`
	End     int    `json:"end"`
	Negated bool   `json:"negated"`
}

func (e *env) codeCommand() *cobra.Command {
	var codebookPath, text string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "code [--codebook FILE] [--text \"...\"] [--json]",
		Short: "Code a text (or one unit per line of stdin) and show which codes it gets and why",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if codebookPath == "" {
				cfg, err := e.loadConfig(cmd)
				if err != nil {
					return err
				}
				codebookPath = cfg.Codebook
			}
			book, err := coding.Load(codebookPath)
			if err != nil {
				return err
			}
			coder, err := coding.Compile(book)
			if err != nil {
				return err
			}
			var lines []string
			if cmd.Flags().Changed("text") {
				lines = []string{text}
			} else {
				sc := bufio.NewScanner(e.stdin)
				sc.Buffer(make([]byte, 1<<20), 16<<20)
				for sc.Scan() {
					lines = append(lines, sc.Text())
				}
				if err := sc.Err(); err != nil {
					return err
				}
			}
			for i, line := range lines {
				u := study.Unit{ID: fmt.Sprintf("stdin/%d", i+1), Text: line, Lang: coding.DetectLanguage(line)}
				c := coder.Code(u, nil)
				res := codeResult{Codes: c.Codes, Matches: []codeMatch{}}
				if res.Codes == nil {
					res.Codes = []string{}
				}
				for _, m := range c.Matches {
					res.Matches = append(res.Matches, codeMatch{Code: m.Code, Term: m.Term, Start: m.Span.Start, End: m.Span.End, Negated: m.Negated})
				}
				if asJSON {
					b, err := json.Marshal(res)
					if err != nil {
						return err
					}
					fmt.Fprintln(e.stdout, string(b))
					continue
				}
				if len(lines) > 1 {
					fmt.Fprintf(e.stdout, "%d: %s\n", i+1, oneLine(line, 80))
				}
				if len(res.Codes) == 0 {
					fmt.Fprintln(e.stdout, "  (no codes)")
				} else {
					fmt.Fprintf(e.stdout, "  codes: %s\n", strings.Join(res.Codes, ", "))
				}
				for _, m := range res.Matches {
					neg := ""
					if m.Negated {
						neg = " (negated)"
					}
					fmt.Fprintf(e.stdout, "  %-14s %-28q at %d-%d %q%s\n", m.Code, m.Term, m.Start, m.End, safeSlice(line, m.Start, m.End), neg)
				}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&codebookPath, "codebook", "", "codebook YAML (default: the config's)")
	cmd.Flags().StringVar(&text, "text", "", "the text to code (default: one unit per line of stdin)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per input line")
	return cmd
}

func safeSlice(s string, a, b int) string {
	if a < 0 || b > len(s) || a > b {
		return ""
	}
	return s[a:b]
}

func (e *env) validateCommand() *cobra.Command {
	var gold, second string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "validate --gold FILE [--second FILE]",
		Short: "Compare the auto-coding (or a second coder) with a human-coded sample",
		Long: `validate compares veldstem's codings in the store with the human codes in
--gold (unit_id plus one 0/1 column per code, or a 'codes' column): Cohen's
kappa, Krippendorff's alpha, precision, recall and F1 per code and overall,
and lists the disagreements. With --second it compares two human coders
(inter-coder reliability) instead. Run 'veldstem run' first.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, st, err := e.openStore(cmd)
			if err != nil {
				return err
			}
			defer st.Close()
			if gold == "" {
				gold = cfg.Validation.Gold
			}
			if gold == "" {
				return usageError{fmt.Errorf("give --gold FILE or set validation.gold in %s", cfg.File)}
			}
			book, err := coding.Load(cfg.Codebook)
			if err != nil {
				return err
			}
			pz, err := privacy.New(privacy.Options{KeyFile: cfg.Privacy.KeyFile, Names: cfg.Privacy.Names, NamesFile: cfg.Privacy.NamesFile})
			if err != nil {
				return err
			}
			codes := run.CodeInfos(book)
			b, covered, err := run.ReadGold(gold, codes, pz)
			if err != nil {
				return err
			}
			var units []study.Unit
			if err := st.Units(cmd.Context(), func(u study.Unit) error { units = append(units, u); return nil }); err != nil {
				return err
			}
			coderA, a := "veldstem", map[string][]string{}
			if second != "" {
				coderA = "second"
				if a, _, err = run.ReadGold(second, codes, pz); err != nil {
					return err
				}
			} else if err := st.Codings(cmd.Context(), book.Hash, func(c study.Coding) error { a[c.UnitID] = c.Codes; return nil }); err != nil {
				return err
			}
			ag := analysis.Agree(coderA, "gold", a, b, units, analysis.CoveredCodes(codes, covered))
			if asJSON {
				return writeJSON(e, ag)
			}
			printAgreement(e, ag)
			return nil
		},
	}
	cmd.Flags().StringVar(&gold, "gold", "", "human-coded CSV (default: validation.gold)")
	cmd.Flags().StringVar(&second, "second", "", "a second human coder's CSV, compared with --gold")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func printAgreement(e *env, ag analysis.Agreement) {
	w := e.stdout
	fmt.Fprintf(w, "%s vs %s\n", ag.CoderA, ag.CoderB)
	fmt.Fprintf(w, "%-16s %7s %7s %7s %9s %7s %7s\n", "code", "units", "kappa", "alpha", "precision", "recall", "F1")
	rows := append(append([]analysis.AgreementRow{}, ag.Rows...), ag.Overall)
	for _, r := range rows {
		name := r.Code
		if name == "" {
			name = "(overall)"
		}
		fmt.Fprintf(w, "%-16s %7d %7.3f %7.3f %9.3f %7.3f %7.3f\n", name, r.NUnits, r.Kappa, r.Alpha, r.Precision, r.Recall, r.F1)
	}
	if len(ag.Disagreements) > 0 {
		fmt.Fprintf(w, "\n%d disagreements:\n", len(ag.Disagreements))
		for _, d := range ag.Disagreements {
			fmt.Fprintf(w, "  %s %s %s=%v %s=%v: %s\n", d.UnitID, d.Code, ag.CoderA, d.A, ag.CoderB, d.B, oneLine(d.Text, 100))
		}
	}
}

func (e *env) privacyCommand() *cobra.Command {
	p := &cobra.Command{Use: "privacy", Short: "Check inputs for personal data"}
	var asJSON bool
	scan := &cobra.Command{
		Use:   "scan FILE...",
		Short: "Count the kinds of personal data in input files (never printing the values)",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pz, err := privacy.New(privacy.Options{KeyFile: filepath.Join(os.TempDir(), "veldstem-scan-key")})
			if err != nil {
				return err
			}
			type fileScan struct {
				File        string         `json:"file"`
				Respondents int            `json:"respondents"`
				Texts       int            `json:"texts"`
				Counts      map[string]int `json:"counts"`
			}
			var all []fileScan
			for _, path := range args {
				fs := fileScan{File: path, Counts: map[string]int{}}
				_, err := ingest.Read(path, config.Source{}, func(r study.Respondent, us []study.Unit) error {
					var known []string
					for _, u := range us {
						if u.Speaker != "" && len(u.Speaker) > 3 {
							known = append(known, u.Speaker)
						}
					}
					fs.Respondents++
					for _, u := range us {
						fs.Texts++
						for k, n := range pz.Scan(u.Text, known) {
							fs.Counts[string(k)] += n
						}
					}
					keys := make([]string, 0, len(r.Closed))
					for k := range r.Closed {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					for _, k := range keys {
						fs.Texts++
						for kind, n := range pz.Scan(r.Closed[k], nil) {
							fs.Counts[string(kind)] += n
						}
					}
					return nil
				})
				if err != nil {
					return err
				}
				all = append(all, fs)
			}
			if asJSON {
				return writeJSON(e, all)
			}
			for _, fs := range all {
				fmt.Fprintf(e.stdout, "%s: %d respondents, %d texts and cells scanned\n", fs.File, fs.Respondents, fs.Texts)
				if len(fs.Counts) == 0 {
					fmt.Fprintln(e.stdout, "  no personal data found")
				}
				for _, k := range privacy.Kinds() {
					if n := fs.Counts[string(k)]; n > 0 {
						fmt.Fprintf(e.stdout, "  %-16s %d\n", k, n)
					}
				}
			}
			return nil
		},
	}
	scan.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	p.AddCommand(scan)
	return p
}
