package config

// Config is a whole study's configuration. Field tags name the YAML keys;
// they are the contract users write against, documented in README.md.
type Config struct {
	Study      Study      `mapstructure:"study"`
	Sources    []Source   `mapstructure:"sources"`
	Codebook   string     `mapstructure:"codebook"`
	Output     Output     `mapstructure:"output"`
	Store      Store      `mapstructure:"store"`
	Privacy    Privacy    `mapstructure:"privacy"`
	Quotes     Quotes     `mapstructure:"quotes"`
	Analysis   Analysis   `mapstructure:"analysis"`
	Validation Validation `mapstructure:"validation"`

	// File is the absolute path of the config file that was loaded; Dir is
	// its folder, against which every relative path was resolved.
	File string `mapstructure:"-"`
	Dir  string `mapstructure:"-"`
}

// Study names the study and the language of report labels.
type Study struct {
	Name        string `mapstructure:"name"`
	Language    string `mapstructure:"language"` // nl or en
	Description string `mapstructure:"description"`
}

// Source is one set of input files read the same way.
type Source struct {
	Name string `mapstructure:"name"`
	Type string `mapstructure:"type"` // survey | transcript
	// Path is a file or a glob; resolved against the config's folder.
	Path string `mapstructure:"path"`
	// Format overrides detection: auto (default), generic, qualtrics,
	// surveymonkey, limesurvey, googleforms, xlsx, spss for surveys; text,
	// docx, vtt, srt for transcripts.
	Format string `mapstructure:"format"`
	// Encoding overrides detection: auto, utf-8, utf-16le, utf-16be, windows-1252.
	Encoding string `mapstructure:"encoding"`
	// Delimiter overrides sniffing: "," ";" "\t" (or "tab").
	Delimiter string `mapstructure:"delimiter"`
	// Sheet names the XLSX sheet; empty means the first.
	Sheet string `mapstructure:"sheet"`
	// Wave labels the data collection round of every respondent in the source.
	Wave string `mapstructure:"wave"`

	// IDColumn holds the respondent ID. Empty means row number.
	IDColumn string `mapstructure:"id_column"`
	// TextColumns are the open questions: column names, globs (Q5_*) or
	// "label:" followed by a substring of the question text.
	TextColumns []string `mapstructure:"text_columns"`
	// Attributes maps an attribute name (used in reports) to its column.
	Attributes map[string]string `mapstructure:"attributes"`
	// Personal lists columns holding personal data (names, e-mail); they are
	// dropped at ingest and never stored.
	Personal []string `mapstructure:"personal"`
	// WeightColumn holds survey weights; empty means unweighted.
	WeightColumn string `mapstructure:"weight_column"`
	// Likert lists groups of scale items sharing one ordered scale.
	Likert []Likert `mapstructure:"likert"`
	// NonAnswers are whole answers that are not units (case-insensitive,
	// trimmed). Empty means the default list (n.v.t., nvt, -, geen, nee,
	// n/a, none, weet niet, ...); answers that are empty are never units.
	NonAnswers []string `mapstructure:"non_answers"`

	// Interviewer lists speaker labels whose turns are context, not coded.
	Interviewer []string `mapstructure:"interviewer"`
	// Participants is a CSV sidecar mapping a transcript file or speaker to
	// a respondent ID and attributes (columns: file, speaker, respondent, then
	// attribute columns).
	Participants string `mapstructure:"participants"`
}

// Likert is a group of items answered on one ordered scale.
type Likert struct {
	// Scale lists the answer labels from lowest to highest; a label's
	// position (1..k) is its value. Numeric answers 1..k are accepted too.
	Scale []string `mapstructure:"scale"`
	// Items maps an item name (used in reports) to its column.
	Items map[string]string `mapstructure:"items"`
	// Labels optionally gives an item's report label (question text).
	Labels map[string]string `mapstructure:"labels"`
}

// Output says where reports go and in which formats.
type Output struct {
	Dir string `mapstructure:"dir"`
	// Formats selects outputs: html, md, csv, xlsx, qdpx (all by default);
	// manifest.json is always written.
	Formats []string `mapstructure:"formats"`
	// CSVDelimiter is "," (default) or ";" for Dutch Excel.
	CSVDelimiter string `mapstructure:"csv_delimiter"`
	// CSVBOM writes a UTF-8 byte order mark so Excel detects UTF-8.
	CSVBOM bool `mapstructure:"csv_bom"`
}

// Store locates the SQLite state file.
type Store struct {
	Path string `mapstructure:"path"`
}

// Privacy configures pseudonymization and small-cell suppression.
type Privacy struct {
	// MinCell: counts below it are shown as "<MinCell" (default 5).
	MinCell int `mapstructure:"min_cell"`
	// KeyFile holds the study secret for pseudonyms; created 0600 on the
	// first run. Keep it outside the repository.
	KeyFile string `mapstructure:"key_file"`
	// NamesFile lists extra person names to pseudonymize, one per line.
	NamesFile string `mapstructure:"names_file"`
	// Names lists extra person names inline.
	Names []string `mapstructure:"names"`
}

// Quotes configures illustrative quotes in reports.
type Quotes struct {
	PerCode int `mapstructure:"per_code"`
}

// Analysis configures breakdowns.
type Analysis struct {
	// Attributes to break down by; empty means every configured attribute.
	Attributes []string `mapstructure:"attributes"`
}

// Validation names human-coded samples to compare the auto-coding with.
type Validation struct {
	// Gold is a CSV of unit_id plus one 0/1 column per code (or a "codes"
	// column with ;-separated code IDs).
	Gold string `mapstructure:"gold"`
	// Second is an optional second human coder's file, for inter-coder
	// reliability against Gold.
	Second string `mapstructure:"second"`
}
