package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"github.com/veldstem/veldstem/pipeline/corpus"
)

func (e *env) genCorpusCommand() *cobra.Command {
	var opts corpus.Options
	var out, codebook string
	cmd := &cobra.Command{
		Use:   "gen-corpus --responses N --seed S --out DIR",
		Short: "Write a deterministic synthetic study (survey CSV, transcripts, config) for benchmarks",
		Long: `gen-corpus writes DIR/survey/wave2025.csv (Qualtrics layout, Dutch
practitioner-style open answers), DIR/interviews/*.txt and DIR/config.yaml that
reads them with a copy of --codebook. The same seed gives the same bytes.
Run it with: veldstem run --config DIR/config.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{fmt.Errorf("--out DIR is required")}
			}
			cb, err := os.ReadFile(codebook)
			if err != nil {
				return usageError{fmt.Errorf("--codebook: %w — run gen-corpus from the veldstem folder (the default is codes/aanbesteding.yaml there) or give --codebook FILE", err)}
			}
			res, err := corpus.Generate(out, cb, opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "wrote %d responses (%.1f MB of open text) and %d transcripts; run: veldstem run --config %s\n",
				res.Responses, float64(res.TextBytes)/1e6, len(res.Transcripts), res.ConfigFile)
			return nil
		},
	}
	f := cmd.Flags()
	f.IntVar(&opts.Responses, "responses", 1000, "number of survey respondents")
	f.Uint64Var(&opts.Seed, "seed", 1, "random seed; the same seed gives the same corpus")
	f.IntVar(&opts.Transcripts, "transcripts", 0, "number of transcripts (default responses/10000, at least 1)")
	f.StringVar(&out, "out", "", "folder to write the corpus into")
	f.StringVar(&codebook, "codebook", "codes/aanbesteding.yaml", "codebook to copy into the corpus")
	return cmd
}
