package privacy

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

// TestRespondentIDCache holds RespondentID, which remembers recent IDs, to
// the HMAC it would compute afresh, over more IDs than it remembers, met
// again in shuffled order and from two sources that share raw IDs.
func TestRespondentIDCache(t *testing.T) {
	p := newTest(t, Options{})
	plain := func(source, raw string) string {
		if isRespondentToken(raw) {
			return raw
		}
		var b strings.Builder
		b.WriteString("R-")
		p.writeSum(&b, 6, "respondent", source, raw)
		return b.String()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var ids []string
	for i := range 3 * idSlots {
		ids = append(ids, "R_"+strconv.Itoa(i), strconv.Itoa(i), "x\x00"+strconv.Itoa(i%97))
	}
	ids = append(ids, "", "R-0123456789ab", "R-0123456789AB", "R-0123456789abc", "R-012345678g9a")
	for round := range 3 {
		rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
		for _, raw := range ids {
			for _, source := range []string{"survey", "survey\x00x", "", "s"} {
				if got, want := p.RespondentID(source, raw), plain(source, raw); got != want {
					t.Fatalf("round %d: RespondentID(%q, %q) = %q, want %q", round, source, raw, got, want)
				}
			}
		}
	}
}

// TestRespondentValues holds Respondent's values, remembered per value
// and returned in the input map when none changes, to Text on each value,
// over the generated corpus and over values with personal data met once
// and again.
func TestRespondentValues(t *testing.T) {
	p := fixedKeyPseudonymizer(t)
	fresh := fixedKeyPseudonymizer(t)
	rs, _ := generated(t, 2000)
	extra := []string{"mevrouw Bakker", "06-12345678", "jeugd", "Oost", "Team van Kees de Vries", strings.Repeat("Kees ", 40), "", "Eens"}
	for i, v := range extra {
		rs = append(rs, rs[0], rs[1])
		rs[len(rs)-2].Closed = map[string]string{"q" + strconv.Itoa(i): v, "x": "Oost"}
		rs[len(rs)-1].Attributes = map[string]string{"team": v}
	}
	for round := range 2 {
		for _, r := range rs {
			before := maps.Clone(r.Closed)
			got := p.Respondent(r)
			for name, m := range map[string][2]map[string]string{"closed": {r.Closed, got.Closed}, "attributes": {r.Attributes, got.Attributes}} {
				in, out := m[0], m[1]
				if (in == nil) != (out == nil) || len(in) != len(out) {
					t.Fatalf("round %d: %s %v became %v", round, name, in, out)
				}
				for k, v := range in {
					if want := fresh.Text(v, nil); out[k] != want {
						t.Fatalf("round %d: %s %q = %q became %q, want %q", round, name, k, v, out[k], want)
					}
				}
			}
			if !maps.Equal(before, r.Closed) {
				t.Fatalf("Respondent changed its argument's closed answers %v to %v", before, r.Closed)
			}
		}
	}
}

// TestRespondentConcurrent shares one Pseudonymizer's caches between
// goroutines, as the store pass and the claimer do; run with -race.
func TestRespondentConcurrent(t *testing.T) {
	p := newTest(t, Options{})
	want := map[string]string{}
	for i := range 2000 {
		raw := "R_" + strconv.Itoa(i)
		want[raw] = p.RespondentID("survey", raw)
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for i := range 20000 {
				raw := "R_" + strconv.Itoa((i*(g+1))%2000)
				if got := p.RespondentID("survey", raw); got != want[raw] {
					done <- fmt.Errorf("RespondentID(%q) = %q, want %q", raw, got, want[raw])
					return
				}
				r := p.Respondent(study.Respondent{ID: raw, Source: "survey", Attributes: map[string]string{"team": "Team " + strconv.Itoa(i%50) + " van mevrouw Bakker"}})
				if r.ID != want[raw] || strings.Contains(r.Attributes["team"], "Bakker") {
					done <- fmt.Errorf("Respondent(%q) = %+v", raw, r)
					return
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
