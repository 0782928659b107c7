package privacy

import (
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

func newTest(t testing.TB, opts Options) *Pseudonymizer {
	t.Helper()
	if opts.KeyFile == "" {
		opts.KeyFile = filepath.Join(t.TempDir(), "key")
	}
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKinds checks each detector on values it must replace and on look-alikes
// it must leave alone.
func TestKinds(t *testing.T) {
	tests := []struct {
		name string
		text string
		kind Kind   // "" means nothing may be found
		raw  string // the part of text that must be replaced
	}{
		{"an e-mail address is replaced", "mail piet.jansen@gemeente.nl maar", Email, "piet.jansen@gemeente.nl"},
		{"an at sign without an address is left", "we spreken af @ het kantoor", "", ""},
		{"a Dutch mobile with a dash is replaced", "bel 06-12345678.", Phone, "06-12345678"},
		{"a Dutch mobile in groups is replaced", "bel 06 1234 5678 aub", Phone, "06 1234 5678"},
		{"a Dutch mobile with +31 is replaced", "bel +31 6 12345678", Phone, "+31 6 12345678"},
		{"a Dutch mobile with 0031 is replaced", "bel 0031 6 12345678", Phone, "0031 6 12345678"},
		{"a number with (0) is replaced", "bel +31 (0)20 1234567", Phone, "+31 (0)20 1234567"},
		{"an Amsterdam landline is replaced", "tel. 020-1234567", Phone, "020-1234567"},
		{"a Rotterdam landline is replaced", "tel 010 123 4567", Phone, "010 123 4567"},
		{"a Belgian mobile with +32 is replaced", "gsm +32 470 12 34 56", Phone, "+32 470 12 34 56"},
		{"a Belgian mobile with slash and dots is replaced", "gsm 0470/12.34.56", Phone, "0470/12.34.56"},
		{"a year is no phone number", "in 2024 en 2025", "", ""},
		{"a percentage is no phone number", "90% van de gevallen", "", ""},
		{"a count is no phone number", "8 gesprekken per dag", "", ""},
		{"a date with a count after it is no phone number", "op 05.03.2024 10 gesprekken", "", ""},
		{"an amount is no phone number", "een tekort van 1.250.000 euro", "", ""},
		{"office hours are no phone number", "open van 09.00-17.00 uur", "", ""},
		{"a BSN passing the eleven-test is replaced", "bsn 111222333 staat", BSN, "111222333"},
		{"a BSN with dots is replaced", "bsn 1112.22.333 staat", BSN, "1112.22.333"},
		{"nine digits failing the eleven-test are left", "nummer 123456789 staat", "", ""},
		{"a Belgian register number is replaced", "rrn 85.07.30-033.28", NationalNumber, "85.07.30-033.28"},
		{"a Belgian register number with a bad check is left", "rrn 85.07.30-033.29", "", ""},
		{"a Belgian register number for someone born after 2000 is replaced", "rrn 01.02.03-123.45", NationalNumber, "01.02.03-123.45"},
		{"an IBAN with spaces is replaced", "op NL91 ABNA 0417 1643 00 gestort", IBAN, "NL91 ABNA 0417 1643 00"},
		{"an IBAN without spaces is replaced", "op NL91ABNA0417164300.", IBAN, "NL91ABNA0417164300"},
		{"a Belgian IBAN is replaced", "op BE68 5390 0754 7034", IBAN, "BE68 5390 0754 7034"},
		{"an IBAN with a bad checksum is left", "op NL91 ABNA 0417 1643 01 gestort", "", ""},
		{"a postcode is replaced", "in 1234 AB wonen", Postcode, "1234 AB"},
		{"a postcode without space is replaced", "postcode 3511AB.", Postcode, "3511AB"},
		{"a distance is no postcode", "dat is 1000 KM verder", "", ""},
		{"a street and number are replaced", "woont op de Stationsstraat 12.", Address, "Stationsstraat 12"},
		{"a street with a letter is replaced", "Kerkweg 3a, Utrecht", Address, "Kerkweg 3a"},
		{"a Belgian address with bus is replaced", "in de Naamsestraat 45 bus 2", Address, "Naamsestraat 45 bus 2"},
		{"a street without a number is left", "bij de Stationsstraat is een buurtkamer", "", ""},
		{"a town with a number is left", "in Utrecht 3 jaar gewerkt", "", ""},
		{"a date after geboren op is replaced", "geboren op 12-03-1980 in", BirthDate, "12-03-1980"},
		{"a written date after geb. is replaced", "geb. 12 maart 1980,", BirthDate, "12 maart 1980"},
		{"a date after geboortedatum is replaced", "Geboortedatum: 1980-03-12", BirthDate, "1980-03-12"},
		{"a plain date is left", "op 12-03-1980 was er overleg", "", ""},
		{"a LinkedIn profile is replaced", "zie linkedin.com/in/kees-devries.", URL, "linkedin.com/in/kees-devries"},
		{"a Facebook page is replaced", "op https://facebook.com/kees.vd", URL, "https://facebook.com/kees.vd"},
		{"a handle is replaced", "volg @kees_dv daar", URL, "@kees_dv"},
		{"an organisation's site is left", "zie www.rijksoverheid.nl/jeugd", "", ""},
		{"another site ending in x.com is left", "op netflix.com/title/123", "", ""},
		{"a name after mevrouw is replaced", "ik sprak mevrouw Jansen", Person, "Jansen"},
		{"a name with tussenvoegsels after dhr. is replaced", "dhr. van der Berg belde", Person, "van der Berg"},
		{"a listed first name is replaced", "Fatima zei het", Person, "Fatima"},
		{"a first name with surname is replaced", "ik sprak Kees de Vries", Person, "Kees de Vries"},
		{"a place is left", "in Utrecht werken we anders", "", ""},
		{"a sentence start is left", "De werkdruk is hoog.", "", ""},
		{"an everyday word that is also a name is left at a sentence start", "Wil je koffie? Dan gaan we.", "", ""},
		{"a team after a role is left", "de teamleider Jeugd besliste", "", ""},
		{"a weekday after a name is not a surname", "ik zag Kees Dinsdag", Person, "Kees"},
		{"the account holder after t.n.v. is replaced", "overmaken op rekening t.n.v. J. Visser.", Person, "J. Visser"},
		{"the account holder after ten name van is replaced", "graag ten name van Bakker", Person, "Bakker"},
		{"van alone is no title", "een brief van Utrecht", "", ""},
	}
	p := newTest(t, Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans := p.detect(tt.text, nil)
			if tt.kind == "" {
				if len(spans) > 0 {
					t.Fatalf("found %s %q in %q", spans[0].kind, tt.text[spans[0].start:spans[0].end], tt.text)
				}
				if got := p.Text(tt.text, nil); got != tt.text {
					t.Fatalf("Text changed %q to %q", tt.text, got)
				}
				return
			}
			if len(spans) != 1 || spans[0].kind != tt.kind || tt.text[spans[0].start:spans[0].end] != tt.raw {
				var got []string
				for _, s := range spans {
					got = append(got, string(s.kind)+":"+tt.text[s.start:s.end])
				}
				t.Fatalf("found %q in %q; want %s:%s", got, tt.text, tt.kind, tt.raw)
			}
			out := p.Text(tt.text, nil)
			if strings.Contains(out, tt.raw) || !strings.Contains(out, "["+labels[tt.kind]+"-") {
				t.Fatalf("Text(%q) = %q", tt.text, out)
			}
		})
	}
}

