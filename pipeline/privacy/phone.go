package privacy

import "strings"

// findPhones splits each run of digits and separators into groups and takes
// the longest runs of groups that form a phone number, so "06-12345678
// 06-87654321" gives two numbers and "tussen 2020 en 06-12345678" one.
func findPhones(text string, w [2]int, spans []span, exclude [][2]int) []span {
outer:
	for _, m := range phoneRE.FindAllStringIndex(text[w[0]:w[1]], -1) {
		start, end := w[0]+m[0], w[0]+m[1]
		if start > 0 && isLetterOrDigit(rune(text[start-1])) || end < len(text) && isLetter(rune(text[end])) {
			continue
		}
		for _, x := range exclude {
			if start < x[1] && x[0] < end {
				continue outer
			}
		}
		groups := digitGroups(text, start, end)
		for i := 0; i < len(groups); {
			found := false
			// A number starts and ends where a space or the run does: the
			// "07.30-033.29" inside "85.07.30-033.29" is no number.
			if i > 0 && !spaced(text[groups[i-1][1]:groups[i][0]]) {
				i++
				continue
			}
			for j := len(groups) - 1; j >= i; j-- {
				s, e := groups[i][0], groups[j][1]
				if j+1 < len(groups) && !spaced(text[e:groups[j+1][0]]) {
					continue
				}
				if text[s] == '+' || text[s] == '0' {
					if v, ok := phoneValue(text[s:e]); ok && !looksLikeDate(text[s:e]) {
						spans = append(spans, span{start: s, end: e, kind: Phone, value: v})
						i, found = j+1, true
						break
					}
				}
			}
			if !found {
				i++
			}
		}
	}
	return spans
}

// digitGroups returns the [start,end) of each digit group in text[start:end];
// a leading '+' belongs to its group.
func digitGroups(text string, start, end int) [][2]int {
	var gs [][2]int
	for i := start; i < end; {
		c := text[i]
		if c >= '0' && c <= '9' || c == '+' {
			j := i + 1
			for j < end && text[j] >= '0' && text[j] <= '9' {
				j++
			}
			gs = append(gs, [2]int{i, j})
			i = j
			continue
		}
		i++
	}
	return gs
}

// phoneValue accepts Dutch and Belgian numbers in national or international
// form and other international numbers with a '+', returning the number in
// international form (+31612345678) so spellings agree.
func phoneValue(s string) (string, bool) {
	if strings.Count(s, "+") > 1 || strings.Contains(s, "+") && s[0] != '+' {
		return "", false
	}
	d := onlyDigits(strings.Replace(s, "(0)", "", 1))
	intl := s[0] == '+'
	if !intl && strings.HasPrefix(d, "00") {
		d, intl = d[2:], true
	}
	if intl {
		switch {
		case strings.HasPrefix(d, "31"):
			rest := strings.TrimPrefix(d[2:], "0")
			return "+31" + rest, len(rest) == 9
		case strings.HasPrefix(d, "32"):
			rest := strings.TrimPrefix(d[2:], "0")
			return "+32" + rest, len(rest) == 8 || len(rest) == 9 && rest[0] == '4'
		}
		return "+" + d, s[0] == '+' && len(d) >= 9 && len(d) <= 15 && d[0] != '0'
	}
	if len(d) < 9 || d[0] != '0' || d[1] == '0' {
		return "", false
	}
	switch len(d) {
	case 10:
		// Dutch numbers and Belgian mobiles (04xx) both have ten digits.
		if d[1] == '4' && strings.HasPrefix(d, "04") && !dutchAreaFour(d) {
			return "+32" + d[1:], true
		}
		return "+31" + d[1:], true
	case 9:
		// Belgian landlines: 0 and eight digits.
		return "+32" + d[1:], true
	}
	return "", false
}

// dutchAreaFour tells Dutch area codes starting with 4 (Brabant, Zeeland,
// e.g. 040, 043, 0416) from Belgian mobiles (0460-0499).
func dutchAreaFour(d string) bool { return d[2] < '6' }

// looksLikeDate rejects digit runs that start like a date ("05-03-2024 10
// gesprekken"): day, month and a four-digit year between like separators.
func looksLikeDate(s string) bool {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '-' || r == '.' || r == '/' })
	if len(f) < 3 || len(f[0]) > 2 || len(f[1]) > 2 || len(f[2]) < 4 {
		return false
	}
	y := f[2][:4]
	return strings.HasPrefix(y, "19") || strings.HasPrefix(y, "20")
}

func spaced(sep string) bool { return strings.ContainsAny(sep, " \t\u00a0") }
