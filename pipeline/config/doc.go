// Package config loads and checks a study's configuration: the YAML file,
// VELDSTEM_* environment variables and command-line flags, merged by viper
// and decoded strictly, so a misspelled key is an error and not a default.
//
// Relative paths in the file are resolved against the file's folder, so a
// study runs the same from any working directory.
package config
