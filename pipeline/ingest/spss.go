package ingest

import (
	"strings"

	"github.com/veldstem/veldstem/pipeline/ingest/spss"
)

// readSPSS reads a .sav or .zsav file as a table. Variable labels become
// column labels; a value with a value label arrives as that label, so Likert
// items coded 1..5 with Dutch labels map through the configured scale, and
// user- or system-missing values arrive empty. Cases are Position "case N".
func readSPSS(path string) (*table, error) {
	if _, err := readLimitedStat(path, maxFileSize); err != nil {
		return nil, err
	}
	f, err := spss.ReadFile(path)
	if err != nil {
		return nil, err
	}
	t := &table{dialect: "spss", where: "case", headerLine: 0}
	for _, v := range f.Variables {
		t.columns = append(t.columns, Column{Name: v.Name, Label: strings.TrimSpace(v.Label)})
		t.system = append(t.system, "")
	}
	for i, c := range f.Cases {
		cells := make([]string, len(f.Variables))
		raw := make([]string, len(f.Variables))
		for j, v := range f.Variables {
			if j >= len(c) || v.IsMissing(c[j]) {
				continue
			}
			raw[j] = v.Display(c[j])
			cells[j] = raw[j]
			if l, ok := v.LabelOf(c[j]); ok {
				cells[j] = l
			}
		}
		t.rows = append(t.rows, record{line: i + 1, cells: cells, raw: raw})
	}
	return t, nil
}
