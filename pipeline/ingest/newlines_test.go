package ingest

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"golang.org/x/text/transform"
)

// newlinesByHand applies newlines to src fed in chunks of random size into
// destinations of random size, as transform.Reader may.
func newlinesByHand(src []byte, rng *rand.Rand) ([]byte, error) {
	t := &newlines{}
	var out []byte
	for len(src) > 0 {
		chunk := src[:min(len(src), 1+rng.IntN(9))]
		atEOF := len(chunk) == len(src)
		for len(chunk) > 0 {
			dst := make([]byte, 1+rng.IntN(7))
			nDst, nSrc, err := t.Transform(dst, chunk, atEOF)
			out = append(out, dst[:nDst]...)
			chunk, src = chunk[nSrc:], src[nSrc:]
			if err != nil && !errors.Is(err, transform.ErrShortDst) {
				return nil, err
			}
			if nDst == 0 && nSrc == 0 && err == nil {
				break
			}
		}
	}
	return out, nil
}

// The newlines transformer gives what normalizeText's rule gives on the
// whole text (NULs dropped first, then "\r\n" and a lone "\r" become
// "\n"), however its input and output are cut up.
func FuzzNewlines(f *testing.F) {
	for _, s := range []string{"a\r\nb", "a\r\x00\nb", "\r", "\r\r\n\n\x00", "plain text, no breaks", "x\ry\rz\r\n"} {
		f.Add([]byte(s), uint64(1))
	}
	f.Fuzz(func(t *testing.T, data []byte, seed uint64) {
		want := strings.ReplaceAll(string(data), "\x00", "")
		want = strings.ReplaceAll(want, "\r\n", "\n")
		want = strings.ReplaceAll(want, "\r", "\n")
		got, _, err := transform.Bytes(&newlines{}, data)
		if err != nil || string(got) != want {
			t.Fatalf("transform.Bytes(%q) = %q, %v; want %q", data, got, err, want)
		}
		got, err = newlinesByHand(data, rand.New(rand.NewPCG(seed, 1)))
		if err != nil || !bytes.Equal(got, []byte(want)) {
			t.Fatalf("in pieces, %q gave %q, %v; want %q", data, got, err, want)
		}
	})
}

func TestNewlinesRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	pieces := []string{"a", "bc", "\r", "\n", "\x00", "\r\n", " déf "}
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(30) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		data := []byte(b.String())
		want := strings.ReplaceAll(string(data), "\x00", "")
		want = strings.ReplaceAll(want, "\r\n", "\n")
		want = strings.ReplaceAll(want, "\r", "\n")
		got, err := newlinesByHand(data, rng)
		if err != nil || string(got) != want {
			t.Fatalf("%q gave %q, %v; want %q", data, got, err, want)
		}
	}
}
