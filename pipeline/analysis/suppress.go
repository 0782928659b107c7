package analysis

// suppressGrid decides which cells of a code×group table are suppressed.
// n[r][c] is the count of row r (a code) in column c (a group), tot[c] the
// column's total printed beside every cell, rest[r] the row's count among
// respondents not shown in any column and restTot their number.
//
// Primary suppression hides a cell whose count or complement (tot-n) is
// sensitive. Complementary suppression then makes sure no hidden cell can
// be recovered by subtraction: the row total is published (overall
// prevalence), so a row whose only hidden cell needs protection gets a
// second hidden cell. The never-shown remainder counts as hidden, and needs
// protection itself when it is sensitive. Columns are not additive (a
// respondent carries several codes), but parents roll up children, so we
// apply the same rule to columns to be safe. The cell hidden second is the
// smallest non-zero one, which costs the reader least; we repeat until
// nothing changes, which terminates because cells are only ever added.
func suppressGrid(n [][]int, tot []int, rest []int, restTot int, sensitive func(int) bool) [][]bool {
	rows := len(n)
	s := make([][]bool, rows)
	for r := range n {
		s[r] = make([]bool, len(n[r]))
		for c := range n[r] {
			t := 0
			if c < len(tot) {
				t = tot[c]
			}
			s[r][c] = sensitive(n[r][c]) || sensitive(t-n[r][c])
		}
	}
	// pick hides the cheapest visible cell among cells; false if none.
	pick := func(cells [][2]int) bool {
		best := [2]int{-1, -1}
		better := func(a, b [2]int) bool {
			na, nb := n[a[0]][a[1]], n[b[0]][b[1]]
			if (na == 0) != (nb == 0) {
				return nb == 0
			}
			return na < nb
		}
		for _, rc := range cells {
			if s[rc[0]][rc[1]] {
				continue
			}
			if best[0] < 0 || better(rc, best) {
				best = rc
			}
		}
		if best[0] < 0 {
			return false
		}
		s[best[0]][best[1]] = true
		return true
	}
	for changed := true; changed; {
		changed = false
		for r := range n {
			suppressed, cells := 0, make([][2]int, 0, len(n[r]))
			for c := range n[r] {
				cells = append(cells, [2]int{r, c})
				if s[r][c] {
					suppressed++
				}
			}
			hidden, needs := suppressed, suppressed > 0
			if restTot > 0 && r < len(rest) {
				hidden++
				needs = needs || sensitive(rest[r]) || sensitive(restTot-rest[r])
			}
			if hidden == 1 && needs && pick(cells) {
				changed = true
			}
		}
		cols := 0
		for r := range n {
			cols = max(cols, len(n[r]))
		}
		if rows < 2 {
			continue
		}
		for c := range cols {
			hidden, cells := 0, make([][2]int, 0, rows)
			for r := range n {
				if c < len(n[r]) {
					cells = append(cells, [2]int{r, c})
					if s[r][c] {
						hidden++
					}
				}
			}
			if hidden == 1 && len(cells) > 1 && pick(cells) {
				changed = true
			}
		}
	}
	return s
}
