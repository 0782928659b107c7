package study

// SourceType says whether a source holds survey exports or interview transcripts.
type SourceType string

// Source types accepted in config.
const (
	Survey     SourceType = "survey"
	Transcript SourceType = "transcript"
)

// Respondent is one person who answered: a survey response row, or an
// interviewee. ID is pseudonymous by the time it leaves the privacy stage.
type Respondent struct {
	// ID is unique within Source. Raw from ingest; pseudonymous after privacy.
	ID string
	// Source is the config name of the source the respondent came from.
	Source string
	// File is the input file, relative to the config's folder.
	File string
	// Wave labels the data collection round (e.g. "2025"); empty when the
	// study has one wave.
	Wave string
	// Weight is the survey weight; 0 means unweighted (counts as 1).
	Weight float64
	// Attributes are the respondent's characteristics for breakdowns, keyed
	// by the attribute name from config (e.g. "sector"). Missing values are
	// absent from the map, not empty strings.
	Attributes map[string]string
	// Likert holds scale items mapped to 1..k by the config's scale; items
	// not answered or not on the scale are absent.
	Likert map[string]int
	// Closed holds the raw closed answers by column name, for codebook rules
	// such as "workload when Q_werkdruk >= 4".
	Closed map[string]string
}

// Unit is one piece of text that gets coded: the answer of one respondent to
// one open question, or one speaker turn in an interview.
type Unit struct {
	// ID is stable across runs: source/respondent/question or source/file/turn.
	ID string
	// Source is the config name of the source.
	Source string
	// File is the input file, relative to the config's folder.
	File string
	// Respondent is the ID of the Respondent this unit belongs to.
	Respondent string
	// Question is the column name of a survey answer; empty for transcripts.
	Question string
	// QuestionLabel is the question text when the export carries one.
	QuestionLabel string
	// Speaker is the speaker label of a transcript turn; empty for surveys.
	Speaker string
	// Position locates the unit in its file for a human: "row 12",
	// "line 40" or a timestamp like "00:01:23.500".
	Position string
	// Seq orders the units within a file.
	Seq int
	// Text is the unit's text. Raw in ingest only; pseudonymized afterwards.
	Text string
	// Lang is the detected language ("nl" or "en"); empty means the study's.
	Lang string
	// Context marks interviewer turns: kept for reading, never coded.
	Context bool
}

// Span is a half-open byte range [Start, End) into a Unit's Text.
type Span struct {
	Start int
	End   int
}

// Match is one reason a code applies to a unit: the codebook term that
// matched, where, and whether it was negated ("geen werkdruk").
type Match struct {
	Code    string
	Term    string
	Span    Span
	Negated bool
}

// Coding is the coding stage's verdict on one unit.
type Coding struct {
	UnitID string
	// Codes lists every code that applies, including the ancestors of
	// matched codes, sorted by code ID. A code whose only matches are
	// negated under `negation: exclude` is not listed.
	Codes []string
	// Matches lists every match in text order (then by code ID).
	Matches []Match
}

// Has reports whether code applies to the coded unit.
func (c Coding) Has(code string) bool {
	for _, x := range c.Codes {
		if x == code {
			return true
		}
	}
	return false
}

// MakeUnitID derives a unit's stable ID from its source, respondent and
// question (survey) or turn number (transcript). Privacy calls it again after
// replacing the respondent with a pseudonym, so no raw ID survives in it.
func MakeUnitID(u Unit) string {
	if u.Question != "" {
		return u.Source + "/" + u.Respondent + "/" + u.Question
	}
	return u.Source + "/" + u.Respondent + "/t" + pad4(u.Seq)
}

func pad4(n int) string {
	s := []byte{'0', '0', '0', '0'}
	digits := []byte{}
	if n < 0 {
		n = -n
	}
	for n > 0 {
		digits = append([]byte{byte('0' + n%10)}, digits...)
		n /= 10
	}
	if len(digits) >= 4 {
		return string(digits)
	}
	copy(s[4-len(digits):], digits)
	return string(s)
}
