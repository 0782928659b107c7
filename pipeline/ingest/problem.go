package ingest

import (
	"fmt"
	"strings"
)

// Problem is one thing wrong with an input file, located so that a user can
// open the file and fix it.
type Problem struct {
	File    string
	Line    int // line, spreadsheet row or SPSS case; 0 when not tied to one
	Column  int // 1-based field or cell; 0 when not known
	Message string
	Hint    string // what to do about it
}

// String formats the problem as "file:line[:column]: message — hint", the
// form editors and terminals turn into a link.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	b.WriteString(p.Message)
	if p.Hint != "" {
		b.WriteString(" — ")
		b.WriteString(p.Hint)
	}
	return b.String()
}

// Problems is every problem found in a file. Readers collect them all before
// returning so that a user fixes a file in one round, not one error per run.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problemList accumulates problems for one file.
type problemList struct {
	file string
	list Problems
}

func (l *problemList) add(line, col int, hint, format string, args ...any) {
	l.list = append(l.list, Problem{File: l.file, Line: line, Column: col, Message: fmt.Sprintf(format, args...), Hint: hint})
}

// err returns nil when there were no problems, so callers can return it
// directly without creating a non-nil error holding an empty slice.
func (l *problemList) err() error {
	if len(l.list) == 0 {
		return nil
	}
	return l.list
}
