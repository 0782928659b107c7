package spss

import (
	"math"
	"testing"
)

func numVar(fmtType, w, d int) Variable {
	v := Variable{Type: Numeric, Width: 8}
	setFormat(&v, uint32(fmtType<<16|w<<8|d))
	return v
}

// day is one day in SPSS time units (seconds).
const day = 86400.0

func TestDisplay(t *testing.T) {
	// Seconds from the SPSS epoch (1582-10-14) to 2025-10-14.
	const oct2025 = 13979779200.0
	tests := []struct {
		name   string
		v      Variable
		val    Value
		want   string
		format string
	}{
		{"an F8.2 number keeps two decimals", numVar(fmtF, 8, 2), Value{Num: 1.1}, "1.10", "F8.2"},
		{"an F8.0 number is rounded", numVar(fmtF, 8, 0), Value{Num: 2.5000001}, "3", "F8.0"},
		{"a negative zero is shown without a sign", numVar(fmtF, 8, 1), Value{Num: -0.01}, "0.0", "F8.1"},
		{"system-missing is empty", numVar(fmtF, 8, 2), Value{SysMissing: true}, "", "F8.2"},
		{"COMMA groups thousands", numVar(fmtCOMMA, 12, 2), Value{Num: -1234567.891}, "-1,234,567.89", "COMMA12.2"},
		{"DOT groups with dots and a decimal comma", numVar(fmtDOT, 12, 1), Value{Num: 1234567.25}, "1.234.567,3", "DOT12.1"},
		{"DOLLAR puts the sign before the dollar", numVar(fmtDOLLAR, 10, 2), Value{Num: -1234.5}, "-$1,234.50", "DOLLAR10.2"},
		{"PCT appends a percent sign", numVar(fmtPCT, 6, 1), Value{Num: 12.34}, "12.3%", "PCT6.1"},
		{"E uses scientific notation", numVar(fmtE, 10, 2), Value{Num: 12345}, "1.23E+04", "E10.2"},
		{"N pads with zeros", numVar(fmtN, 5, 0), Value{Num: 42}, "00042", "N5.0"},
		{"DATE is the calendar date", numVar(fmtDATE, 11, 0), Value{Num: oct2025}, "2025-10-14", "DATE11"},
		{"the SPSS epoch is 1582-10-14", numVar(fmtDATE, 11, 0), Value{Num: 0}, "1582-10-14", "DATE11"},
		{"ADATE is shown as ISO, not US order", numVar(fmtADATE, 10, 0), Value{Num: oct2025 + day}, "2025-10-15", "ADATE10"},
		{"a date with a time of day shows only the day", numVar(fmtEDATE, 10, 0), Value{Num: oct2025 + 0.75*day}, "2025-10-14", "EDATE10"},
		{"DATETIME shows seconds", numVar(fmtDATETIME, 20, 0), Value{Num: oct2025 + 9*3600 + 30*60 + 15}, "2025-10-14 09:30:15", "DATETIME20"},
		{"DATETIME rounds to the shown second", numVar(fmtDATETIME, 20, 0), Value{Num: oct2025 + day - 0.2}, "2025-10-15 00:00:00", "DATETIME20"},
		{"DATETIME with decimals shows fractions", numVar(fmtDATETIME, 23, 2), Value{Num: oct2025 + 1.25}, "2025-10-14 00:00:01.25", "DATETIME23.2"},
		{"TIME can exceed 24 hours", numVar(fmtTIME, 8, 0), Value{Num: 26*3600 + 61}, "26:01:01", "TIME8"},
		{"TIME keeps a negative sign", numVar(fmtTIME, 8, 0), Value{Num: -90}, "-00:01:30", "TIME8"},
		{"DTIME shows days", numVar(fmtDTIME, 12, 0), Value{Num: 2*day + 3661}, "2 01:01:01", "DTIME12"},
		{"MTIME shows minutes and seconds", numVar(fmtMTIME, 8, 1), Value{Num: 3725.5}, "62:05.5", "MTIME8.1"},
		{"WKDAY names the day", numVar(fmtWKDAY, 9, 0), Value{Num: 2}, "Monday", "WKDAY9"},
		{"MONTH names the month", numVar(fmtMONTH, 9, 0), Value{Num: 10}, "October", "MONTH9"},
		{"a date too far out falls back to the number", numVar(fmtDATE, 11, 0), Value{Num: 1e20}, "100000000000000000000", "DATE11"},
		{"an unknown format code falls back to F8.2", numVar(99, 8, 0), Value{Num: 3}, "3.00", "F8.2"},
		{"a string shows as stored", Variable{Type: String, Width: 20, fmtType: fmtA}, Value{IsString: true, Str: "ideeën"}, "ideeën", ""},
		{"a hand-built Variable is formatted from its Format string", Variable{Type: Numeric, Format: "DATETIME20", Width: 8}, Value{Num: oct2025 + 61}, "2025-10-14 00:01:01", "DATETIME20"},
		{"a hand-built N variable pads to the Format width", Variable{Type: Numeric, Format: "N4"}, Value{Num: 7}, "0007", "N4"},
		{"infinity does not panic", numVar(fmtTIME, 8, 0), Value{Num: math.Inf(1)}, "+Inf", "TIME8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.format != "" && tc.v.Format != tc.format {
				t.Errorf("Format = %q, want %q", tc.v.Format, tc.format)
			}
			if got := tc.v.Display(tc.val); got != tc.want {
				t.Errorf("Display(%+v) = %q, want %q", tc.val, got, tc.want)
			}
		})
	}
}

func TestIsMissingAndLabelOf(t *testing.T) {
	v := Variable{Type: Numeric, Missing: MissingSpec{Values: []Value{{Num: 99}}, HasRange: true, Low: -math.MaxFloat64, High: 0},
		ValueLabels: []ValueLabel{{Value{Num: 1}, "Helemaal mee oneens"}, {Value{Num: 99}, "Weet niet"}}}
	s := Variable{Type: String, Missing: MissingSpec{Values: []Value{{IsString: true, Str: "nvt"}}},
		ValueLabels: []ValueLabel{{Value{IsString: true, Str: "nvt"}, "Niet van toepassing"}}}
	tests := []struct {
		name     string
		v        Variable
		val      Value
		missing  bool
		label    string
		labelled bool
	}{
		{"a discrete user-missing code is missing and keeps its label", v, Value{Num: 99}, true, "Weet niet", true},
		{"a value in the LO THRU 0 range is missing", v, Value{Num: -5}, true, "", false},
		{"a valid Likert answer is not missing and has its label", v, Value{Num: 1}, false, "Helemaal mee oneens", true},
		{"system-missing is missing and unlabelled", v, Value{SysMissing: true}, true, "", false},
		{"a string user-missing value is missing", s, Value{IsString: true, Str: "nvt"}, true, "Niet van toepassing", true},
		{"another string is not missing", s, Value{IsString: true, Str: "docent"}, false, "", false},
		{"a number never matches a string label", s, Value{Num: 0}, false, "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.v.IsMissing(tc.val); got != tc.missing {
				t.Errorf("IsMissing = %v, want %v", got, tc.missing)
			}
			lab, ok := tc.v.LabelOf(tc.val)
			if lab != tc.label || ok != tc.labelled {
				t.Errorf("LabelOf = %q, %v; want %q, %v", lab, ok, tc.label, tc.labelled)
			}
		})
	}
}
