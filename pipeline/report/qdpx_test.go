package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

const projectXSD = "/work/shared/fixtures/refi-qda/ponte__Project-mrt2019.xsd"

func unzipQDPX(t *testing.T, path string) map[string][]byte {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = zr.Close() }()
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name] = b
	}
	return out
}

func TestQDPXProject(t *testing.T) {
	dir, _ := writeFixture(t, "nl", Options{Formats: []string{"qdpx"}})
	files := unzipQDPX(t, filepath.Join(dir, "project.qdpx"))
	qde, ok := files["project.qde"]
	if !ok {
		t.Fatalf("project.qdpx has no project.qde; entries: %v", files)
	}

	t.Run("project.qde validates against the REFI-QDA schema", func(t *testing.T) {
		xmllint, err := exec.LookPath("xmllint")
		if err != nil {
			t.Fatal("xmllint not found; install libxml2-utils (apt-get install -y libxml2-utils)")
		}
		path := filepath.Join(t.TempDir(), "project.qde")
		if err := os.WriteFile(path, qde, 0o644); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(xmllint, "--noout", "--schema", projectXSD, path).CombinedOutput()
		if err != nil {
			t.Fatalf("xmllint: %v\n%s", err, out)
		}
	})

	var p struct {
		Codes   []xmlCode `xml:"CodeBook>Codes>Code"`
		Sources []struct {
			GUID       string `xml:"guid,attr"`
			Name       string `xml:"name,attr"`
			Path       string `xml:"plainTextPath,attr"`
			Selections []struct {
				Start  int `xml:"startPosition,attr"`
				End    int `xml:"endPosition,attr"`
				Coding []struct {
					Ref struct {
						Target string `xml:"targetGUID,attr"`
					} `xml:"CodeRef"`
				} `xml:"Coding"`
			} `xml:"PlainTextSelection"`
		} `xml:"Sources>TextSource"`
	}
	if err := xml.Unmarshal(qde, &p); err != nil {
		t.Fatal(err)
	}

	t.Run("there is one text source per input file", func(t *testing.T) {
		if len(p.Sources) != 2 || p.Sources[0].Name != "data/enquete_2025.csv" || p.Sources[1].Name != "data/interview_p01.vtt" {
			t.Errorf("sources = %+v", p.Sources)
		}
	})

	t.Run("codes nest under their parent code", func(t *testing.T) {
		if len(p.Codes) != 6 || p.Codes[0].Name != "Werkdruk" || len(p.Codes[0].Codes) != 2 || p.Codes[0].Codes[0].Name != "Hoge caseload" {
			t.Errorf("code tree = %+v", p.Codes)
		}
	})

	t.Run("selections point at the matched term in code points", func(t *testing.T) {
		var got []string
		for _, s := range p.Sources {
			text := []rune(string(files["sources/"+strings.TrimPrefix(s.Path, "internal://")]))
			for _, sel := range s.Selections {
				if sel.Start < 0 || sel.End > len(text) || sel.Start >= sel.End {
					t.Fatalf("selection %d–%d outside source of %d code points", sel.Start, sel.End, len(text))
				}
				got = append(got, string(text[sel.Start:sel.End]))
			}
		}
		want := "werkdruk|caseload|samenwerking|wachtlijst|waardering|registratie|scholing"
		if strings.Join(got, "|") != want {
			t.Errorf("selected %q, want %q", strings.Join(got, "|"), want)
		}
	})

	t.Run("turns carry their speaker label in the source text", func(t *testing.T) {
		text := string(files["sources/"+strings.TrimPrefix(p.Sources[1].Path, "internal://")])
		if !strings.HasPrefix(text, "Interviewer: Hoe ervaart u") || !strings.Contains(text, "\n\nP-01: Eerlijk gezegd") {
			t.Errorf("source text = %q", text)
		}
	})

	t.Run("GUIDs are the same in every run", func(t *testing.T) {
		dir2, _ := writeFixture(t, "nl", Options{Formats: []string{"qdpx"}})
		if !bytes.Equal(unzipQDPX(t, filepath.Join(dir2, "project.qdpx"))["project.qde"], qde) {
			t.Errorf("project.qde differs between runs")
		}
	})
}

type xmlCode struct {
	Name  string    `xml:"name,attr"`
	Color string    `xml:"color,attr"`
	Codes []xmlCode `xml:"Code"`
}