var tokenShape = regexp.MustCompile(`^\[[A-Z]+-[0-9a-f]{8}\]$`)

func TestPseudonyms(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key")
	p1, p2 := newTest(t, Options{KeyFile: key}), newTest(t, Options{KeyFile: key})
	other := newTest(t, Options{})
	t.Run("a token has the documented shape", func(t *testing.T) {
		if tok := p1.token(Person, "kees"); !tokenShape.MatchString(tok) {
			t.Fatalf("token %q", tok)
		}
	})
	t.Run("two pseudonymizers with one key file agree", func(t *testing.T) {
		text := "Kees de Vries belde 06-12345678."
		if a, b := p1.Text(text, nil), p2.Text(text, nil); a != b {
			t.Fatalf("%q != %q", a, b)
		}
		if a, b := p1.RespondentID("s", "17"), p2.RespondentID("s", "17"); a != b {
			t.Fatalf("%q != %q", a, b)
		}
	})
	t.Run("another key gives other pseudonyms", func(t *testing.T) {
		if a, b := p1.Text("Fatima zei", nil), other.Text("Fatima zei", nil); a == b {
			t.Fatalf("both %q", a)
		}
	})
	t.Run("spellings of one name share a pseudonym", func(t *testing.T) {
		a := p1.Text("Ik sprak Kees de Vries.", nil)
		b := p1.Text("Ik sprak kees  de vries.", []string{"Kees de Vries"})
		if a != b {
			t.Fatalf("%q != %q", a, b)
		}
	})
	t.Run("spellings of one phone number share a pseudonym", func(t *testing.T) {
		a, b := p1.Text("06-12345678", nil), p1.Text("+31 6 1234 5678", nil)
		if a != b {
			t.Fatalf("%q != %q", a, b)
		}
	})
	t.Run("a known full name lends its pseudonym to its parts", func(t *testing.T) {
		known := []string{"Wietske Hoogland"}
		full := p1.Text("Wietske Hoogland", known)
		if p1.Text("Wietske", known) != full || p1.Text("Hoogland", known) != full {
			t.Fatalf("parts differ from %q", full)
		}
	})
	t.Run("different kinds of one value differ", func(t *testing.T) {
		if strings.TrimPrefix(p1.token(Person, "x"), "[PERSOON") == strings.TrimPrefix(p1.token(Email, "x"), "[EMAIL") {
			t.Fatal("kind does not enter the HMAC")
		}
	})
	t.Run("a respondent ID is R- and twelve hex digits and differs by source", func(t *testing.T) {
		a, b := p1.RespondentID("survey", "R_3kXy"), p1.RespondentID("other", "R_3kXy")
		if !regexp.MustCompile(`^R-[0-9a-f]{12}$`).MatchString(a) || a == b {
			t.Fatalf("%q, %q", a, b)
		}
		if p1.RespondentID("survey", a) != a {
			t.Fatal("pseudonymizing an ID twice changed it")
		}
	})
}

