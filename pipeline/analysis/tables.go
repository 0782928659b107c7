package analysis

import "github.com/veldstem/veldstem/pipeline/study"

// This file is the contract between analysis (which fills the tables) and
// report (which renders them). Counts below the minimum cell size carry
// Suppressed=true; renderers must show them as "<MinCell" and never print
// the number. Percentages and interval bounds are in percent (0..100).

// Tables is everything the analysis stage computes for one run.
type Tables struct {
	Study    string // study name
	Language string // "nl" or "en": language of labels
	MinCell  int
	Codes    []CodeInfo // codebook order
	Sources  []SourceSummary
	Waves    []string // sorted; empty when the study has no waves

	Prevalence   []Prevalence // per code, respondent level then unit level
	Breakdowns   []Breakdown  // one per attribute, in config order
	Cooccurrence []Cooccurrence
	Likert       []LikertItem
	WavePrev     []Prevalence // per code and wave (Wave set), respondent level
	WaveChanges  []WaveChange
	Agreement    []Agreement // auto vs gold, and gold vs second coder if given
	Quotes       []Quote     // per code, codebook order, at most per_code each
	// Findings are short sentences for the report's summary, in the study's
	// language, derived from the tables above (largest codes, significant
	// differences after adjustment, wave changes whose interval excludes 0).
	Findings []string
}

// CodeInfo describes one code for rendering.
type CodeInfo struct {
	ID          string
	LabelNL     string
	LabelEN     string
	Parent      string
	Depth       int // 0 for top-level codes
	Color       string
	Description string
}

// SourceSummary counts what one source contributed.
type SourceSummary struct {
	Name        string
	Type        string // survey | transcript
	Wave        string
	Files       int
	Respondents int
	Units       int // coded units (context turns excluded)
}

// Level is the unit of analysis of a count.
type Level string

// Levels of analysis.
const (
	RespondentLevel Level = "respondent"
	UnitLevel       Level = "unit"
)

// Prevalence is the share of respondents (or units) carrying a code.
type Prevalence struct {
	Code       string
	Level      Level
	Wave       string // set only in Tables.WavePrev
	N          int    // carrying the code (unweighted count)
	Total      int    // denominator (unweighted count)
	Pct        float64
	CILow      float64 // 95% Wilson interval, percent
	CIHigh     float64
	NEff       float64 // Kish effective sample size when weighted, else Total
	Suppressed bool    // N (or Total-N) below MinCell
	// Mask is what renderers print instead of a suppressed N: "<5" when
	// N is small, ">95" when Total-N is small (N=98 of 100 would single out
	// the two without the code), so the printed text is always true.
	Mask string
}

// Breakdown crosses every code with one attribute at respondent level.
type Breakdown struct {
	Attribute string
	Groups    []string // sorted; respondents without a value are left out
	GroupN    []int    // respondents per group, same order as Groups
	Cells     []BreakdownCell
	Tests     []Test // one per code, codebook order
}

// BreakdownCell is one code within one group.
type BreakdownCell struct {
	Code       string
	Group      string
	N          int
	Total      int
	Pct        float64 // column percent
	CILow      float64
	CIHigh     float64
	Suppressed bool // this cell or its complement is suppressed
	// Mask is printed instead of a suppressed N: "<5" (N small), ">95"
	// (Total-N small) or "x" (hidden only so that another hidden cell
	// cannot be recovered from the totals; its size is not bounded).
	Mask string
}

// Test is a test of independence between a code and an attribute.
type Test struct {
	Code     string
	Method   string // "chi2" or "fisher"
	Chi2     float64
	DF       int
	P        float64
	PAdj     float64 // Benjamini-Hochberg across codes within the attribute
	CramersV float64
	Valid    bool // false when the table is degenerate (one group, all same)
	// Masked is set when a cell of the code's row is suppressed: an exact
	// statistic with the published margins could give the hidden count back
	// (in a 2×2 table chi-square determines it). Chi2 and CramersV are then
	// zeroed, and renderers print P and PAdj only as bands (PBand).
	Masked bool
}

// PBand states a p-value as a band ("<0.001", "<0.01", "<0.05", "≥0.05"),
// for masked tests.
func PBand(p float64) string {
	switch {
	case p < 0.001:
		return "<0.001"
	case p < 0.01:
		return "<0.01"
	case p < 0.05:
		return "<0.05"
	default:
		return "≥0.05"
	}
}

// Cooccurrence counts respondents carrying both codes.
type Cooccurrence struct {
	CodeA      string
	CodeB      string
	N          int
	Jaccard    float64
	Suppressed bool
}

// LikertItem summarises one scale item overall and by attribute.
type LikertItem struct {
	Item       string
	Label      string
	Scale      []string // lowest first
	Counts     []int    // per scale point
	N          int
	Median     float64
	AgreePct   float64 // top-two box, percent
	CILow      float64
	CIHigh     float64
	Suppressed []bool // per scale point
	By         []LikertGroup
}

// LikertGroup is a Likert summary within one attribute group.
type LikertGroup struct {
	Attribute  string
	Group      string
	N          int
	Median     float64
	AgreePct   float64
	CILow      float64
	CIHigh     float64
	Suppressed bool
}

// WaveChange is the change in respondent-level prevalence between two
// consecutive waves, with a Newcombe (hybrid Wilson) 95% interval.
type WaveChange struct {
	Code     string
	From, To string
	PctFrom  float64
	PctTo    float64
	Diff     float64 // To - From, percentage points
	CILow    float64
	CIHigh   float64
}

// Agreement compares two codings of the same units.
type Agreement struct {
	CoderA        string // e.g. "veldstem"
	CoderB        string // e.g. "gold"
	Rows          []AgreementRow
	Overall       AgreementRow // Code = "" ; pooled over codes
	Disagreements []Disagreement
}

// AgreementRow holds agreement statistics for one code.
type AgreementRow struct {
	Code      string
	NUnits    int
	Kappa     float64
	Alpha     float64 // Krippendorff's alpha, nominal
	Precision float64 // of A against B
	Recall    float64
	F1        float64
	PrevA     float64 // percent of units A codes
	PrevB     float64
}

// Disagreement is one unit on which the coders differ for one code.
type Disagreement struct {
	UnitID string
	Code   string
	A, B   bool
	Text   string // pseudonymized unit text
}

// Quote is an illustrative, pseudonymized quote for one code.
type Quote struct {
	Code   string
	UnitID string
	Source string
	Text   string
	Spans  []study.Span // matched terms to highlight
}
