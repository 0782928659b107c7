package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

func writeFixture(t *testing.T, lang string, opts Options) (string, []ManifestFile) {
	t.Helper()
	dir := t.TempDir()
	files, err := Write(dir, fixtureInput(lang), opts)
	if err != nil {
		t.Fatalf("Write: %v", err)
	}
	return dir, files
}

func read(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoldenFiles(t *testing.T) {
	nl, _ := writeFixture(t, "nl", Options{})
	en, _ := writeFixture(t, "en", Options{Formats: []string{"md"}})
	cases := map[string]string{"report.md": filepath.Join(nl, "report.md"), "report_en.md": filepath.Join(en, "report.md")}
	csvs, _ := filepath.Glob(filepath.Join(nl, "*.csv"))
	for _, c := range csvs {
		cases[filepath.Base(c)] = c
	}
	if len(csvs) != 9 {
		t.Errorf("wrote %d CSV files, want 9 (prevalence, 2 breakdowns, cooccurrence, likert, waves, agreement, disagreements, codings)", len(csvs))
	}
	names := make([]string, 0, len(cases))
	for n := range cases {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		t.Run(name+" matches its golden file", func(t *testing.T) {
			got := read(t, cases[name])
			golden := filepath.Join("testdata", "golden", name)
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want := read(t, golden)
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s; run go test -update and review the diff", name, golden)
			}
		})
	}
}

func TestWriteIsByteIdenticalAcrossRuns(t *testing.T) {
	a, fa := writeFixture(t, "nl", Options{})
	b, fb := writeFixture(t, "nl", Options{})
	if len(fa) != len(fb) {
		t.Fatalf("runs wrote %d and %d files", len(fa), len(fb))
	}
	for i := range fa {
		t.Run(fa[i].Path+" is identical in both runs", func(t *testing.T) {
			if fa[i] != fb[i] {
				t.Errorf("manifest entries differ: %+v vs %+v", fa[i], fb[i])
			}
			if !bytes.Equal(read(t, filepath.Join(a, fa[i].Path)), read(t, filepath.Join(b, fb[i].Path))) {
				t.Errorf("bytes differ")
			}
		})
	}
}

func TestWriteLeavesOnlyFinishedFiles(t *testing.T) {
	dir, files := writeFixture(t, "nl", Options{})
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
	if len(entries) != len(files) {
		t.Errorf("dir holds %d entries, Write reported %d files", len(entries), len(files))
	}
	if last := files[len(files)-1].Path; last != "manifest.json" {
		t.Errorf("last file is %s, want manifest.json", last)
	}
	manifest := string(read(t, filepath.Join(dir, "manifest.json")))
	for _, f := range files[:len(files)-1] {
		if !strings.Contains(manifest, f.SHA256) {
			t.Errorf("manifest.json lacks the sha256 of %s", f.Path)
		}
	}
	if !strings.Contains(manifest, `"run_at": "2026-03-01T10:00:00Z"`) {
		t.Errorf("manifest.json lacks run_at")
	}
}

func TestWriteRejectsBadArguments(t *testing.T) {
	file := filepath.Join(t.TempDir(), "reports")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		dir  string
		in   Input
		opts Options
		want string
	}{
		{"an output path that is a file is refused", file, fixtureInput("nl"), Options{}, "is a file, not a directory"},
		{"an unknown format is refused", t.TempDir(), fixtureInput("nl"), Options{Formats: []string{"pdf"}}, `unknown format "pdf"`},
		{"missing tables are refused", t.TempDir(), Input{}, Options{}, "Tables is nil"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Write(c.dir, c.in, c.opts)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to mention %q", err, c.want)
			}
		})
	}
}

