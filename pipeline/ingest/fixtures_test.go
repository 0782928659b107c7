package ingest

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
)

const fixtures = "/work/shared/fixtures"

// fixtureCase is what Inspect with an empty Source must find in one real
// export or transcript.
type fixtureCase struct {
	name                   string
	file                   string
	format, enc, delim     string
	headerRows             int
	respondents, units     int
	columns                []string // names (and "name=label" where a label is expected)
	firstText              []string
	firstPos               string
	firstSpeaker           string
	problemLines           []int
	wantProblemMsgContains string
}

func TestInspectReadsEveryFixture(t *testing.T) {
	cases := []fixtureCase{
		{name: "ragged rows are reported with their lines", file: "csv-encodings/csvkit__bad.csv", format: "generic", enc: "utf-8", delim: ",", headerRows: 1, respondents: 3,
			columns: []string{"column_a", "column_b", "column_c"}, problemLines: []int{2, 3}, wantProblemMsgContains: "row has 4 fields, the header has 3"},
		{name: "CR-only line endings split rows", file: "csv-encodings/csvkit__mac_newlines.csv", format: "generic", enc: "utf-8", delim: ",", headerRows: 1, respondents: 2, columns: []string{"a", "b", "c"}},
		{name: "a NUL byte is stripped", file: "csv-encodings/csvkit__null_byte.csv", format: "generic", enc: "utf-8", delim: ",", headerRows: 1, respondents: 1, columns: []string{"a", "b", "c"}},
		{name: "a header with control characters in quotes is one column", file: "csv-encodings/csvkit__test_header_newline.csv", format: "generic", enc: "utf-8", delim: ",", headerRows: 1, respondents: 1, columns: []string{"start \t\n\v\f\n end", "b", "c"}},
		{name: "invalid UTF-8 is read as Windows-1252", file: "csv-encodings/csvkit__test_latin1.csv", format: "generic", enc: "windows-1252", delim: ",", headerRows: 1, respondents: 2, columns: []string{"a", "b", "c"}},
		{name: "decimal commas inside quotes do not split cells", file: "csv-encodings/csvkit__test_locale.csv", format: "generic", enc: "utf-8", delim: ",", headerRows: 1, respondents: 1, columns: []string{"a", "b", "c"}},
		{name: "blank lines above the header are skipped", file: "csv-encodings/csvkit__test_skip_lines.csv", format: "generic", enc: "utf-8", delim: ",", headerRows: 1, respondents: 1, columns: []string{"a", "b", "c"}},
		{name: "UTF-16 big endian with BOM is decoded", file: "csv-encodings/csvkit__test_utf16_big.csv", format: "generic", enc: "utf-16be", delim: ",", headerRows: 1, respondents: 2, columns: []string{"a", "b", "c"}},
		{name: "UTF-16 little endian with BOM is decoded", file: "csv-encodings/csvkit__test_utf16_little.csv", format: "generic", enc: "utf-16le", delim: ",", headerRows: 1, respondents: 2, columns: []string{"a", "b", "c"}},
		{name: "UTF-8 without BOM is recognised", file: "csv-encodings/csvkit__test_utf8.csv", format: "generic", enc: "utf-8", delim: ",", headerRows: 1, respondents: 2, columns: []string{"foo", "bar", "baz"}},
		{name: "a UTF-8 BOM is dropped from the first column name", file: "csv-encodings/csvkit__test_utf8_bom.csv", format: "generic", enc: "utf-8-bom", delim: ",", headerRows: 1, respondents: 2, columns: []string{"foo", "bar", "baz"}},
		{name: "a Qualtrics export keeps question texts and drops system columns", file: "qualtrics/ropensci-qualtRics__sample.csv", format: "qualtrics", enc: "utf-8", delim: ",", headerRows: 3, respondents: 1, units: 1,
			columns:   []string{"StartDate=Anfangsdatum", "IPAddress=IP-Adresse", "ResponseId=Antwort-ID", "Q1=This is a multiple choice question.", "Q2=This is a free text question.", "Q2 - Topics=Q2 - Topics"},
			firstText: []string{"Hello World!"}, firstPos: "line 4"},
		{name: "a legacy Qualtrics export is read by its label row", file: "qualtrics/ropensci-qualtRics__sample_legacy.csv", format: "qualtrics-legacy", enc: "utf-8-bom", delim: ",", headerRows: 2, respondents: 1, units: 1,
			columns: []string{"V1=ResponseID", "V3=Name", "Q2=This is a free text question."}, firstText: []string{"Hello World!"}, firstPos: "line 3"},
		{name: "a VTT with a BOM is read", file: "transcripts/webvtt-py__captions_with_bom.vtt", format: "vtt", enc: "utf-8-bom", respondents: 1, units: 4,
			firstText: []string{"Caption text #1", "Caption text #2", "Caption text #3"}, firstPos: "00:00:00.500"},
		{name: "NOTE blocks are skipped and dialogue lines joined", file: "transcripts/webvtt-py__comments.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 3,
			firstText: []string{"- Ta en kopp varmt te. - Det är inte varmt.", "- Har en kopp te. - Det smakar som te.", "- Ta en kopp"}, firstPos: "00:02:15.000"},
		{name: "inline timestamps and class spans are stripped", file: "transcripts/webvtt-py__cue_tags.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 3,
			firstText: []string{"When the moon hits your eye", "Like a big-a pizza pie", "That's amore"}, firstPos: "00:00:16.500"},
		{name: "a malformed timestamp is a problem with its line", file: "transcripts/webvtt-py__invalid_timeframe.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 6,
			firstText: []string{"Caption text #1", "Caption text #3", "Caption text #4"}, problemLines: []int{6}, wantProblemMsgContains: `bad cue timing "00:00:07.000 --> 00:00:1d.890"`},
		{name: "header metadata is not a cue", file: "transcripts/webvtt-py__metadata_headers.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 2, firstText: []string{"Caption text #1", "Caption text #2"}},
		{name: "a multi-line Style header is not a cue", file: "transcripts/webvtt-py__metadata_headers_multiline.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 2, firstText: []string{"Caption text #1", "Caption text #2"}},
		{name: "an SRT cue without text is no unit", file: "transcripts/webvtt-py__missing_caption_text.srt", format: "srt", enc: "utf-8", respondents: 1, units: 4, firstText: []string{"Caption text #1", "Caption text #3", "Caption text #4"}},
		{name: "Netflix subtitles with settings are read", file: "transcripts/webvtt-py__netflix_chicas_del_cable.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 864,
			firstText: []string{"[Alba] En 1928,", "las mujeres éramos algo así como adornos"}, firstPos: "00:00:07.960"},
		{name: "SBV with multi-line captions is read", file: "transcripts/webvtt-py__sample.sbv", format: "sbv", enc: "utf-8", respondents: 1, units: 5,
			firstText: []string{"Caption text #1", "Caption text #2", "Caption text #3 (line 1) Caption text #3 (line 2)"}, firstPos: "00:00:00.378"},
		{name: "SRT decimal commas become points", file: "transcripts/webvtt-py__sample.srt", format: "srt", enc: "utf-8", respondents: 1, units: 5, firstText: []string{"Caption text #1"}, firstPos: "00:00:00.500"},
		{name: "a plain VTT is read", file: "transcripts/webvtt-py__sample.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 16, firstText: []string{"Caption text #1"}},
		{name: "STYLE blocks are skipped and tags stripped", file: "transcripts/webvtt-py__styles.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 1, firstText: []string{"- Hello world."}, firstPos: "00:00:00.000"},
		{name: "old Teams voice spans with unpadded timestamps give speakers", file: "transcripts/webvtt-py__teams_timeframe.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 2,
			firstText: []string{"There you go.", "Why hello there, Yuri."}, firstPos: "00:00:00.000", firstSpeaker: "Yuri Bakulin"},
		{name: "cue identifiers are not text", file: "transcripts/webvtt-py__using_identifiers.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 6, firstText: []string{"Caption text #1", "Caption text #2", "Caption text #3"}},
		{name: "rolling YouTube captions lose their repeats", file: "transcripts/webvtt-py__youtube_dl.vtt", format: "vtt", enc: "utf-8", respondents: 1, units: 3,
			firstText: []string{"yeah", "yeah what", "this will happen is I'm telling"}, firstPos: "00:04:46.070"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(fixtures, c.file)
			in, err := Inspect(path, config.Source{Name: "s"})
			if in == nil {
				t.Fatalf("Inspect returned no inspection: %v", err)
			}
			var ps Problems
			if len(c.problemLines) > 0 {
				if !errors.As(err, &ps) {
					t.Fatalf("want Problems, got %v", err)
				}
				if len(ps) != len(c.problemLines) {
					t.Fatalf("want %d problems, got %d: %v", len(c.problemLines), len(ps), err)
				}
				for i, p := range ps {
					if p.Line != c.problemLines[i] || p.File != path {
						t.Errorf("problem %d at %s:%d, want line %d", i, p.File, p.Line, c.problemLines[i])
					}
				}
				if !strings.Contains(ps[0].Message, c.wantProblemMsgContains) {
					t.Errorf("first problem %q does not say %q", ps[0].Message, c.wantProblemMsgContains)
				}
			} else if err != nil {
				t.Fatalf("unexpected problems: %v", err)
			}
			if in.Format != c.format || in.Encoding != c.enc || in.Delimiter != c.delim || in.HeaderRows != c.headerRows {
				t.Errorf("format/encoding/delimiter/header = %s/%s/%q/%d, want %s/%s/%q/%d", in.Format, in.Encoding, in.Delimiter, in.HeaderRows, c.format, c.enc, c.delim, c.headerRows)
			}
			if in.Respondents != c.respondents || in.Units != c.units {
				t.Errorf("respondents/units = %d/%d, want %d/%d", in.Respondents, in.Units, c.respondents, c.units)
			}
			for _, want := range c.columns {
				name, label, hasLabel := strings.Cut(want, "=")
				found := false
				for _, col := range in.Columns {
					if col.Name == name {
						found = true
						if hasLabel && col.Label != label {
							t.Errorf("column %q label %q, want %q", name, col.Label, label)
						}
					}
				}
				if !found {
					t.Errorf("no column %q in %+v", name, in.Columns)
				}
			}
			if len(in.First) < len(c.firstText) {
				t.Fatalf("got %d first units, want at least %d", len(in.First), len(c.firstText))
			}
			for i, want := range c.firstText {
				if in.First[i].Text != want {
					t.Errorf("unit %d text %q, want %q", i, in.First[i].Text, want)
				}
			}
			if c.firstPos != "" && in.First[0].Position != c.firstPos {
				t.Errorf("first position %q, want %q", in.First[0].Position, c.firstPos)
			}
			if c.firstSpeaker != "" && in.First[0].Speaker != c.firstSpeaker {
				t.Errorf("first speaker %q, want %q", in.First[0].Speaker, c.firstSpeaker)
			}
		})
	}
}

func TestInspectTagsQualtricsSystemColumns(t *testing.T) {
	in, err := Inspect(filepath.Join(fixtures, "qualtrics/ropensci-qualtRics__sample.csv"), config.Source{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"StartDate": "metadata", "IPAddress": "personal", "RecipientEmail": "personal", "LocationLatitude": "personal", "ResponseId": "id", "Q1": "other", "Q2": "text", "UserLanguage": "metadata"}
	for _, c := range in.Columns {
		if r, ok := want[c.Name]; ok && c.Role != r {
			t.Errorf("column %s has role %s, want %s", c.Name, c.Role, r)
		}
	}
	if in.First[0].Respondent != "R_2YPOQ602ER1jkf1" {
		t.Errorf("respondent %q, want the ResponseId", in.First[0].Respondent)
	}
}