func TestKeyFile(t *testing.T) {
	t.Run("a missing key file is created with mode 0600 in a 0700 folder", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "secrets", "study.key")
		p := newTest(t, Options{KeyFile: path})
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := os.ReadFile(path)
		if len(strings.TrimSpace(string(data))) != 64 {
			t.Fatalf("key file holds %q", data)
		}
		if runtime.GOOS != "windows" {
			di, _ := os.Stat(filepath.Dir(path))
			if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
				t.Fatalf("modes %v and %v", fi.Mode().Perm(), di.Mode().Perm())
			}
		}
		if len(p.Warnings()) != 0 {
			t.Fatalf("warnings %q", p.Warnings())
		}
	})
	t.Run("a key file others may read gives a warning", func(t *testing.T) {
		if runtime.GOOS == "windows" {
			t.Skip("no Unix modes")
		}
		path := filepath.Join(t.TempDir(), "key")
		os.WriteFile(path, []byte(strings.Repeat("ab", 32)+"\n"), 0o644)
		os.Chmod(path, 0o644)
		p := newTest(t, Options{KeyFile: path})
		if w := p.Warnings(); len(w) != 1 || !strings.Contains(w[0], "chmod 600") {
			t.Fatalf("warnings %q", w)
		}
	})
	t.Run("a malformed key file is an error naming the file", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "key")
		os.WriteFile(path, []byte("not a key"), 0o600)
		_, err := New(Options{KeyFile: path})
		if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "delete it") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("an unreadable key file is an error naming the file", func(t *testing.T) {
		path := t.TempDir() // a folder cannot be read as a file
		_, err := New(Options{KeyFile: path})
		if err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("no key file configured is an error", func(t *testing.T) {
		if _, err := New(Options{}); err == nil {
			t.Fatal("no error")
		}
	})
	t.Run("a missing names file is an error naming it", func(t *testing.T) {
		_, err := New(Options{KeyFile: filepath.Join(t.TempDir(), "key"), NamesFile: "nope.txt"})
		if err == nil || !strings.Contains(err.Error(), "nope.txt") {
			t.Fatalf("error %v", err)
		}
	})
}

func TestUnitAndRespondent(t *testing.T) {
	p := newTest(t, Options{})
	t.Run("a unit's text, respondent, speaker and ID are pseudonymized", func(t *testing.T) {
		u := study.Unit{Source: "interviews", File: "a.txt", Respondent: "Wietske", Speaker: "Wietske Hoogland", Seq: 3, Position: "line 4",
			Text: "Ik ben Wietske, bel me op 06-12345678."}
		u.ID = study.MakeUnitID(u)
		got := p.Unit(u, nil)
		if strings.Contains(got.Text, "Wietske") || strings.Contains(got.Text, "0612") || strings.Contains(got.ID, "Wietske") {
			t.Fatalf("raw data left: %+v", got)
		}
		if got.Speaker != p.Text("Wietske Hoogland", []string{"wietske  hoogland"}) || !tokenShape.MatchString(got.Speaker) {
			t.Fatalf("speaker %q", got.Speaker)
		}
		if got.ID != study.MakeUnitID(got) || got.Position != "line 4" || got.Seq != 3 {
			t.Fatalf("unit %+v", got)
		}
		if !strings.Contains(got.Text, got.Speaker) {
			t.Fatalf("the speaker's first name in the text should share the speaker's pseudonym: %q vs %q", got.Text, got.Speaker)
		}
	})
	for _, role := range []string{"Interviewer", "I", "R", "Int", "Respondent", "Interviewee", "Moderator", "Spreker 2"} {
		t.Run("the role label "+role+" stays", func(t *testing.T) {
			if got := p.Unit(study.Unit{Speaker: role, Text: "ja"}, nil); got.Speaker != role {
				t.Fatalf("speaker %q", got.Speaker)
			}
		})
	}
	t.Run("a respondent's ID and free text in closed answers are pseudonymized", func(t *testing.T) {
		r := study.Respondent{ID: "R_abc", Source: "s", Closed: map[string]string{"Q1_other": "mijn collega Bakker", "Q2": "4"}, Attributes: map[string]string{"sector": "jeugd"}}
		got := p.Respondent(r)
		if got.ID == "R_abc" || strings.Contains(got.Closed["Q1_other"], "Bakker") || got.Closed["Q2"] != "4" || got.Attributes["sector"] != "jeugd" {
			t.Fatalf("respondent %+v", got)
		}
		if r.Closed["Q1_other"] != "mijn collega Bakker" {
			t.Fatal("the caller's map was changed")
		}
	})
	t.Run("attributes are pseudonymized, since breakdowns print them", func(t *testing.T) {
		r := study.Respondent{ID: "R_abc", Source: "s", Attributes: map[string]string{"team": "Team van mevrouw Bakker, 06-12345678", "regio": "Oost"}}
		got := p.Respondent(r)
		if strings.Contains(got.Attributes["team"], "Bakker") || strings.Contains(got.Attributes["team"], "12345678") || !strings.Contains(got.Attributes["team"], "[PERSOON-") || !strings.Contains(got.Attributes["team"], "[TELEFOON-") {
			t.Fatalf("attribute team %q", got.Attributes["team"])
		}
		if got.Attributes["regio"] != "Oost" || r.Attributes["team"] != "Team van mevrouw Bakker, 06-12345678" {
			t.Fatalf("respondent %+v, caller's %+v", got, r)
		}
	})
}

func TestScan(t *testing.T) {
	p := newTest(t, Options{})
	text := "Kees belde 06-12345678 en 06-87654321; mail kees@x.nl."
	got := p.Scan(text, nil)
	want := map[Kind]int{Person: 1, Phone: 2, Email: 1}
	for _, k := range Kinds() {
		if got[k] != want[k] {
			t.Errorf("Scan counted %d %s, want %d", got[k], k, want[k])
		}
	}
	if !slices.IsSorted(Kinds()) || len(Kinds()) != 10 {
		t.Errorf("Kinds() = %v", Kinds())
	}
}
