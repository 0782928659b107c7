package spss

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// VarType says whether a variable holds numbers or text.
type VarType int

const (
	// Numeric variables hold float64 values; dates and times are numeric too.
	Numeric VarType = iota
	// String variables hold text of a fixed maximum width in bytes.
	String
)

// String returns "numeric" or "string".
func (t VarType) String() string {
	if t == String {
		return "string"
	}
	return "numeric"
}

// File is one SPSS data set with all of its cases in memory.
type File struct {
	// Name is the name the caller passed to Read (usually the file name).
	Name string
	// Label is the file label set with SPSS FILE LABEL, trimmed.
	Label string
	// Encoding is the character encoding the strings were decoded from,
	// e.g. "UTF-8" or "windows-1252".
	Encoding string
	// Compression is 0 (none), 1 (bytecode) or 2 (zlib, .zsav).
	Compression int
	// Variables are in dictionary order. Very long string segments are
	// already merged into one variable.
	Variables []Variable
	// Cases holds one row per case, with one Value per variable.
	Cases [][]Value
}

// Variable describes one column of the data set.
type Variable struct {
	// Name is the long variable name when the file has one, else the short name.
	Name string
	// Label is the variable label (often the question text).
	Label string
	// Type is Numeric or String.
	Type VarType
	// Width is the string width in bytes, or 8 for numeric variables.
	Width int
	// Format is the print format as SPSS writes it: "F8.2", "DATE11", "A20".
	Format string
	// Decimals is the number of decimals of the print format.
	Decimals int
	// Measure is "nominal", "ordinal", "scale", or "" when the file does not say.
	Measure string
	// ValueLabels are in file order.
	ValueLabels []ValueLabel
	// Missing holds the user-missing value definition.
	Missing MissingSpec

	// fmtType is the numeric SPSS format code; Display needs it to tell
	// dates from plain numbers without reparsing Format.
	fmtType  int
	fmtWidth int
}

// ValueLabel attaches a label to one value, e.g. 1 → "Helemaal mee oneens".
type ValueLabel struct {
	Value Value
	Label string
}

// Value is one cell. Numeric cells use Num (SysMissing marks the SPSS
// system-missing value); string cells use Str with trailing blanks removed.
type Value struct {
	Num        float64
	Str        string
	IsString   bool
	SysMissing bool
}

// MissingSpec is a variable's user-missing definition: up to three discrete
// values, and for numeric variables optionally one range [Low, High].
// SPSS stores LOWEST and HIGHEST as the floats next to -math.MaxFloat64
// and math.MaxFloat64, so plain comparisons work.
type MissingSpec struct {
	Values   []Value
	HasRange bool
	Low      float64
	High     float64
}

// ErrPortable is returned (wrapped) for SPSS portable (.por) files, which
// this package does not read.
var ErrPortable = errors.New("portable .por files are not supported; save as .sav in SPSS/PSPP")

// ReadFile opens and reads the SPSS system file at path. Errors carry the
// base name of path.
func ReadFile(path string) (*File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spss: %w", err)
	}
	defer f.Close()
	return Read(f, filepath.Base(path))
}

// IsMissing reports whether val is system-missing or one of the variable's
// user-missing values.
func (v Variable) IsMissing(val Value) bool {
	if val.SysMissing {
		return true
	}
	for _, m := range v.Missing.Values {
		if val.IsString != m.IsString {
			continue
		}
		if val.IsString && val.Str == m.Str {
			return true
		}
		if !val.IsString && !m.SysMissing && val.Num == m.Num {
			return true
		}
	}
	if v.Missing.HasRange && !val.IsString {
		return val.Num >= v.Missing.Low && val.Num <= v.Missing.High
	}
	return false
}

// LabelOf returns the value label for val, if the variable has one.
func (v Variable) LabelOf(val Value) (string, bool) {
	if val.SysMissing {
		return "", false
	}
	for _, vl := range v.ValueLabels {
		if vl.Value.IsString != val.IsString {
			continue
		}
		if val.IsString {
			if vl.Value.Str == val.Str {
				return vl.Label, true
			}
		} else if vl.Value.Num == val.Num {
			return vl.Label, true
		}
	}
	return "", false
}
