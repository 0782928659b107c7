package run

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/veldstem/veldstem/pipeline/config"
)

// The kill test re-runs this test binary as a child that runs the pipeline
// and SIGKILLs itself at a checkpoint (or is killed from outside after a
// delay), then checks that the next run completes with reports equal to an
// uninterrupted run's.
func TestMain(m *testing.M) {
	if dir := os.Getenv("KILLTEST_DIR"); dir != "" {
		os.Exit(killChild(dir, os.Getenv("KILLTEST_POINT")))
	}
	os.Exit(m.Run())
}

func killChild(dir, point string) int {
	cfg, err := loadConfigErr(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	codeBatch = 5 // many batches, so "coding-batch" kills mid-coding
	checkpointHook = func(p string) {
		if p == point {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			time.Sleep(time.Second)
		}
	}
	if _, err := Run(context.Background(), cfg, Options{Wait: true, WaitTimeout: time.Minute}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

func TestKilledRunIsCompletedByTheNextRun(t *testing.T) {
	// b.csv is new to the killed run, so it is coded while it is stored
	// (fusedCoder), while the changed a.csv is coded by codeNewUnits: the
	// reports must equal those of a run that coded both while storing.
	ref := newStudy(t)
	writeFile(t, filepath.Join(ref.Dir, "data/b.csv"), surveyCSV(100, 12))
	mustRun(t, ref, Options{})
	want := reportFiles(t, ref.Output.Dir)
	key, err := os.ReadFile(ref.Privacy.KeyFile)
	if err != nil {
		t.Fatal(err)
	}

	type kill struct {
		point string
		delay time.Duration
	}
	kills := []kill{{point: "read"}, {point: "store-batch"}, {point: "stored"}, {point: "coding-batch"}, {point: "coded"}, {point: "analysed"}}
	for _, d := range []time.Duration{30, 80, 150, 250, 400} {
		kills = append(kills, kill{delay: d * time.Millisecond})
	}
	for _, k := range kills {
		name := "at " + k.point
		if k.point == "" {
			name = "after " + k.delay.String()
		}
		t.Run("killed "+name, func(t *testing.T) {
			cfg := newStudy(t)
			writeFile(t, cfg.Privacy.KeyFile, string(key))
			if err := os.Chmod(cfg.Privacy.KeyFile, 0o600); err != nil {
				t.Fatal(err)
			}
			// An earlier complete run, so there are old reports to protect.
			writeFile(t, filepath.Join(cfg.Dir, "data/a.csv"), surveyCSV(1, 10))
			mustRun(t, cfg, Options{})
			writeFile(t, filepath.Join(cfg.Dir, "data/a.csv"), surveyCSV(1, 24))
			writeFile(t, filepath.Join(cfg.Dir, "data/b.csv"), surveyCSV(100, 12))

			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), "KILLTEST_DIR="+cfg.Dir, "KILLTEST_POINT="+k.point)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			if k.delay > 0 {
				time.Sleep(k.delay)
				_ = cmd.Process.Kill()
			}
			err := cmd.Wait()
			if k.point != "" {
				if ee, ok := err.(*exec.ExitError); !ok || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
					t.Fatalf("child was not killed at %s: %v", k.point, err)
				}
			}
			// Old or new, every report file present must be whole: the
			// manifest lists the files of one complete run with their hashes.
			checkReportsWhole(t, cfg.Output.Dir)
			mustRun(t, cfg, Options{})
			sameReports(t, want, reportFiles(t, cfg.Output.Dir))
		})
	}
}

func loadConfigErr(dir string) (*config.Config, error) {
	return config.Load(filepath.Join(dir, "config.yaml"), nil)
}

// checkReportsWhole checks that what a killed run left in the output folder
// is whole: files are replaced by rename, so each is old or new, never cut.
func checkReportsWhole(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatalf("the old manifest is gone: %v", err)
	}
	if !json.Valid(b) {
		t.Errorf("manifest.json is cut: %q", b)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil || !strings.Contains(string(html), "</html>") {
		t.Errorf("report.html is missing or cut (%v)", err)
	}
}
