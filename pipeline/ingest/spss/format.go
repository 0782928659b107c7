package spss

import (
	"math"
	"strconv"
	"strings"
)

// SPSS format type codes (PSPP's numbering, as stored in the file).
const (
	fmtA        = 1
	fmtAHEX     = 2
	fmtCOMMA    = 3
	fmtDOLLAR   = 4
	fmtF        = 5
	fmtN        = 16
	fmtE        = 17
	fmtDATE     = 20
	fmtTIME     = 21
	fmtDATETIME = 22
	fmtADATE    = 23
	fmtJDATE    = 24
	fmtDTIME    = 25
	fmtWKDAY    = 26
	fmtMONTH    = 27
	fmtMOYR     = 28
	fmtQYR      = 29
	fmtWKYR     = 30
	fmtPCT      = 31
	fmtDOT      = 32
	fmtEDATE    = 38
	fmtSDATE    = 39
	fmtMTIME    = 40
	fmtYMDHMS   = 41
)

var fmtNames = map[int]string{
	1: "A", 2: "AHEX", 3: "COMMA", 4: "DOLLAR", 5: "F", 6: "IB", 7: "PIBHEX", 8: "P",
	9: "PIB", 10: "PK", 11: "RB", 12: "RBHEX", 15: "Z", 16: "N", 17: "E", 20: "DATE",
	21: "TIME", 22: "DATETIME", 23: "ADATE", 24: "JDATE", 25: "DTIME", 26: "WKDAY",
	27: "MONTH", 28: "MOYR", 29: "QYR", 30: "WKYR", 31: "PCT", 32: "DOT", 33: "CCA",
	34: "CCB", 35: "CCC", 36: "CCD", 37: "CCE", 38: "EDATE", 39: "SDATE", 40: "MTIME",
	41: "YMDHMS",
}

// isCalendarDate reports formats that show a day, not a time of day; SPSS
// never gives them decimals.
func isCalendarDate(t int) bool {
	switch t {
	case fmtDATE, fmtADATE, fmtEDATE, fmtJDATE, fmtSDATE, fmtMOYR, fmtQYR, fmtWKYR, fmtWKDAY, fmtMONTH:
		return true
	}
	return false
}

func isTimeFormat(t int) bool {
	return t == fmtTIME || t == fmtDATETIME || t == fmtDTIME || t == fmtMTIME || t == fmtYMDHMS
}

// setFormat decodes the packed print format (type<<16 | width<<8 | decimals).
func setFormat(v *Variable, packed uint32) {
	t := int(packed >> 16 & 0xff)
	w := int(packed >> 8 & 0xff)
	d := int(packed & 0xff)
	if v.Type == String {
		v.fmtType = fmtA
		if t == fmtAHEX {
			v.Format = "AHEX" + strconv.Itoa(2*v.Width)
		} else {
			v.Format = "A" + strconv.Itoa(v.Width)
		}
		return
	}
	name, ok := fmtNames[t]
	if !ok || t == fmtA || t == fmtAHEX || w == 0 || d > 16 {
		// PSPP substitutes F8.2 for a numeric variable with an unusable
		// format; doing the same keeps the numbers readable.
		t, name, w, d = fmtF, "F", 8, 2
	}
	v.fmtType = t
	v.fmtWidth = w
	v.Decimals = d
	switch {
	case isCalendarDate(t):
		v.Decimals = 0
		v.Format = name + strconv.Itoa(w)
	case isTimeFormat(t) && d == 0:
		v.Format = name + strconv.Itoa(w)
	default:
		v.Format = name + strconv.Itoa(w) + "." + strconv.Itoa(d)
	}
}

