package analysis

import "testing"

func TestMaskStatesWhatIsTrueOfTheHiddenCount(t *testing.T) {
	m := &model{in: Input{MinCell: 5}, minCell: 5}
	cases := []struct {
		name     string
		n, total int
		want     string
	}{
		{"a small count is shown as below the minimum", 3, 100, "<5"},
		{"a count whose complement is small is shown as above total minus the minimum", 98, 100, ">95"},
		{"a count hidden only to protect another is shown as x", 40, 100, "x"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := m.mask(c.n, c.total); got != c.want {
				t.Errorf("mask(%d, %d) = %q, want %q", c.n, c.total, got, c.want)
			}
		})
	}
}
