package ingest

import (
	"archive/zip"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/config"
	"github.com/veldstem/veldstem/pipeline/study"
)

// turnKeys summarises units as speaker@position[ctx]=text.
func turnKeys(us []study.Unit) []string {
	var out []string
	for _, u := range us {
		ctx := ""
		if u.Context {
			ctx = "[ctx]"
		}
		out = append(out, fmt.Sprintf("%s:%s@%s%s=%s", u.Respondent, u.Speaker, u.Position, ctx, u.Text))
	}
	return out
}

func TestTextTranscriptsAreSplitIntoTurns(t *testing.T) {
	cases := []struct {
		name string
		file string
		src  config.Source
		want []string
	}{
		{"a plain transcript without sidecar is one respondent named after the file", "testdata/interview.txt", config.Source{Name: "iv"},
			[]string{
				"interview:Interviewer@line 4[ctx]=Hoe ziet een gewone werkdag eruit?",
				"interview:R@line 5=Ik begin met de mail. Daarna\nrijd ik naar de eerste cliënt.",
				"interview:Interviewer@line 8[ctx]=En de administratie?",
				"interview:R@line 9=Die doe ik 's avonds, dat is: heel vermoeiend.",
			}},
		{"Markdown labels in bold, bracketed and trailing timestamps are speakers", "testdata/interview.md", config.Source{Name: "fg"},
			[]string{
				"interview:Moderator@00:00:05[ctx]=Welkom allemaal. Wie begint?",
				"interview:Sanne de Vries@line 4=Ik wil wel beginnen.\nHet gaat vooral om de wachtlijsten.",
				"interview:Ahmed@line 7=Bij ons is dat hetzelfde.",
				"interview:Sanne de Vries@00:02:10=Nog een aanvulling.",
			}},
		{"the participants sidecar maps speakers to respondents and interviewer turns to the next answer", "testdata/interview.md", config.Source{Name: "fg", Participants: "testdata/participants.csv"},
			[]string{
				"JH-01:Moderator@00:00:05[ctx]=Welkom allemaal. Wie begint?",
				"JH-01:Sanne de Vries@line 4=Ik wil wel beginnen.\nHet gaat vooral om de wachtlijsten.",
				"JH-01:Sanne de Vries@00:02:10=Nog een aanvulling.",
				"JH-02:Ahmed@line 7=Bij ons is dat hetzelfde.",
			}},
		{"configured interviewer labels replace the defaults", "testdata/interview.txt", config.Source{Name: "iv", Interviewer: []string{"R"}},
			[]string{
				"interview:Interviewer@line 4=Hoe ziet een gewone werkdag eruit?",
				"interview:R@line 5[ctx]=Ik begin met de mail. Daarna\nrijd ik naar de eerste cliënt.",
				"interview:Interviewer@line 8=En de administratie?",
				"interview:R@line 9[ctx]=Die doe ik 's avonds, dat is: heel vermoeiend.",
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, _, us, err := readAll(t, c.file, c.src)
			if err != nil {
				t.Fatal(err)
			}
			if got := turnKeys(us); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(c.want, "\n"))
			}
		})
	}
}

func TestParticipantAttributesReachTheRespondent(t *testing.T) {
	_, rs, us, err := readAll(t, "testdata/interview.txt", config.Source{Name: "iv", Wave: "2025", Participants: "testdata/participants.csv"})
	if err != nil {
		t.Fatal(err)
	}
	want := []study.Respondent{{ID: "WT-03", Source: "iv", File: "testdata/interview.txt", Wave: "2025", Attributes: map[string]string{"sector": "wijkteam", "regio": "Noord"}}}
	if !reflect.DeepEqual(rs, want) {
		t.Errorf("got %+v", rs)
	}
	if us[0].ID != "iv/WT-03/t0001" {
		t.Errorf("unit ID %q", us[0].ID)
	}
}

func TestUnknownSpeakerIsAProblem(t *testing.T) {
	dir := t.TempDir()
	parts := filepath.Join(dir, "participants.csv")
	os.WriteFile(parts, []byte("file,speaker,respondent\ngesprek.txt,Jan,R1\n"), 0o644)
	p := filepath.Join(dir, "gesprek.txt")
	os.WriteFile(p, []byte("I: Hoe gaat het?\nJan: Goed.\nPiet: Slecht.\n"), 0o644)
	_, _, _, err := readAll(t, p, config.Source{Participants: parts})
	want := p + `:3: speaker "Piet" is not in the participants file — add a row "gesprek.txt,Piet,<respondent>" to ` + parts + `, or list the speaker under interviewer`
	if err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
}

