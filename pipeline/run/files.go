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
	"sync/atomic"

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

// Reading and storing inputs streams (issue 10), in two phases:
//
//  1. checkFiles reads every new or changed file through (ingest.Stream),
//     checking everything and keeping only each file's unit IDs (in the
//     store's Claims, a temporary table on disk) and transcript speaker
//     labels. Every problem of every file is listed and nothing is stored if
//     there is one; units two files contribute are refused here too.
//  2. storeFiles reads each file again (ingest.StreamChecked: the bytes must
//     still be the ones planFiles hashed, and what only other bytes could
//     fail is not checked again), pseudonymizes it in batches and
//     stores the batches in one transaction per file (store.FileTx). A
//     file the store has never seen is coded on the way (fusedCoder): its
//     units all need coding, and coding them here, while the previous batch
//     is written, saves reading them back and uses the second core, which
//     storing alone leaves mostly idle. Known files' units are coded
//     afterwards by codeNewUnits, which codes only what changed.
//
// Memory stays at a few batches whatever the corpus size. The price is
// reading each file twice (the CSV parse is ~5% of the phase); the
// alternative, storing while checking and rolling back on a problem, needs
// one transaction over all files and still pseudonymizes a file that turns
// out to be bad, and it could not list a conflict before writing.

// checkedFile is a file that phase 1 found readable.
type checkedFile struct {
	file     inputFile
	known    []string // speaker labels that are names, see speakerNames
	encoding string   // what the check found, for StreamChecked
}

// storeBatch is how many units phase 2 pseudonymizes and stores at a time.
const storeBatch = 2048

// checkFiles reads and checks files, collecting every file's problems
// before giving up, so the user sees them all at once; then refuses units
// two files contribute (checkConflicts).
func checkFiles(ctx context.Context, cfg *config.Config, st *store.Store, plan *filePlan, pz *privacy.Pseudonymizer, opts Options) ([]checkedFile, error) {
	claims, err := st.NewClaims(ctx)
	if err != nil {
		return nil, err
	}
	defer claims.Close()
	var out []checkedFile
	var problems []error
	bar := opts.Progress.Start("reading files", len(plan.toRead))
	defer bar.Done()
	for _, f := range plan.toRead {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		me, err := claims.Leaving(store.FileKey{Source: f.source.Name, Path: f.rel})
		if err != nil {
			return nil, err
		}
		var speakers []string
		seen := map[string]bool{}
		cl := newClaimer(claims, me, pz)
		info, err := ingest.Stream(f.abs, f.source, func(r study.Respondent, us []study.Unit) error {
			for _, u := range us {
				if u.Speaker != "" && !seen[u.Speaker] {
					seen[u.Speaker] = true
					speakers = append(speakers, u.Speaker)
				}
			}
			return cl.add(f.source.Name, us)
		})
		// The store failed, not the file.
		if claimErr := cl.close(); claimErr != nil {
			return nil, claimErr
		}
		bar.Add(1)
		if err != nil {
			// Problems quote cell values so the user can find them; they go
			// to stderr and cron mail, so they pass the same gate as the data.
			problems = append(problems, errors.New(pz.Text(err.Error(), nil)))
			continue
		}
		opts.Log.Debug("read file", "file", f.rel, "respondents", info.Respondents, "units", info.Units)
		out = append(out, checkedFile{file: f, known: speakerNames(speakers, pz), encoding: info.Encoding})
	}
	if len(problems) > 0 {
		return nil, &InputError{Problems: problems}
	}
	for _, f := range plan.removed {
		if _, err := claims.Leaving(store.FileKey{Source: f.Source, Path: f.Path}); err != nil {
			return nil, err
		}
	}
	if err := checkConflicts(claims); err != nil {
		return nil, err
	}
	return out, nil
}

// claimer claims the units' IDs (the IDs they will have once
// pseudonymized, as pz.Unit gives them) in a goroutine of its own, while
// the file is parsed: the pseudonymous respondent IDs and the claims'
// inserts were half of the check pass, which otherwise runs on one core.
type claimer struct {
	ch     chan []claimUnit
	done   chan error
	failed atomic.Bool
	batch  []claimUnit
}

// claimUnit is what a unit's ID is made of (study.MakeUnitID).
type claimUnit struct {
	source, respondent, question string
	seq                          int
}

// errClaimsFailed stops the parse when claiming failed; close returns the
// store's error.
var errClaimsFailed = errors.New("run: claiming unit IDs failed")

const claimBatch = 1024

