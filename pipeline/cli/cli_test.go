package cli

import (
	"flag"
	"os"
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
