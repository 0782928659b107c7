package report

import (
	"bytes"
	"strings"
)

// renderMarkdown writes the report's content as GitHub-flavoured Markdown
// tables: no charts, but every table a chart is drawn from, so two runs can
// be compared with diff.
func renderMarkdown(d *doc) []byte {
	var b bytes.Buffer
	b.WriteString("# " + mdEscape(d.Title) + "\n")
	for _, s := range d.Sections {
		b.WriteString("\n## " + mdEscape(s.Title) + "\n\n")
		for _, kv := range s.Defs {
			b.WriteString("- **" + mdEscape(kv[0]) + ":** " + mdEscape(kv[1]) + "\n")
		}
		if len(s.Defs) > 0 {
			b.WriteString("\n")
		}
		for _, p := range s.Paras {
			b.WriteString(mdEscape(p) + "\n\n")
		}
		for _, l := range s.List {
			b.WriteString("- " + mdEscape(l) + "\n")
		}
		if len(s.List) > 0 {
			b.WriteString("\n")
		}
		for _, t := range s.Tables {
			if !t.XLSXOnly {
				writeMDTable(&b, t)
			}
		}
		for _, g := range s.Quotes {
			b.WriteString("### " + mdEscape(g.Label) + " (" + mdEscape(g.Code) + ")\n\n")
			for _, q := range g.Quotes {
				b.WriteString("> ")
				for _, p := range q.Parts {
					if p.Mark {
						b.WriteString("**" + mdEscape(p.Text) + "**")
					} else {
						b.WriteString(mdEscape(p.Text))
					}
				}
				b.WriteString("\n>\n> — " + mdEscape(q.Source) + " · " + mdEscape(q.Unit) + "\n\n")
			}
		}
	}
	// Blocks each end in a blank line; squeeze the doubles where two meet.
	out := b.Bytes()
	for bytes.Contains(out, []byte("\n\n\n")) {
		out = bytes.ReplaceAll(out, []byte("\n\n\n"), []byte("\n\n"))
	}
	return append(bytes.TrimRight(out, "\n"), '\n')
}

func writeMDTable(b *bytes.Buffer, t table) {
	b.WriteString("**" + mdEscape(t.Caption) + "**\n\n|")
	for _, h := range t.Head {
		b.WriteString(" " + mdEscape(h) + " |")
	}
	b.WriteString("\n|")
	for i := range t.Head {
		if columnNumeric(t, i) {
			b.WriteString(" ---: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteString("\n")
	for _, r := range t.Rows {
		b.WriteString("|")
		for i, c := range r {
			text := c.Text
			if c.Indent > 0 && i > 0 {
				text = strings.Repeat("· ", c.Indent) + text
			}
			if c.Sub != "" {
				text += " [" + c.Sub + "]"
			}
			b.WriteString(" " + mdEscape(text) + " |")
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	if t.Note != "" {
		b.WriteString(mdEscape(t.Note) + "\n\n")
	}
}

func columnNumeric(t table, i int) bool {
	for _, r := range t.Rows {
		if i < len(r) && (r[i].Kind == kText && r[i].Text != "") {
			return false
		}
	}
	return len(t.Rows) > 0
}

// mdEscape makes any string inert in Markdown: HTML special characters
// become entities (Markdown renderers pass raw HTML through, so a quote
// containing <script> would otherwise run), Markdown punctuation is
// backslash-escaped, and line breaks become spaces so tables stay tables.
var mdReplacer = strings.NewReplacer(
	"&", "&amp;", "<", "&lt;", ">", "&gt;",
	`\`, `\\`, "|", `\|`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "#", `\#`,
	"\r\n", " ", "\n", " ", "\r", " ",
)

func mdEscape(s string) string { return mdReplacer.Replace(s) }
