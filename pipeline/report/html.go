package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"strings"
)

//go:embed report.html.tmpl
var htmlSource string

// html/template, not text/template: every string from the data (quotes,
// labels, attribute values) is escaped for its context. Only the chart SVG
// is passed as template.HTML; vgsvg escapes the text it draws.
var htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
	"cellClass": func(c cell) string {
		switch {
		case c.Kind == kSupp:
			return "num supp"
		case c.Kind != kText && strings.Contains(c.Text, " "):
			return "num wrap"
		case c.Kind != kText:
			return "num"
		case c.Text != "" && c.Text[0] == '#' && c.Color != "":
			return "swatch"
		}
		return ""
	},
	"indent": func(n int) string { return fmt.Sprintf("%.1fem", 1.6+1.2*float64(n)) },
	"numCol": func(t table, i int) bool { return columnNumeric(t, i) },
}).Parse(htmlSource))

func renderHTML(d *doc) ([]byte, error) {
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, d); err != nil {
		return nil, fmt.Errorf("report: rendering report.html: %w", err)
	}
	return buf.Bytes(), nil
}
