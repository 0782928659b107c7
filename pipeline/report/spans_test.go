package report

import (
	"testing"

	"github.com/veldstem/veldstem/pipeline/study"
)

func TestMarkSpans(t *testing.T) {
	cases := []struct {
		name  string
		text  string
		spans []study.Span
		want  string // marked parts in [brackets]
	}{
		{"a single span is marked", "de werkdruk is hoog", []study.Span{{Start: 3, End: 11}}, "de [werkdruk] is hoog"},
		{"overlapping spans merge", "abcdef", []study.Span{{Start: 1, End: 3}, {Start: 2, End: 5}}, "a[bcde]f"},
		{"spans out of range are clamped", "abc", []study.Span{{Start: -4, End: 99}}, "[abc]"},
		{"a span starting inside a multi-byte rune widens to that rune", "één", []study.Span{{Start: 1, End: 4}}, "[éé]n"},
		{"an empty span marks nothing", "abc", []study.Span{{Start: 2, End: 2}}, "abc"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := ""
			for _, p := range markSpans(c.text, c.spans) {
				if p.Mark {
					got += "[" + p.Text + "]"
				} else {
					got += p.Text
				}
			}
			if got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