func newClaimer(claims *store.Claims, me int, pz *privacy.Pseudonymizer) *claimer {
	c := &claimer{ch: make(chan []claimUnit, 4), done: make(chan error, 1)}
	go func() {
		var err error
		for batch := range c.ch {
			for _, cu := range batch {
				if err != nil {
					break
				}
				u := study.Unit{Source: cu.source, Respondent: pz.RespondentID(cu.source, cu.respondent), Question: cu.question, Seq: cu.seq}
				if err = claims.Add(me, study.MakeUnitID(u)); err != nil {
					c.failed.Store(true)
				}
			}
		}
		c.done <- err
	}()
	return c
}

// add queues the units of one respondent for claiming under source.
func (c *claimer) add(source string, us []study.Unit) error {
	if c.failed.Load() {
		return errClaimsFailed
	}
	for _, u := range us {
		c.batch = append(c.batch, claimUnit{source, u.Respondent, u.Question, u.Seq})
	}
	if len(c.batch) >= claimBatch {
		c.ch <- c.batch
		c.batch = make([]claimUnit, 0, claimBatch)
	}
	return nil
}

// close claims what is queued and returns the store's error, if any.
func (c *claimer) close() error {
	if len(c.batch) > 0 {
		c.ch <- c.batch
	}
	close(c.ch)
	return <-c.done
}

