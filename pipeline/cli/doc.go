// Package cli is the veldstem command line: it parses subcommands and
// flags, loads the config, sets up logging and progress, and calls the
// stages. main.go only hands it os.Args, so tests drive the very same code.
package cli
