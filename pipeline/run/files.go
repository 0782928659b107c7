package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/veldstem/veldstem/pipeline/coding"
	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/ingest"
	"github.com/veldstem/veldstem/pipeline/privacy"
	"github.com/veldstem/veldstem/pipeline/store"
	"github.com/veldstem/veldstem/pipeline/study"
)

// inputFile is one file of one source as found on disk now.
type inputFile struct {
	source config.Source
	abs    string // absolute path, for reading
	rel    string // path relative to the config folder, for the store and reports
	sha256 string
	size   int64
	known  bool // the store has this file (possibly with another hash)
}

// filePlan says what each file needs: read (new or changed), keep, or
// remove from the store.
type filePlan struct {
	all     []inputFile // every file present now, in config then path order
	toRead  []inputFile
	removed []store.FileRecord
	changed int
	new     int
}

func planFiles(ctx context.Context, cfg *config.Config, st *store.Store, full bool) (*filePlan, error) {
	known, err := st.Files(ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string]store.FileRecord{}
	for _, f := range known {
		byKey[f.Source+"\x00"+f.Path] = f
	}
	plan := &filePlan{}
	present := map[string]bool{}
	for _, src := range cfg.Sources {
		paths, err := sourceFiles(src)
		if err != nil {
			return nil, err
		}
		for _, p := range paths {
			sum, size, err := hashFile(p)
			if err != nil {
				return nil, fmt.Errorf("%s: %w — check the file is readable", p, err)
			}
			f := inputFile{source: src, abs: p, rel: cfg.Rel(p), sha256: sum, size: size}
			key := src.Name + "\x00" + f.rel
			present[key] = true
			old, ok := byKey[key]
			f.known = ok
			plan.all = append(plan.all, f)
			switch {
			case !ok:
				plan.new++
				plan.toRead = append(plan.toRead, f)
			case old.SHA256 != sum:
				plan.changed++
				plan.toRead = append(plan.toRead, f)
			case full:
				plan.toRead = append(plan.toRead, f)
			}
		}
	}
	for _, f := range known {
		if !present[f.Source+"\x00"+f.Path] {
			plan.removed = append(plan.removed, f)
		}
	}
	return plan, nil
}

// sourceFiles expands a source's path glob, leaving out the participants
// sidecar and hidden files, sorted for a stable order.
func sourceFiles(src config.Source) ([]string, error) {
	matches, err := filepath.Glob(src.Path)
	if err != nil {
		return nil, fmt.Errorf("source %s: bad path %q: %w", src.Name, src.Path, err)
	}
	var out []string
	for _, m := range matches {
		if m == src.Participants || strings.HasPrefix(filepath.Base(m), ".") || strings.HasPrefix(filepath.Base(m), "~$") {
			continue
		}
		if fi, err := os.Stat(m); err != nil || fi.IsDir() {
			continue
		}
		out = append(out, m)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return nil, fmt.Errorf("source %s: no file matches %s — check sources[].path in the config", src.Name, src.Path)
	}
	return out, nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// fileContent is one file read, pseudonymized and ready for the store.
type fileContent struct {
	file        inputFile
	respondents []study.Respondent
	units       []study.Unit
}

// readFiles reads and pseudonymizes files, collecting every file's problems
// before giving up, so the user sees them all at once.
func readFiles(ctx context.Context, cfg *config.Config, files []inputFile, pz *privacy.Pseudonymizer, opts Options) ([]fileContent, error) {
	var out []fileContent
	var problems []error
	bar := opts.Progress.Start("reading files", len(files))
	defer bar.Done()
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		fc := fileContent{file: f}
		var raw []study.Respondent
		var rawUnits [][]study.Unit
		_, err := ingest.Read(f.abs, f.source, func(r study.Respondent, us []study.Unit) error {
			raw = append(raw, r)
			rawUnits = append(rawUnits, us)
			return nil
		})
		if err != nil {
			// Problems quote cell values so the user can find them; they go
			// to stderr and cron mail, so they pass the same gate as the data.
			problems = append(problems, errors.New(pz.Text(err.Error(), nil)))
			bar.Add(1)
			continue
		}
		known := speakerNames(rawUnits, pz)
		for i, r := range raw {
			r.File, r.Source = f.rel, f.source.Name
			if r.Wave == "" {
				r.Wave = f.source.Wave
			}
			fc.respondents = append(fc.respondents, pz.Respondent(r))
			for _, u := range rawUnits[i] {
				u.File, u.Source = f.rel, f.source.Name
				u = pz.Unit(u, known)
				if !u.Context && u.Lang == "" {
					u.Lang = coding.DetectLanguage(u.Text)
				}
				fc.units = append(fc.units, u)
			}
		}
		opts.Log.Debug("read file", "file", f.rel, "respondents", len(fc.respondents), "units", len(fc.units))
		out = append(out, fc)
		bar.Add(1)
	}
	if len(problems) > 0 {
		return nil, &InputError{Problems: problems}
	}
	return out, nil
}