// speakerNames lists the speaker labels of a transcript that are names, so
// privacy replaces them wherever they occur in the text too ("Ole" speaks,
// the interviewer thanks Ole). Role labels (Interviewer, R, Int 2) are left
// out: they are the labels privacy keeps as they are. Short labels count
// too, since short names are names.
func speakerNames(labels []string, pz *privacy.Pseudonymizer) []string {
	var out []string
	for _, l := range labels {
		if pz.Unit(study.Unit{Speaker: l}, nil).Speaker == l {
			continue
		}
		out = append(out, l)
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

// storeFiles removes the files that are gone and stores the checked ones.
func storeFiles(ctx context.Context, st *store.Store, plan *filePlan, checked []checkedFile, pz *privacy.Pseudonymizer, fc *fusedCoder, sum *Summary, opts Options) error {
	for _, f := range plan.removed {
		n, err := st.RemoveFile(ctx, f.Source, f.Path)
		if err != nil {
			return err
		}
		opts.Log.Info("input file removed; its units leave the analysis", "source", f.Source, "file", f.Path, "units", n)
	}
	bar := opts.Progress.Start("storing files", len(checked))
	defer bar.Done()
	for _, cf := range checked {
		code := fc
		if cf.file.known {
			code = nil
		}
		if err := storeFile(ctx, st, cf, pz, code, opts); err != nil {
			return err
		}
		bar.Add(1)
	}
	sum.FilesNew, sum.FilesChanged, sum.FilesRemoved = plan.new, plan.changed, len(plan.removed)
	sum.FilesUnchanged = len(plan.all) - plan.new - plan.changed
	return nil
}

// fileBatch is a batch of one file's respondents and units, pseudonymized,
// and, when the file is coded while stored, the codings of its units.
type fileBatch struct {
	respondents []study.Respondent
	units       []study.Unit
	codings     []study.Coding
}

// fusedCoder codes new files while they are stored (see storeFiles).
type fusedCoder struct {
	coder        *coding.Coder
	codebookHash string
	coded        int // units coded so far
}

// code codes b's units that are coded at all (not context), looking up
// closed answers among b's respondents: a respondent always comes in the
// same batch as its units.
func (fc *fusedCoder) code(b *fileBatch, scratch *[]study.Unit) {
	units := (*scratch)[:0]
	for _, u := range b.units {
		if !u.Context {
			units = append(units, u)
		}
	}
	var lookup func(study.Unit) *study.Respondent
	if fc.coder.UsesRespondents() {
		byID := make(map[string]*study.Respondent, len(b.respondents))
		for i := range b.respondents {
			byID[b.respondents[i].ID] = &b.respondents[i]
		}
		lookup = func(u study.Unit) *study.Respondent { return byID[u.Respondent] }
	}
	// The reader left the units' languages to the coder, which tells them
	// from the tokens it reads anyway; they go back to the batch for the
	// store.
	b.codings = fc.coder.CodeAllDetecting(units, lookup)
	j := 0
	for i := range b.units {
		if !b.units[i].Context {
			b.units[i].Lang = units[j].Lang
			j++
		}
	}
	clear(units) // holds no texts until the next batch
	*scratch = units
}

// storeFile streams one checked file into the store in one transaction.
// Reading and pseudonymizing run in one goroutine, coding (when fc is not
// nil) in a second and storing in a third, each at most a batch or two
// apart, so both cores work.
func storeFile(ctx context.Context, st *store.Store, cf checkedFile, pz *privacy.Pseudonymizer, fc *fusedCoder, opts Options) error {
	f := cf.file
	ft, err := st.BeginFile(ctx, store.FileRecord{Source: f.source.Name, Path: f.rel, SHA256: f.sha256, Size: f.size})
	if err != nil {
		return err
	}
	defer ft.Rollback()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan fileBatch, 1)
	readErr := make(chan error, 1)
	// free takes back the slices of stored batches, so a national file's
	// batches reuse a few instead of each growing its own: they were a
	// seventh of what a run allocated, and the collector's work grows
	// with that.
	free := make(chan fileBatch, 3)
	go func() {
		defer close(batches)
		var b fileBatch
		send := func() error {
			select {
			case batches <- b:
				select {
				case b = <-free:
				default:
					b = fileBatch{}
				}
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		// The bytes stored are the ones planFiles hashed (the hash the store
		// records), or the file's transaction is rolled back. A repeated
		// respondent ID could only come from bytes the check did not read,
		// and the store refuses it anyway (INSERT OR FAIL).
		chk := ingest.Checked{Encoding: cf.encoding, SHA256: f.sha256}
		_, err := ingest.StreamChecked(f.abs, f.source, chk, func(r study.Respondent, us []study.Unit) error {
			r.File, r.Source = f.rel, f.source.Name
			if r.Wave == "" {
				r.Wave = f.source.Wave
			}
			b.respondents = append(b.respondents, pz.Respondent(r))
			for _, u := range us {
				u.File, u.Source = f.rel, f.source.Name
				u = pz.Unit(u, cf.known)
				if !u.Context && u.Lang == "" && fc == nil {
					u.Lang = coding.DetectLanguage(u.Text) // else the coder tells it
				}
				b.units = append(b.units, u)
			}
			if len(b.units) >= storeBatch {
				return send()
			}
			return nil
		})
		if err == nil && (len(b.respondents) > 0 || len(b.units) > 0) {
			err = send()
		}
		readErr <- err
	}()
	toStore := batches
	if fc != nil {
		coded := make(chan fileBatch, 1)
		go func() {
			defer close(coded)
			var scratch []study.Unit
			for b := range batches {
				fc.code(&b, &scratch)
				select {
				case coded <- b:
				case <-ctx.Done():
					// Drain so the reader, blocked on sending, sees ctx.
					for range batches {
					}
					return
				}
			}
		}()
		toStore = coded
	}
	var addErr error
	respondents, units, codedHere := 0, 0, 0
	for b := range toStore {
		if addErr != nil {
			continue
		}
		respondents += len(b.respondents)
		units += countCoded(b.units)
		addErr = ft.Add(b.respondents, b.units)
		if addErr == nil && fc != nil {
			addErr = ft.SaveCodings(fc.codebookHash, b.codings)
			codedHere += len(b.codings)
		}
		if addErr != nil {
			cancel()
			continue
		}
		checkpoint("store-batch")
		// The store keeps no slice of a batch (strings it may), so the
		// reader can fill these again; cleared, they hold no texts.
		clear(b.respondents)
		clear(b.units)
		select {
		case free <- fileBatch{respondents: b.respondents[:0], units: b.units[:0]}:
		default:
		}
	}
	if err := <-readErr; err != nil && addErr == nil {
		// The file passed phase 1, so it changed since (or could not be
		// opened again); this file's transaction is rolled back.
		return &InputError{Problems: []error{fmt.Errorf("%s changed while it was being read; run again: %s", f.rel, pz.Text(err.Error(), nil))}}
	}
	if addErr != nil {
		return addErr
	}
	diff, err := ft.Commit()
	if err != nil {
		return err
	}
	if fc != nil {
		fc.coded += codedHere
	}
	opts.Log.Info("stored file", "file", f.rel, "respondents", respondents, "units", units,
		"new", diff.New, "changed", diff.Changed, "unchanged", diff.Unchanged, "removed", diff.Removed)
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

// ingestFiles is the ingest+store phase of Run: checkFiles then storeFiles.
func ingestFiles(ctx context.Context, cfg *config.Config, st *store.Store, plan *filePlan, pz *privacy.Pseudonymizer, fc *fusedCoder, sum *Summary, opts Options) error {
	checked, err := checkFiles(ctx, cfg, st, plan, pz, opts)
	if err != nil {
		return err
	}
	checkpoint("read")
	return storeFiles(ctx, st, plan, checked, pz, fc, sum, opts)
}