func TestWriteCreatesMissingDirAndHonoursFormats(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	files, err := Write(dir, fixtureInput("nl"), Options{Formats: []string{"md"}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	if strings.Join(got, ",") != "report.md,manifest.json" {
		t.Errorf("files = %v, want report.md and manifest.json only", got)
	}
}

func TestCSVDialects(t *testing.T) {
	cases := []struct {
		name     string
		opts     Options
		file     string
		contains []string
		absent   []string
		prefix   string
	}{
		{"comma files use point decimals", Options{}, "prevalence.csv",
			[]string{"werkdruk,Werkdruk,respondent,181,399,45.4,40.5,50.3"}, []string{"45,4"}, "code,"},
		{"semicolon files use comma decimals for Dutch Excel", Options{CSVDelimiter: ';'}, "prevalence.csv",
			[]string{"werkdruk;Werkdruk;respondent;181;399;45,4;40,5;50,3"}, nil, "code;"},
		{"the BOM option starts the file with a UTF-8 BOM", Options{CSVBOM: true}, "waves.csv", nil, nil, "\uFEFFcode,"},
		{"suppressed counts print as <5 with no percent", Options{}, "prevalence.csv",
			[]string{"regeldruk,Regeldruk,respondent,<5,399,,,"}, []string{",3,399"}, "code,"},
		{"an attribute value starting with = gets an apostrophe", Options{}, "breakdown_regio.csv",
			[]string{`'=cmd|`}, []string{",=cmd"}, "code,group,"},
		{"negative differences stay numbers, not defused text", Options{}, "waves.csv",
			[]string{",-3.4,13.1"}, []string{"'-3.4"}, "code,"},
		{"context turns are not rows of the coding matrix", Options{}, "codings.csv",
			[]string{"interviews/P-01/t0002,P-01,interviews,P-01,1,0,1,0,0,0,1,0"}, []string{"t0001"}, "unit_id,"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir, _ := writeFixture(t, "nl", c.opts)
			got := string(read(t, filepath.Join(dir, c.file)))
			if !strings.HasPrefix(got, c.prefix) {
				t.Errorf("%s starts %q, want prefix %q", c.file, got[:min(20, len(got))], c.prefix)
			}
			for _, s := range c.contains {
				if !strings.Contains(got, s) {
					t.Errorf("%s lacks %q:\n%s", c.file, s, got)
				}
			}
			for _, s := range c.absent {
				if strings.Contains(got, s) {
					t.Errorf("%s contains %q", c.file, s)
				}
			}
		})
	}
}

func TestHTMLIsSafeAndSelfContained(t *testing.T) {
	dir, _ := writeFixture(t, "nl", Options{Formats: []string{"html"}})
	html := string(read(t, filepath.Join(dir, "report.html")))
	urls := regexp.MustCompile(`https?://[^\s"'<>)]*`)
	allowed := map[string]bool{"http://www.w3.org/2000/svg": true, "http://www.w3.org/1999/xlink": true}
	cases := []struct {
		name string
		ok   func() bool
	}{
		{"no script element reaches the page from a quote", func() bool { return !strings.Contains(strings.ToLower(html), "<script") }},
		{"no img element reaches the page from a quote", func() bool { return !strings.Contains(html, "<img") }},
		{"the quote's script tag is shown escaped", func() bool { return strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") }},
		{"matched terms are highlighted", func() bool { return strings.Contains(html, "<mark>werkdruk</mark>") }},
		{"overlapping spans merge into one highlight", func() bool {
			return strings.Contains(html, "De <mark>samenwerking met ketenpartners is verbeterd.</mark>")
		}},
		{"suppressed counts print as <5", func() bool { return strings.Contains(html, "&lt;5") }},
		{"every chart is inline SVG without an XML prolog", func() bool {
			return strings.Count(html, "<svg ") == 6 && !strings.Contains(html, "<?xml")
		}},
		{"every chart has an accessible title", func() bool {
			return strings.Count(html, `role="img"`) == 6 && strings.Count(html, `-title">`) >= 6
		}},
		{"no fonts are embedded or fetched", func() bool { return !strings.Contains(html, "@font-face") && !strings.Contains(html, "url(") }},
		{"the page is printable with a page break per section", func() bool {
			return strings.Contains(html, "@media print") && strings.Contains(html, "break-before:page")
		}},
		{"Dutch studies get Dutch headings", func() bool {
			return strings.Contains(html, "Belangrijkste bevindingen") && strings.Contains(html, `lang="nl"`)
		}},
		{"the only URLs are SVG namespace names", func() bool {
			for _, u := range urls.FindAllString(html, -1) {
				if !allowed[u] {
					t.Logf("external reference %q", u)
					return false
				}
			}
			return true
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok() {
				t.Fail()
			}
		})
	}
}

func TestMarkdownKeepsRespondentTextInert(t *testing.T) {
	dir, _ := writeFixture(t, "nl", Options{Formats: []string{"md"}})
	md := string(read(t, filepath.Join(dir, "report.md")))
	for _, bad := range []string{"<script", "<img", "\n=HYPERLINK"} {
		if strings.Contains(md, bad) {
			t.Errorf("report.md contains %q", bad)
		}
	}
	if !strings.Contains(md, "&lt;script&gt;") {
		t.Errorf("report.md lost the escaped script text")
	}
}

func TestEnglishStudiesGetEnglishLabels(t *testing.T) {
	dir, _ := writeFixture(t, "en", Options{Formats: []string{"html", "csv"}})
	html := string(read(t, filepath.Join(dir, "report.html")))
	for _, s := range []string{"Key findings", "Workload", "High caseload", `lang="en"`} {
		if !strings.Contains(html, s) {
			t.Errorf("English report lacks %q", s)
		}
	}
	if strings.Contains(html, "Belangrijkste bevindingen") {
		t.Errorf("English report shows a Dutch heading")
	}
	if csv := string(read(t, filepath.Join(dir, "prevalence.csv"))); !strings.Contains(csv, "werkdruk,Workload,") {
		t.Errorf("prevalence.csv does not use English labels:\n%s", csv)
	}
}

func TestSafeText(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"a formula gets an apostrophe", `=HYPERLINK("x")`, `'=HYPERLINK("x")`},
		{"a leading plus gets an apostrophe", "+31 6 123", "'+31 6 123"},
		{"a leading minus gets an apostrophe", "-2+3", "'-2+3"},
		{"a leading at-sign gets an apostrophe", "@SUM(A1)", "'@SUM(A1)"},
		{"a leading tab gets an apostrophe", "\t=1", "'\t=1"},
		{"a leading carriage return gets an apostrophe", "\r=1", "'\r=1"},
		{"plain text is unchanged", "werkdruk = hoog", "werkdruk = hoog"},
		{"empty text is unchanged", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := safeText(c.in); got != c.want {
				t.Errorf("safeText(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}