// speakerNames lists the speaker labels of a transcript that are names, so
// privacy replaces them wherever they occur in the text too ("Ole" speaks,
// the interviewer thanks Ole). Role labels (Interviewer, R, Int 2) are left
// out: they are the labels privacy keeps as they are. Short labels count
// too, since short names are names.
func speakerNames(units [][]study.Unit, pz *privacy.Pseudonymizer) []string {
	seen := map[string]bool{}
	var out []string
	for _, us := range units {
		for _, u := range us {
			if u.Speaker == "" || seen[u.Speaker] {
				continue
			}
			seen[u.Speaker] = true
			if pz.Unit(study.Unit{Speaker: u.Speaker}, nil).Speaker == u.Speaker {
				continue
			}
			out = append(out, u.Speaker)
		}
	}
	sort.Strings(out)
	return out
}

// InputError lists the problems of every input file that could not be read.
type InputError struct{ Problems []error }

func (e *InputError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d input file(s) could not be read; nothing was stored and the reports were not changed:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n")
		b.WriteString(p.Error())
	}
	return b.String()
}

func storeFiles(ctx context.Context, st *store.Store, plan *filePlan, read []fileContent, sum *Summary, opts Options) error {
	if err := checkConflicts(ctx, st, plan, read); err != nil {
		return err
	}
	for _, f := range plan.removed {
		n, err := st.RemoveFile(ctx, f.Source, f.Path)
		if err != nil {
			return err
		}
		opts.Log.Info("input file removed; its units leave the analysis", "source", f.Source, "file", f.Path, "units", n)
	}
	for _, fc := range read {
		rec := store.FileRecord{Source: fc.file.source.Name, Path: fc.file.rel, SHA256: fc.file.sha256, Size: fc.file.size,
			Respondents: len(fc.respondents), Units: countCoded(fc.units)}
		diff, err := st.ReplaceFile(ctx, rec, fc.respondents, fc.units)
		if err != nil {
			return err
		}
		opts.Log.Info("stored file", "file", fc.file.rel, "new", diff.New, "changed", diff.Changed, "unchanged", diff.Unchanged, "removed", diff.Removed)
	}
	sum.FilesNew, sum.FilesChanged, sum.FilesRemoved = plan.new, plan.changed, len(plan.removed)
	sum.FilesUnchanged = len(plan.all) - plan.new - plan.changed
	return nil
}

func countCoded(us []study.Unit) int {
	n := 0
	for _, u := range us {
		if !u.Context {
			n++
		}
	}
	return n
}

// Fingerprint hashes everything besides the input files that changes what
// ingest and privacy produce: the resolved config, the names file, the
// participants sidecars, the privacy key and veldstem's version. When it
// differs from the last successful run, every file is read again (units
// whose content is unchanged keep their codings).
func Fingerprint(cfg *config.Config, version string) (string, error) {
	h := sha256.New()
	// Only what shapes stored units counts: output, quotes or validation
	// settings change reports, which are rebuilt on every run anyway.
	b, err := json.Marshal(struct {
		Language string
		Sources  []config.Source
		Privacy  config.Privacy
	}{cfg.Study.Language, relSources(cfg), relPrivacy(cfg)})
	if err != nil {
		return "", err
	}
	h.Write(b)
	h.Write([]byte("\x00" + version + "\x00"))
	extra := []string{cfg.Privacy.NamesFile, cfg.Privacy.KeyFile}
	for _, s := range cfg.Sources {
		extra = append(extra, s.Participants)
	}
	for _, p := range extra {
		if p == "" {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("%s: %w", p, err)
		}
		sum := sha256.Sum256(data)
		h.Write(sum[:])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// lastFingerprint is the fingerprint of the newest successful run, or "".
func lastFingerprint(ctx context.Context, st *store.Store) string {
	runs, err := st.Runs(ctx, 50)
	if err != nil {
		return ""
	}
	for _, r := range runs {
		if r.Status == "ok" {
			return r.ConfigHash
		}
	}
	return ""
}

// relSources and relPrivacy give paths relative to the config folder, so
// moving a study's folder does not make every file look changed.
func relSources(cfg *config.Config) []config.Source {
	out := make([]config.Source, len(cfg.Sources))
	for i, s := range cfg.Sources {
		s.Path, s.Participants = cfg.Rel(s.Path), relOrEmpty(cfg, s.Participants)
		out[i] = s
	}
	return out
}

func relPrivacy(cfg *config.Config) config.Privacy {
	p := cfg.Privacy
	p.KeyFile, p.NamesFile = relOrEmpty(cfg, p.KeyFile), relOrEmpty(cfg, p.NamesFile)
	return p
}

func relOrEmpty(cfg *config.Config, p string) string {
	if p == "" {
		return ""
	}
	return cfg.Rel(p)
}
