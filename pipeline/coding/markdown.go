package coding

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ExportMarkdown writes cb as a readable Markdown document in lang ("nl" or
// "en"): codes in tree order with their definitions, terms, exclusions,
// scope and rules, for the methodology appendix of a report.
func ExportMarkdown(cb *Codebook, lang string, w io.Writer) error {
	bw := bufio.NewWriter(w)
	nl := lang != "en"
	say := func(nlText, enText string) string {
		if nl {
			return nlText
		}
		return enText
	}
	fmt.Fprintf(bw, "# %s", mdEscape(cb.Name))
	if cb.Version != "" {
		fmt.Fprintf(bw, " (%s %s)", say("versie", "version"), mdEscape(cb.Version))
	}
	fmt.Fprint(bw, "\n\n")
	if cb.Description != "" {
		fmt.Fprintf(bw, "%s\n\n", cb.Description)
	}
	children := cb.children()
	seen := map[string]bool{}
	var write func(parent string, depth int)
	write = func(parent string, depth int) {
		for _, i := range children[parent] {
			c := cb.Codes[i]
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			label := c.Label.In(lang)
			if label == "" {
				label = c.ID
			}
			fmt.Fprintf(bw, "%s %s (`%s`)\n\n", strings.Repeat("#", min(depth+2, 6)), mdEscape(label), c.ID)
			if c.Description != "" {
				fmt.Fprintf(bw, "%s\n\n", c.Description)
			}
			if c.Parent != "" {
				fmt.Fprintf(bw, "- %s: `%s`\n", say("Hoofdcode", "Parent"), c.Parent)
			}
			for _, l := range sortedKeys(c.Terms) {
				fmt.Fprintf(bw, "- %s (%s): %s\n", say("Termen", "Terms"), l, codeList(c.Terms[l]))
			}
			for _, l := range sortedKeys(c.Exclude) {
				fmt.Fprintf(bw, "- %s (%s): %s\n", say("Uitgezonderd in dezelfde zin", "Excluded in the same sentence"), l, codeList(c.Exclude[l]))
			}
			if len(c.AppliesTo.Questions) > 0 {
				fmt.Fprintf(bw, "- %s: %s\n", say("Alleen bij vragen", "Only for questions"), codeList(c.AppliesTo.Questions))
			}
			if len(c.AppliesTo.Speakers) > 0 {
				fmt.Fprintf(bw, "- %s: %s\n", say("Alleen bij sprekers", "Only for speakers"), codeList(c.AppliesTo.Speakers))
			}
			if len(c.Rules) > 0 {
				fmt.Fprintf(bw, "- %s: %s\n", say("Regels (gesloten antwoorden)", "Rules (closed answers)"), codeList(c.Rules))
			}
			fmt.Fprintf(bw, "- %s: %s\n\n", say("Ontkenning", "Negation"), c.Negation)
			write(c.ID, depth+1)
		}
	}
	write("", 0)
	return bw.Flush()
}

func codeList(items []string) string {
	out := make([]string, len(items))
	for i, s := range items {
		out[i] = "`" + strings.ReplaceAll(s, "`", "'") + "`"
	}
	return strings.Join(out, ", ")
}

func mdEscape(s string) string {
	r := strings.NewReplacer("*", `\*`, "_", `\_`, "#", `\#`, "[", `\[`, "]", `\]`, "\n", " ")
	return r.Replace(s)
}