// makeDocx builds a minimal Word file whose body holds paragraphs; a
// paragraph starting with "*" gets its first run in bold, as transcribers
// often write the speaker.
func makeDocx(t testing.TB, paras []string) []byte {
	var body strings.Builder
	for _, p := range paras {
		if rest, ok := strings.CutPrefix(p, "*"); ok {
			name, text, _ := strings.Cut(rest, ":")
			fmt.Fprintf(&body, `<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>%s:</w:t></w:r><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>`, name, text)
			continue
		}
		fmt.Fprintf(&body, `<w:p><w:r><w:t>%s</w:t></w:r></w:p>`, p)
	}
	doc := `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>` + body.String() + `</w:body></w:document>`
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte(doc))
	zw.Close()
	return buf.Bytes()
}

func TestWordTranscripts(t *testing.T) {
	dir := t.TempDir()
	t.Run("bold and plain speaker labels both open turns", func(t *testing.T) {
		p := filepath.Join(dir, "gesprek 4.docx")
		os.WriteFile(p, makeDocx(t, []string{"Transcript gesprek 4", "*Interviewer: Wat doet u op maandag?", "Respondent: Vooral plannen.", "En bellen met ouders."}), 0o644)
		info, _, us, err := readAll(t, p, config.Source{Name: "iv"})
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"gesprek 4:Interviewer@paragraph 2[ctx]=Wat doet u op maandag?", "gesprek 4:Respondent@paragraph 3=Vooral plannen.\nEn bellen met ouders."}
		if got := turnKeys(us); !reflect.DeepEqual(got, want) {
			t.Errorf("got %q", got)
		}
		if info.Format != "docx" || len(info.Speakers) != 2 || !info.Speakers[0].Interviewer {
			t.Errorf("info %+v", info)
		}
	})
	t.Run("a decompression bomb is refused with an error", func(t *testing.T) {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("word/document.xml")
		w.Write([]byte(`<w:document xmlns:w="x"><w:body><w:p><w:r><w:t>`))
		chunk := bytes.Repeat([]byte("a"), 1<<20)
		for i := 0; i < 60; i++ {
			w.Write(chunk)
		}
		zw.Close()
		if buf.Len() > 1<<20 {
			t.Fatalf("bomb is %d bytes compressed; the test wants a small file", buf.Len())
		}
		p := filepath.Join(dir, "bom.docx")
		os.WriteFile(p, buf.Bytes(), 0o644)
		_, err := Inspect(p, config.Source{})
		want := p + ": word/document.xml unpacks to more than 52428800 bytes — open the file in Word and save it again as .docx"
		if err == nil || err.Error() != want {
			t.Errorf("got  %v\nwant %s", err, want)
		}
	})
	t.Run("a file that is not a zip is refused with an error", func(t *testing.T) {
		p := filepath.Join(dir, "nep.docx")
		os.WriteFile(p, []byte("gewoon tekst"), 0o644)
		if _, err := Inspect(p, config.Source{}); err == nil || !strings.Contains(err.Error(), "not a Word .docx file") {
			t.Errorf("got %v", err)
		}
	})
}

func TestSubtitleSpeakers(t *testing.T) {
	cases := []struct {
		name, file, content string
		want                []string
	}{
		{"consecutive Teams cues of one speaker merge into one turn", "teams.vtt",
			"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Interviewer>Hoe gaat het?</v>\n\n00:00:02.500 --> 00:00:04.000\n<v Jan Jansen>Goed, maar</v>\n\n00:00:04.000 --> 00:00:05.000\n<v Jan Jansen>druk &amp; veel.</v>\n",
			[]string{"teams:Interviewer@00:00:01.000[ctx]=Hoe gaat het?", "teams:Jan Jansen@00:00:02.500=Goed, maar druk & veel."}},
		{"Zoom names inside the cue are speakers", "zoom.vtt",
			"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nModerator: Welkom.\n\n2\n00:00:02.000 --> 00:00:03.000\nPetra de Boer: Dank je.\n",
			[]string{"zoom:Moderator@00:00:01.000[ctx]=Welkom.", "zoom:Petra de Boer@00:00:02.000=Dank je."}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, c.file, c.content)
			_, _, us, err := readAll(t, p, config.Source{})
			if err != nil {
				t.Fatal(err)
			}
			if got := turnKeys(us); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %q\nwant %q", got, c.want)
			}
		})
	}
}
