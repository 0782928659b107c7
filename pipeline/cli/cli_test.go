package cli

import (
	"flag"
	"os"
	"runtime/debug"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts call veldstem as a command: testscript re-runs
// this test binary as "veldstem", which goes through the same Main as the
// real program.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"veldstem": func() { os.Exit(Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
	})
}

var update = flag.Bool("update", false, "rewrite the want/ files of the scripts from the actual output")

// TestScripts runs the end-to-end CLI scripts in testdata/script: each is a
// tiny study in txtar form with the commands to run and what they must print
// or write.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:           "testdata/script",
		UpdateScripts: *update,
	})
}

// A run sets the collector's target to runGCPercent and puts the previous
// one back; with GOGC set by the user it leaves the collector alone.
func TestSetRunGC(t *testing.T) {
	t.Setenv("GOGC", "") // registers the restore of the real value
	os.Unsetenv("GOGC")
	before := debug.SetGCPercent(100)
	defer debug.SetGCPercent(before)
	restore := setRunGC()
	if got := debug.SetGCPercent(runGCPercent); got != runGCPercent {
		t.Fatalf("during a run the GC percent is %d, want %d", got, runGCPercent)
	}
	restore()
	if got := debug.SetGCPercent(100); got != 100 {
		t.Fatalf("after a run the GC percent is %d, want 100 back", got)
	}
	t.Setenv("GOGC", "200")
	debug.SetGCPercent(200)
	setRunGC()()
	if got := debug.SetGCPercent(100); got != 200 {
		t.Fatalf("with GOGC set the GC percent became %d, want the user's 200", got)
	}
}
