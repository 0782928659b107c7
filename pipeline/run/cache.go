package run

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"os"
	"path/filepath"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/report"
	"github.com/veldstem/veldstem/pipeline/store"
)

// The report cache lets a rerun with nothing new skip analysis and report
// rendering, which are most of a run's time on a national survey. Reports
// are a pure function of the store's content (itself a function of the
// input files' bytes, the fingerprint and the codebook), the whole config
// (output, quotes, analysis, validation settings), the gold files and
// veldstem's version. The cache records a hash of all of that together with
// the checksums of the reports it produced; when the hash is unchanged and
// every report on disk still has its recorded checksum, only manifest.json
// (which carries the run time) is written again. Anything else — a cache
// file missing or unreadable, a report edited or deleted — falls back to a
// full rendering, so the cache can only save time, never change output.

// reportCacheVersion changes whenever what goes into the key changes.
const reportCacheVersion = "veldstem/report-cache/v1"

// reportCache is the file next to the store that records the last rendering.
type reportCache struct {
	Key          string                `json:"key"`
	Respondents  int                   `json:"respondents"`
	Units        int                   `json:"units"`
	Codings      int                   `json:"codings"`
	CodesApplied int                   `json:"codes_applied"`
	Outputs      []report.ManifestFile `json:"outputs"` // without manifest.json
	// Segments says where each input file's part of codings.csv,
	// project.qdpx and the workbook's Codings sheet lies, for the next run
	// to copy unchanged parts.
	Segments *report.Segments `json:"segments,omitempty"`
}

func reportCachePath(cfg *config.Config) string {
	return cfg.Store.Path + ".reports.json"
}

// reportKey hashes everything the report bodies depend on. The store's file
// list (read after this run stored its changes) stands for the store's
// content: units come only from those files' bytes under fingerprint, and
// codings from those units under the codebook.
func reportKey(ctx context.Context, cfg *config.Config, st *store.Store, fingerprint, codebookHash, version string) (string, error) {
	h := sha256.New()
	field := func(s string) { keyField(h, s) }
	if err := keySettings(h, cfg, fingerprint, codebookHash, version); err != nil {
		return "", err
	}
	files, err := st.Files(ctx)
	if err != nil {
		return "", err
	}
	for _, f := range files {
		field(f.Source)
		field(f.Path)
		field(f.SHA256)
	}
	for _, p := range []string{cfg.Validation.Gold, cfg.Validation.Second} {
		if p == "" {
			field("")
			continue
		}
		sum, _, err := hashFile(p)
		if err != nil {
			// Let the analysis report the unreadable gold file properly.
			return "", nil
		}
		field(sum)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// keyField writes s to a key's hash, length first so fields cannot run
// into each other.
func keyField(h hash.Hash, s string) { fmt.Fprintf(h, "%d:%s\n", len(s), s) }

// keySettings writes what every report depends on besides the stored files
// and gold files: the key's format, veldstem's version, the fingerprint,
// the codebook and the whole config.
func keySettings(h hash.Hash, cfg *config.Config, fingerprint, codebookHash, version string) error {
	cj, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	for _, s := range []string{reportCacheVersion, version, fingerprint, codebookHash, string(cj)} {
		keyField(h, s)
	}
	return nil
}

// partKeys names each stored file's part of the unit-level reports with a
// hash of everything that part depends on: reportKey's settings, with the
// one file in place of the file list. The parts follow the store's file
// order, which is the units' order.
func partKeys(cfg *config.Config, files []store.FileRecord, fingerprint, codebookHash, version string) ([]report.Part, error) {
	common := sha256.New()
	if err := keySettings(common, cfg, fingerprint, codebookHash, version); err != nil {
		return nil, err
	}
	keyField(common, "part")
	base := common.Sum(nil)
	parts := make([]report.Part, 0, len(files))
	for _, f := range files {
		h := sha256.New()
		h.Write(base)
		keyField(h, f.Source)
		keyField(h, f.Path)
		keyField(h, f.SHA256)
		parts = append(parts, report.Part{Source: f.Source, File: f.Path, Key: hex.EncodeToString(h.Sum(nil))})
	}
	return parts, nil
}

// loadSegments returns the last rendering's record of the parts, whatever
// its key: report.Write checks each part's key and the file's checksum.
func loadSegments(cfg *config.Config) *report.Segments {
	b, err := os.ReadFile(reportCachePath(cfg))
	if err != nil {
		return nil
	}
	var c reportCache
	if json.Unmarshal(b, &c) != nil {
		return nil
	}
	return c.Segments
}

// loadReportCache returns the cache when its key is key and every report it
// lists is on disk with the recorded checksum; otherwise nil.
func loadReportCache(cfg *config.Config, key string) *reportCache {
	if key == "" {
		return nil
	}
	b, err := os.ReadFile(reportCachePath(cfg))
	if err != nil {
		return nil
	}
	var c reportCache
	if json.Unmarshal(b, &c) != nil || c.Key != key || len(c.Outputs) == 0 {
		return nil
	}
	for _, f := range c.Outputs {
		sum, size, err := hashFile(filepath.Join(cfg.Output.Dir, f.Path))
		if err != nil || sum != f.SHA256 || size != f.Bytes {
			return nil
		}
	}
	return &c
}

// saveReportCache records a rendering. It is written after the reports, so
// a run killed in between leaves either no cache or the previous one, whose
// checksums no longer match the new reports: the next run renders again.
func saveReportCache(cfg *config.Config, c *reportCache) error {
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	path := reportCachePath(cfg)
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// removeReportCache forgets the last rendering before reports are
// rewritten, so a run that fails halfway cannot leave a cache that vouches
// for a mix of old and new reports.
func removeReportCache(cfg *config.Config) error {
	err := os.Remove(reportCachePath(cfg))
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
