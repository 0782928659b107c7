package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
	"github.com/veldstem/veldstem/pipeline/config"
)

// Version is veldstem's version, recorded in every manifest.
const Version = "0.1.0"

// Exit codes, as documented in README.
const (
	ExitOK      = 0
	ExitFailure = 1
	ExitUsage   = 2
)

// usageError marks errors caused by how veldstem was called or configured.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// env is what every command shares: streams, logger and the config path.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	configPath     string
	quiet, verbose bool
	log            *slog.Logger
}

// Main runs veldstem with args (without the program name) and returns the
// process exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	root := e.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "veldstem:", err)
	var ue usageError
	var ce *config.Error
	var ces config.Errors
	if errors.As(err, &ue) || errors.As(err, &ce) || errors.As(err, &ces) {
		return ExitUsage
	}
	return ExitFailure
}

func (e *env) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "veldstem",
		Short: "Turn practitioners' survey answers and interviews into evidence",
		Long: `veldstem reads survey exports and interview transcripts, pseudonymizes
them, codes every answer with a codebook, and writes reports (HTML, Markdown,
CSV, XLSX, REFI-QDA) with prevalence, breakdowns and agreement statistics.

Start with: veldstem run   (uses ./config.yaml)`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			e.setupLog()
			return nil
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%w — see 'veldstem %s --help'", err, cmd.Name())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&e.configPath, "config", "config.yaml", "path of the study's config file")
	pf.BoolVarP(&e.quiet, "quiet", "q", false, "log only warnings and errors")
	pf.BoolVarP(&e.verbose, "verbose", "v", false, "log debugging detail")
	root.AddCommand(
		e.runCommand(),
		e.inspectCommand(),
		e.codebookCommand(),
		e.codeCommand(),
		e.statusCommand(),
		e.historyCommand(),
		e.validateCommand(),
		e.privacyCommand(),
		e.versionCommand(),
		e.genCorpusCommand(),
	)
	for _, c := range root.Commands() {
		c.Args = wrapArgs(c.Args)
	}
	return root
}

// wrapArgs turns cobra's argument errors into usage errors (exit 2).
func wrapArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	if check == nil {
		return nil
	}
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{fmt.Errorf("%w — see 'veldstem %s --help'", err, cmd.Name())}
		}
		return nil
	}
}

func (e *env) setupLog() {
	level := slog.LevelInfo
	switch {
	case e.quiet:
		level = slog.LevelWarn
	case e.verbose:
		level = slog.LevelDebug
	}
	e.log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
}

// loadConfig loads the config named by --config with cmd's override flags.
func (e *env) loadConfig(cmd *cobra.Command) (*config.Config, error) {
	return config.Load(e.configPath, cmd.Flags())
}

// stderrIsTerminal reports whether progress bars can be redrawn in place.
func (e *env) stderrIsTerminal() bool {
	f, ok := e.stderr.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

func (e *env) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print veldstem's version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fmt.Fprintln(e.stdout, "veldstem", Version)
			return nil
		},
	}
}
