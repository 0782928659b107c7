package privacy

import (
	"path/filepath"
	"testing"
)

func TestSmoke(t *testing.T) {
	p, err := New(Options{KeyFile: filepath.Join(t.TempDir(), "k", "key"), Names: []string{"Yolanda Dekker"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"Ik sprak Kees de Vries gisteren. Fatima zei dat het goed ging.",
		"Bel me op 06-12345678 of 06 1234 5678 of +31 6 12345678 of 0031 6 12345678, 020-1234567, 010 123 4567.",
		"Belgisch: +32 470 12 34 56 en 0470/12.34.56. BSN 111222333 en 1112.22.333, niet 123456789.",
		"IBAN NL91 ABNA 0417 1643 00 en NL91ABNA0417164300 maar niet NL91 ABNA 0417 1643 01.",
		"Ze woont op Kerkweg 3a, 1234 AB Utrecht en vroeger in de Stationsstraat 12.",
		"Geboren op 12-03-1980, geb. 12 maart 1980, geboortedatum: 1980-03-12. Op 12-03-2024 was er overleg.",
		"Zie linkedin.com/in/kees-devries en @keesdv en kees@example.nl.",
		"Mevrouw De Vries en dhr. Van den Berg en collega Sanne en mijn cliënt Ahmed en Mr. Smith.",
		"In 2024 deed 90% van ons 8 gesprekken per dag in Utrecht. De werkdruk is hoog. Dan gaan we door. Wil je koffie?",
		"Rijksregister 85.07.30-033.28 en Yolanda Dekker belde.",
	} {
		t.Logf("%s\n -> %s\n %v", s, p.Text(s, []string{"Jan Bakker"}), p.Scan(s, nil))
	}
}
