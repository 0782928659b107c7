// Command veldstem turns practitioners' survey answers and interview
// transcripts into coded, pseudonymized evidence and reports. See README.md.
package main

import (
	"os"

	"github.com/veldstem/veldstem/pipeline/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