// Display renders val the way SPSS's Data View shows it: numbers with the
// print format's decimals, dates as yyyy-mm-dd, date-times as
// yyyy-mm-dd hh:mm:ss, times as hh:mm:ss, strings as stored (trailing
// blanks removed). System-missing gives "". User-missing values are shown
// as their value, as SPSS does; use IsMissing to drop them.
func (v Variable) Display(val Value) string {
	if val.IsString {
		return val.Str
	}
	if val.SysMissing || math.IsNaN(val.Num) {
		return ""
	}
	x := val.Num
	if math.IsInf(x, 0) {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	d := v.Decimals
	if d < 0 || d > 16 {
		d = 0
	}
	if v.fmtType == 0 {
		// A Variable built by hand or decoded from JSON has only Format.
		v.fmtType, v.fmtWidth = parseFormat(v.Format)
	}
	switch v.fmtType {
	case fmtDATE, fmtADATE, fmtEDATE, fmtJDATE, fmtSDATE, fmtMOYR, fmtQYR, fmtWKYR:
		if s, ok := spssDateTime(x, 0, false); ok {
			return s[:10]
		}
	case fmtDATETIME, fmtYMDHMS:
		if s, ok := spssDateTime(x, d, true); ok {
			return s
		}
	case fmtTIME:
		return clock(x, d, false, true)
	case fmtDTIME:
		return clock(x, d, true, true)
	case fmtMTIME:
		return clock(x, d, false, false)
	case fmtWKDAY:
		if x >= 1 && x <= 7 && x == math.Trunc(x) {
			return weekdays[int(x)-1]
		}
	case fmtMONTH:
		if x >= 1 && x <= 12 && x == math.Trunc(x) {
			return months[int(x)-1]
		}
	case fmtCOMMA:
		return group(x, d, ',', '.')
	case fmtDOT:
		return group(x, d, '.', ',')
	case fmtDOLLAR:
		s := group(math.Abs(x), d, ',', '.')
		if x < 0 {
			return "-$" + s
		}
		return "$" + s
	case fmtPCT:
		return fixed(x, d) + "%"
	case fmtE:
		return strconv.FormatFloat(x, 'E', d, 64)
	case fmtN:
		if x >= 0 && x < 1e15 {
			s := fixed(x, 0)
			if len(s) < v.fmtWidth {
				s = strings.Repeat("0", v.fmtWidth-len(s)) + s
			}
			return s
		}
	}
	return fixed(x, d)
}

// fixed formats x with d decimals, rounding halves away from zero as SPSS
// does (strconv rounds the binary value, so 0.125 would become 0.12), and
// never shows a negative zero.
func fixed(x float64, d int) string {
	if p := math.Pow10(d); math.Abs(x)*p < 1e15 {
		x = math.Round(x*p) / p
	}
	s := strconv.FormatFloat(x, 'f', d, 64)
	if strings.HasPrefix(s, "-") && strings.Trim(s, "-0.") == "" {
		s = s[1:]
	}
	return s
}

// parseFormat reads the type and width from a format string like "DATE11".
func parseFormat(f string) (typ, width int) {
	i := strings.IndexAny(f, "0123456789")
	if i < 0 {
		i = len(f)
	}
	for code, name := range fmtNames {
		if name == strings.ToUpper(f[:i]) {
			typ = code
		}
	}
	w, _, _ := strings.Cut(f[i:], ".")
	width, _ = strconv.Atoi(w)
	return typ, width
}

var weekdays = []string{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"}
var months = []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}

// group formats x with thousands separators, as COMMA and DOT formats do.
func group(x float64, d int, sep, point byte) string {
	s := fixed(math.Abs(x), d)
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	if x < 0 && strings.Trim(s, "0.") != "" {
		b.WriteByte('-')
	}
	for i := range len(intPart) {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(sep)
		}
		b.WriteByte(intPart[i])
	}
	if frac != "" {
		b.WriteByte(point)
		b.WriteString(frac)
	}
	return b.String()
}

// SPSS counts dates in seconds from the start of the Gregorian calendar,
// 1582-10-14. daysToGregorian is that day in days since 1970-01-01.
const spssEpochDays = -141428

// maxDateSeconds keeps date arithmetic far from int64 overflow; it is
// about the year 300,000.
const maxDateSeconds = 1e13

// spssDateTime renders seconds since 1582-10-14 as "yyyy-mm-dd hh:mm:ss",
// with d decimals on the seconds.
func spssDateTime(x float64, d int, withTime bool) (string, bool) {
	if math.Abs(x) > maxDateSeconds {
		return "", false
	}
	scale := math.Pow10(d)
	units := math.Round(x * scale) // in 10^-d seconds
	perDay := 86400 * scale
	days := math.Floor(units / perDay)
	rest := units - days*perDay
	y, m, dd := civil(int64(days) + spssEpochDays)
	var b strings.Builder
	if y < 0 || y > 9999 {
		b.WriteString(strconv.FormatInt(y, 10))
	} else {
		pad(&b, y, 4)
	}
	b.WriteByte('-')
	pad(&b, m, 2)
	b.WriteByte('-')
	pad(&b, dd, 2)
	if withTime {
		b.WriteByte(' ')
		b.WriteString(hms(rest, d, scale))
	}
	return b.String(), true
}

// hms renders units (in 10^-d seconds, less than a day unless from TIME)
// as hh:mm:ss[.fff].
func hms(units float64, d int, scale float64) string {
	whole := int64(units / scale)
	frac := int64(units - float64(whole)*scale)
	var b strings.Builder
	pad(&b, whole/3600, 2)
	b.WriteByte(':')
	pad(&b, whole/60%60, 2)
	b.WriteByte(':')
	pad(&b, whole%60, 2)
	if d > 0 {
		b.WriteByte('.')
		pad(&b, frac, d)
	}
	return b.String()
}

// clock renders a duration for TIME (hh:mm:ss, hours may exceed 24),
// DTIME (days hh:mm:ss) and MTIME (mm:ss, minutes may exceed 60).
func clock(x float64, d int, days, hours bool) string {
	if math.Abs(x) > maxDateSeconds {
		return strconv.FormatFloat(x, 'f', d, 64)
	}
	scale := math.Pow10(d)
	units := math.Round(math.Abs(x) * scale)
	sign := ""
	if x < 0 && units > 0 {
		sign = "-"
	}
	var b strings.Builder
	b.WriteString(sign)
	switch {
	case days:
		day := int64(units / (86400 * scale))
		b.WriteString(strconv.FormatInt(day, 10))
		b.WriteByte(' ')
		b.WriteString(hms(units-float64(day)*86400*scale, d, scale))
	case hours:
		b.WriteString(hms(units, d, scale))
	default:
		whole := int64(units / scale)
		pad(&b, whole/60, 2)
		b.WriteByte(':')
		pad(&b, whole%60, 2)
		if d > 0 {
			b.WriteByte('.')
			pad(&b, int64(units-float64(whole)*scale), d)
		}
	}
	return b.String()
}

func pad(b *strings.Builder, v int64, n int) {
	s := strconv.FormatInt(v, 10)
	for i := len(s); i < n; i++ {
		b.WriteByte('0')
	}
	b.WriteString(s)
}

// civil converts days since 1970-01-01 to a proleptic Gregorian date
// (Howard Hinnant's algorithm), avoiding time.Time's range limits.
func civil(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}
