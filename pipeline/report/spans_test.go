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
		{"a single span is marked", "de werkdruk is hoog", []study.Span{{3, 11}}, "de [werkdruk] is hoog"},
		{"overlapping spans merge", "abcdef", []study.Span{{1, 3}, {2, 5}}, "a[bcde]f"},
		{"spans out of range are clamped", "abc", []study.Span{{-4, 99}}, "[abc]"},
		{"a span starting inside a multi-byte rune widens to that rune", "één", []study.Span{{1, 4}}, "[éé]n"},
		{"an empty span marks nothing", "abc", []study.Span{{2, 2}}, "abc"},
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
