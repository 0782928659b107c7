package analysis

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/veldstem/veldstem/pipeline/spill"
	"github.com/veldstem/veldstem/pipeline/study"
)

// Spilling must not change a figure: the tables of studies large and
// small, weighted and not, with unlisted and repeated respondents, are
// the same when every record is a run of its own, when runs hold a few,
// and when all fit in memory.
func TestSpillingGivesTheSameTables(t *testing.T) {
	inputs := map[string]Input{
		"bench":      benchInput(2000, false),
		"weighted":   benchInput(2000, true),
		"unlisted":   withUnlistedRespondents(),
		"pseudonyms": withPseudonyms(benchInput(500, true)),
	}
	rng := rand.New(rand.NewPCG(8, 1))
	for i := range 20 {
		inputs[fmt.Sprintf("quotes%d", i)] = quoteInput(rng)
	}
	for _, name := range sortedKeys(inputs) {
		in := inputs[name]
		want, err := compute(in, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{1, 64, 300} {
			before := spill.Made()
			got, err := compute(in, limit)
			if err != nil {
				t.Fatal(err)
			}
			if spill.Made() == before {
				t.Fatalf("%s, limit %d: nothing spilled; the test proves nothing", name, limit)
			}
			if tablesDigest(t, got) != tablesDigest(t, want) {
				t.Errorf("%s: tables differ when the sorters spill every %d bytes", name, limit)
			}
		}
	}
}

// A zero byte in a source name would break the order of respondent keys.
func TestSourceNameWithAZeroByteIsRefused(t *testing.T) {
	in := Input{Units: []study.Unit{{ID: "u1", Source: "a\x00b", Respondent: "r", Question: "q", Text: "tekst"}}}
	if _, err := Compute(in); err == nil || !strings.Contains(err.Error(), "zero byte") {
		t.Errorf("err = %v, want one about the zero byte", err)
	}
}
